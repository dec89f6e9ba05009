import { allHandlersFinished, condition, continueAsNew, log, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { DossierActivities } from '../../activities/dossier';
import type { FeedbackActivities, FeedbackTransitionRecord } from '../../activities/feedback';
import { catchUpFeedbackDeadlines, nextFeedbackDeadline, onFeedbackDeadline, progressMark, type FeedbackSchedule } from '../../domain/feedback/deadlines';
import { applyFeedbackAction, initialFeedbackState, isFeedbackTerminal, receivingAgency, DEFAULT_CLARIFICATION_WAIT, type ClarificationWait, type FeedbackRuleSet, type FeedbackState } from '../../domain/feedback/state';
import { clockActivities, createSerial, deliveredByRelay, handleStep, PATCHES, RECORDING, recordingActivities } from '../shared';
import { createVisibility } from '../visibility';
import { feedbackActionUpdate, feedbackViewQuery, type FeedbackWorkflowInput } from './definitions';
import { calendarChangedSignal } from '../calendar/definitions';

const acts = proxyActivities<FeedbackActivities & Pick<DossierActivities, 'deliverNotifications'>>(RECORDING);

/** Keep each run's history small: a feedback may wait for its answer for many weeks. */
const MAX_HISTORY_EVENTS = 2000;

/**
 * Feedback (phản ánh, kiến nghị, RULES.md §2): classification clocks in working days, the 20-day answer
 * with a progress update every 7 days until the answer is published, result entry within 2 working
 * days, review before publication, transfer, escalation to the lead agency, confidential handover.
 */
export async function feedbackWorkflow(input: FeedbackWorkflowInput): Promise<FeedbackState> {
  const resumed = input.resume;
  let state: FeedbackState = resumed?.state ?? initialFeedbackState(input);
  let schedule: FeedbackSchedule = resumed?.schedule ?? { classification: [], resultEntryDueAt: null };
  let recorded: FeedbackState | null = resumed?.recorded ?? null;
  let version = 0;
  const { serial, drained } = createSerial();
  const show = createVisibility();
  // Found by kind, agency and procedure from its first task on, even if its first step stalls.
  show({ kind: 'feedback', agencyCode: state.agencyCode, status: state.status, overdueLevel: state.answerOverdue ? 1 : 0 });
  // The rules this process keeps for its whole life (a process started before a change keeps the old ones).
  const clocks = clockActivities<FeedbackActivities>();
  const recorder = recordingActivities<FeedbackActivities>();
  const rules: FeedbackRuleSet = { reviewByReceivingAgency: patched(PATCHES.reviewByReceivingAgency) };
  const clarificationWait: ClarificationWait | null = patched(PATCHES.waitingPeriods) ? (input.clarificationWait ?? DEFAULT_CLARIFICATION_WAIT) : null;
  // Processes started since issue 30 check their working-day clocks against the calendar whenever they wake.
  const rechecks = patched(PATCHES.clocksRecheckedOnWake);
  /** The version the schedule was last computed at: a record of a later version recomputes it first. */
  let scheduledAt = -1;

  const refreshSchedule = async (calendarChangedAt?: string) => {
    schedule = await clocks.computeFeedbackSchedule(state, calendarChangedAt ? { calendarChangedAt } : {});
    version++;
    scheduledAt = version;
  };
  const record = async (after: FeedbackState, event: FeedbackTransitionRecord['event'], rest: Omit<FeedbackTransitionRecord, 'before' | 'after' | 'event' | 'schedule'>) => {
    const reviewAgencyCode = rules.reviewByReceivingAgency ? receivingAgency(after) : after.agencyCode;
    // Every record carries the deadlines of the current calendar: one the change job moved stays moved.
    if (rechecks && scheduledAt !== version) await refreshSchedule();
    const keys = await recorder.recordFeedbackTransition({ before: recorded, after, schedule, event, reviewAgencyCode, ...rest, ...(rechecks ? { clocksRechecked: true } : {}) });
    recorded = after;
    show({ kind: 'feedback', agencyCode: after.agencyCode, status: after.status, overdueLevel: after.answerOverdue ? 1 : 0 });
    // Processes started before the outbox relay delivered their own messages here (kept for replay).
    if (keys.length > 0 && !deliveredByRelay()) await acts.deliverNotifications(keys);
  };

  // Receipt: deadlines and the record — queued before any update is handled.
  const recordReceipt = (received: FeedbackState) =>
    serial(async () => {
      await refreshSchedule();
      await record(received, 'submit', { actor: null, at: input.receivedAt, payload: { escalated: input.escalated }, textId: null, requestId: input.requestId });
    });
  const submission = !resumed && patched(PATCHES.firstRecordFirst) ? recordReceipt(state) : null;

  setHandler(feedbackViewQuery, () => ({ state, schedule, recordedSeq: recorded?.seq ?? 0, rules }));
  handleStep(feedbackActionUpdate, serial, {
    rule: ({ action, actor }, at) => applyFeedbackAction(state, action, actor, at, rules),
    take: (t, { action, actor, requestId }) => {
      state = t.state;
      version++;
      log.info('feedback action', { code: state.code, action: action.type, actor: actor.id, requestId });
    },
    commit: async (t, { action, actor, requestId }, at) => {
      if (t.clocksChanged) await refreshSchedule();
      const { type: _type, ...meta } = action;
      const textId = 'textId' in meta ? meta.textId : null;
      const payload = Object.fromEntries(Object.entries(meta).filter(([k]) => k !== 'textId'));
      await record(t.state, action.type, { actor: { id: actor.id, name: actor.name, role: t.role }, at, payload, textId, requestId });
      return { code: t.state.code, status: t.state.status, agencyCode: t.state.agencyCode, seq: t.state.seq };
    },
  });

  setHandler(calendarChangedSignal, ({ changeId, date, changedAt }) => {
    void serial(async () => {
      if (isFeedbackTerminal(state.status) || !recorded) return;
      const before = JSON.stringify(schedule);
      const from = schedule;
      await refreshSchedule(changedAt);
      if (JSON.stringify(schedule) === before) return;
      state = { ...state, seq: state.seq + 1 };
      await record(state, 'deadlines_moved', { actor: null, at: new Date().toISOString(), payload: { changeId, date, from, to: schedule }, textId: null, requestId: null });
    });
  });

  // Processes started before the patch queued it here, after an update that came with the start.
  if (!resumed) await (submission ?? recordReceipt(state));

  /**
   * A working-day deadline reached: by the calendar as it is now, is it still due? A later deadline the change
   * job wrote to the records only is taken here (a history entry; the loop re-arms). True when it moved.
   */
  const movedByCalendar = async (reached: { at: string; kind: string }): Promise<boolean> => {
    const from = schedule;
    await refreshSchedule();
    const still = nextFeedbackDeadline(state, schedule, clarificationWait);
    if (still && still.kind === reached.kind && still.at === reached.at) return false;
    if (JSON.stringify(from) === JSON.stringify(schedule)) return true;
    state = { ...state, seq: state.seq + 1 };
    await record(state, 'deadlines_moved', { actor: null, at: new Date().toISOString(), payload: { from, to: schedule, takenAt: 'deadline' }, textId: null, requestId: null });
    return true;
  };

  while (!isFeedbackTerminal(state.status)) {
    const v = version;
    const next = nextFeedbackDeadline(state, schedule, clarificationWait);
    if (!next) {
      await condition(() => version !== v);
    } else {
      const wait = Date.parse(next.at) - Date.now();
      if (wait > 0 && (await condition(() => version !== v, wait))) continue;
      // Several deadlines past at once (keyed in late): one backlog entry, not a burst of escalations.
      const backlog = wait <= 0 ? catchUpFeedbackDeadlines(state, schedule, new Date().toISOString(), clarificationWait) : null;
      if (backlog && patched(PATCHES.feedbackBacklog)) {
        await serial(async () => {
          const at = new Date().toISOString();
          state = backlog.state;
          version++;
          await refreshSchedule();
          await record(state, 'backlog', { actor: null, at, payload: { passed: backlog.passed, nextUpdateBy: state.answerOverdue ? progressMark(state, state.progressMarks + 1).toISOString() : null }, textId: null, requestId: null });
        });
        continue;
      }
      await serial(async () => {
        const still = nextFeedbackDeadline(state, schedule, clarificationWait);
        if (!still || still.kind !== next.kind || still.at !== next.at) return;
        if (rechecks && (next.kind === 'classification' || next.kind === 'result_entry') && (await movedByCalendar(next))) return;
        const fired = onFeedbackDeadline(state, next.kind, clarificationWait);
        state = fired.state;
        version++;
        if (next.kind === 'classification' || next.kind === 'result_entry') await refreshSchedule();
        await record(state, fired.event, { actor: null, at: new Date().toISOString(), payload: fired.payload, textId: null, requestId: null });
      });
    }
    const info = workflowInfo();
    if ((info.continueAsNewSuggested || info.historyLength > (input.historyLimit ?? MAX_HISTORY_EVENTS)) && !isFeedbackTerminal(state.status)) {
      await condition(allHandlersFinished);
      await drained();
      await continueAsNew<typeof feedbackWorkflow>({ ...input, resume: { state, schedule, recorded: recorded ?? state } });
    }
  }
  await condition(allHandlersFinished);
  await drained();
  return state;
}
