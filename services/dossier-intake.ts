import type { EntityManager } from '@mikro-orm/postgresql';
import { formatVnTime } from '../domain/working-time/local-time';
import type { StoredFile } from '../domain/dossier/vocabulary';

export interface NewDossier {
  procedureCode: string;
  agencyCode: string;
  citizenId: string;
  processingDays: number;
  feeAmount: number;
  formData: Record<string, unknown>;
  files: StoredFile[];
  receivedAt: Date;
  idempotencyKey: string | null;
  /** SHA-256 of what the request carried, kept with the key. */
  idempotencyFingerprint?: string | null;
  /** The catalogue version the dossier is submitted under (it keeps it whatever changes later). */
  procedureVersion?: number | null;
  /** The online service it was submitted to, and whether that service was in testing (a test dossier). */
  serviceCode?: string | null;
  isTest?: boolean;
  /** The citizen's consent that the documents, once accepted, are kept in their data store (003 §11.5). */
  storeConsent?: boolean;
}

/** Dossier code (mã hồ sơ): `<agency>-<yymmdd>-<number>`, unique, never changed afterwards. */
export async function nextDossierCode(em: EntityManager, agencyCode: string, at: Date): Promise<string> {
  const [row] = await em.execute<{ n: string }[]>("select nextval('dossier_number') as n");
  const day = formatVnTime(at).slice(2, 10).replaceAll('-', '');
  return `${agencyCode}-${day}-${String(row!.n).padStart(6, '0')}`;
}

/**
 * Records a submitted dossier (version 1 and its files) in one transaction, before its workflow
 * starts. `seq = 0` marks it as not yet taken over by its workflow; the worker's recovery starts
 * the workflow of any such dossier left behind by a crash between the two steps.
 */
export async function recordSubmission(em: EntityManager, d: NewDossier): Promise<{ code: string; created: boolean }> {
  return em.transactional(async (tx) => {
    if (d.idempotencyKey) {
      const [existing] = await tx.execute<{ code: string }[]>('select code from dossier where citizen_id = ? and idempotency_key = ?', [
        d.citizenId,
        d.idempotencyKey,
      ]);
      if (existing) return { code: existing.code, created: false };
    }
    const code = await nextDossierCode(tx, d.agencyCode, d.receivedAt);
    await tx.execute(
      `insert into dossier (code, procedure_code, agency_code, citizen_id, status, form_data, received_at, processing_days, fee_amount, step_role, idempotency_key, idempotency_fingerprint, seq,
                            procedure_version, service_code, is_test, store_consent)
       values (?, ?, ?, ?, 'submitted', ?::jsonb, ?, ?, ?, 'receiving_officer', ?, ?, 0, ?, ?, ?, ?)`,
      [code, d.procedureCode, d.agencyCode, d.citizenId, JSON.stringify(d.formData), d.receivedAt, d.processingDays, d.feeAmount, d.idempotencyKey, d.idempotencyFingerprint ?? null,
        d.procedureVersion ?? null, d.serviceCode ?? null, d.isTest ?? false, d.storeConsent ?? false],
    );
    await tx.execute(
      'insert into dossier_version (dossier_code, version, form_data, files, submitted_at) values (?, 1, ?::jsonb, ?::jsonb, ?)',
      [code, JSON.stringify(d.formData), JSON.stringify(d.files), d.receivedAt],
    );
    return { code, created: true };
  });
}
