import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { DEFAULT_CLARIFICATION_WAIT } from '../domain/feedback/state';
import { DOSSIER_WORKFLOW, type DossierWorkflowInput } from '../workflows/dossier/definitions';
import { FEEDBACK_WORKFLOW, type FeedbackWorkflowInput } from '../workflows/feedback/definitions';

/**
 * Starts the workflow of every recorded submission (dossier or feedback) whose process never
 * started (a crash or an engine outage between recording and starting). Starting is keyed by the
 * record's code, so one already running is left alone: nothing lost, nothing doubled.
 */
export async function startMissingWorkflows(orm: MikroORM, client: Client, opts: { taskQueue: string; leadAgencyCode: string; clarificationDays?: number }, log: Logger, olderThanMs = 30_000): Promise<number> {
  const before = new Date(Date.now() - olderThanMs);
  const em = orm.em.fork();
  const starts: { id: string; type: string; input: DossierWorkflowInput | FeedbackWorkflowInput }[] = [];
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
