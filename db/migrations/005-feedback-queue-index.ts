import { Migration } from '@mikro-orm/migrations';

/** The feedback queue in deadline order, read a page at a time (as migration 004 does for dossiers). */
export class Migration005FeedbackQueueIndex extends Migration {
  override up(): void {
    this.addSql(`
drop index feedback_queue;
create index feedback_queue on feedback (agency_code, step_role, (least(classification_due_at, next_update_by, answer_due_at, result_entry_due_at)), received_at)
  where closed_at is null;
`);
  }
}
