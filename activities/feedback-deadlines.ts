import type { MikroORM } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import { feedbackSchedule, workingDayDues } from '../domain/feedback/deadlines';
import type { FeedbackState } from '../domain/feedback/state';
import type { CalendarStore } from '../services/calendar-store';
import { appendAudit } from '../services/records';
import type { CalendarChange } from '../workflows/calendar/definitions';
import { affectedFeedback, calendarAfterChange } from './calendar';
import { sameInstant } from './dossier-deadlines';

interface Row {
  code: string; seq: number; status: FeedbackState['status']; classification_level: number; clocks_rechecked: boolean;
  clock_from: Pick<FeedbackState, 'classificationFrom' | 'resultReachedAt'> | null;
  classification_due_at: Date | string | null; result_entry_due_at: Date | string | null;
}

/**
 * A calendar change carried through feedback's records in bulk (issue 30), as for dossiers (see
 * dossier-deadlines): a day off moves the working-day clocks (classification, result entry) later; a process
 * that checks its clocks when it wakes takes the new deadline when its old timer fires. The job writes the
 * read model and the audit entry; feedback's moved clocks are not the citizen's to be told (as before).
 */
export function createFeedbackDeadlineActivities(deps: { orm: MikroORM; calendars: CalendarStore }) {
  return {
    async moveFeedbackDeadlines(input: CalendarChange & { after: string; limit: number }): Promise<{ moved: number; toSignal: string[]; last: string | null }> {
      const { cal, laterOnly } = await calendarAfterChange(deps.calendars, input);
      const [where, params] = affectedFeedback(input);
      const rows = await deps.orm.em.fork().execute<Row[]>(
        `select f.code, f.seq, f.status, f.classification_level, f.clocks_rechecked, f.clock_from, f.classification_due_at, f.result_entry_due_at
           from feedback f where ${where} order by f.code limit ?`,
        [...params, input.limit],
      );
      const toSignal: string[] = [];
      const moves: { row: Row; to: { classificationDueAt: string | null; resultEntryDueAt: string | null } }[] = [];
      for (const row of rows) {
        if (!row.clocks_rechecked || !row.clock_from) {
          toSignal.push(row.code);
          continue;
        }
        // As for dossiers: a deadline that may move earlier is written here and its process signalled too.
        if (!laterOnly) toSignal.push(row.code);
        const state = { status: row.status, classificationLevel: row.classification_level, ...row.clock_from };
        const to = workingDayDues(state, feedbackSchedule(state, cal));
        // Unchanged here (the answer's clock is in calendar days): nothing to write.
        if (sameInstant(to.classificationDueAt, row.classification_due_at) && sameInstant(to.resultEntryDueAt, row.result_entry_due_at)) continue;
        moves.push({ row, to });
      }
      const at = new Date().toISOString();
      let moved = 0;
      if (moves.length > 0) {
        await deps.orm.em.fork().transactional(async (tx) => {
          for (const { row, to } of moves) {
            // Only if the process recorded nothing since it was read: otherwise it is signalled.
            const updated = await tx.execute<{ code: string }[]>(
              'update feedback set classification_due_at = ?, result_entry_due_at = ?, calendar_move = ?::jsonb, updated_at = now() where code = ? and seq = ? returning code',
              [to.classificationDueAt, to.resultEntryDueAt, JSON.stringify({ changeId: input.changeId, date: input.date, at, from: { classificationDueAt: row.classification_due_at, resultEntryDueAt: row.result_entry_due_at }, to }), row.code, row.seq],
            );
            if (updated.length === 0) {
              if (laterOnly) toSignal.push(row.code);
              continue;
            }
            moved++;
            await appendAudit(tx, {
              at, actorId: null, actorRole: null, action: 'feedback.deadlines_moved', entityType: 'feedback', entityId: row.code,
              before: { classificationDueAt: row.classification_due_at, resultEntryDueAt: row.result_entry_due_at }, after: { ...to, changeId: input.changeId, date: input.date },
              requestId: input.changeId, dedupeKey: `${input.changeId}:${row.code}`,
            });
          }
        });
      }
      Context.current().heartbeat(rows.at(-1)?.code);
      return { moved, toSignal, last: rows.at(-1)?.code ?? null };
    },
  };
}

export type FeedbackDeadlineActivities = ReturnType<typeof createFeedbackDeadlineActivities>;
