import { addCalendarDays } from '../working-time/local-time';
import type { WorkingCalendar } from '../working-time/calendar';
import { ANSWER_CLOCK_STATUSES, type ClarificationWait, type FeedbackState } from './state';

/** Feedback clocks (000 §42.3, §44): working days for classification and result entry, calendar days for the answer. */
export const FEEDBACK_RULES = {
  /** Not accepted (with reason) within 2 working days; clarification or transfer within 5. */
  classificationRungsWorkingDays: [2, 5],
  answerDays: 20,
  progressEveryDays: 7,
  resultEntryWorkingDays: 2,
} as const;

/** Deadlines that need the working calendar (computed in an activity); ISO instants. */
export interface FeedbackSchedule {
  classification: string[];
  resultEntryDueAt: string | null;
}


export function feedbackSchedule(s: Pick<FeedbackState, 'status' | 'classificationFrom' | 'resultReachedAt'>, cal: WorkingCalendar): FeedbackSchedule {
  const from = new Date(s.classificationFrom);
  return {
    classification: s.status === 'received' ? FEEDBACK_RULES.classificationRungsWorkingDays.map((d) => cal.addWorkingDays(from, d).toISOString()) : [],
    resultEntryDueAt: s.resultReachedAt ? cal.addWorkingDays(new Date(s.resultReachedAt), FEEDBACK_RULES.resultEntryWorkingDays).toISOString() : null,
  };
}

/** The working-day deadlines the records show: the current classification rung, the result entry. */
export function workingDayDues(s: Pick<FeedbackState, 'status' | 'classificationLevel'>, sched: FeedbackSchedule): { classificationDueAt: string | null; resultEntryDueAt: string | null } {
  return {
    classificationDueAt: s.status === 'received' ? (sched.classification[Math.min(s.classificationLevel, sched.classification.length - 1)] ?? null) : null,
    resultEntryDueAt: s.status === 'result_reached' ? sched.resultEntryDueAt : null,
  };
}

/** 20 calendar days after receipt (or the clarification), same local clock time. */
export function answerDueAt(s: Pick<FeedbackState, 'answerFrom'>): Date {
  return addCalendarDays(new Date(s.answerFrom), FEEDBACK_RULES.answerDays);
}

/** The k-th 7-day progress mark after the answer deadline (k ≥ 1). */
export function progressMark(s: Pick<FeedbackState, 'answerFrom'>, k: number): Date {
  return addCalendarDays(answerDueAt(s), FEEDBACK_RULES.progressEveryDays * k);
}

export type FeedbackDeadlineKind = 'classification' | 'answer' | 'progress' | 'result_entry' | 'clarification_reminder' | 'clarification_end';

/** The reminder and the end of the wait for a clarification; null when none is awaited (or no wait applies). */
export function clarificationDeadlines(s: FeedbackState, wait: ClarificationWait | null | undefined): { remindAt: string; endsAt: string } | null {
  if (!wait || s.status !== 'clarification_requested' || !s.clarificationRequestedAt) return null;
  const from = new Date(s.clarificationRequestedAt);
  return { remindAt: addCalendarDays(from, Math.max(0, wait.days - wait.reminderDaysBefore)).toISOString(), endsAt: addCalendarDays(from, wait.days).toISOString() };
}

/** The next clock to run out, or null; pure and deterministic (usable in workflow code). */
export function nextFeedbackDeadline(s: FeedbackState, sched: FeedbackSchedule, wait: ClarificationWait | null = null): { at: string; kind: FeedbackDeadlineKind } | null {
  const candidates: { at: string; kind: FeedbackDeadlineKind }[] = [];
  const clarification = clarificationDeadlines(s, wait);
  if (clarification) {
    if (!s.clarificationReminded && clarification.remindAt < clarification.endsAt) candidates.push({ at: clarification.remindAt, kind: 'clarification_reminder' });
    candidates.push({ at: clarification.endsAt, kind: 'clarification_end' });
  }
  const rung = s.status === 'received' ? sched.classification[s.classificationLevel] : undefined;
  if (rung) candidates.push({ at: rung, kind: 'classification' });
  if (ANSWER_CLOCK_STATUSES.includes(s.status)) {
    if (!s.answerOverdue) candidates.push({ at: answerDueAt(s).toISOString(), kind: 'answer' });
    else candidates.push({ at: progressMark(s, s.progressMarks + 1).toISOString(), kind: 'progress' });
  }
  if (s.status === 'result_reached' && !s.resultEntryOverdue && sched.resultEntryDueAt) candidates.push({ at: sched.resultEntryDueAt, kind: 'result_entry' });
  candidates.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return candidates[0] ?? null;
}

/** What a passed deadline changes, and the event to record. */
export function onFeedbackDeadline(s: FeedbackState, kind: FeedbackDeadlineKind, wait: ClarificationWait | null = null): {
  state: FeedbackState;
  event: 'classification_overdue' | 'answer_overdue' | 'progress_reminder' | 'progress_missed' | 'result_entry_overdue' | 'clarification_reminder' | 'clarification_expired';
  payload: Record<string, unknown>;
} {
  const next = { ...s, seq: s.seq + 1 };
  switch (kind) {
    case 'clarification_reminder':
      next.clarificationReminded = true;
      return { state: next, event: 'clarification_reminder', payload: { endsAt: clarificationDeadlines(s, wait)?.endsAt ?? null } };
    case 'clarification_end':
      // The citizen did not clarify in time: the feedback is closed (000 §42.3: it cannot be processed as it stands).
      next.status = 'closed_unclarified';
      next.closedAt = clarificationDeadlines(s, wait)?.endsAt ?? null;
      next.handler = null;
      return { state: next, event: 'clarification_expired', payload: { requestedAt: s.clarificationRequestedAt ?? null, days: wait?.days ?? null } };
    case 'classification':
      next.classificationLevel = s.classificationLevel + 1;
      return { state: next, event: 'classification_overdue', payload: { rung: next.classificationLevel, workingDays: FEEDBACK_RULES.classificationRungsWorkingDays[s.classificationLevel] } };
    case 'answer':
      next.answerOverdue = true;
      return { state: next, event: 'answer_overdue', payload: { dueAt: answerDueAt(s).toISOString(), nextUpdateBy: progressMark(s, 1).toISOString() } };
    case 'progress': {
      const k = s.progressMarks + 1;
      const periodStart = progressMark(s, k - 1).getTime();
      const updated = s.lastProgressAt !== null && Date.parse(s.lastProgressAt) >= periodStart;
      next.progressMarks = k;
      if (!updated) next.missedUpdates = s.missedUpdates + 1;
      return { state: next, event: updated ? 'progress_reminder' : 'progress_missed', payload: { mark: k, nextUpdateBy: progressMark(s, k + 1).toISOString() } };
    }
    case 'result_entry':
      next.resultEntryOverdue = true;
      return { state: next, event: 'result_entry_overdue', payload: { reachedAt: s.resultReachedAt } };
  }
}

/** A deadline that had already passed when the process could first act on it. */
export interface PassedDeadline {
  kind: FeedbackDeadlineKind;
  at: string;
}

/**
 * Feedback keyed in long after its receipt date finds several deadlines already past. Firing each
 * would send every escalation and count every 7-day period as a missed update at once, though no one
 * could have acted. Instead: the state moves to where the clocks stand now (the highest classification
 * rung, the answer overdue, the progress marks passed — none of them counted as missed), and the
 * backlog is recorded as one entry. Returns null when at most one deadline passed (the usual path).
 */
export function catchUpFeedbackDeadlines(s: FeedbackState, sched: FeedbackSchedule, now: string, wait: ClarificationWait | null = null): { state: FeedbackState; passed: PassedDeadline[] } | null {
  let state = s;
  const passed: PassedDeadline[] = [];
  for (let i = 0; i < 10_000; i++) {
    const next = nextFeedbackDeadline(state, sched, wait);
    if (!next || Date.parse(next.at) > Date.parse(now)) break;
    // A waiting period that ends is a step of its own, never folded into a backlog.
    if (next.kind === 'clarification_reminder' || next.kind === 'clarification_end') break;
    const fired = onFeedbackDeadline(state, next.kind, wait);
    passed.push({ kind: next.kind, at: next.at });
    state = { ...fired.state, missedUpdates: s.missedUpdates };
  }
  if (passed.length <= 1) return null;
  return { state: { ...state, seq: s.seq + 1 }, passed };
}
