import type { EntityManager } from '@mikro-orm/postgresql';
import { ProcedureForm } from '../domain/dossier/form';
import type { StoredFile } from '../domain/dossier/vocabulary';

/**
 * Keeping items in the citizen's data store (Kho quản lý dữ liệu điện tử), inside the transaction that
 * records the dossier's step: a retried step keeps nothing twice (an item is unique by its result code, or
 * by its owner, dossier and file: `on conflict do nothing`), and an item the citizen deleted is not put back.
 */

/**
 * At acceptance (003 §11.5): the files of the accepted version, when the citizen consented, each as a
 * document confirmed by the accepting agency. Files the citizen took from the store are there already.
 */
export async function keepAcceptedDocuments(tx: EntityManager, dossierCode: string, version: number, at: string): Promise<number> {
  const [d] = await tx.execute<{ citizen_id: string; agency_code: string; procedure_code: string; store_consent: boolean; form: unknown; files: StoredFile[] | null }[]>(
    `select d.citizen_id, d.agency_code, d.procedure_code, d.store_consent, p.form, v.files
       from dossier d join procedure p on p.code = d.procedure_code
       left join dossier_version v on v.dossier_code = d.code and v.version = ?
      where d.code = ?`,
    [version, dossierCode],
  );
  if (!d?.store_consent || !d.files) return 0;
  const labels = new Map(ProcedureForm.parse(d.form).files.map((c) => [c.name, c.label]));
  let kept = 0;
  for (const f of d.files.filter((x) => !x.source)) {
    const rows = await tx.execute(
      `insert into data_store_item (id, owner_id, kind, component, procedure_code, title, source_dossier_code, agency_code, file_id, filename, mime_type, size, sha256, kept_at)
       values (gen_random_uuid(), ?, 'document', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing returning id`,
      [d.citizen_id, f.component, d.procedure_code, labels.get(f.component) ?? f.component, dossierCode, d.agency_code,
        f.fileId, f.filename, f.mimeType, f.size, f.sha256, at],
    );
    kept += rows.length;
  }
  return kept;
}

/** A result delivered to its citizen's store under its code `<dossier code>-KQ<n>` (003 §14.1, §14.3.d). */
export async function deliverResult(tx: EntityManager, resultCode: string, at: string): Promise<void> {
  await tx.execute(
    `insert into data_store_item (id, owner_id, kind, procedure_code, title, source_dossier_code, agency_code, result_code, mime_type, sha256, valid_until, kept_at)
     select gen_random_uuid(), d.citizen_id, 'result', d.procedure_code, r.title, d.code, d.agency_code, r.code, 'application/pdf', r.sha256, r.valid_until, ?
       from dossier_result r join dossier d on d.code = r.dossier_code where r.code = ?
     on conflict do nothing`,
    [at, resultCode],
  );
}
