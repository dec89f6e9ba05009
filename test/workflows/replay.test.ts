import { readdir, readFile } from 'node:fs/promises';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from '@jest/globals';
import { installTemporalRuntime } from '../../runtime/temporal';
import { SHARED_WORKFLOW_MODULES, workflowBundle } from '../../workers/process-worker';
import { testLogger } from '../support/capture-logs';
import { replayHistories } from '../../services/operations/replay';
import { recordedHistories } from '../../services/operations/recorded-histories';

const DIR = 'test/fixtures/histories';

/**
 * Replays recorded histories of real runs (npm run record-histories) against the current workflow
 * code: a change that is not deterministic for workflows already running fails here, not in production.
 */
describe('workflow replay', () => {
  installTemporalRuntime(testLogger());

  it('replays every recorded dossier, feedback and account-sweep history — of the old code and the new — without a determinism error', async () => {
    // The first recordings at the top, then one folder per later recording: all of them must replay.
    const files = (await readdir(DIR, { recursive: true })).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThanOrEqual(5);
    const histories = await Promise.all(files.map(async (f) => ({ workflowId: f, history: historyFromJSON(JSON.parse(await readFile(`${DIR}/${f}`, 'utf8'))) })));
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) results.push(r);
    const failures = results.filter((r) => r.error).map((r) => `${r.workflowId}: ${String(r.error)}`);
    expect(failures).toEqual([]);
    expect(results).toHaveLength(files.length);
  });

  it('every domain module of the bundle is loaded once for all workflows, and no other module is pulled in for it', async () => {
    const { code } = await workflowBundle();
    const inBundle = [...new Set([...code.matchAll(/"\.\/(domain\/[^"]+\.ts)"/g)].map((m) => m[1]!))].sort();
    const shared = SHARED_WORKFLOW_MODULES.map((m) => m.slice(m.lastIndexOf('/domain/') + 1)).sort();
    expect(inBundle).toEqual(shared);
    // The holiday library stays out of the bundle (only the local clock activity computes holidays).
    expect(code).not.toContain('date-holidays');
  });

  it('a change that is not deterministic is reported with the process it would break (the command operators run before a deploy)', async () => {
    // (Every recorded history replays: the test above. Here, the operators' command on one that does not.)
    const some = [];
    for await (const h of recordedHistories(DIR)) if (some.push(h) === 3) break;
    expect((await replayHistories(some)).failures).toEqual([]);
    // A recorded history whose first activity was another one than the code now schedules: what a
    // reordered or renamed activity in a deploy looks like to a running process.
    const file = (await readdir(DIR, { recursive: true })).filter((f) => f.endsWith('.json') && f.includes('refund-agency-refused'))[0]!;
    const json = JSON.parse(await readFile(`${DIR}/${file}`, 'utf8')) as { events: { activityTaskScheduledEventAttributes?: { activityType?: { name: string } } }[] };
    const scheduled = json.events.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType!.name = 'orderBankRefund';
    const broken = await replayHistories([{ workflowId: 'HT-CHANGED', history: historyFromJSON(json) }]);
    expect(broken.replayed).toBe(1);
    expect(broken.failures).toHaveLength(1);
    expect(broken.failures[0]!.workflowId).toBe('HT-CHANGED');
    expect(broken.failures[0]!.error).toMatch(/[Nn]ondeterminism|determinism/);
  });
});
