/**
 * Replays processes' histories against the current workflow code and reports determinism errors; exits 1
 * when any process would break. Operators run it before a deploy:
 *   npm run replay                      every open process on the cluster (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE)
 *   npm run replay -- --workflow ID     one process
 *   npm run replay -- --dir test/fixtures/histories   recorded histories (what CI runs)
 */
import { Client, Connection } from '@temporalio/client';
import { installTemporalRuntime } from '../runtime/temporal';
import { createLogger } from '../runtime/logger';
import { dataConverterOf, PayloadKeys } from '../runtime/payload-codec';
import { openHistories, replayHistories } from '../services/operations/replay';
import { recordedHistories } from '../services/operations/recorded-histories';

const args = process.argv.slice(2);
const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const dir = value('--dir');
const workflowId = value('--workflow');
// Only what reaching the cluster needs (not the platform's whole configuration).
const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
const log = createLogger(process.env.LOG_LEVEL ?? 'warn', 'replay');
const dataConverter = dataConverterOf(process.env.TEMPORAL_PAYLOAD_KEYS ? PayloadKeys.parse(process.env.TEMPORAL_PAYLOAD_KEYS) : undefined);
installTemporalRuntime(log);
let connection: Connection | null = null;
let outcome;
if (dir) {
  outcome = await replayHistories(recordedHistories(dir), dataConverter);
} else {
  connection = await Connection.connect({ address });
  outcome = await replayHistories(openHistories(new Client({ connection, namespace, dataConverter }), { workflowId }), dataConverter);
}
await connection?.close();
process.stdout.write(`${outcome.replayed} replayed, ${outcome.failures.length} failed\n`);
for (const f of outcome.failures) process.stdout.write(`FAILED ${f.workflowId}: ${f.error}\n`);
process.exit(outcome.failures.length ? 1 : 0);
