import { continueAsNew, patched, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { CalendarActivities } from '../../activities/calendar';
import type { DossierDeadlineActivities } from '../../activities/dossier-deadlines';
import type { FeedbackDeadlineActivities } from '../../activities/feedback-deadlines';
import { BATCH, PATCHES } from '../shared';
import { AFFECTED_KINDS, calendarChangeProgressQuery, type AffectedKind, type CalendarChangeInput, type CalendarChangeProgress } from './definitions';

const acts = proxyActivities<CalendarActivities & DossierDeadlineActivities & FeedbackDeadlineActivities>(BATCH);

/** Processes signalled per batch; each batch is one heartbeating activity. */
const BATCH_SIZE = 500;

/**
 * The job that carries an announced calendar change to every open process it can affect (issue 15):
 * dossiers, feedback, service publications, data-quality findings and reconciliation discrepancies, found in their read models by a deadline on or after the changed day, signalled
 * in bounded batches; resumable (each batch continues from the last code signalled), its progress a query.
 */
export async function calendarChangeWorkflow(input: CalendarChangeInput): Promise<CalendarChangeProgress> {
  let cursor: { kind: AffectedKind; after: string } = input.cursor ?? { kind: AFFECTED_KINDS[0], after: '' };
  const totals: CalendarChangeProgress = input.totals ?? { signalled: 0, batches: 0, done: false };
  // The service desk's clocks (issue 17) joined the kinds: jobs started before go through the first five.
  const kinds = patched(PATCHES.calendarChangeServiceDesk) ? AFFECTED_KINDS : AFFECTED_KINDS.slice(0, 5);
  // Dossiers' and feedback's later deadlines are moved in the records, not by waking each process (issue 30).
  const moveInRecords = { dossier: acts.moveDossierDeadlines, feedback: acts.moveFeedbackDeadlines } as Partial<Record<AffectedKind, typeof acts.moveDossierDeadlines>>;
  const bulk = patched(PATCHES.calendarBulkMove);
  setHandler(calendarChangeProgressQuery, () => ({ ...totals, date: input.date, changedAt: input.changedAt }));
  const change = { changeId: input.changeId, date: input.date, changedAt: input.changedAt, ...(input.sessionsChanged ? { sessionsChanged: true } : {}) };
  if (bulk && !input.settled && input.settleMs) {
    const left = Date.parse(input.changedAt) + input.settleMs - Date.now();
    if (left > 0) await sleep(left);
  }
  for (;;) {
    let r: { signalled: number; last: string | null };
    const move = bulk ? moveInRecords[cursor.kind] : undefined;
    if (move) {
      const m = await move({ ...change, after: cursor.after, limit: BATCH_SIZE });
      totals.moved = (totals.moved ?? 0) + m.moved;
      r = { signalled: m.toSignal.length > 0 ? await acts.signalChanged({ ...change, codes: m.toSignal }) : 0, last: m.last };
    } else {
      r = await acts.signalAffected({ ...change, kind: cursor.kind, after: cursor.after, limit: BATCH_SIZE });
    }
    totals.signalled += r.signalled;
    totals.batches++;
    if (r.last) cursor = { kind: cursor.kind, after: r.last };
    else {
      const next = kinds[kinds.indexOf(cursor.kind) + 1];
      if (!next) break;
      cursor = { kind: next, after: '' };
    }
    if (workflowInfo().continueAsNewSuggested || totals.batches % 200 === 0) {
      await continueAsNew<typeof calendarChangeWorkflow>({ ...input, cursor, totals, settled: true });
    }
  }
  totals.done = true;
  return totals;
}
