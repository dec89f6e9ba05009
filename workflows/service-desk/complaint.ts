import { allHandlersFinished, condition, defineQuery, defineUpdate, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Actor } from '../../domain/access/roles';
import { applyComplaintAction, nextComplaintDeadline, type ComplaintAction, type ComplaintEvent, type ComplaintState } from '../../domain/service-desk/complaints';
import type { ServiceDeskActivities } from '../../activities/service-desk';
import { createSerial, handleStep, PATCHES, RECORDING } from '../shared';
import { createVisibility } from '../visibility';

export const COMPLAINT_WORKFLOW = 'accountComplaintWorkflow';
export interface ComplaintWorkflowInput { code: string; accountId: string; filedAt: string; requestId: string | null }
export const complaintActionUpdate = defineUpdate<ComplaintState, [{ action: ComplaintAction; actor: Actor; requestId: string | null }]>('complaintAction');
export const complaintViewQuery = defineQuery<{ state: ComplaintState; recordedSeq: number }>('complaintView');

const acts = proxyActivities<ServiceDeskActivities>(RECORDING);

/**
 * An account complaint (000 §13.1): the parties notified within 24 hours and the outcome within 48 (clock
 * hours); each missed clock escalates once to the operators; an unlock as the outcome goes through the
 * audited unlock (in the recording activity).
 */
export async function accountComplaintWorkflow(input: ComplaintWorkflowInput): Promise<ComplaintState> {
  let state: ComplaintState = { code: input.code, accountId: input.accountId, status: 'received', filedAt: input.filedAt, notifyOverdue: false, outcomeOverdue: false, seq: 1 };
  let recordedSeq = 0;
  let version = 0;
  const { serial, drained } = createSerial();
  const show = createVisibility();
  const overdue = () => (state.outcomeOverdue ? 2 : state.notifyOverdue ? 1 : 0);
  show({ kind: 'complaint', agencyCode: null, status: state.status, overdueLevel: 0 });
  const record = async (after: ComplaintState, event: ComplaintEvent, actor: { id: string; role: string } | null, payload: Record<string, unknown>, requestId: string | null) => {
    await acts.recordComplaint({ after, event, actor, at: new Date().toISOString(), payload, requestId });
    recordedSeq = after.seq;
    show({ kind: 'complaint', agencyCode: null, status: after.status, overdueLevel: overdue() });
  };

  // The first record is queued before any update is handled (PATCHES.firstRecordFirst); processes started before queue it below.
  const opened = state;
  const firstRecord = patched(PATCHES.firstRecordFirst) ? serial(() => record(opened, 'file', null, {}, input.requestId)) : null;

  setHandler(complaintViewQuery, () => ({ state, recordedSeq }));
  handleStep(complaintActionUpdate, serial, {
    rule: ({ action, actor }) => applyComplaintAction(state, action, actor),
    take: (t) => {
      state = t.state;
      version++;
    },
    commit: async (t, { action, actor, requestId }) => {
      const { type, ...payload } = action;
      await record(t.state, type, { id: actor.id, role: t.role }, payload, requestId);
      return t.state;
    },
  });

  if (firstRecord) await firstRecord;
  else {
    const filed = state;
    await serial(() => record(filed, 'file', null, {}, input.requestId));
  }
  for (;;) {
    const v = version;
    const next = nextComplaintDeadline(state);
    if (!next) break;
    const wait = Date.parse(next.at) - Date.now();
    if (wait > 0 && (await condition(() => version !== v, wait))) continue;
    await serial(async () => {
      const still = nextComplaintDeadline(state);
      if (!still || still.kind !== next.kind) return;
      state = { ...state, seq: state.seq + 1, ...(next.kind === 'notify_overdue' ? { notifyOverdue: true } : { outcomeOverdue: true }) };
      await record(state, next.kind, null, { dueAt: next.at }, null);
    });
  }
  await condition(() => state.status === 'resolved');
  await condition(allHandlersFinished);
  await drained();
  return state;
}
