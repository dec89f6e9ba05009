import { Context } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { WorkingCalendar } from '../domain/working-time';
import type { CalendarStore } from '../services/calendar-store';
import { TERMINAL_STATUSES } from '../domain/dossier/vocabulary';
import { calendarChangedSignal, type AffectedKind, type CalendarChange } from '../workflows/calendar/definitions';

/**
 * How far before the changed day a legal deadline can lie and still have a deadline after it: the
 * escalation rungs follow the legal deadline by a few working days (2 rungs × 2 days by default).
 */
const ESCALATION_REACH = '30 days';
type Page = CalendarChange & { after: string; limit: number };

/** The start of the changed day (parameter: YYYY-MM-DD), as SQL. */
export const CHANGED_DAY_START = `(?::date)::timestamp at time zone 'Asia/Ho_Chi_Minh'`;

/** Open dossiers (table alias `d`) with a clock on or after the changed day, after a code; its parameters. */
export function affectedDossiers(p: { after: string; date: string }): [string, unknown[]] {
  return [
    `d.code > ? and d.seq > 0 and d.status <> all(?::text[])
       and (d.acceptance_due_at >= ${CHANGED_DAY_START} or d.legal_due_at >= ${CHANGED_DAY_START} - interval '${ESCALATION_REACH}')`,
    [p.after, `{${TERMINAL_STATUSES.join(',')}}`, p.date, p.date],
  ];
}

/** Open feedback (table alias `f`) with a clock on or after the changed day, after a code; its parameters. */
export function affectedFeedback(p: { after: string; date: string }): [string, unknown[]] {
  const day = CHANGED_DAY_START;
  return [
    `f.code > ? and f.seq > 0 and f.closed_at is null
       and (f.classification_due_at >= ${day} or f.answer_due_at >= ${day} or f.result_entry_due_at >= ${day} or f.next_update_by >= ${day})`,
    [p.after, p.date, p.date, p.date, p.date],
  ];
}

/**
 * The calendar as it is now (loaded now, whatever this worker had cached) and whether the change can only
 * move deadlines later: a day that is now off, not new working hours (those may move them either way).
 */
export async function calendarAfterChange(calendars: CalendarStore, change: CalendarChange): Promise<{ cal: WorkingCalendar; laterOnly: boolean }> {
  const cal = await calendars.calendar(Date.now());
  return { cal, laterOnly: !change.sessionsChanged && !cal.isWorkingDate(change.date) };
}

/** Each kind's open processes with a clock on or after the changed day, by its read model, in code order. */
const AFFECTED: Record<AffectedKind, (dayStart: string, p: Page) => [string, unknown[]]> = {
  dossier: (_day, p) => {
    const [where, params] = affectedDossiers(p);
    return [`select d.code from dossier d where ${where} order by d.code limit ?`, [...params, p.limit]];
  },
  feedback: (_day, p) => {
    const [where, params] = affectedFeedback(p);
    return [`select f.code from feedback f where ${where} order by f.code limit ?`, [...params, p.limit]];
  },
  publication: (day, p) => [`select code from online_service where code > ? and status <> 'stopped' and step_due_at >= ${day} order by code limit ?`, [p.after, p.date, p.limit]],
  discrepancy: (day, p) => [`select code from payment_discrepancy where code > ? and status = 'open' and escalated_at is null and due_at >= ${day} order by code limit ?`, [p.after, p.date, p.limit]],
  admin_request: (day, p) => [`select code from admin_account_request where code > ? and status = 'pending' and not overdue and due_at >= ${day} order by code limit ?`, [p.after, p.date, p.limit]],
  support: (day, p) => [`select code from support_request where code > ? and status in ('received', 'in_progress', 'resolved') and due_at >= ${day} order by code limit ?`, [p.after, p.date, p.limit]],
  finding: (day, p) => [`select code from data_quality_finding where code > ? and status = 'open' and not escalated and due_at >= ${day} order by code limit ?`, [p.after, p.date, p.limit]],
};

/** Signals sent at once within a batch. */
const PARALLEL = 20;

/** The calendar change job's side: finding the open processes a change can affect, and signalling them. */
export function createCalendarActivities(deps: { orm: MikroORM }) {
  return {
    /**
     * Signals the next batch of open dossiers (or feedback) with a deadline on or after the changed day,
     * in code order after `after`; returns how many were signalled and the last code (null when none left).
     * A process closed meanwhile is skipped. Repeating a batch signals again, which recomputes nothing new.
     */
    async signalAffected(input: CalendarChange & { kind: AffectedKind; after: string; limit: number }): Promise<{ signalled: number; last: string | null }> {
      const [sql, params] = AFFECTED[input.kind](CHANGED_DAY_START, input);
      const rows = await deps.orm.em.fork().execute<{ code: string }[]>(sql, params);
      const signalled = await signalProcesses(input, rows.map((r) => r.code));
      return { signalled, last: rows.at(-1)?.code ?? null };
    },

    /** Signals the named processes (those a bulk move left to their workflow); returns how many were signalled. */
    async signalChanged(input: CalendarChange & { codes: string[] }): Promise<number> {
      return signalProcesses(input, input.codes);
    },
  };
}

/** Signals each process of the change, a few at once; a process closed meanwhile is skipped. */
async function signalProcesses(input: CalendarChange, codes: string[]): Promise<number> {
  const ctx = Context.current();
  const change: CalendarChange = { changeId: input.changeId, date: input.date, changedAt: input.changedAt };
  let signalled = 0;
  for (let i = 0; i < codes.length; i += PARALLEL) {
    const results = await Promise.allSettled(codes.slice(i, i + PARALLEL).map((code) => ctx.client.workflow.getHandle(code).signal(calendarChangedSignal, change)));
    for (const res of results) {
      if (res.status === 'fulfilled') signalled++;
      else if ((res.reason as Error).name !== 'WorkflowNotFoundError') throw res.reason;
    }
    ctx.heartbeat(codes[i]);
  }
  return signalled;
}

export type CalendarActivities = ReturnType<typeof createCalendarActivities>;
