import { Migration } from '@mikro-orm/migrations';

/** Banks suspended by an operator for poor quality (000 §33.7): no longer offered; in-flight payments complete. */
export class Migration017BankSuspension extends Migration {
  override up(): void {
    this.addSql(`create table bank_suspension (
      bank_code text primary key,
      reason text not null,
      suspended_by uuid not null,
      suspended_at timestamptz not null default now()
    );`);
  }
}
