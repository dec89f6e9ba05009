import { allHandlersFinished, condition, log, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { PublicationActivities, PublicationTransitionRecord } from '../../activities/publication';
import { nextPublicationDeadline, onPublicationDeadline, type PublicationSchedule } from '../../domain/publication/deadlines';
import { applyPublicationAction, initialPublicationState, isPublicationClosed, type PublicationState } from '../../domain/publication/state';
import { clockActivities, createSerial, handleStep, PATCHES, RECORDING } from '../shared';
import { createVisibility } from '../visibility';
import { publicationActionUpdate, publicationViewQuery, type PublicationWorkflowInput } from './definitions';
import { calendarChangedSignal } from '../calendar/definitions';

const acts = proxyActivities<PublicationActivities>(RECORDING);

/**
 * Publication of an online service (RULES.md §3; 000 §27–28, 003 §23.5), one process per service: the
 * agency declares it and asks for test publication; the operator reviews (2 working days); the agency
 * tests (5 working days) and reports; the operator confirms (2 working days); a 2-month pilot; official
 * operation. Each missed clock escalates once; returns loop; suspension and stop at any time after testing.
 */
export async function servicePublicationWorkflow(input: PublicationWorkflowInput): Promise<PublicationState> {
  let state: PublicationState = initialPublicationState(input);
  if (input.adoptedStatus) state = { ...state, status: input.adoptedStatus };
  let schedule: PublicationSchedule = { stepDueAt: null };
  let recorded: PublicationState | null = null;
  let version = 0;
  const { serial, drained } = createSerial();
  const show = createVisibility();
  // Found by kind, agency and procedure from its first task on, even if its first step stalls.
  show({ kind: 'publication', agencyCode: state.agencyCode, status: state.status, overdueLevel: state.escalated ? 1 : 0, procedureCode: state.procedureCode });

  const clocks = clockActivities<PublicationActivities>();
  const refreshSchedule = async (calendarChangedAt?: string) => {
    schedule = await clocks.computePublicationSchedule(state, calendarChangedAt ? { calendarChangedAt } : {});
    version++;
  };
  const record = async (after: PublicationState, event: PublicationTransitionRecord['event'], rest: Omit<PublicationTransitionRecord, 'before' | 'after' | 'event' | 'schedule'>) => {
    await acts.recordPublicationTransition({ before: recorded, after, schedule, event, ...rest });
    recorded = after;
    show({ kind: 'publication', agencyCode: after.agencyCode, status: after.status, overdueLevel: after.escalated ? 1 : 0, procedureCode: after.procedureCode });
  };

  // The first record is queued before any update is handled (PATCHES.firstRecordFirst); processes started before queue it below.
  const recordDeclaration = (declared: typeof state) =>
    serial(async () => {
      await refreshSchedule();
      await record(declared, 'declare', {
        actor: input.declaredBy ? { id: input.declaredBy.id, name: '', role: input.declaredBy.role } : null, at: input.declaredAt,
        payload: input.adoptedStatus ? { adoptedStatus: input.adoptedStatus } : {}, requestId: input.requestId,
      });
    });
  const firstRecord = patched(PATCHES.firstRecordFirst) ? recordDeclaration(state) : null;

  setHandler(publicationViewQuery, () => ({ state, schedule, recordedSeq: recorded?.seq ?? 0 }));
  handleStep(publicationActionUpdate, serial, {
    rule: ({ action, actor }, at) => applyPublicationAction(state, action, actor, at),
    take: (t, { action, actor, requestId }) => {
      state = t.state;
      version++;
      log.info('publication action', { code: state.code, action: action.type, actor: actor.id, requestId });
    },
    commit: async (t, { action, actor, requestId }, at) => {
      await refreshSchedule();
      const { type: _type, ...payload } = action;
      await record(t.state, action.type, { actor: { id: actor.id, name: actor.name, role: t.role }, at, payload, requestId });
      return { code: t.state.code, status: t.state.status, seq: t.state.seq };
    },
  });

  // An announced calendar change (issue 15): the step's clock the new calendar gives; a moved one is a history entry.
  setHandler(calendarChangedSignal, ({ changeId, date, changedAt }) => {
    void serial(async () => {
      if (isPublicationClosed(state) || !recorded) return;
      const from = schedule.stepDueAt;
      await refreshSchedule(changedAt);
      if (schedule.stepDueAt === from) return;
      state = { ...state, seq: state.seq + 1 };
      await record(state, 'deadline_moved', { actor: null, at: new Date().toISOString(), payload: { changeId, date, from, to: schedule.stepDueAt }, requestId: null });
    });
  });

  await (firstRecord ?? recordDeclaration(state));

  while (!isPublicationClosed(state)) {
    const v = version;
    const next = nextPublicationDeadline(state, schedule);
    if (!next) {
      await condition(() => version !== v);
      continue;
    }
    const wait = Date.parse(next.at) - Date.now();
    if (wait > 0 && (await condition(() => version !== v, wait))) continue;
    await serial(async () => {
      const still = nextPublicationDeadline(state, schedule);
      if (!still || still.kind !== next.kind || still.at !== next.at) return;
      const fired = onPublicationDeadline(state, next.kind, new Date().toISOString());
      state = fired.state;
      version++;
      await refreshSchedule();
      await record(state, fired.event, { actor: null, at: new Date().toISOString(), payload: { dueAt: next.at }, requestId: null });
    });
  }
  await condition(allHandlersFinished);
  await drained();
  return state;
}
