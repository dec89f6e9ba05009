import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes that let the officers' queue and the supervisors' overdue list read only the page they show
 * (found by bench/http.ts: the first versions sorted every matching dossier of the agency).
 */
export class Migration004QueueIndexes extends Migration {
  override up(): void {
    this.addSql(`
drop index dossier_queue;
create index dossier_queue on dossier (agency_code, step_role, (coalesce(acceptance_due_at, legal_due_at)), received_at);
drop index dossier_overdue;
create index dossier_overdue on dossier (agency_code, overdue_level desc, (coalesce(legal_due_at, acceptance_due_at)))
  where (overdue_level > 0 or acceptance_overdue) and status not in ('completed', 'withdrawn', 'rejected');
`);
  }
}
