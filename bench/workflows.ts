/**
 * Benchmark: complete dossier lifecycles per second (submission → acceptance → approval request →
 * approval → result, with every record and email) that the worker sustains against the local Temporal dev
 * server, beside that server's rate for an empty workflow in the same run (the engine's own limit), with
 * the worker's and the server's CPU and memory.
 *   npm run bench:workflows   (LIFECYCLES=300 CONCURRENCY=30 EMPTY=2000)
 * Results: bench/results/workflows.json and .md.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { cpuSeconds, rssMiB, startBenchStack } from './support/stack';

const LIFECYCLES = Number(process.env.LIFECYCLES ?? 300);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 30);
const EMPTY = Number(process.env.EMPTY ?? 2000);

const stack = await startBenchStack('workflows');
const worker = await stack.startWorker();

async function pool(total: number, concurrency: number, job: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await job(next++);
  }));
}

async function measure(label: string, total: number, job: (i: number) => Promise<void>) {
  const server = stack.temporalPid();
  const cpu0 = { server: cpuSeconds(server), worker: cpuSeconds(worker.pid!), bench: process.cpuUsage() };
  const t0 = process.hrtime.bigint();
  await pool(total, CONCURRENCY, job);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const bench = process.cpuUsage(cpu0.bench);
  return {
    label, total, seconds: +seconds.toFixed(2), perSecond: +(total / seconds).toFixed(1),
    serverCpuPercent: Math.round(((cpuSeconds(server) - cpu0.server) / seconds) * 100),
    workerCpuPercent: Math.round(((cpuSeconds(worker.pid!) - cpu0.worker) / seconds) * 100),
    benchProcessCpuPercent: Math.round(((bench.user + bench.system) / 1e6 / seconds) * 100),
    serverRssMiB: rssMiB(server), workerRssMiB: rssMiB(worker.pid!),
  };
}

// The engine's own limit: empty workflows, with their worker in this process.
const emptyWorker = await Worker.create({
  connection: await NativeConnection.connect({ address: stack.temporalAddress() }),
  taskQueue: 'bench-empty',
  workflowsPath: fileURLToPath(new URL('./support/empty-workflow.ts', import.meta.url)),
});
const emptyRun = emptyWorker.run();
await stack.client.workflow.execute('emptyWorkflow', { taskQueue: 'bench-empty', workflowId: 'warm-up' });
const empty = await measure('empty workflow (engine limit)', EMPTY, async (i) => {
  await stack.client.workflow.execute('emptyWorkflow', { taskQueue: 'bench-empty', workflowId: `empty-${i}` });
});
emptyWorker.shutdown();
await emptyRun;

// Warm the dossier worker, then full lifecycles.
for (let s = 0, code = await stack.submit(); s < 4; s++) await stack.act(code, s);
const lifecycles = await measure('dossier lifecycle (5 steps)', LIFECYCLES, async () => {
  const code = await stack.submit();
  for (let s = 0; s < 4; s++) await stack.act(code, s);
});
const transitions = { ...lifecycles, label: 'dossier transitions (per step)', total: lifecycles.total * 5, perSecond: +((lifecycles.total * 5) / lifecycles.seconds).toFixed(1) };

const [{ n }] = (await stack.orm.em.fork().execute<{ n: string }[]>("select count(*) as n from dossier where status = 'completed'")) as [{ n: string }];
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
const rows = [empty, lifecycles, transitions];
await writeFile('bench/results/workflows.json', JSON.stringify({ machine, concurrency: CONCURRENCY, completedDossiers: Number(n), rows }, null, 2));
const md = [
  '# Workflow throughput',
  '',
  `Machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}; Temporal CLI dev server (SQLite), embedded PostgreSQL 17, SMTP server, worker and load generator on the same machine; ${CONCURRENCY} in flight; ${machine.date.slice(0, 10)}.`,
  '',
  '| run | count | seconds | per second | ratio to empty workflows | server CPU | worker CPU | load generator CPU | server RSS | worker RSS |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.label} | ${r.total} | ${r.seconds} | ${r.perSecond} | ${(r.perSecond / empty.perSecond).toFixed(2)} | ${r.serverCpuPercent}% | ${r.workerCpuPercent}% | ${r.benchProcessCpuPercent}% | ${r.serverRssMiB} MiB | ${r.workerRssMiB} MiB |`),
  '',
  `Each lifecycle: a submission recorded in PostgreSQL, a workflow start, 4 validated updates, 5 history + audit entries, 5 emails over SMTP, a result. ${Number(n)} dossiers completed in all.`,
  '',
].join('\n');
await writeFile('bench/results/workflows.md', md);
process.stdout.write(md);
await stack.stop();
process.exit(0);
