import { ApplicationFailure } from '@temporalio/common';

/**
 * A failure no retry can change (the data a process needs is not there): the engine does not retry
 * it (type `PermanentFailure` is non-retryable in every policy) and the worker logs it as an error.
 */
export function permanentFailure(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'PermanentFailure', message, nonRetryable: true });
}
