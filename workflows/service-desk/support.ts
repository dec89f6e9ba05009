import { allHandlersFinished, condition, defineQuery, defineUpdate, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Actor } from '../../domain/access/roles';
import { applySupportAction, type SupportAction, type SupportEvent, type SupportState } from '../../domain/service-desk/support';
import type { ServiceDeskActivities } from '../../activities/service-desk';
import { calendarChangedSignal } from '../calendar/definitions';
import { clockActivities, createSerial, handleStep, PATCHES, RECORDING } from '../shared';
import { createVisibility } from '../visibility';

export const SUPPORT_WORKFLOW = 'supportRequestWorkflow';
export interface SupportWorkflowInput { code: string; requesterId: string; agencyCode: string | null; receivedAt: string; requestId: string | null }
export const supportActionUpdate = defineUpdate<SupportState, [{ action: SupportAction; actor: Actor; requestId: string | null }]>('supportAction');
export const supportViewQuery = defineQuery<{ state: SupportState; dueAt: string | null; recordedSeq: number }>('supportView');

const acts = proxyActivities<ServiceDeskActivities>(RECORDING);

/**
 * A support or incident request (002 §32.1–32.2): 8 working hours, or the expected completion published
 * for a complex one (revisable with a reason); each clock that passes escalates once; resolved, the
 * requester confirms or reopens it within 5 working days, after which it closes by itself.
 */
export async function supportRequestWorkflow(input: SupportWorkflowInput): Promise<SupportState> {
  let state: SupportState = {
    code: input.code, requesterId: input.requesterId, status: 'received', complexity: null, clockFrom: input.receivedAt, expectedAt: null, clock: 0, escalatedClock: -1, seq: 1,
  };
  let recordedSeq = 0;
  let version = 0;
  let dueAt: string | null = null;
  const { serial, drained } = createSerial();
  const show = createVisibility();
  const clocks = clockActivities<ServiceDeskActivities>();
  const view = () => ({ kind: 'support' as const, agencyCode: input.agencyCode, status: state.status, overdueLevel: state.escalatedClock === state.clock ? 1 : 0 });
  show(view());
  const refresh = async (calendarChangedAt?: string) => {
    dueAt = await clocks.computeSupportDue({ status: state.status, clockFrom: state.clockFrom, expectedAt: state.expectedAt, ...(calendarChangedAt ? { calendarChangedAt } : {}) });
    version++;
  };
  const record = async (after: SupportState, event: SupportEvent, actor: { id: string; role: string } | null, payload: Record<string, unknown>, requestId: string | null) => {
    await acts.recordSupport({ after, event, actor, at: new Date().toISOString(), dueAt, payload, requestId });
    recordedSeq = after.seq;
    show(view());
  };

  // The first record is queued before any update is handled (PATCHES.firstRecordFirst); processes started before queue it below.
  const opened = state;
  const firstRecord = patched(PATCHES.firstRecordFirst)
    ? serial(async () => {
        await refresh();
        await record(opened, 'submit', { id: input.requesterId, role: 'requester' }, {}, input.requestId);
      })
    : null;

  setHandler(supportViewQuery, () => ({ state, dueAt, recordedSeq }));
  handleStep(supportActionUpdate, serial, {
    rule: ({ action, actor }, at) => {
      const t = applySupportAction(state, action, actor, at);
      return { ...t, clockChanged: t.state.clock !== state.clock || t.state.status !== state.status };
    },
    take: (t) => {
      state = t.state;
      version++;
    },
    commit: async (t, { action, actor, requestId }) => {
      const { type, ...payload } = action;
      if (t.clockChanged) await refresh();
      await record(t.state, type, { id: actor.id, role: t.role }, payload, requestId);
      return t.state;
    },
  });
  setHandler(calendarChangedSignal, ({ changeId, date, changedAt }) => {
    void serial(async () => {
      if (state.status === 'closed' || !dueAt || recordedSeq === 0) return;
      const from = dueAt;
      await refresh(changedAt);
      if (dueAt === from) return;
      state = { ...state, seq: state.seq + 1 };
      await record(state, 'deadline_moved', null, { changeId, date, from, dueAt }, null);
    });
  });

  if (firstRecord) await firstRecord;
  else {
    const received = state;
    await serial(async () => {
      await refresh();
      await record(received, 'submit', { id: input.requesterId, role: 'requester' }, {}, input.requestId);
    });
  }
  while (state.status !== 'closed') {
    const v = version;
    const due = dueAt!;
    const wait = Date.parse(due) - Date.now();
    if (wait > 0 && (await condition(() => version !== v, wait))) continue;
    await serial(async () => {
      if (version !== v || state.status === 'closed') return;
      if (state.status === 'resolved') {
        state = { ...state, status: 'closed', seq: state.seq + 1 };
        await record(state, 'auto_close', null, { dueAt: due }, null);
      } else if (state.escalatedClock !== state.clock) {
        state = { ...state, escalatedClock: state.clock, seq: state.seq + 1 };
        await record(state, 'overdue', null, { dueAt: due }, null);
      }
    });
    // An escalated clock waits for the next step (a revision, a resolution) without firing again.
    const now = state.status as SupportState['status']; // (changed by the handlers while awaiting)
    if (now !== 'closed' && now !== 'resolved' && state.escalatedClock === state.clock) {
      const v2 = version;
      await condition(() => version !== v2);
    }
  }
  await condition(allHandlersFinished);
  await drained();
  return state;
}
