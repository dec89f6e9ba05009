import { readdir, readFile } from 'node:fs/promises';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { History } from './replay';

/** Recorded histories (JSON, as `npm run record-histories` writes them) under a folder; for the replay command and CI. */
export async function* recordedHistories(dir: string): AsyncGenerator<{ workflowId: string; history: History }> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.json')).sort();
  for (const f of files) yield { workflowId: f, history: historyFromJSON(JSON.parse(await readFile(`${dir}/${f}`, 'utf8'))) };
}
