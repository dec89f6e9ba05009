/**
 * Benchmark (issue 18): the worker's resident memory with IN_FLIGHT dossier lifecycles open at once (300 by
 * default, all in the worker's cache), over a soak: each open dossier is moved one step at a time, a
 * finished one is replaced by a new submission, so the cache stays full and turns over. Two workers in one
 * run, one after the other on the same stack: the baseline (a bundle without shared modules: every cached
 * workflow evaluates the domain rules and zod for itself) for BASELINE_MINUTES, then the platform's worker
 * for SOAK_MINUTES (30 by default). Prints the curve (a sample every 10 s, a row a minute).
 *   npm run bench:worker-memory        Results: bench/results/worker-memory.json and .md.
 * The workers run as their own processes from the production build (`npm run build`: no TypeScript loader, no
 * bundler at run time), as in production.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { bundleWorkflowCode } from '@temporalio/worker';
// upward: the memory benchmark measures the production build itself.
import { buildProduction } from '../scripts/build';
import { WORKFLOWS_PATH } from '../workers/process-worker';
import { rssMiB, startBenchStack } from './support/stack';

const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 300);
const SOAK_MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const BASELINE_MINUTES = Number(process.env.BASELINE_MINUTES ?? 3);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 20);

const stack = await startBenchStack('worker-memory');
// The production build (plain JavaScript, the workflow bundle made ahead of time), and the same build with a
// bundle that shares nothing (the baseline).
const dist = '.data/bench-worker-memory/dist';
await buildProduction(`${process.cwd()}/${dist}`);
await buildProduction(`${process.cwd()}/${dist}-baseline`);
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
await writeFile(`${dist}-baseline/workflow-bundle.js`, (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, preloadModules: [], logger: quiet })).code);

async function lanes(work: () => Promise<void>) {
  await Promise.all(Array.from({ length: CONCURRENCY }, work));
}

async function phase(label: string, built: string, minutes: number) {
  const worker = await stack.startWorker({}, built);
  const pid = worker.pid!;
  const samples: { second: number; rssMiB: number; steps: number; completed: number }[] = [];
  const t0 = Date.now();
  let steps = 0;
  let completed = 0;
  const sample = () => samples.push({ second: Math.round((Date.now() - t0) / 1000), rssMiB: rssMiB(pid), steps, completed });
  sample();
  const idle = samples[0]!.rssMiB;
  // Warm-up: one lifecycle, so that the bundle is loaded and the connections are open.
  for (let s = 0, code = await stack.submit(); s < 4; s++) await stack.act(code, s);
  sample();
  const warm = samples.at(-1)!.rssMiB;

  // Open IN_FLIGHT dossiers, each accepted (a workflow in the cache waiting for its next step).
  const open: { code: string; step: number }[] = [];
  await lanes(async () => {
    while (open.length < IN_FLIGHT) {
      const slot = { code: '', step: -1 };
      open.push(slot);
      slot.code = await stack.submit();
      await stack.act(slot.code, 0);
      steps++;
      slot.step = 1;
    }
  });
  sample();
  const filled = samples.at(-1)!.rssMiB;

  // Soak: move the open dossiers on, round-robin; a finished one is replaced by a new submission.
  const timer = setInterval(sample, 10_000);
  const soakStart = Date.now();
  const end = soakStart + minutes * 60_000;
  let cursor = 0;
  await lanes(async () => {
    while (Date.now() < end) {
      const slot = open[cursor++ % open.length]!;
      if (slot.step < 0) continue; // another lane holds it (at most CONCURRENCY of IN_FLIGHT)
      const step = slot.step;
      slot.step = -1;
      await stack.act(slot.code, step);
      steps++;
      if (step === 3) {
        completed++;
        slot.code = await stack.submit();
        await stack.act(slot.code, 0);
        steps++;
        slot.step = 1;
      } else slot.step = step + 1;
    }
  });
  clearInterval(timer);
  sample();
  await stack.stopWorker();

  const soak = samples.filter((s) => s.second * 1000 >= soakStart - t0 - 1000);
  const at = (m: number) => soak.filter((s) => s.second <= soak[0]!.second + m * 60).at(-1)!;
  const curve = Array.from({ length: minutes + 1 }, (_, m) => ({ minute: m, ...at(m) }));
  const half = Math.ceil(curve.length / 2);
  return {
    label, inFlight: IN_FLIGHT, minutes, idleMiB: idle, warmMiB: warm, filledMiB: filled, maxMiB: Math.max(...soak.map((s) => s.rssMiB)),
    perCachedWorkflowKiB: Math.round(((filled - warm) * 1024) / IN_FLIGHT),
    firstHalfMaxMiB: Math.max(...curve.slice(0, half).map((c) => c.rssMiB)), secondHalfMaxMiB: Math.max(...curve.slice(half).map((c) => c.rssMiB)),
    steps, completed, stepsPerSecond: +(steps / ((Date.now() - t0) / 1000)).toFixed(1), curve, samples,
  };
}

const baseline = await phase('baseline: every cached workflow evaluates the domain modules', `${dist}-baseline/worker.mjs`, BASELINE_MINUTES);
const shared = await phase('the platform: domain modules shared by all workflows', `${dist}/worker.mjs`, SOAK_MINUTES);
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
await writeFile('bench/results/worker-memory.json', JSON.stringify({ machine, phases: [baseline, shared] }, null, 2));
const row = (p: typeof shared) =>
  `| ${p.label} | ${p.idleMiB} MiB | ${p.warmMiB} MiB | ${p.filledMiB} MiB | ${p.perCachedWorkflowKiB} KiB | ${p.maxMiB} MiB | ${p.firstHalfMaxMiB} / ${p.secondHalfMaxMiB} MiB | ${p.minutes} min | ${p.stepsPerSecond} |`;
const md = [
  `# Worker memory — ${IN_FLIGHT} lifecycles in flight`,
  '',
  `Machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}; worker (production build), Temporal dev server, PostgreSQL 17 (embedded), SMTP server and load generator on the same machine; ${machine.date.slice(0, 10)}. Resident memory (RSS) of the worker process.`,
  '',
  '| worker | idle | after one lifecycle | 300 open dossiers cached | per cached workflow | highest in the soak | highest, 1st / 2nd half | soak | steps/s |',
  '|---|---|---|---|---|---|---|---|---|',
  row(baseline),
  row(shared),
  '',
  `Soak of the platform's worker: ${shared.steps} steps, ${shared.completed} lifecycles completed.`,
  '',
  '| minute | worker RSS | steps so far | lifecycles completed |',
  '|---|---|---|---|',
  ...shared.curve.map((c) => `| ${c.minute} | ${c.rssMiB} MiB | ${c.steps} | ${c.completed} |`),
  '',
].join('\n');
await writeFile('bench/results/worker-memory.md', md);
process.stdout.write(md);
await stack.stop();
process.exit(0);
