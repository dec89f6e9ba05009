import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { AccountActivities } from '../../activities/accounts';
import type { DossierActivities } from '../../activities/dossier';
import { BATCH, deliveredByRelay } from '../shared';

export const ACCOUNT_SWEEP_WORKFLOW = 'accountSweepWorkflow';
export const ACCOUNT_SWEEP_SCHEDULE = 'account-inactivity-sweep';

export interface AccountSweepInput {
  /** The instant the policy is applied as of; fixed for the whole sweep (defaults to the start time). */
  asOf?: string;
  batchSize?: number;
  totals?: AccountSweepTotals;
}

export interface AccountSweepTotals {
  batches: number;
  locked: number;
  noticed: number;
  messages: number;
}

const acts = proxyActivities<AccountActivities & Pick<DossierActivities, 'deliverNotifications' | 'pendingNotifications'>>(BATCH);

const DELIVERY_CHUNK = 200;

/**
 * The account policy sweep (RULES.md §5.5), started by a Temporal Schedule: inactivity locks and notices
 * in bounded batches by indexed due date, then the six-monthly reviews. Stopping it anywhere and starting
 * again is safe: each batch is one keyed transaction.
 */
export async function accountSweepWorkflow(input: AccountSweepInput = {}): Promise<AccountSweepTotals> {
  const asOf = input.asOf ?? new Date().toISOString();
  const batchSize = input.batchSize ?? 5000;
  const totals: AccountSweepTotals = input.totals ?? { batches: 0, locked: 0, noticed: 0, messages: 0 };
  // Sweeps started before the outbox relay delivered (and drained) messages themselves (kept for replay).
  const relayed = deliveredByRelay();
  const deliver = async (keys: string[]) => {
    if (!relayed) for (let i = 0; i < keys.length; i += DELIVERY_CHUNK) await acts.deliverNotifications(keys.slice(i, i + DELIVERY_CHUNK));
    totals.messages += keys.length;
  };
  for (;;) {
    const r = await acts.sweepInactiveBatch({ asOf, batchSize });
    totals.batches++;
    totals.locked += r.locked;
    totals.noticed += r.noticed;
    await deliver(r.keys);
    if (r.due < batchSize) break;
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof accountSweepWorkflow>({ asOf, batchSize, totals });
  }
  await deliver(await acts.openAccountReviews({ asOf }));
  await deliver(await acts.escalateOverdueReviews({ asOf }));
  if (relayed) return totals;
  for (let round = 0; round < 50; round++) {
    const pending = await acts.pendingNotifications(1000);
    if (pending.length === 0) break;
    await deliver(pending);
    if (pending.length < 1000) break;
  }
  return totals;
}
