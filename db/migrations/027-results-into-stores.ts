import { Migration } from '@mikro-orm/migrations';

/**
 * The results issued before the data store existed (migration 025) are delivered to their citizens'
 * stores too, as if on the day they were issued (003 §14.1). Documents are not: no citizen had consented
 * to keep them.
 */
export class Migration027ResultsIntoStores extends Migration {
  override async up(): Promise<void> {
    this.addSql(`insert into data_store_item (id, owner_id, kind, procedure_code, title, source_dossier_code, agency_code, result_code, mime_type, sha256, valid_until, kept_at)
select gen_random_uuid(), d.citizen_id, 'result', d.procedure_code, r.title, d.code, d.agency_code, r.code, 'application/pdf', r.sha256, r.valid_until, r.issued_at
  from dossier_result r join dossier d on d.code = r.dossier_code
on conflict do nothing;`);
  }
}
