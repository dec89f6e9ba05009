import { Migration } from '@mikro-orm/migrations';

/**
 * A procedure's own waiting periods ({"supplementDays", "feeDays", "reminderDaysBefore"}, calendar days):
 * how long a dossier waits for the citizen before it is returned. Null: the platform's defaults.
 */
export class Migration011WaitingPeriods extends Migration {
  override up(): void {
    this.addSql('alter table procedure add column waiting_days jsonb;');
  }
}
