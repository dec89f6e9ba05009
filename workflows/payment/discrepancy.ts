import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { condition, defineQuery, defineSignal, defineUpdate, ParentClosePolicy, patched, proxyActivities, setHandler, startChild } from '@temporalio/workflow';
import type { Actor } from '../../domain/access/roles';
import { clearDiscrepancy, closeDiscrepancy, type DiscrepancyCase, type DiscrepancyState } from '../../domain/payment/discrepancy';
import type { DiscrepancyEvent, ReconciliationActivities } from '../../activities/reconciliation';
import { clockActivities, createSerial, handleStep, PATCHES, RECORDING } from '../shared';
import { createVisibility } from '../visibility';
import { calendarChangedSignal } from '../calendar/definitions';
import { REFUND_WORKFLOW } from './refund';

export const DISCREPANCY_WORKFLOW = 'discrepancyWorkflow';
/** The workflow starts from the case as reconciliation opened it. */
export type DiscrepancyWorkflowInput = DiscrepancyCase;
export const closeDiscrepancyUpdate = defineUpdate<{ code: string; status: DiscrepancyState['status']; seq: number }, [{ note: string; actor: Actor; requestId: string | null }]>('closeDiscrepancy');
/** A later reconciliation run no longer finds the mismatch. */
export const discrepancyClearedSignal = defineSignal('discrepancyCleared');
export const discrepancyViewQuery = defineQuery<{ state: DiscrepancyState; dueAt: string; recordedSeq: number }>('discrepancyView');

const acts = proxyActivities<ReconciliationActivities>(RECORDING);

/**
 * A discrepancy case (000 §34.5): the responsible party (bank, agency, portal) is told, and resolves it
 * with a note by the end of the next working day; once missed, the operators and the party are told
 * (once); a later run that no longer finds the mismatch clears it.
 */
export async function discrepancyWorkflow(input: DiscrepancyWorkflowInput): Promise<DiscrepancyState> {
  let state: DiscrepancyState = {
    code: input.code, kind: input.kind, responsible: input.responsible, agencyCode: input.agencyCode, bankCode: input.bankCode, status: 'open', escalated: false, seq: 1,
  };
  let recordedSeq = 0;
  const { serial, drained } = createSerial();
  const show = createVisibility();
  // Found by kind, agency and procedure from its first task on, even if its first step stalls.
  show({ kind: 'discrepancy', agencyCode: state.agencyCode, status: state.status });
  const clocks = clockActivities<ReconciliationActivities>();
  const record = async (after: DiscrepancyState, event: DiscrepancyEvent, actor: { id: string; role: string } | null, payload: Record<string, unknown>, requestId: string | null) => {
    await acts.recordDiscrepancy({ after, event, actor, at: new Date().toISOString(), payload, requestId });
    recordedSeq = after.seq;
    show({ kind: 'discrepancy', agencyCode: after.agencyCode, status: after.status });
  };

  let dueAt = input.dueAt;
  let version = 0;
  // The first record is queued before any update is handled (PATCHES.firstRecordFirst); processes started before queue it below.
  const initial = state;
  const firstRecord = patched(PATCHES.firstRecordFirst) ? serial(() => record(initial, 'open', null, { dueAt: input.dueAt }, null)) : null;

  setHandler(discrepancyViewQuery, () => ({ state, dueAt, recordedSeq }));
  // An announced calendar change (issue 15): the end of the next working day by the new calendar; the timer below re-armed.
  setHandler(calendarChangedSignal, ({ changeId, date, changedAt }) => {
    void serial(async () => {
      if (state.status !== 'open' || state.escalated || recordedSeq === 0) return;
      const from = dueAt;
      const to = await clocks.computeDiscrepancyDue({ detectedAt: input.detectedAt, calendarChangedAt: changedAt });
      if (to === from) return;
      dueAt = to;
      version++;
      state = { ...state, seq: state.seq + 1 };
      await record(state, 'deadline_moved', null, { changeId, date, from, dueAt: to }, null);
    });
  });
  handleStep(closeDiscrepancyUpdate, serial, {
    rule: ({ actor }) => closeDiscrepancy(state, actor),
    take: (t) => void (state = t.state),
    commit: async (t, { note, actor, requestId }) => {
      await record(t.state, 'close', { id: actor.id, role: t.role }, { note }, requestId);
      return { code: t.state.code, status: t.state.status, seq: t.state.seq };
    },
  });
  setHandler(discrepancyClearedSignal, () => {
    const after = clearDiscrepancy(state);
    if (!after) return;
    state = after;
    void serial(() => record(after, 'clear', null, {}, null));
  });

  if (firstRecord) await firstRecord;
  else {
    const opened = state;
    await serial(() => record(opened, 'open', null, { dueAt: input.dueAt }, null));
  }
  // Money taken twice or over the amount: the bank is ordered to refund it (000 §34.6).
  if (input.kind === 'duplicate_payment' || (input.kind === 'amount_differs' && input.responsible === 'bank')) {
    const refund = await acts.openRefundForCase({ code: input.code });
    if (refund) {
      try {
        await startChild(REFUND_WORKFLOW, { workflowId: refund.code, args: [refund], parentClosePolicy: ParentClosePolicy.ABANDON });
      } catch (e) {
        if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      }
    }
  }
  // One timer per deadline (a case without a calendar change waits exactly as before).
  for (;;) {
    const v = version;
    const wait = Date.parse(dueAt) - Date.now();
    if (wait <= 0 || !(await condition(() => state.status !== 'open' || version !== v, wait)) || state.status !== 'open') break;
  }
  if (state.status === 'open') {
    state = { ...state, escalated: true, seq: state.seq + 1 };
    const overdue = state;
    const missed = dueAt;
    await serial(() => record(overdue, 'overdue', null, { dueAt: missed }, null));
  }
  await condition(() => state.status !== 'open');
  await drained();
  return state;
}
