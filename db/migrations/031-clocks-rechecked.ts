import { Migration } from '@mikro-orm/migrations';

/**
 * Processes that check their clocks against the calendar when they wake (issue 30): a calendar change
 * moves their deadlines later in the records in bulk, without waking each process. Set by the process's
 * own records; a process recorded before keeps being signalled, as before.
 */
export class Migration031ClocksRechecked extends Migration {
  override async up(): Promise<void> {
    // A constant default: no table rewrite.
    this.addSql('alter table dossier add column clocks_rechecked boolean not null default false;');
    // The last calendar change the job moved the deadlines by, as the citizen reads it: { changeId, date, at, from, to }.
    this.addSql('alter table dossier add column calendar_move jsonb;');
    this.addSql('alter table feedback add column clocks_rechecked boolean not null default false;');
    // What feedback's working-day clocks run from ({ classificationFrom, resultReachedAt }): the job recomputes them.
    this.addSql('alter table feedback add column clock_from jsonb;');
    this.addSql('alter table feedback add column calendar_move jsonb;');
  }
}
