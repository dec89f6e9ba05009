import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { DEFAULT_CLARIFICATION_WAIT } from '../domain/feedback/state';
import { DOSSIER_WORKFLOW, type DossierWorkflowInput } from '../workflows/dossier/definitions';
import { FEEDBACK_WORKFLOW, type FeedbackWorkflowInput } from '../workflows/feedback/definitions';
import { MAINTENANCE_WORKFLOW } from '../workflows/service-desk/maintenance';
import { COMPLAINT_WORKFLOW } from '../workflows/service-desk/complaint';
import { ADMIN_REQUEST_WORKFLOW } from '../workflows/service-desk/admin-account';
import { SUPPORT_WORKFLOW } from '../workflows/service-desk/support';

/**
 * Starts the workflow of every recorded submission (dossier, feedback, or a service-desk record) whose process never
 * started (a crash or an engine outage between recording and starting). Starting is keyed by the
 * record's code, so one already running is left alone: nothing lost, nothing doubled.
 */
export async function startMissingWorkflows(orm: MikroORM, client: Client, opts: { taskQueue: string; leadAgencyCode: string; clarificationDays?: number }, log: Logger, olderThanMs = 30_000): Promise<number> {
  const starts = await missingWorkflows(orm, opts, olderThanMs);
  let started = 0;
  for (const s of starts) {
    try {
      await client.workflow.start(s.type, { taskQueue: opts.taskQueue, workflowId: s.id, args: [s.input] });
      started++;
      log.warn({ code: s.id, workflow: s.type }, 'started missing workflow');
    } catch (e) {
      if ((e as Error).name !== 'WorkflowExecutionAlreadyStartedError') log.error({ err: e, code: s.id }, 'could not start workflow');
    }
  }
  return started;
}

/** The processes to start: every record older than `olderThanMs` whose process has recorded nothing, with its input. */
export async function missingWorkflows(orm: MikroORM, opts: { leadAgencyCode: string; clarificationDays?: number }, olderThanMs: number) {
  const before = new Date(Date.now() - olderThanMs);
  const em = orm.em.fork();
  const starts: { id: string; type: string; input: DossierWorkflowInput | FeedbackWorkflowInput | Record<string, unknown> }[] = [];
  const dossiers = await em.execute<{ code: string; procedure_code: string; agency_code: string; citizen_id: string; processing_days: number; fee_amount: number; received_at: string; waiting_days: DossierWorkflowInput['waiting'] }[]>(
    `select d.code, d.procedure_code, d.agency_code, d.citizen_id, d.processing_days, d.fee_amount, d.received_at, p.waiting_days
       from dossier d join procedure p on p.code = d.procedure_code where d.seq = 0 and d.received_at < ? order by d.received_at limit 1000`,
    [before],
  );
  for (const r of dossiers) {
    starts.push({ id: r.code, type: DOSSIER_WORKFLOW, input: {
      code: r.code, procedureCode: r.procedure_code, agencyCode: r.agency_code, citizenId: r.citizen_id,
      processingDays: r.processing_days, feeAmount: r.fee_amount, receivedAt: new Date(r.received_at).toISOString(), requestId: null, waiting: r.waiting_days,
    } });
  }
  const feedback = await em.execute<{ code: string; citizen_id: string | null; origin_agency_code: string; received_at: string; escalated: boolean }[]>(
    'select code, citizen_id, origin_agency_code, received_at, escalated from feedback where seq = 0 and updated_at < ? order by received_at limit 1000',
    [before],
  );
  for (const r of feedback) {
    starts.push({ id: r.code, type: FEEDBACK_WORKFLOW, input: {
      code: r.code, citizenId: r.citizen_id, agencyCode: r.origin_agency_code, receivedAt: new Date(r.received_at).toISOString(),
      leadAgencyCode: opts.leadAgencyCode, escalated: r.escalated, requestId: null,
      clarificationWait: opts.clarificationDays ? { ...DEFAULT_CLARIFICATION_WAIT, days: opts.clarificationDays } : null,
    } });
  }
  // The service desk's records (issue 17): each process's input is in its row.
  const iso = (v: string) => new Date(v).toISOString();
  const desk: [string, string, (r: Record<string, string | boolean | null>) => Record<string, unknown>][] = [
    [MAINTENANCE_WORKFLOW, 'select code, starts_at, ends_at, announced_by, emergency from maintenance_notice where seq = 0 and announced_at < ? limit 1000',
      (r) => ({ code: r.code, startsAt: iso(String(r.starts_at)), endsAt: iso(String(r.ends_at)), announcedBy: r.announced_by, emergency: r.emergency, requestId: null })],
    [COMPLAINT_WORKFLOW, 'select code, account_id, filed_at from account_complaint where seq = 0 and filed_at < ? limit 1000',
      (r) => ({ code: r.code, accountId: r.account_id, filedAt: iso(String(r.filed_at)), requestId: null })],
    [ADMIN_REQUEST_WORKFLOW, 'select code, agency_code, requested_at, requested_by from admin_account_request where seq = 0 and requested_at < ? limit 1000',
      (r) => ({ code: r.code, agencyCode: r.agency_code, requestedAt: iso(String(r.requested_at)), requestedBy: r.requested_by, requestId: null })],
    [SUPPORT_WORKFLOW, 'select code, requester_id, agency_code, received_at from support_request where seq = 0 and received_at < ? limit 1000',
      (r) => ({ code: r.code, requesterId: r.requester_id, agencyCode: r.agency_code, receivedAt: iso(String(r.received_at)), requestId: null })],
  ];
  for (const [type, sql, input] of desk) {
    for (const r of await em.execute<Record<string, string | boolean | null>[]>(sql, [before])) starts.push({ id: String(r.code), type, input: input(r) });
  }
  return starts;
}
