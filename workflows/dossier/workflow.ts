import { allHandlersFinished, condition, log, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { DossierActivities, TransitionRecord } from '../../activities/dossier';
import type { DossierSchedule } from '../../domain/dossier/deadlines';
import { applyAction, applyOnlinePayment, initialState, isTerminal, type DossierState } from '../../domain/dossier/state';
import { clockActivities, createSerial, deliveredByRelay, handleStep, PATCHES, RECORDING, recordingActivities } from '../shared';
import { createVisibility } from '../visibility';
import { DEFAULT_WAITING, returnDossier, waitingOf, type WaitingPeriods } from '../../domain/dossier/waiting';
import { dossierViewQuery, feePaidOnlineSignal, performActionUpdate, type DossierWorkflowInput } from './definitions';
import { calendarChangedSignal } from '../calendar/definitions';

const acts = proxyActivities<DossierActivities>(RECORDING);

/**
 * Dossier handling (xử lý hồ sơ, RULES.md §1): from submission to result, withdrawal or refusal.
 * Clocks: 8 working hours to accept or ask for a supplement; the procedure's legal time in working
 * days from acceptance, paused while waiting for the citizen; escalation once per rung.
 */
export async function dossierWorkflow(input: DossierWorkflowInput): Promise<DossierState> {
  // The submission itself is history entry 1.
  let state: DossierState = { ...initialState(input), seq: 1 };
  let schedule: DossierSchedule = { acceptanceDueAt: null, legalDueAt: null, escalations: [] };
  let recorded: DossierState | null = null;
  /** Bumped on every change; the deadline loop re-evaluates when it moves. */
  let version = 0;
  const { serial, drained } = createSerial();
  const show = createVisibility();
  // Found by kind, agency and procedure from its first task on, even if its first step stalls.
  show({ kind: 'dossier', agencyCode: state.agencyCode, status: state.status, overdueLevel: state.overdueLevel, procedureCode: state.procedureCode });
  // Waiting periods apply to processes started since they exist (older ones keep waiting as before).
  const clocks = clockActivities<DossierActivities>();
  const recorder = recordingActivities<DossierActivities>();
  const periods: WaitingPeriods | null = patched(PATCHES.waitingPeriods) ? { ...DEFAULT_WAITING, ...(input.waiting ?? {}) } : null;
  // Processes started since issue 30 check their clocks against the calendar whenever they wake, so a calendar
  // change may move their deadlines later in the records without signalling them.
  const rechecks = patched(PATCHES.clocksRecheckedOnWake);
  /** The version the schedule was last computed at: a record of a later version recomputes it first. */
  let scheduledAt = -1;

  const refreshSchedule = async (calendarChangedAt?: string) => {
    schedule = await clocks.computeSchedule(state, calendarChangedAt ? { calendarChangedAt } : {});
    state = { ...state, acceptanceDueAt: schedule.acceptanceDueAt, legalDueAt: schedule.legalDueAt };
    version++;
    scheduledAt = version;
  };

  const record = async (after: DossierState, event: TransitionRecord['event'], rest: Omit<TransitionRecord, 'before' | 'after' | 'event'>) => {
    // Every record carries the deadlines of the current calendar: one the change job moved stays moved.
    if (rechecks && scheduledAt !== version) await refreshSchedule();
    const withDue = { ...after, acceptanceDueAt: schedule.acceptanceDueAt, legalDueAt: schedule.legalDueAt };
    const keys = await recorder.recordTransition({ before: recorded, after: withDue, event, ...rest, ...(rechecks ? { clocksRechecked: true } : {}) });
    recorded = withDue;
    show({ kind: 'dossier', agencyCode: after.agencyCode, status: after.status, overdueLevel: after.overdueLevel, procedureCode: after.procedureCode });
    // Processes started before the outbox relay delivered their own messages here (kept for replay).
    if (keys.length > 0 && !deliveredByRelay()) await acts.deliverNotifications(keys);
  };

  // Submission: deadlines, the record and the citizen's confirmation — queued before any update is handled.
  const recordSubmission = (submitted: DossierState) =>
    serial(async () => {
      await refreshSchedule();
      await record(submitted, 'submit', { actor: { id: input.citizenId, name: '', role: 'citizen' }, at: input.receivedAt, payload: {}, resultCode: null, requestId: input.requestId });
    });
  const submission = patched(PATCHES.firstRecordFirst) ? recordSubmission(state) : null;

  setHandler(dossierViewQuery, () => ({ state, schedule, recordedSeq: recorded?.seq ?? 0 }));

  handleStep(performActionUpdate, serial, {
    rule: ({ action, actor }, at) => applyAction(state, action, actor, at),
    take: (t, { action, actor, requestId }) => {
      state = t.state;
      version++;
      log.info('dossier action', { code: state.code, action: action.type, actor: actor.id, requestId });
    },
    commit: async (t, { action, actor, requestId }, at) => {
      if (t.clocksChanged) await refreshSchedule();
      const { type: _type, ...payload } = action;
      await record(t.state, action.type, { actor: { id: actor.id, name: actor.name, role: t.role }, at, payload, resultCode: t.resultCode, requestId });
      return { code: t.state.code, status: t.state.status, seq: t.state.seq, resultCode: t.resultCode };
    },
  });

  // A fee paid online opens the fee gate; a payment the dossier no longer waits for changes nothing here
  // (the payment keeps its receipt; a refund is the payment system's matter).
  setHandler(feePaidOnlineSignal, (p) => {
    const at = new Date().toISOString();
    let after: DossierState;
    try {
      after = applyOnlinePayment(state, p, at);
    } catch (e) {
      log.warn('online payment not applied', { code: state.code, paymentId: p.paymentId, reason: (e as Error).message });
      return;
    }
    state = after;
    version++;
    void serial(async () => {
      await refreshSchedule();
      await record(after, 'online_payment', { actor: null, at, payload: { ...p }, resultCode: null, requestId: null });
    });
  });

  // An announced calendar change (issue 15): the deadlines the new calendar gives, timers re-armed by the
  // loop below; a moved deadline is a history entry (the citizen told of a new appointment date). An
  // escalation already fired stays; one no longer due is not fired.
  setHandler(calendarChangedSignal, ({ changeId, date, changedAt }) => {
    void serial(async () => {
      // Not yet recorded: the submission's own schedule is computed after this, by the new calendar.
      if (isTerminal(state.status) || !recorded) return;
      const before = { acceptanceDueAt: schedule.acceptanceDueAt, legalDueAt: schedule.legalDueAt };
      await refreshSchedule(changedAt);
      if (before.acceptanceDueAt === schedule.acceptanceDueAt && before.legalDueAt === schedule.legalDueAt) return;
      state = { ...state, seq: state.seq + 1 };
      await record(state, 'deadline_moved', {
        actor: null, at: new Date().toISOString(), resultCode: null, requestId: null,
        payload: { changeId, date, from: before, to: { acceptanceDueAt: schedule.acceptanceDueAt, legalDueAt: schedule.legalDueAt } },
      });
    });
  });

  // Processes started before the patch queued it here, after an update that came with the start.
  await (submission ?? recordSubmission(state));

  type DeadlineKind = 'acceptance' | 'legal' | 'waiting_reminder' | 'waiting_end';

  const nextDeadline = (): { at: string; kind: DeadlineKind } | null => {
    const candidates: { at: string; kind: DeadlineKind }[] = [];
    if (state.status === 'submitted' && schedule.acceptanceDueAt && !state.acceptanceOverdue) {
      candidates.push({ at: schedule.acceptanceDueAt, kind: 'acceptance' });
    } else {
      const rung = schedule.escalations[state.overdueLevel];
      if (rung) candidates.push({ at: rung, kind: 'legal' });
    }
    const waiting = periods ? waitingOf(state, periods) : null;
    if (waiting) {
      if (!state.waitingReminded && waiting.remindAt < waiting.endsAt) candidates.push({ at: waiting.remindAt, kind: 'waiting_reminder' });
      candidates.push({ at: waiting.endsAt, kind: 'waiting_end' });
    }
    candidates.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    return candidates[0] ?? null;
  };

  /**
   * A working-time deadline reached: by the calendar as it is now, is it still due? A change the job moved
   * in the records only (a later deadline) is taken here: the new deadlines, a history entry, the timer
   * re-armed by the loop. True when the deadline moved.
   */
  const movedByCalendar = async (reached: { at: string; kind: DeadlineKind }): Promise<boolean> => {
    const from = { acceptanceDueAt: schedule.acceptanceDueAt, legalDueAt: schedule.legalDueAt };
    await refreshSchedule();
    const still = nextDeadline();
    if (still && still.kind === reached.kind && still.at === reached.at) return false;
    const to = { acceptanceDueAt: schedule.acceptanceDueAt, legalDueAt: schedule.legalDueAt };
    if (from.acceptanceDueAt === to.acceptanceDueAt && from.legalDueAt === to.legalDueAt) return true;
    state = { ...state, seq: state.seq + 1 };
    await record(state, 'deadline_moved', { actor: null, at: new Date().toISOString(), resultCode: null, requestId: null, payload: { from, to, takenAt: 'deadline' } });
    return true;
  };

  while (!isTerminal(state.status)) {
    const v = version;
    const next = nextDeadline();
    if (!next) {
      await condition(() => version !== v);
      continue;
    }
    const wait = Date.parse(next.at) - Date.now();
    if (wait > 0 && (await condition(() => version !== v, wait))) continue;
    // The deadline passed with nothing changed: escalate once for this rung.
    await serial(async () => {
      const still = nextDeadline();
      if (!still || still.kind !== next.kind || still.at !== next.at || isTerminal(state.status)) return;
      if (rechecks && (next.kind === 'acceptance' || next.kind === 'legal') && (await movedByCalendar(next))) return;
      const at = new Date().toISOString();
      const waiting = periods ? waitingOf(state, periods) : null;
      if (next.kind === 'waiting_reminder' && waiting) {
        state = { ...state, seq: state.seq + 1, waitingReminded: true };
        version++;
        await record(state, 'waiting_reminder', { actor: null, at, payload: { kind: waiting.kind, endsAt: waiting.endsAt }, resultCode: null, requestId: null });
      } else if (next.kind === 'waiting_end' && waiting) {
        const days = waiting.kind === 'fee' ? periods!.feeDays : periods!.supplementDays;
        state = returnDossier(state, at);
        version++;
        await refreshSchedule();
        await record(state, 'waiting_expired', { actor: null, at, payload: { kind: waiting.kind, since: waiting.since, days }, resultCode: null, requestId: null });
      } else if (next.kind === 'acceptance') {
        state = { ...state, seq: state.seq + 1, acceptanceOverdue: true };
        version++;
        await record(state, 'acceptance_overdue', { actor: null, at, payload: { dueAt: next.at }, resultCode: null, requestId: null });
      } else if (next.kind === 'legal') {
        state = { ...state, seq: state.seq + 1, overdueLevel: state.overdueLevel + 1 };
        version++;
        await record(state, 'overdue', { actor: null, at, payload: { dueAt: next.at, rung: state.overdueLevel }, resultCode: null, requestId: null });
      }
    });
  }

  await condition(allHandlersFinished);
  await drained();
  return state;
}
