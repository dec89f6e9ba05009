/**
 * Benchmark (issue 18): scale-out on one machine. One Temporal dev server and one PostgreSQL; first one API
 * process and one worker, then two of each, under the same load at once: complete dossier lifecycles
 * through the API (multipart submission, five officer actions, each request to the API processes in
 * turn) and citizen tracking requests. Sessions are made on the first API and used on every API (they
 * live in PostgreSQL). Counts what was lost or duplicated: every submission answered 201 must be one
 * dossier, completed, with its six history entries.
 *   npm run bench:scale-out    (DURATION=60 LANES=16 TRACKERS=16)   Results: bench/results/scale-out.json and .md.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { randomUUID } from 'node:crypto';
import { startBenchApi } from './support/api-process';
import { startBenchStack } from './support/stack';
import { pdfBytes, signIn } from '../test/support/sessions';

const SECONDS = Number(process.env.DURATION ?? 60);
const LANES = Number(process.env.LANES ?? 16);
const TRACKERS = Number(process.env.TRACKERS ?? 16);

const stack = await startBenchStack('scale-out');
const ACTIONS: [string, Record<string, string>][] = [
  ['tiepnhan.hn', { type: 'accept' }],
  ['xuly.hn', { type: 'claim' }],
  ['xuly.hn', { type: 'submit_for_approval', summary: 'Hồ sơ hợp lệ, đề nghị phê duyệt' }],
  ['lanhdao.hn', { type: 'approve' }],
  ['trakq.hn', { type: 'issue_result', title: 'Giấy khai sinh', content: 'Bản điện tử giấy khai sinh' }],
];

async function topology(processes: number) {
  await stack.stopWorker();
  for (let i = 0; i < processes; i++) await stack.startWorker();
  const apis: Awaited<ReturnType<typeof startBenchApi>>[] = [];
  for (let i = 0; i < processes; i++) apis.push(await startBenchApi({ databaseUrl: stack.pg.url, temporalAddress: stack.temporalAddress() }));
  // Sessions made on the first API, used on all of them.
  const headers: Record<string, Record<string, string>> = {};
  for (const who of ['congdan1', ...new Set(ACTIONS.map(([w]) => w))]) headers[who] = (await signIn(apis[0]!.url, who)).headers;
  let turn = 0;
  const api = () => apis[turn++ % apis.length]!.url;
  const failures: string[] = [];
  const check = async (r: Response, status: number, what: string) => {
    if (r.status !== status) failures.push(`${what}: ${r.status} ${(await r.text()).slice(0, 200)}`);
    else await r.arrayBuffer();
    return r.status === status;
  };

  const codes: string[] = [];
  let tracked = 0;
  const since = new Date();
  const end = Date.now() + SECONDS * 1000;
  const t0 = Date.now();
  const lifecycles = Array.from({ length: LANES }, async () => {
    while (Date.now() < end) {
      const form = new FormData();
      form.set('procedureCode', 'STP-KS');
      form.set('formData', JSON.stringify({ hoTenTre: 'Nguyễn Minh Khang', ngaySinhTre: '2026-11-01', noiSinh: 'Bệnh viện Phụ sản Hà Nội' }));
      form.set('giayChungSinh', new Blob([pdfBytes(randomUUID())], { type: 'application/pdf' }), 'giay-chung-sinh.pdf');
      const r = await fetch(`${api()}/api/dossiers`, { method: 'POST', headers: { ...headers.congdan1!, 'idempotency-key': randomUUID() }, body: form });
      if (r.status !== 201) {
        await check(r, 201, 'submission');
        continue;
      }
      const { code } = (await r.json()) as { code: string };
      codes.push(code);
      for (const [who, action] of ACTIONS) {
        const a = await fetch(`${api()}/api/dossiers/${code}/actions`, { method: 'POST', headers: { ...headers[who]!, 'content-type': 'application/json' }, body: JSON.stringify(action) });
        if (!(await check(a, 200, `${action.type} ${code}`))) break;
      }
    }
  });
  const trackers = Array.from({ length: TRACKERS }, async () => {
    while (Date.now() < end) {
      const code = codes[Math.floor(Math.random() * codes.length)];
      if (!code) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (await check(await fetch(`${api()}/api/dossiers/${code}`, { headers: headers.congdan1! }), 200, 'tracking')) tracked++;
    }
  });
  await Promise.all([...lifecycles, ...trackers]);
  const seconds = (Date.now() - t0) / 1000;

  // Nothing lost, nothing twice: each answered submission is one dossier, completed, with its six steps.
  const [check2] = await stack.orm.em.fork().execute<{ dossiers: number; completed: number; steps: number; created: number }[]>(
    `select count(*)::int as dossiers, count(*) filter (where status = 'completed')::int as completed,
            (select count(*)::int from dossier_history where dossier_code = any(?::text[])) as steps,
            (select count(*)::int from dossier where received_at >= ? and form_data->>'hoTenTre' = 'Nguyễn Minh Khang') as created
       from dossier where code = any(?::text[])`,
    [`{${codes.join(',')}}`, since, `{${codes.join(',')}}`],
  );
  const byAction = await stack.orm.em.fork().execute<{ action: string; n: number }[]>(
    'select action, count(*)::int as n from dossier_history where dossier_code = any(?::text[]) group by action order by action',
    [`{${codes.join(',')}}`],
  );
  for (const a of apis) await a.stop();
  return {
    processes, seconds: +seconds.toFixed(1), lifecycles: codes.length, lifecyclesPerSecond: +(check2!.completed / seconds).toFixed(2),
    requestsPerSecond: +((codes.length * 6 + tracked) / seconds).toFixed(1), trackingPerSecond: +(tracked / seconds).toFixed(1),
    dossiers: check2!.dossiers, completed: check2!.completed, historyEntries: check2!.steps, expectedHistoryEntries: codes.length * 6,
    lost: codes.length - check2!.dossiers, duplicated: check2!.created - codes.length + (codes.length - new Set(codes).size), failures: failures.slice(0, 5), failureCount: failures.length, historyByAction: Object.fromEntries(byAction.map((r) => [r.action, r.n])),
  };
}

const one = await topology(1);
const two = await topology(2);
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
await writeFile('bench/results/scale-out.json', JSON.stringify({ machine, lanes: LANES, trackers: TRACKERS, runs: [one, two] }, null, 2));
const row = (r: typeof one) =>
  `| ${r.processes} API + ${r.processes} worker | ${r.lifecycles} | ${r.lifecyclesPerSecond} | ${r.trackingPerSecond} | ${r.requestsPerSecond} | ${(r.lifecyclesPerSecond / one.lifecyclesPerSecond).toFixed(2)} | ${r.completed} / ${r.dossiers} | ${r.historyEntries} / ${r.expectedHistoryEntries} | ${r.lost} | ${r.duplicated} | ${r.failureCount} |`;
const md = [
  '# Scale-out on one machine',
  '',
  `Machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}; one Temporal dev server (SQLite), one embedded PostgreSQL 17, the API processes, the workers (tsx) and the load generator on the same machine; ${machine.date.slice(0, 10)}. ${SECONDS} s per run; ${LANES} lifecycle lanes (submission with a file and five actions, through the API) and ${TRACKERS} tracking lanes at once, each request to the API processes in turn, with sessions made on the first API.`,
  '',
  '| topology | lifecycles | completed per s | tracking per s | API requests per s | lifecycles ÷ one of each | completed / dossiers | history entries / expected | lost | duplicated | failed requests |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  row(one),
  row(two),
  '',
  `History entries by step: ${[one, two].map((r) => `${r.processes} of each: ${JSON.stringify(r.historyByAction)}`).join('; ')}.`,
  '',
  ...(one.failures.length + two.failures.length ? ['Failed requests (first ones):', '', ...[...one.failures, ...two.failures].map((f) => `- ${f}`), ''] : []),
].join('\n');
await writeFile('bench/results/scale-out.md', md);
process.stdout.write(md);
await stack.stop();
process.exit(0);
