import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * An announced change of the working calendar (a day off or a make-up working day added or removed):
 * every open process whose deadline it can move recomputes its deadlines from a calendar read after
 * `changedAt` and re-arms its timers. Signalled by the change job (calendarChangeWorkflow).
 */
export const calendarChangedSignal = defineSignal<[CalendarChange]>('calendarChanged');

export interface CalendarChange {
  /** The job's id (the audit entry of the administrator's change names it). */
  changeId: string;
  /** The changed day (YYYY-MM-DD, Vietnam). */
  date: string;
  changedAt: string;
  /** The working hours changed (not one day): deadlines may move either way, every process is signalled. */
  sessionsChanged?: boolean;
}

export const CALENDAR_CHANGE_WORKFLOW = 'calendarChangeWorkflow';

/** The processes with working-day clocks, in the order the job goes through them. */
export const AFFECTED_KINDS = ['dossier', 'feedback', 'publication', 'finding', 'discrepancy', 'admin_request', 'support'] as const;
export type AffectedKind = (typeof AFFECTED_KINDS)[number];

export interface CalendarChangeInput extends CalendarChange {
  /** Where the previous run stopped (continue-as-new): the last process signalled, by kind. */
  cursor?: { kind: AffectedKind; after: string } | null;
  totals?: CalendarChangeProgress;
  /**
   * How long the job waits before it moves deadlines in the records: until every worker's cached calendar
   * has been reloaded since the change (twice the cache's life), so that no step recorded after the move
   * carries a deadline of the old calendar.
   */
  settleMs?: number;
  /** The wait is over (a run continued as new does not wait again). */
  settled?: boolean;
}

export interface CalendarChangeProgress {
  signalled: number;
  /** Dossiers and feedback whose later deadlines the job wrote to the records without waking them (issue 30). */
  moved?: number;
  batches: number;
  done: boolean;
}

export const calendarChangeProgressQuery = defineQuery<CalendarChangeProgress & { date: string; changedAt: string }>('calendarChangeProgress');
