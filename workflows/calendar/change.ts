import { continueAsNew, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { CalendarActivities } from '../../activities/calendar';
import { BATCH, PATCHES } from '../shared';
import { AFFECTED_KINDS, calendarChangeProgressQuery, type AffectedKind, type CalendarChangeInput, type CalendarChangeProgress } from './definitions';

const acts = proxyActivities<CalendarActivities>(BATCH);

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
  setHandler(calendarChangeProgressQuery, () => ({ ...totals, date: input.date, changedAt: input.changedAt }));
  for (;;) {
    const r = await acts.signalAffected({ changeId: input.changeId, date: input.date, changedAt: input.changedAt, kind: cursor.kind, after: cursor.after, limit: BATCH_SIZE });
    totals.signalled += r.signalled;
    totals.batches++;
    if (r.last) cursor = { kind: cursor.kind, after: r.last };
    else {
      const next = kinds[kinds.indexOf(cursor.kind) + 1];
      if (!next) break;
      cursor = { kind: next, after: '' };
    }
    if (workflowInfo().continueAsNewSuggested || totals.batches % 200 === 0) {
      await continueAsNew<typeof calendarChangeWorkflow>({ ...input, cursor, totals });
    }
  }
  totals.done = true;
  return totals;
}
