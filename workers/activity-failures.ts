import type { Context as ActivityContext } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
// upward: runtime/metrics is a leaf (the one Prometheus registry every floor counts into).
import { activityFailures } from '../runtime/metrics';

/** From this attempt on, a failing activity is logged as an error: someone must look. */
const LOUD_FROM_ATTEMPT = 3;

/**
 * Every failed activity attempt is counted (`activity_failures_total`) and logged with its attempt
 * number, so that nothing retries for ever unseen; a non-retryable failure (a domain refusal, a
 * permanent error) is logged once as an error. A retryable failure is also written to
 * `stalled_activity` (the operators' console lists it from there) and removed when an attempt succeeds.
 */
export function visibleActivityFailures(log: Logger, orm?: MikroORM): ActivityInterceptorsFactory {
  const note = (sql: string, params: unknown[]) => orm?.em.fork().execute(sql, params).catch((e: unknown) => log.warn({ err: e }, 'stalled activity not noted'));
  return (ctx: ActivityContext) => ({
    inbound: {
      async execute(input, next) {
        const { activityType, activityId, attempt, workflowExecution } = ctx.info;
        const workflowId = workflowExecution?.workflowId;
        try {
          const out = await next(input);
          if (attempt > 1 && workflowId) await note('delete from stalled_activity where workflow_id = ? and activity_id = ?', [workflowId, activityId]);
          return out;
        } catch (e) {
          const retryable = !(e instanceof ApplicationFailure && e.nonRetryable);
          activityFailures.inc({ activity: activityType, retryable: String(retryable) });
          const entry = { activity: activityType, attempt, workflowId, err: e };
          if (!retryable || attempt >= LOUD_FROM_ATTEMPT) log.error(entry, retryable ? 'activity keeps failing; it will be retried' : 'activity failed for good');
          else log.warn(entry, 'activity failed; it will be retried');
          if (workflowId) {
            await (retryable
              ? note(`insert into stalled_activity (workflow_id, activity_id, activity_type, attempt, last_error) values (?, ?, ?, ?, ?)
                      on conflict (workflow_id, activity_id) do update set attempt = excluded.attempt, last_error = excluded.last_error, failed_at = now()`,
                [workflowId, activityId, activityType, attempt, String((e as Error).message ?? e).slice(0, 2000)])
              : note('delete from stalled_activity where workflow_id = ? and activity_id = ?', [workflowId, activityId]));
          }
          throw e;
        }
      },
    },
  });
}
