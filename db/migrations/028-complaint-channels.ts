import { Migration } from '@mikro-orm/migrations';

/**
 * How an account complaint came in (000 §13.1): through the portal by its signed-in owner, by an owner whose
 * account is locked (signed in through the identity provider, allowed only this form), or recorded by an
 * operator on the citizen's behalf (`filed_by`: the operator).
 */
export class Migration028ComplaintChannels extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table account_complaint
      add column channel text not null default 'portal' check (channel in ('portal', 'locked_account', 'operator')),
      add column filed_by uuid references account(id);`);
  }
}
