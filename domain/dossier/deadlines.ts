import type { Pause, WorkingCalendar } from '../working-time';
import type { DossierState } from './state';
import { isTerminal } from './state';

/** Deadlines of the dossier process; all times ISO. */
export interface DossierSchedule {
  /** 8 working hours from receipt (or the last supplement) to accept or ask (003 §11.3). */
  acceptanceDueAt: string | null;
  /** The legal deadline: the procedure's working days from acceptance, pauses excluded. */
  legalDueAt: string | null;
  /** Escalation instants; [0] is the legal deadline, then one per further rung. Empty when no clock runs. */
  escalations: string[];
}

export interface EscalationPolicy {
  acceptanceWorkingHours: number;
  /** Working days between escalation rungs after the deadline. */
  rungStepWorkingDays: number;
  /** Rungs in all, the one at the deadline included. */
  rungs: number;
}

export const DEFAULT_ESCALATION: EscalationPolicy = { acceptanceWorkingHours: 8, rungStepWorkingDays: 2, rungs: 2 };

export function pausesOf(state: Pick<DossierState, 'pauses'>): Pause[] {
  return state.pauses.map((p) => ({ from: new Date(p.from), to: p.to === null ? null : new Date(p.to) }));
}

export function scheduleOf(state: DossierState, cal: WorkingCalendar, policy: EscalationPolicy = DEFAULT_ESCALATION): DossierSchedule {
  const acceptanceDueAt =
    state.status === 'submitted'
      ? cal.addWorkingHours(new Date(state.acceptanceClockFrom), policy.acceptanceWorkingHours).toISOString()
      : null;
  if (!state.acceptedAt) return { acceptanceDueAt, legalDueAt: null, escalations: [] };
  const start = new Date(state.acceptedAt);
  const pauses = pausesOf(state);
  const due = (days: number) => cal.dueAt(start, days * cal.workingDayMs, pauses)?.toISOString() ?? null;
  const legalDueAt = due(state.processingDays);
  const escalations: string[] = [];
  if (!isTerminal(state.status) && legalDueAt !== null) {
    for (let k = 0; k < policy.rungs; k++) {
      const at = due(state.processingDays + k * policy.rungStepWorkingDays);
      if (at) escalations.push(at);
    }
  }
  return { acceptanceDueAt, legalDueAt, escalations };
}
