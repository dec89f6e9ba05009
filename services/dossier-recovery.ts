import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { DOSSIER_WORKFLOW, type DossierWorkflowInput } from '../workflows/dossier/definitions';

/**
 * Starts the workflow of every recorded submission whose process never started (a crash or an
 * engine outage between recording and starting). Starting is keyed by the dossier code, so a
 * dossier whose workflow is already running is left alone: nothing lost, nothing doubled.
 */
export async function startMissingDossierWorkflows(orm: MikroORM, client: Client, taskQueue: string, log: Logger, olderThanMs = 30_000): Promise<number> {
  const rows = await orm.em.fork().execute<{ code: string; procedure_code: string; agency_code: string; citizen_id: string; processing_days: number; fee_amount: number; received_at: Date }[]>(
    `select code, procedure_code, agency_code, citizen_id, processing_days, fee_amount, received_at from dossier
      where seq = 0 and received_at < ? order by received_at limit 1000`,
    [new Date(Date.now() - olderThanMs)],
  );
  let started = 0;
  for (const r of rows) {
    const input: DossierWorkflowInput = {
      code: r.code, procedureCode: r.procedure_code, agencyCode: r.agency_code, citizenId: r.citizen_id,
      processingDays: r.processing_days, feeAmount: r.fee_amount, receivedAt: r.received_at.toISOString(), requestId: null,
    };
    try {
      await client.workflow.start(DOSSIER_WORKFLOW, { taskQueue, workflowId: r.code, args: [input] });
      started++;
      log.warn({ code: r.code }, 'started missing dossier workflow');
    } catch (e) {
      if ((e as Error).name !== 'WorkflowExecutionAlreadyStartedError') log.error({ err: e, code: r.code }, 'could not start dossier workflow');
    }
  }
  return started;
}
