import type { EntityManager } from '@mikro-orm/postgresql';
import type { WaitingPeriods } from '../domain/dossier/waiting';
import { ACCEPTING_STATUSES, type ServiceStatus } from '../domain/publication/vocabulary';
import { formatVnTime } from '../domain/working-time/local-time';

/** The procedure version and the online service a new dossier goes to, as the catalogue has them today. */
export interface SubmissionTarget {
  code: string;
  agencyCode: string;
  version: number;
  processingDays: number;
  feeAmount: number;
  form: unknown;
  waitingDays: Partial<WaitingPeriods> | null;
  service: { code: string; status: ServiceStatus } | null;
  abolished: boolean;
}

/**
 * Where a submission to this procedure goes (Cơ sở dữ liệu quốc gia về TTHC): the version valid on the
 * day of receipt (Vietnam time), the procedure's online service at its agency. Null when no such procedure.
 */
export async function submissionTarget(em: EntityManager, procedureCode: string, at: Date): Promise<SubmissionTarget | null> {
  const day = formatVnTime(at).slice(0, 10);
  const [row] = await em.execute<{
    code: string; abolished_at: string | null; waiting_days: Partial<WaitingPeriods> | null; version: number | null; agency_code: string | null;
    processing_days: number | null; fee_amount: number | null; form: unknown; service_code: string | null; service_status: ServiceStatus | null;
  }[]>(
    `select p.code, p.abolished_at, p.waiting_days, v.version, v.agency_code, v.processing_days, v.fee_amount, v.form, s.code as service_code, s.status as service_status
       from procedure p
       left join lateral (select * from procedure_version v where v.procedure_code = p.code and v.valid_from <= ?::date and (v.valid_to is null or v.valid_to >= ?::date)
                          order by v.version desc limit 1) v on true
       left join online_service s on s.procedure_code = p.code and s.agency_code = v.agency_code
      where p.code = ?`,
    [day, day, procedureCode],
  );
  if (!row) return null;
  return {
    code: row.code, agencyCode: row.agency_code ?? '', version: row.version ?? 0, processingDays: row.processing_days ?? 0, feeAmount: row.fee_amount ?? 0,
    form: row.form, waitingDays: row.waiting_days, abolished: row.abolished_at !== null || row.version === null,
    service: row.service_code ? { code: row.service_code, status: row.service_status! } : null,
  };
}

/** Whether the service takes new dossiers now (in testing they are test dossiers). */
export const accepting = (s: SubmissionTarget['service']): boolean => s !== null && ACCEPTING_STATUSES.includes(s.status);
