import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
// upward: replaying histories needs the very bundle the worker runs, not a copy of how it is made.
import { workflowBundle } from '../../workers/process-worker';

export type History = temporal.api.history.v1.IHistory;
export interface ReplayOutcome {
  replayed: number;
  /** The processes whose history the current workflow code does not reproduce (a determinism error, or a failure to run). */
  failures: { workflowId: string; error: string }[];
}

/** Replays histories against the workflow code this process would run (the same bundle as the worker's). */
export async function replayHistories(
  histories: AsyncIterable<{ workflowId: string; history: History }> | Iterable<{ workflowId: string; history: History }>, dataConverter?: DataConverter,
): Promise<ReplayOutcome> {
  const outcome: ReplayOutcome = { replayed: 0, failures: [] };
  // The payload codec (encryption) is the cluster's: recorded inputs are decoded as the worker decodes them.
  for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle(), dataConverter }, histories)) {
    outcome.replayed++;
    if (r.error) outcome.failures.push({ workflowId: r.workflowId, error: String(r.error).slice(0, 2000) });
  }
  return outcome;
}

/**
 * The histories of the engine's open processes (or one process), fetched one by one as the replay asks
 * for them: run before a deploy, a change that would break running processes shows here first.
 */
export async function* openHistories(client: Client, opts: { workflowId?: string; limit?: number } = {}): AsyncGenerator<{ workflowId: string; history: History }> {
  if (opts.workflowId) {
    const history = await client.workflow.getHandle(opts.workflowId).fetchHistory();
    yield { workflowId: opts.workflowId, history };
    return;
  }
  let n = 0;
  for await (const w of client.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
    if (opts.limit !== undefined && n++ >= opts.limit) return;
    yield { workflowId: w.workflowId, history: await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory() };
  }
}
