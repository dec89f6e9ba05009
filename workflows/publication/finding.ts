import { condition, defineQuery, defineUpdate, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Actor } from '../../domain/access/roles';
import { applyFindingAction, type FindingAction, type FindingEvent, type FindingState } from '../../domain/publication/findings';
import type { PublicationActivities } from '../../activities/publication';
import { clockActivities, createSerial, handleStep, PATCHES, RECORDING } from '../shared';
import { createVisibility } from '../visibility';
import { calendarChangedSignal } from '../calendar/definitions';

export const FINDING_WORKFLOW = 'dataQualityFindingWorkflow';
export interface FindingWorkflowInput {
  code: string;
  procedureCode: string;
  agencyCode: string;
  raisedAt: string;
  raisedBy: string;
  requestId: string | null;
}
export const findingActionUpdate = defineUpdate<{ code: string; status: FindingState['status']; seq: number }, [{ action: FindingAction; actor: Actor; requestId: string | null }]>('findingAction');
export const findingViewQuery = defineQuery<{ state: FindingState; dueAt: string | null; recordedSeq: number }>('findingView');

const acts = proxyActivities<PublicationActivities>(RECORDING);

/**
 * A data-quality finding (000 §24.2.a): the agency fixes it within 10 working days; once missed, the
 * agency's leaders are told (once); it ends when fixed or dismissed.
 */
export async function dataQualityFindingWorkflow(input: FindingWorkflowInput): Promise<FindingState> {
  let state: FindingState = { code: input.code, procedureCode: input.procedureCode, agencyCode: input.agencyCode, status: 'open', raisedAt: input.raisedAt, escalated: false, seq: 1 };
  let recordedSeq = 0;
  const { serial, drained } = createSerial();
  const show = createVisibility();
  // Found by kind, agency and procedure from its first task on, even if its first step stalls.
  show({ kind: 'finding', agencyCode: state.agencyCode, status: state.status, procedureCode: state.procedureCode });
  const clocks = clockActivities<PublicationActivities>();
  const record = async (after: FindingState, event: FindingEvent, actor: { id: string; role: string } | null, payload: Record<string, unknown>, requestId: string | null) => {
    await acts.recordFindingTransition({ after, event, actor, at: new Date().toISOString(), payload, requestId });
    recordedSeq = after.seq;
    show({ kind: 'finding', agencyCode: after.agencyCode, status: after.status, procedureCode: after.procedureCode });
  };
  let dueAt: string | null = null;

  // The first record is queued before any update is handled (PATCHES.firstRecordFirst); processes started before queue it below.
  const opened = state;
  const firstRecord = patched(PATCHES.firstRecordFirst)
    ? serial(async () => {
        const due = await clocks.computeFindingDue(opened);
        dueAt = due;
        await record(opened, 'raise', { id: input.raisedBy, role: 'operator' }, { dueAt: due }, input.requestId);
      })
    : null;

  setHandler(findingViewQuery, () => ({ state, dueAt, recordedSeq }));
  handleStep(findingActionUpdate, serial, {
    rule: ({ action, actor }) => applyFindingAction(state, action, actor),
    take: (t) => void (state = t.state),
    commit: async (t, { action, actor, requestId }) => {
      const { type, ...payload } = action;
      await record(t.state, type, { id: actor.id, role: t.role }, payload, requestId);
      return { code: t.state.code, status: t.state.status, seq: t.state.seq };
    },
  });

  // An announced calendar change (issue 15): the 10 working days by the new calendar; the timer below re-armed.
  let version = 0;
  setHandler(calendarChangedSignal, ({ changeId, date, changedAt }) => {
    void serial(async () => {
      if (state.status !== 'open' || state.escalated || !dueAt) return;
      const from = dueAt;
      const to = await clocks.computeFindingDue(state, { calendarChangedAt: changedAt });
      if (to === from) return;
      dueAt = to;
      version++;
      state = { ...state, seq: state.seq + 1 };
      await record(state, 'deadline_moved', null, { changeId, date, from, dueAt: to }, null);
    });
  });

  if (firstRecord) await firstRecord;
  else {
    const raised = state;
    const due = await clocks.computeFindingDue(state);
    dueAt = due;
    await serial(() => record(raised, 'raise', { id: input.raisedBy, role: 'operator' }, { dueAt: due }, input.requestId));
  }
  // One timer per deadline (a process without a calendar change waits exactly as before).
  for (;;) {
    const v = version;
    const wait = Date.parse(dueAt!) - Date.now();
    if (wait <= 0 || !(await condition(() => state.status !== 'open' || version !== v, wait)) || state.status !== 'open') break;
  }
  if (state.status === 'open') {
    state = { ...state, escalated: true, seq: state.seq + 1 };
    const overdue = state;
    const missed = dueAt;
    await serial(() => record(overdue, 'fix_overdue', null, { dueAt: missed }, null));
  }
  await condition(() => state.status !== 'open');
  await drained();
  return state;
}
