import { addCalendarMonths } from '../working-time/local-time';
import type { WorkingCalendar } from '../working-time/calendar';
import type { PublicationState } from './state';
import type { PublicationSystemEvent, ServiceStatus } from './vocabulary';

/** The clocks of publication (000 §27; 003 §23.5): working days per step, two calendar months of pilot. */
export const PUBLICATION_RULES = {
  reviewWorkingDays: 2,
  testingWorkingDays: 5,
  reportReviewWorkingDays: 2,
  pilotMonths: 2,
} as const;

/** Steps with a clock in working days, the event a missed clock records, and who is then told. */
export const STEP_CLOCKS: Partial<Record<ServiceStatus, { workingDays: number; event: PublicationSystemEvent; escalateTo: 'operators_supervisors' | 'agency_leaders' }>> = {
  review_pending: { workingDays: PUBLICATION_RULES.reviewWorkingDays, event: 'review_overdue', escalateTo: 'operators_supervisors' },
  testing: { workingDays: PUBLICATION_RULES.testingWorkingDays, event: 'testing_overdue', escalateTo: 'agency_leaders' },
  report_review: { workingDays: PUBLICATION_RULES.reportReviewWorkingDays, event: 'report_review_overdue', escalateTo: 'operators_supervisors' },
};

/** The current step's deadline (needs the working calendar: computed in an activity); ISO or null. */
export interface PublicationSchedule {
  stepDueAt: string | null;
}

export function publicationSchedule(s: PublicationState, cal: WorkingCalendar): PublicationSchedule {
  const clock = STEP_CLOCKS[s.status];
  return { stepDueAt: clock ? cal.addWorkingDays(new Date(s.since), clock.workingDays).toISOString() : null };
}

/** The end of the pilot: two calendar months from its start, Vietnam time. */
export function pilotEndsAt(s: Pick<PublicationState, 'pilotStartedAt'>): string | null {
  return s.pilotStartedAt ? addCalendarMonths(new Date(s.pilotStartedAt), PUBLICATION_RULES.pilotMonths).toISOString() : null;
}

/** The next clock to run out; pure (workflow code). A step's clock escalates once. */
export function nextPublicationDeadline(s: PublicationState, sched: PublicationSchedule): { at: string; kind: 'step' | 'pilot' } | null {
  if (s.status === 'pilot') return { at: pilotEndsAt(s)!, kind: 'pilot' };
  if (sched.stepDueAt && !s.escalated && STEP_CLOCKS[s.status]) return { at: sched.stepDueAt, kind: 'step' };
  return null;
}

/** What a clock running out changes: the step is marked escalated, or the pilot becomes official operation. */
export function onPublicationDeadline(s: PublicationState, kind: 'step' | 'pilot', at: string): { state: PublicationState; event: PublicationSystemEvent } {
  if (kind === 'pilot') return { state: { ...s, status: 'official', since: at, escalated: false, seq: s.seq + 1 }, event: 'pilot_completed' };
  return { state: { ...s, escalated: true, seq: s.seq + 1 }, event: STEP_CLOCKS[s.status]!.event };
}
