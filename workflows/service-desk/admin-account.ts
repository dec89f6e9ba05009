import { allHandlersFinished, condition, defineQuery, defineUpdate, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Actor } from '../../domain/access/roles';
import { decideAdminRequest, type AdminRequestDecision, type AdminRequestEvent, type AdminRequestState } from '../../domain/service-desk/admin-accounts';
import type { ServiceDeskActivities } from '../../activities/service-desk';
import { calendarChangedSignal } from '../calendar/definitions';
import { clockActivities, createSerial, handleStep, PATCHES, RECORDING } from '../shared';
import { createVisibility } from '../visibility';

export const ADMIN_REQUEST_WORKFLOW = 'adminAccountRequestWorkflow';
export interface AdminRequestWorkflowInput { code: string; agencyCode: string; requestedAt: string; requestedBy: string; requestId: string | null }
export const adminRequestDecisionUpdate = defineUpdate<AdminRequestState, [{ decision: AdminRequestDecision; actor: Actor; requestId: string | null }]>('adminRequestDecision');
export const adminRequestViewQuery = defineQuery<{ state: AdminRequestState; dueAt: string | null; recordedSeq: number }>('adminRequestView');

const acts = proxyActivities<ServiceDeskActivities>(RECORDING);

/**
 * A unit's request for an administrator account (002 §10.4): system administrators create it with the
 * requested role group only (least privilege) or refuse it with a reason, within 2 working hours; once
 * missed, the operators and system administrators are told (once). An announced calendar change moves the
 * deadline like every working-day clock.
 */
export async function adminAccountRequestWorkflow(input: AdminRequestWorkflowInput): Promise<AdminRequestState> {
  let state: AdminRequestState = { code: input.code, agencyCode: input.agencyCode, status: 'pending', overdue: false, seq: 1 };
  let recordedSeq = 0;
  let version = 0;
  let dueAt: string | null = null;
  const { serial, drained } = createSerial();
  const show = createVisibility();
  const clocks = clockActivities<ServiceDeskActivities>();
  show({ kind: 'admin_request', agencyCode: state.agencyCode, status: state.status, overdueLevel: 0 });
  const record = async (after: AdminRequestState, event: AdminRequestEvent, actor: { id: string; role: string } | null, payload: Record<string, unknown>, requestId: string | null) => {
    await acts.recordAdminRequest({ after, event, actor, at: new Date().toISOString(), payload, requestId });
    recordedSeq = after.seq;
    show({ kind: 'admin_request', agencyCode: after.agencyCode, status: after.status, overdueLevel: after.overdue ? 1 : 0 });
  };

  // The first record is queued before any update is handled (PATCHES.firstRecordFirst); processes started before queue it below.
  const opened = state;
  const firstRecord = patched(PATCHES.firstRecordFirst)
    ? serial(async () => {
        const due = await clocks.computeAdminRequestDue({ requestedAt: input.requestedAt });
        dueAt = due;
        await record(opened, 'request', { id: input.requestedBy, role: 'unit_admin' }, { dueAt: due }, input.requestId);
      })
    : null;

  setHandler(adminRequestViewQuery, () => ({ state, dueAt, recordedSeq }));
  handleStep(adminRequestDecisionUpdate, serial, {
    rule: ({ decision, actor }) => decideAdminRequest(state, decision, actor),
    take: (after) => {
      state = after;
      version++;
    },
    commit: async (after, { decision, actor, requestId }) => {
      const { type, ...payload } = decision;
      await record(after, type, { id: actor.id, role: 'system_admin' }, payload, requestId);
      return after;
    },
  });
  setHandler(calendarChangedSignal, ({ changeId, date, changedAt }) => {
    void serial(async () => {
      if (state.status !== 'pending' || state.overdue || !dueAt) return;
      const from = dueAt;
      const to = await clocks.computeAdminRequestDue({ requestedAt: input.requestedAt, calendarChangedAt: changedAt });
      if (to === from) return;
      dueAt = to;
      version++;
      state = { ...state, seq: state.seq + 1 };
      await record(state, 'deadline_moved', null, { changeId, date, from, dueAt: to }, null);
    });
  });

  if (firstRecord) await firstRecord;
  else {
    const due = await clocks.computeAdminRequestDue({ requestedAt: input.requestedAt });
    dueAt = due;
    const requested = state;
    await serial(() => record(requested, 'request', { id: input.requestedBy, role: 'unit_admin' }, { dueAt: due }, input.requestId));
  }
  for (;;) {
    const v = version;
    const wait = Date.parse(dueAt!) - Date.now();
    if (wait <= 0 || !(await condition(() => state.status !== 'pending' || version !== v, wait)) || state.status !== 'pending') break;
  }
  if (state.status === 'pending') {
    state = { ...state, overdue: true, seq: state.seq + 1 };
    const late = state;
    const missed = dueAt;
    await serial(() => record(late, 'overdue', null, { dueAt: missed }, null));
  }
  await condition(() => state.status !== 'pending');
  await condition(allHandlersFinished);
  await drained();
  return state;
}
