import { describe, expect, it } from '@jest/globals';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { certainlyRefused } from '../../api/errors';

/** A feedback text is removed only when the step was certainly refused (issue 10): never after a timeout. */
describe('certainly refused', () => {
  it('a refused update or a process that no longer runs: the step was not applied', () => {
    expect(certainlyRefused(new WorkflowUpdateFailedError('refused', ApplicationFailure.create({ type: 'WRONG_STEP', message: 'sai bước' })))).toBe(true);
    expect(certainlyRefused(new WorkflowNotFoundError('gone', 'PAKN-1', undefined))).toBe(true);
    expect(certainlyRefused(new Error('workflow execution already completed'))).toBe(true);
  });

  it('a timeout, a lost connection or anything else: the step may have been applied', () => {
    expect(certainlyRefused(new Error('4 DEADLINE_EXCEEDED: context deadline exceeded'))).toBe(false);
    expect(certainlyRefused(Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14 }))).toBe(false);
    expect(certainlyRefused(undefined)).toBe(false);
  });
});
