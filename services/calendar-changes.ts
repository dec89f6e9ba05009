import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { CALENDAR_CHANGE_WORKFLOW, calendarChangeProgressQuery, type CalendarChangeInput, type CalendarChangeProgress } from '../workflows/calendar/definitions';

/** The id of the job carrying one change (the administrator's audit entry names it). */
export const newCalendarChangeId = (date: string) => `calendar-${date}-${randomUUID().slice(0, 8)}`;

/**
 * Starts the job that brings every open process's deadlines to the changed calendar (issue 15). `settleMs`:
 * how long the workers' cached calendars may lag the change (the job waits for them before it writes deadlines
 * to the records itself; see CalendarChangeInput).
 */
export async function startCalendarChange(temporal: Client, taskQueue: string, change: { changeId: string; date: string; changedAt: string; sessionsChanged?: boolean }, settleMs = 0) {
  const input: CalendarChangeInput = { ...change, settleMs };
  return temporal.workflow.start(CALENDAR_CHANGE_WORKFLOW, { taskQueue, workflowId: change.changeId, args: [input] });
}

/** The recent change jobs with their progress (operators watch a national change go through). */
export async function calendarChangeJobs(temporal: Client) {
  const out: { changeId: string; date: string | null; startedAt: string; status: string; signalled: number; moved: number; batches: number; done: boolean }[] = [];
  for await (const info of temporal.workflow.list({ query: `WorkflowType = '${CALENDAR_CHANGE_WORKFLOW}'`, pageSize: 50 })) {
    // A finished job's totals are its result (one event read); a running one answers its progress query.
    const handle = temporal.workflow.getHandle(info.workflowId);
    const progress: (CalendarChangeProgress & { date?: string }) | null = info.status.name === 'COMPLETED'
      ? await handle.result().catch(() => null)
      : await handle.query(calendarChangeProgressQuery).catch(() => null);
    out.push({
      changeId: info.workflowId, date: progress?.date ?? /^calendar-(\d{4}-\d{2}-\d{2})-/.exec(info.workflowId)?.[1] ?? null, startedAt: info.startTime.toISOString(), status: info.status.name,
      signalled: progress?.signalled ?? 0, moved: progress?.moved ?? 0, batches: progress?.batches ?? 0, done: progress?.done ?? info.status.name === 'COMPLETED',
    });
    if (out.length >= 50) break;
  }
  return out;
}
