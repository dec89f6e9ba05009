import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { activityFailures } from '../../runtime/metrics';
import { DOSSIER_WORKFLOW, type DossierWorkflowInput } from '../../workflows/dossier/definitions';
import { startWorkflowEnv } from '../support/workflow-env';

/** Activity policies (issue 10): a permanent error is not retried for ever; every failed attempt is counted. */
let w: Awaited<ReturnType<typeof startWorkflowEnv>>;
beforeAll(async () => {
  w = await startWorkflowEnv('policies-test');
});
afterAll(async () => {
  await w?.stop();
});

async function failures(activity: string, retryable: boolean): Promise<number> {
  const m = await activityFailures.get();
  return m.values.find((v) => v.labels.activity === activity && v.labels.retryable === String(retryable))?.value ?? 0;
}

describe('activity policies (time-skipping)', () => {
  it('a process whose record is missing fails once, visibly, instead of retrying for ever', async () => {
    const before = await failures('recordTransition', false);
    const code = `KHONG-CO-${randomUUID().slice(0, 8)}`;
    const input: DossierWorkflowInput = {
      code, procedureCode: 'STP-KS', agencyCode: 'HNI-STP', citizenId: randomUUID(), processingDays: 1, feeAmount: 0,
      receivedAt: new Date(await w.env.currentTimeMs()).toISOString(), requestId: null,
    };
    const handle = await w.env.client.workflow.start(DOSSIER_WORKFLOW, { taskQueue: w.taskQueue, workflowId: code, args: [input] });
    let status = '';
    for (let i = 0; i < 400 && status !== 'FAILED'; i++) {
      status = (await handle.describe()).status.name;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(status).toBe('FAILED');
    const attempts = (await handle.fetchHistory()).events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(attempts.every((a) => a === 1)).toBe(true);
    expect(await failures('recordTransition', false)).toBe(before + 1);
  });
});
