import { addCalendarDays } from '../working-time/local-time';
import type { DossierState } from './state';

/**
 * How long a dossier waits for the citizen (a supplement, a fee) before it is returned, in calendar
 * days, and when the citizen is reminded. Per procedure (column procedure.waiting_days), else these.
 */
export interface WaitingPeriods {
  supplementDays: number;
  feeDays: number;
  reminderDaysBefore: number;
}

export const DEFAULT_WAITING: WaitingPeriods = { supplementDays: 30, feeDays: 15, reminderDaysBefore: 3 };

export type WaitingKind = 'supplement' | 'fee';

/** What the dossier waits for now, since when, the reminder and the end; null when it waits for no one. */
export function waitingOf(s: DossierState, periods: WaitingPeriods): { kind: WaitingKind; since: string; remindAt: string; endsAt: string } | null {
  if (!s.waitingSince) return null;
  const kind: WaitingKind | null = s.status === 'supplement_requested' ? 'supplement' : s.status === 'awaiting_fee' ? 'fee' : null;
  if (!kind) return null;
  const days = kind === 'supplement' ? periods.supplementDays : periods.feeDays;
  const since = new Date(s.waitingSince);
  return {
    kind,
    since: s.waitingSince,
    remindAt: addCalendarDays(since, Math.max(0, days - periods.reminderDaysBefore)).toISOString(),
    endsAt: addCalendarDays(since, days).toISOString(),
  };
}

/** The citizen did not come back in time: the dossier is returned, its clocks stop (a terminal step). */
export function returnDossier(s: DossierState, at: string): DossierState {
  return {
    ...s,
    seq: s.seq + 1,
    status: 'returned',
    pauses: s.pauses.map((p) => (p.to === null ? { ...p, to: at } : p)),
    handler: null,
    completedAt: at,
    waitingSince: null,
  };
}
