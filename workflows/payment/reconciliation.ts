import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { executeChild, getExternalWorkflowHandle, isCancellation, ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { ReconciliationActivities } from '../../activities/reconciliation';
import { discrepancyClearedSignal, discrepancyWorkflow } from './discrepancy';

export const RECONCILIATION_SCHEDULE = 'payment-reconciliation-daily';
export const DAILY_RECONCILIATION_WORKFLOW = 'dailyReconciliationWorkflow';
export const RECONCILIATION_WORKFLOW = 'reconciliationWorkflow';
export const reconciliationWorkflowId = (day: string) => `reconciliation-${day}`;

const acts = proxyActivities<ReconciliationActivities>({
  // A day of a million rows per source takes minutes; the heartbeat-free activities get room and retries.
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes', maximumAttempts: 20 },
});

/**
 * One business day's reconciliation (đối soát, 000 §34.4): the banks' statements not yet uploaded are
 * fetched from the banks, the three relations compared, a discrepancy case process started for each new
 * mismatch (its own clock, 000 §34.5), and cases no longer found (a corrected file) cleared.
 */
export async function reconciliationWorkflow(input: { day: string }): Promise<{ day: string; opened: number; cleared: number; fetched: string[]; unavailable: string[] }> {
  const files = await acts.fetchMissingStatements({ day: input.day });
  const outcome = await acts.reconcile({ day: input.day, now: new Date().toISOString() });
  for (const c of outcome.opened) {
    try {
      await startChild(discrepancyWorkflow, {
        workflowId: c.code, args: [c], parentClosePolicy: ParentClosePolicy.ABANDON, workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (e) {
      // Opened by an earlier attempt of this run: it is already running.
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    }
  }
  for (const code of outcome.cleared) {
    try {
      await getExternalWorkflowHandle(code).signal(discrepancyClearedSignal);
    } catch (e) {
      if (isCancellation(e)) throw e;
      // A case whose process has ended (closed meanwhile) has nothing to clear.
    }
  }
  return { day: input.day, opened: outcome.opened.length, cleared: outcome.cleared.length, ...files };
}

/**
 * Run by the daily Schedule (06:00, Vietnam time): reconciles every business day from the last one
 * reconciled (at most 31 days back) up to yesterday, so that a missed day is caught up.
 */
export async function dailyReconciliationWorkflow(): Promise<{ days: string[] }> {
  const days = await acts.daysToReconcile({ now: new Date().toISOString() });
  for (const day of days) {
    await executeChild(reconciliationWorkflow, { workflowId: reconciliationWorkflowId(day), args: [{ day }], workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE });
  }
  return { days };
}
