/**
 * Benchmark (issue 15): a day off announced in the middle of open processes' deadlines — the time until
 * every affected dossier and feedback has its new deadline (recomputed by its own workflow, read model and
 * history updated), beside the time to update the same rows with one SQL statement in the same run.
 *   npm run bench:calendar   (DOSSIERS=2000 FEEDBACK=400 CONCURRENCY=20 WORKERS=1 OUT=calendar-change)
 * National scale (issue 30): DOSSIERS=100000 FEEDBACK=20000 OUT=national-scale; the worker runs as deployed
 * (production build, WORKER_MEMORY_MIB=400 by default, heap limit, MALLOC_ARENA_MAX=2), its resident memory sampled.
 * Results: bench/results/calendar-change.json and .md.
 */
import { writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { randomUUID } from 'node:crypto';
import { demoUser } from '../db/demo-data';
import { recordFeedback } from '../services/feedback-intake';
import { newCalendarChangeId, startCalendarChange } from '../services/calendar-changes';
import { FEEDBACK_WORKFLOW, type FeedbackWorkflowInput } from '../workflows/feedback/definitions';
import { cpuSeconds, rssMiB, startBenchStack } from './support/stack';

const DOSSIERS = Number(process.env.DOSSIERS ?? 2000);
const FEEDBACK = Number(process.env.FEEDBACK ?? 400);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 20);
/** Worker processes polling the queue (2: the scale-out proof under this load, issue 30). */
const WORKERS = Number(process.env.WORKERS ?? 1);
/** The production build's worker (`npm run build` first), as deployed; WORKER=source runs it from the sources. */
const BUILT = process.env.WORKER !== 'source' && existsSync('dist/worker.mjs') ? 'dist/worker.mjs' : undefined;
/** Environment of the worker (memory budget, cache size) as a deployment sets it. */
const WORKER_ENV: Record<string, string> = Object.fromEntries(Object.entries(process.env).filter(([k]) => (k.startsWith('WORKER_') && k !== 'WORKERS') || k === 'MALLOC_ARENA_MAX')) as Record<string, string>;
// As docker-compose.yml deploys it: heap limit and two malloc arenas (WORKER_NODE_OPTIONS= unsets the limit);
// the worker's Node flags go to it alone, not to this process.
WORKER_ENV.MALLOC_ARENA_MAX ??= '2';
WORKER_ENV.WORKER_NODE_OPTIONS ??= '--max-old-space-size=192';
if (WORKER_ENV.WORKER_NODE_OPTIONS) WORKER_ENV.NODE_OPTIONS = WORKER_ENV.WORKER_NODE_OPTIONS;
const OUT = process.env.OUT ?? 'calendar-change';
/**
 * How long the job waits for the workers' cached calendars before it moves dossier deadlines in the records
 * (issue 30): as the API starts it, twice the calendar cache's life (CALENDAR_CACHE_SECONDS, 30 s).
 */
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 60_000);
/** FAULT=kill-worker: the worker is killed with SIGKILL in the middle of the change (the fault run's case). */
const FAULT = process.env.FAULT ?? '';
/**
 * A second change in the same run, on the same open processes: the day off withdrawn (every deadline moves
 * back), carried by workers started with this environment added (JSON), e.g. '{"WORKER_WORKFLOW_THREADS":"2"}':
 * a worker setting measured against the first change as its baseline.
 */
const SECOND: Record<string, string> | null = process.env.SECOND_WORKER_ENV ? JSON.parse(process.env.SECOND_WORKER_ENV) : null;

const stack = await startBenchStack(OUT);
const workers: ChildProcess[] = [];
for (let i = 0; i < WORKERS; i++) workers.push(await stack.startWorker(WORKER_ENV, BUILT));
const worker = workers[0]!;
const em = () => stack.orm.em.fork();

// Resident memory sampled every second from start to end: the highest is what a machine must hold.
const peak = { worker: 0, server: 0 };
const sampler = setInterval(() => {
  for (const w of workers) if (w.exitCode === null) peak.worker = Math.max(peak.worker, rssMiB(w.pid!));
  peak.server = Math.max(peak.server, rssMiB(stack.temporalPid()));
}, 1000);

async function pool(total: number, job: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < total) await job(next++);
  }));
}

// Open processes: dossiers waiting for acceptance (8 working hours), feedback waiting for classification.
const citizen = demoUser('congdan1');
const t0 = Date.now();
await pool(DOSSIERS, async () => void (await stack.submit()));
await pool(FEEDBACK, async () => {
  const receivedAt = new Date();
  const code = await recordFeedback(em(), {
    citizenId: citizen.id, channel: 'portal', title: 'Đo lịch', content: 'Phản ánh dùng để đo việc tính lại thời hạn.',
    contact: { name: citizen.fullName, address: 'Hà Nội', phone: '0912000001', email: citizen.email }, agencyCode: 'HNI-STP',
    dossierCode: null, procedureCode: null, disagreesWith: null, receivedAt, keyedBy: null,
  });
  const input: FeedbackWorkflowInput = { code, citizenId: citizen.id, agencyCode: 'HNI-STP', receivedAt: receivedAt.toISOString(), leadAgencyCode: 'BTP-CKSTTHC', escalated: false, requestId: randomUUID() };
  await stack.client.workflow.start(FEEDBACK_WORKFLOW, { taskQueue: 'dossier', workflowId: code, args: [input] });
});
// Every process has recorded its submission (deadlines in the read model).
for (;;) {
  const [r] = await em().execute<{ d: number; f: number }[]>('select (select count(*) from dossier where seq > 0)::int as d, (select count(*) from feedback where seq > 0)::int as f');
  if (r!.d >= DOSSIERS && r!.f >= FEEDBACK) break;
  await new Promise((res) => setTimeout(res, 500));
}
const setupSeconds = (Date.now() - t0) / 1000;
const peakAtSetup = { ...peak };
// The engine's persistence per open process: the dev server's SQLite file and its write-ahead log.
const sqliteBytes = ['', '-wal'].reduce((n, ext) => n + (existsSync(stack.temporalDb() + ext) ? statSync(stack.temporalDb() + ext).size : 0), 0);

// The day off: the day of the earliest acceptance deadline, so that every open process has a deadline on or after it.
const [{ day }] = await em().execute<{ day: string }[]>("select to_char(min(acceptance_due_at) at time zone 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD') as day from dossier") as [{ day: string }];
const dayStart = `('${day}'::date)::timestamp at time zone 'Asia/Ho_Chi_Minh'`;
const [{ affected }] = await em().execute<{ affected: number }[]>(
  `select ((select count(*) from dossier where acceptance_due_at >= ${dayStart}) + (select count(*) from feedback where classification_due_at >= ${dayStart}))::int as affected`) as [{ affected: number }];

// Baseline in the same run: the same rows moved by one SQL statement per table (rolled back).
const sqlStart = process.hrtime.bigint();
await em().transactional(async (tx) => {
  await tx.execute(`update dossier set acceptance_due_at = acceptance_due_at + interval '1 day' where acceptance_due_at >= ${dayStart}`);
  await tx.execute(`update feedback set classification_due_at = classification_due_at + interval '1 day' where classification_due_at >= ${dayStart}`);
  throw Object.assign(new Error('rollback'), { rollback: true });
}).catch((e: { rollback?: boolean }) => {
  if (!e.rollback) throw e;
});
const sqlSeconds = Number(process.hrtime.bigint() - sqlStart) / 1e9;

// The announcement: the override, then the job; done when every affected process has recorded its moved deadline.
const cpu0 = { server: cpuSeconds(stack.temporalPid()), worker: cpuSeconds(worker.pid!) };
const start = process.hrtime.bigint();
await em().execute("insert into calendar_override (date, kind, note, updated_at) values (?, 'day_off', 'Đo hiệu năng', now())", [day]);
const changeId = newCalendarChangeId(day);
const job = await startCalendarChange(stack.client, 'dossier', { changeId, date: day, changedAt: new Date().toISOString() }, SETTLE_MS);
/**
 * Processes whose new deadline is in the records: dossiers the job moved in bulk (issue 30: their processes
 * take it when they wake) or whose process recorded the move after a signal, and feedback that recorded it.
 */
const MOVED_DOSSIERS = `select code from dossier where calendar_move->>'changeId' = ?
  union select dossier_code from dossier_history where action = 'deadline_moved'`;
const MOVED_FEEDBACK = `select code from feedback where calendar_move->>'changeId' = ?
  union select feedback_code from feedback_history where action = 'deadlines_moved'`;
const movedSoFar = async () => {
  const [r] = await em().execute<{ n: number }[]>(`select ((select count(*) from (${MOVED_DOSSIERS}) m) + (select count(*) from (${MOVED_FEEDBACK}) f))::int as n`, [changeId, changeId]);
  return r!.n;
};
// The fault run's case (issue 30): the worker killed with SIGKILL a third of the way through, then restarted.
const faults: string[] = [];
const faultPlan = FAULT === 'kill-worker' ? (async () => {
  while ((await movedSoFar()) < affected / 3) await new Promise((res) => setTimeout(res, 200));
  const victim = workers.shift()!;
  victim.kill('SIGKILL');
  faults.push(`worker killed with SIGKILL after ${await movedSoFar()} of ${affected} processes had moved, at ${(Number(process.hrtime.bigint() - start) / 1e9).toFixed(1)} s`);
  await new Promise((res) => setTimeout(res, 2000));
  workers.push(await stack.startWorker(WORKER_ENV, BUILT));
  faults.push(`a new worker polling at ${(Number(process.hrtime.bigint() - start) / 1e9).toFixed(1)} s`);
})() : Promise.resolve();
const jobResult = (await job.result()) as { signalled: number; moved?: number; batches: number };
const jobSeconds = Number(process.hrtime.bigint() - start) / 1e9;
let moved = 0;
await faultPlan;
for (;;) {
  moved = await movedSoFar();
  if (moved >= affected) break;
  await new Promise((res) => setTimeout(res, 200));
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const serverCpu = Math.round(((cpuSeconds(stack.temporalPid()) - cpu0.server) / seconds) * 100);
// (the first worker's share; not known when it was killed on the way)
const workerCpu = worker.exitCode === null && worker.signalCode === null ? Math.round(((cpuSeconds(worker.pid!) - cpu0.worker) / seconds) * 100) : null;
clearInterval(sampler);
// No process handled twice: each affected one moved once — one history entry, or one audited bulk move, never both.
const [{ twice }] = await em().execute<{ twice: number }[]>(`select ((select count(*) from (select entity_id from audit_log where action in ('dossier.deadline_moved', 'feedback.deadlines_moved') group by entity_type, entity_id having count(*) > 1) a)
  + (select count(*) from (select dossier_code from dossier_history where action = 'deadline_moved' group by 1 having count(*) > 1) d)
  + (select count(*) from dossier d where d.calendar_move->>'changeId' = ? and exists (select 1 from dossier_history h where h.dossier_code = d.code and h.action = 'deadline_moved'))
  + (select count(*) from (select feedback_code from feedback_history where action = 'deadlines_moved' group by 1 having count(*) > 1) f)
  + (select count(*) from feedback f where f.calendar_move->>'changeId' = ? and exists (select 1 from feedback_history h where h.feedback_code = f.code and h.action = 'deadlines_moved')))::int as twice`, [changeId, changeId]) as [{ twice: number }];
// None lost: every affected process has its new deadline in the records.
const [{ missed }] = await em().execute<{ missed: number }[]>(`select ((select count(*) from dossier d where d.code not in (${MOVED_DOSSIERS}))
  + (select count(*) from feedback f where f.code not in (${MOVED_FEEDBACK})))::int as missed`, [changeId, changeId]) as [{ missed: number }];
const [{ stale }] = await em().execute<{ stale: number }[]>(`select (select count(*) from dossier where status = 'submitted' and acceptance_due_at < ('${day}'::date + 1)::timestamp at time zone 'Asia/Ho_Chi_Minh')::int as stale`) as [{ stale: number }];

// The second change (SECOND_WORKER_ENV): the day off withdrawn, carried by workers with the other setting.
let second: { env: Record<string, string>; seconds: number; perSecond: number; ratioToFirst: number; workerCpuPercent: number; serverCpuPercent: number } | null = null;
if (SECOND) {
  await stack.stopWorker();
  workers.splice(0);
  for (let i = 0; i < WORKERS; i++) workers.push(await stack.startWorker({ ...WORKER_ENV, ...SECOND }, BUILT));
  const cpu1 = { server: cpuSeconds(stack.temporalPid()), worker: cpuSeconds(workers[0]!.pid!) };
  const start2 = process.hrtime.bigint();
  await em().execute('delete from calendar_override where date = ?', [day]);
  // Deadlines move earlier: the job writes every record back and signals every process (issue 30); done when
  // every record carries this change and every signal is sent (the processes re-arm as they take them).
  const changeId2 = newCalendarChangeId(day);
  const job2 = await startCalendarChange(stack.client, 'dossier', { changeId: changeId2, date: day, changedAt: new Date().toISOString() }, SETTLE_MS);
  await job2.result();
  const backSoFar = async () => (await em().execute<{ n: number }[]>(
    "select ((select count(*) from dossier where calendar_move->>'changeId' = ?) + (select count(*) from feedback where calendar_move->>'changeId' = ?))::int as n", [changeId2, changeId2]))[0]!.n;
  while ((await backSoFar()) < affected) await new Promise((res) => setTimeout(res, 200));
  const s2 = Number(process.hrtime.bigint() - start2) / 1e9;
  second = {
    env: SECOND, seconds: +s2.toFixed(2), perSecond: +(affected / s2).toFixed(1), ratioToFirst: +(seconds / s2).toFixed(2),
    workerCpuPercent: Math.round(((cpuSeconds(workers[0]!.pid!) - cpu1.worker) / s2) * 100), serverCpuPercent: Math.round(((cpuSeconds(stack.temporalPid()) - cpu1.server) / s2) * 100),
  };
}

const result = {
  machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  date: new Date().toISOString().slice(0, 10),
  dossiers: DOSSIERS, feedback: FEEDBACK, dayOff: day, affected, signalled: jobResult.signalled, movedInRecords: jobResult.moved ?? 0, settleSeconds: SETTLE_MS / 1000, batches: jobResult.batches, moved,
  setupSeconds: +setupSeconds.toFixed(1), jobSeconds: +jobSeconds.toFixed(2), secondsUntilAllMoved: +seconds.toFixed(2), perSecond: +(affected / seconds).toFixed(1),
  sqlSeconds: +sqlSeconds.toFixed(3), ratioToSql: +(seconds / sqlSeconds).toFixed(0), dossiersStillOnTheDayOff: stale,
  serverCpuPercent: serverCpu, workerCpuPercent: workerCpu, serverRssMiB: rssMiB(stack.temporalPid()), workerRssMiB: rssMiB(workers[0]!.pid!),
  faults, workers: WORKERS, worker: BUILT ? 'production build' : 'sources (tsx)', workerEnv: WORKER_ENV, processesHandledTwice: twice, processesNotMoved: missed,
  peakWorkerRssMiB: peak.worker, peakServerRssMiB: peak.server, peakWorkerRssMiBDuringSetup: peakAtSetup.worker,
  engineBytesPerOpenProcess: Math.round(sqliteBytes / (DOSSIERS + FEEDBACK)),
  second,
};
await writeFile(`bench/results/${OUT}.json`, `${JSON.stringify(result, null, 2)}\n`);
await writeFile(`bench/results/${OUT}.md`, `# An announced day off reaching every open clock (issues 15 and 30)

Machine: ${result.machine}; Temporal CLI dev server (SQLite), embedded PostgreSQL 17, SMTP server, ${WORKERS} worker process${WORKERS > 1 ? 'es' : ''} (${result.worker}${Object.keys(WORKER_ENV).length ? `, ${Object.entries(WORKER_ENV).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}), all on the same machine; ${result.date}.

${DOSSIERS} open dossiers (waiting for acceptance, 8 working hours) and ${FEEDBACK} open feedback (waiting for classification), set up in ${result.setupSeconds} s; a day off announced for ${day}, the day of their deadlines.

| run | processes | seconds | per second | ratio to one SQL statement |
|---|---|---|---|---|
| one SQL statement per table moving the same deadlines (baseline, same run) | ${affected} | ${result.sqlSeconds} | ${Math.round(affected / sqlSeconds)} | 1 |
| the change job (${jobResult.batches} batches, after waiting ${SETTLE_MS / 1000} s for the workers' cached calendars): dossiers and feedback moved in the records without waking their process | ${result.movedInRecords} | ${result.jobSeconds} | – | ${(jobSeconds / sqlSeconds).toFixed(0)} |
| processes the job signalled instead (a deadline that could move earlier, a process recorded before issue 30, one that recorded a step meanwhile) | ${jobResult.signalled} | | | |
| until every affected process has its new deadline in the records (read model, audit, message; signalled ones recomputed and re-armed) | ${moved} | ${result.secondsUntilAllMoved} | ${result.perSecond} | ${result.ratioToSql} |
| the same without the ${SETTLE_MS / 1000} s wait | ${moved} | ${(seconds - SETTLE_MS / 1000).toFixed(2)} | ${(affected / (seconds - SETTLE_MS / 1000)).toFixed(1)} | ${((seconds - SETTLE_MS / 1000) / sqlSeconds).toFixed(0)} |
${second ? `| the day off withdrawn, every deadline moved back in the records and every process signalled, workers with ${Object.entries(second.env).map(([k, v]) => `${k}=${v}`).join(' ')} | ${affected} | ${second.seconds} | ${second.perSecond} | ${(second.seconds / sqlSeconds).toFixed(0)} |\n` : ''}
At the national scale of issue 15 (100,000 open dossiers and 20,000 open feedback), the measured rates give about ${((SETTLE_MS / 1000 + 120_000 / (affected / Math.max(0.001, seconds - SETTLE_MS / 1000))) / 60).toFixed(1)} minutes for the change to reach every process's records on this machine (the ${SETTLE_MS / 1000} s wait included), after about ${Math.round(120_000 / (affected / setupSeconds) / 60)} minutes to set them up; scale in production comes from more workers and a Temporal cluster (the figures are per machine of 2 cores shared by the Temporal server, PostgreSQL, the worker and the load).

Dossiers still due on the day off afterwards: ${stale}; processes that recorded the move twice: ${twice}; processes that did not record it: ${missed}. Temporal server CPU ${serverCpu}%, worker CPU ${workerCpu ?? '–'}% (the first worker process).${second ? ` The second change against the first: ${second.ratioToFirst}× as fast (worker CPU ${second.workerCpuPercent}%, Temporal server ${second.serverCpuPercent}%).` : ''}${faults.length ? `\n\nFaults: ${faults.join('; ')}.` : ''}

| resident memory (sampled each second) | highest during set-up | highest in the whole run | at the end |
|---|---|---|---|
| worker (each process) | ${peakAtSetup.worker} MiB | ${peak.worker} MiB | ${result.workerRssMiB} MiB |
| Temporal server | ${peakAtSetup.server} MiB | ${peak.server} MiB | ${result.serverRssMiB} MiB |

The engine's persistence (the dev server's SQLite with its write-ahead log) after set-up: ${(sqliteBytes / 2 ** 20).toFixed(0)} MiB, ${(result.engineBytesPerOpenProcess / 1024).toFixed(1)} KiB per open process.
The SQL statement only moves the rows. A dossier moved in the records keeps its old timer until it fires: then its process checks the calendar, finds the later deadline, records it in its history and re-arms (test/workflows/calendar-change.test.ts crosses that instant on the time-skipping server); a step recorded meanwhile carries the new deadline. A signalled process recomputes its deadlines, re-arms its timers and writes history, audit and its citizen's message itself.
`);
console.log(JSON.stringify(result, null, 2));
await stack.stop();
process.exit(0);
