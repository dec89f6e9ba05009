import { Migration } from '@mikro-orm/migrations';

/**
 * Banks' integration accounts (issue 33): an integration account may speak for a bank or payment
 * intermediary (its code as in PAYMENT_BANKS), which then sends its own daily statements and answers the
 * discrepancies it is responsible for through the API, under its own identity.
 */
export class Migration029BankAccounts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table account add column bank_code text check (bank_code is null or kind = 'integration');`);
  }
}
