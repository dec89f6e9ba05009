import type { Context as ActivityContext } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from 'pino';
import { activityFailures } from '../runtime/metrics';

/** From this attempt on, a failing activity is logged as an error: someone must look. */
const LOUD_FROM_ATTEMPT = 3;

/**
 * Every failed activity attempt is counted (`activity_failures_total`) and logged with its attempt
 * number, so that nothing retries for ever unseen; a non-retryable failure (a domain refusal, a
 * permanent error) is logged once as an error.
 */
export function visibleActivityFailures(log: Logger): ActivityInterceptorsFactory {
  return (ctx: ActivityContext) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (e) {
          const { activityType, attempt, workflowExecution } = ctx.info;
          const retryable = !(e instanceof ApplicationFailure && e.nonRetryable);
          activityFailures.inc({ activity: activityType, retryable: String(retryable) });
          const entry = { activity: activityType, attempt, workflowId: workflowExecution?.workflowId, err: e };
          if (!retryable || attempt >= LOUD_FROM_ATTEMPT) log.error(entry, retryable ? 'activity keeps failing; it will be retried' : 'activity failed for good');
          else log.warn(entry, 'activity failed; it will be retried');
          throw e;
        }
      },
    },
  });
}
