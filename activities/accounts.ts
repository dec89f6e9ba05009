import type { MikroORM } from '@mikro-orm/postgresql';
import { heartbeat, log as activityLog } from '@temporalio/activity';
import { escalateOverdueReviews, openAccountReviews, sweepInactiveBatch, type SweepBatchResult } from '../services/account-lifecycle';

/** Side effects of the account sweep: each is one transaction, keyed, safe to retry. */
export function createAccountActivities(deps: { orm: MikroORM }) {
  return {
    async sweepInactiveBatch(input: { asOf: string; batchSize: number }): Promise<SweepBatchResult> {
      heartbeat();
      const r = await sweepInactiveBatch(deps.orm.em.fork(), input.asOf, input.batchSize);
      activityLog.info('inactivity sweep batch', { asOf: input.asOf, due: r.due, locked: r.locked, noticed: r.noticed });
      return r;
    },
    async openAccountReviews(input: { asOf: string }): Promise<string[]> {
      return openAccountReviews(deps.orm.em.fork(), input.asOf);
    },
    async escalateOverdueReviews(input: { asOf: string }): Promise<string[]> {
      return escalateOverdueReviews(deps.orm.em.fork(), input.asOf);
    },
  };
}

export type AccountActivities = ReturnType<typeof createAccountActivities>;
