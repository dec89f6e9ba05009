import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Worker } from '@temporalio/worker';
import { DEMO_PROCEDURES } from '../../db/demo-data';
import type { Actor } from '../../domain/access/roles';
import type { DossierAction } from '../../domain/dossier/vocabulary';
import { recordSubmission } from '../../services/dossier-intake';
import { createProcessWorker, workflowBundle } from '../../workers/process-worker';
import { DOSSIER_WORKFLOW, dossierViewQuery, performActionUpdate, type DossierWorkflowInput } from '../../workflows/dossier/definitions';
import { workflowsDeployedWith } from '../support/deploys';
import { actor, finished, startWorkflowEnv } from '../support/workflow-env';

/**
 * Safe evolution (issue 14): dossiers started on the code before a change finish on the code after it.
 * The change shipped here is the processes' search attributes (workflows/visibility.ts, behind the
 * patch `process-search-attributes`); "the code before" is the same workflows bundled with that
 * module as it was — doing nothing (test/fixtures/before-search-attributes).
 */
let w: Awaited<ReturnType<typeof startWorkflowEnv>>;
const TASK_QUEUE = 'evolution-test';

const citizen = actor('congdan1');
const receiving = actor('tiepnhan.hn');
const processing = actor('xuly.hn');
const leader = actor('lanhdao.hn');
const resultOfficer = actor('trakq.hn');

/**
 * A worker of the task queue. The old one keeps no workflow cache: its sticky queue would otherwise
 * hold the open dossier's next task after it stopped (the test server does not time sticky queues out).
 */
async function runWorker(code?: { code: string }) {
  const worker = await createProcessWorker(w.env.nativeConnection, w.env.namespace ?? 'default', TASK_QUEUE, w.deps, code ? { maxCachedWorkflows: 0 } : {}, undefined, code);
  const running = worker.run();
  return { stop: async () => { worker.shutdown(); await running; } };
}

async function submit() {
  const proc = DEMO_PROCEDURES.find((p) => p.code === 'STP-KS')!;
  const receivedAt = new Date(await w.env.currentTimeMs());
  const { code } = await recordSubmission(w.deps.orm.em.fork(), {
    procedureCode: proc.code, agencyCode: proc.agencyCode, citizenId: citizen.id, processingDays: proc.processingDays, feeAmount: proc.feeAmount,
    formData: { note: 'evolution' }, files: [], receivedAt, idempotencyKey: null,
  });
  const input: DossierWorkflowInput = { code, procedureCode: proc.code, agencyCode: proc.agencyCode, citizenId: citizen.id, processingDays: proc.processingDays, feeAmount: proc.feeAmount, receivedAt: receivedAt.toISOString(), requestId: randomUUID(), waiting: null };
  const handle = await w.env.client.workflow.start(DOSSIER_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: code, args: [input] });
  const act = (a: Actor, action: DossierAction) => handle.executeUpdate(performActionUpdate, { args: [{ action, actor: a, requestId: randomUUID() }] });
  const view = () => handle.query(dossierViewQuery);
  for (let v = await view(); v.recordedSeq < 1; v = await view()) await new Promise((r) => setTimeout(r, 20));
  return { code, handle, act, view, attributes: async () => (await handle.describe()).searchAttributes };
}

beforeAll(async () => {
  w = await startWorkflowEnv('evolution-idle');
});
afterAll(async () => {
  await w?.stop();
});

describe('deploying a workflow change while dossiers are open', () => {
  it('dossiers started on the old code and on the new both finish; the old ones take the new path from their next change', async () => {
    const old = await runWorker(await workflowsDeployedWith('before-search-attributes'));
    const before = await submit();
    await before.act(receiving, { type: 'accept' });
    // The old code kept no search attributes.
    expect((await before.attributes()).ProcessKind).toBeUndefined();
    await old.stop();

    // The deploy: the new code takes over the same task queue while the dossier waits for its officer.
    const current = await runWorker();
    const after = await submit();
    expect(await after.attributes()).toMatchObject({ ProcessKind: ['dossier'], ProcessStatus: ['submitted'], AgencyCode: [DEMO_PROCEDURES.find((p) => p.code === 'STP-KS')!.agencyCode], ProcedureCode: ['STP-KS'], OverdueLevel: [0] });

    // The open dossier replays its old history on the new code, then shows itself at its next change.
    await before.act(processing, { type: 'claim' });
    expect(await before.attributes()).toMatchObject({ ProcessKind: ['dossier'], ProcessStatus: ['processing'], ProcedureCode: ['STP-KS'] });

    for (const d of [before, after]) {
      if (d === after) {
        await d.act(receiving, { type: 'accept' });
        await d.act(processing, { type: 'claim' });
      }
      await d.act(processing, { type: 'submit_for_approval', summary: 'Đủ điều kiện' });
      await d.act(leader, { type: 'approve' });
      expect((await d.act(resultOfficer, { type: 'issue_result', title: 'Trích lục khai sinh', content: 'Nội dung' })).status).toBe('completed');
      expect((await finished(d.handle, d.view, 'evolution')).state.status).toBe('completed');
      expect((await d.attributes()).ProcessStatus).toEqual(['completed']);
    }
    // Nothing lost, nothing doubled: each dossier's history has each step once.
    for (const d of [before, after]) {
      const steps = await w.deps.orm.em.fork().execute<{ action: string }[]>('select action from dossier_history where dossier_code = ? order by seq', [d.code]);
      expect(steps.map((s) => s.action)).toEqual(['submit', 'accept', 'claim', 'submit_for_approval', 'approve', 'issue_result']);
    }
    await current.stop();

    // Both finished histories replay on the current code (the CI replay gate does the same for recorded ones).
    for (const d of [before, after]) {
      const history = await d.handle.fetchHistory();
      expect(history.events!.some((e) => e.upsertWorkflowSearchAttributesEventAttributes)).toBe(true);
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, d.code);
    }
  });
});
