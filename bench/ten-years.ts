/**
 * Benchmark (issue 18, `004`: no slow-down over ten years): a citizen's tracking request and an officer's
 * queue page with ten years of rows beside the same with one year, in one run. Two databases in one
 * PostgreSQL, the same rate of dossiers per year (PER_YEAR, 100,000 by default: 1,000,000 dossiers, 5,000,000
 * history rows and 5,000,000 audit rows in the ten-year one), the same open dossiers in both; each served
 * by its own API process, signed in through the real OIDC flow. Also, in SQL: a dossier's history read from
 * the history table as it is and from a copy partitioned by month (why the histories are not). Then the public
 * pages (home, procedure search, a procedure, tracking by code) signed out at PUBLIC_CONNECTIONS (64) on both,
 * beside the bare indexed lookup (issue 31: every page under 3 s at p99).
 *   npm run bench:ten-years        Results: bench/results/ten-years.json and .md.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { startEmbeddedPostgres } from '../local/embedded-postgres';
import { migrate, openOrm } from '../db/orm';
import { seedDemoData } from '../db/seed';
import { startTemporalDevServer } from '../local/temporal-dev-server';
import { freePort } from '../test/support/ports';
import { startBenchApi } from './support/api-process';

const PER_YEAR = Number(process.env.PER_YEAR ?? 100_000);
const SECONDS = Number(process.env.DURATION ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
/** The public pages' load run (issue 31): the seeds' rule is every page under 3 s. */
const PUBLIC_CONNECTIONS = Number(process.env.PUBLIC_CONNECTIONS ?? 64);
const OPEN_DAYS = 30;
const dataDir = '.data/bench-ten-years';
await rm(dataDir, { recursive: true, force: true });
await mkdir('bench/results', { recursive: true });

const pg = await startEmbeddedPostgres({ dataDir: `${dataDir}/pg`, port: await freePort(), database: 'bench' });
const admin = await openOrm(pg.url, 1);
for (const db of ['year1', 'years10']) await admin.em.fork().execute(`create database ${db}`);
await admin.close();
const urlOf = (db: string) => pg.url.replace(/\/bench(\?|$)/, `/${db}$1`);

/** `years` of dossiers at PER_YEAR a year, each with five history and five audit rows; the last 30 days' still open. */
async function load(db: string, years: number) {
  const orm = await openOrm(urlOf(db), 2);
  await migrate(orm);
  await seedDemoData(orm);
  const em = () => orm.em.fork();
  const t = Date.now();
  const n = PER_YEAR * years;
  const [me] = await em().execute<{ id: string }[]>("select id from account where subject = 'congdan1'");
  // Dossier g was received g days' fraction ago: spread evenly over the years, newest first.
  const received = `now() - (g::double precision / ${PER_YEAR}) * interval '365 days'`;
  // The audit log's monthly partitions from the oldest month (a first row in the default partition says which).
  await em().execute(`insert into audit_log (at, action, entity_type, entity_id) values (now() - interval '${years * 365 + 31} days', 'bench.start', 'bench', 'start')`);
  await em().execute("select audit_log_ensure_partitions((now() + interval '12 months')::date)");
  await em().execute(
    `insert into dossier (code, procedure_code, agency_code, citizen_id, status, form_data, received_at, accepted_at, legal_due_at, processing_days, fee_amount, step_role, seq, completed_at)
     select 'HNI-STP-' || to_char(${received}, 'YYMMDD') || '-' || lpad(g::text, 6, '0'), 'STP-KS', 'HNI-STP', ?,
            case when ${received} > now() - interval '${OPEN_DAYS} days' then 'submitted' else 'completed' end,
            '{"hoTenTre": "Nguyễn Minh Khang", "noiSinh": "Hà Nội"}', ${received}, ${received} + interval '2 hours', ${received} + interval '3 days', 1, 0,
            case when ${received} > now() - interval '${OPEN_DAYS} days' then 'receiving_officer' end, 5,
            case when ${received} > now() - interval '${OPEN_DAYS} days' then null else ${received} + interval '2 days' end
       from generate_series(1, ?) g`,
    [me!.id, n],
  );
  await em().execute(
    `insert into dossier_history (dossier_code, seq, at, action, actor_id, actor_name, actor_role, from_status, to_status, before, after, payload)
     select d.code, s, d.received_at + (s - 1) * interval '6 hours', (array['submit', 'accept', 'claim', 'approve', 'issue_result'])[s], ?, 'Cán bộ', 'processing_officer',
            'processing', 'processing', '{}', '{"status": "processing"}', '{"note": "Ghi chú của bước xử lý hồ sơ"}'
       from dossier d, generate_series(1, 5) s`,
    [me!.id],
  );
  await em().execute(
    `insert into audit_log (at, actor_role, action, entity_type, entity_id, after, dedupe_key)
     select h.at, h.actor_role, 'dossier.' || h.action, 'dossier', h.dossier_code, h.after, 'dossier:' || h.dossier_code || ':' || h.seq from dossier_history h`,
  );
  await em().execute('vacuum analyze');
  const [size] = await em().execute<{ dossiers: number; history: number; audit: number; open: number; size: string; partitions: number }[]>(
    `select (select count(*)::int from dossier) as dossiers, (select count(*)::int from dossier_history) as history, (select count(*)::int from audit_log) as audit,
            (select count(*)::int from dossier where status = 'submitted') as open, pg_size_pretty(pg_database_size(current_database())) as size,
            (select count(*)::int from pg_inherits where inhparent = 'audit_log'::regclass) as partitions`,
  );
  const recent = (await em().execute<{ code: string }[]>(`select code from dossier where received_at > now() - interval '${OPEN_DAYS} days' order by random() limit 500`)).map((r) => r.code);
  const any = (await em().execute<{ code: string }[]>('select code from dossier order by random() limit 500')).map((r) => r.code);
  return { orm, years, loadSeconds: (Date.now() - t) / 1000, ...size!, recent, any };
}

const one = await load('year1', 1);
const ten = await load('years10', 10);

// In SQL, on the ten-year database: one dossier's history from the table as it is, and from a copy partitioned by month.
const em10 = () => ten.orm.em.fork();
await em10().execute('create table bench_history_by_month (like dossier_history) partition by range (at)');
const [range] = await em10().execute<{ lo: string; months: number }[]>(
  "select date_trunc('month', min(at)) as lo, (extract(year from age(now(), min(at))) * 12 + extract(month from age(now(), min(at))) + 2)::int as months from dossier_history",
);
for (let m = 0; m < range!.months; m++) {
  await em10().execute(
    `create table bench_history_m${m} partition of bench_history_by_month for values from (?::timestamptz + make_interval(months => ?)) to (?::timestamptz + make_interval(months => ?))`,
    [range!.lo, m, range!.lo, m + 1],
  );
}
await em10().execute('insert into bench_history_by_month select * from dossier_history');
await em10().execute('create index on bench_history_by_month (dossier_code, seq)');
await em10().execute('analyze bench_history_by_month');
async function lookups(label: string, table: string) {
  const times: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const code = ten.any[i % ten.any.length]!;
    const t = process.hrtime.bigint();
    await em10().execute(`select seq, at, action, payload from ${table} where dossier_code = ? order by seq`, [code]);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { strategy: label, p50ms: +times[1000]!.toFixed(2), p99ms: +times[1980]!.toFixed(2) };
}
const historySql = [await lookups('history table as it is (one index on dossier code, seq)', 'dossier_history'), await lookups(`copy partitioned by month (${range!.months} partitions)`, 'bench_history_by_month')];
await em10().execute('drop table bench_history_by_month');

// Over HTTP: each database behind its own API process.
const temporal = await startTemporalDevServer({ dataDir: `${dataDir}/temporal`, port: await freePort(), uiPort: 0, headless: true });
const runs: ({ data: string } & Awaited<ReturnType<Awaited<ReturnType<typeof startBenchApi>>['load']>>)[] = [];
const publicRuns: typeof runs = [];
for (const data of [one, ten]) {
  const api = await startBenchApi({ databaseUrl: urlOf(data.years === 1 ? 'year1' : 'years10'), temporalAddress: temporal.address });
  const citizen = { cookie: await api.sessionCookie('congdan1') };
  const officer = { cookie: await api.sessionCookie('tiepnhan.hn') };
  const label = `${data.years} year${data.years > 1 ? 's' : ''}`;
  runs.push({ data: label, ...(await api.load('tracking a dossier of the last 30 days', (i) => `/api/dossiers/${data.recent[i % data.recent.length]}`, citizen, CONNECTIONS, SECONDS)) });
  runs.push({ data: label, ...(await api.load('tracking a dossier of any year', (i) => `/api/dossiers/${data.any[i % data.any.length]}`, citizen, CONNECTIONS, SECONDS)) });
  runs.push({ data: label, ...(await api.load('queue page: dossiers awaiting acceptance (50)', () => '/api/work-queue?step=submitted&limit=50', officer, CONNECTIONS, SECONDS)) });
  runs.push({ data: label, ...(await api.load('page: the officer\'s queue (/can-bo)', () => '/can-bo', officer, CONNECTIONS, SECONDS)) });
  // The public pages, signed out, at PUBLIC_CONNECTIONS, beside a bare indexed lookup behind the same middleware.
  const searches = ['khai sinh', 'ly lich tu phap', 'đăng ký doanh nghiệp', 'hộ tịch', 'giay phep'];
  const publicRun = async (route: string, path: (i: number) => string) =>
    publicRuns.push({ data: label, ...(await api.load(route, path, {}, PUBLIC_CONNECTIONS, SECONDS)) });
  await publicRun('baseline: bare indexed lookup', (i) => `/api/bench/public-lookup/PAKN-000000-${String(1 + (i % 1000)).padStart(6, '0')}`);
  await publicRun('page: home (/)', () => '/');
  await publicRun('page: procedure search (/?q=)', (i) => `/?q=${encodeURIComponent(searches[i % searches.length]!)}`);
  await publicRun('page: a procedure (/thu-tuc/STP-KS)', () => '/thu-tuc/STP-KS');
  await publicRun('page: tracking by code (/tra-cuu?ma=)', (i) => `/tra-cuu?ma=${data.any[i % data.any.length]}`);
  await api.stop();
}

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
const facts = (d: typeof one) => ({ years: d.years, dossiers: d.dossiers, history: d.history, audit: d.audit, open: d.open, size: d.size, auditPartitions: d.partitions, loadSeconds: d.loadSeconds });
await writeFile('bench/results/ten-years.json', JSON.stringify({ machine, perYear: PER_YEAR, connections: CONNECTIONS, publicConnections: PUBLIC_CONNECTIONS, secondsPerRun: SECONDS, data: [facts(one), facts(ten)], historySql, runs, publicRuns }, null, 2));
const routes = [...new Set(runs.map((r) => r.route))];
const md = [
  `# Ten years of data beside one — ${PER_YEAR.toLocaleString('en')} dossiers a year`,
  '',
  `Machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}; PostgreSQL (embedded), API processes and load generator on the same machine; ${machine.date.slice(0, 10)}. ${SECONDS} s per run, ${CONNECTIONS} connections.`,
  '',
  '| data | dossiers | history rows | audit rows (monthly partitions) | open dossiers | database |',
  '|---|---|---|---|---|---|',
  ...[one, ten].map((d) => `| ${d.years} year${d.years > 1 ? 's' : ''} | ${d.dossiers.toLocaleString('en')} | ${d.history.toLocaleString('en')} | ${d.audit.toLocaleString('en')} (${d.partitions}) | ${d.open.toLocaleString('en')} | ${d.size} |`),
  '',
  '| route | 1 year: req/s, p50, p99 | 10 years: req/s, p50, p99 | 10 years ÷ 1 year (p99) | non-2xx |',
  '|---|---|---|---|---|',
  ...routes.map((route) => {
    const [a, b] = [runs.find((r) => r.route === route && r.data === '1 year')!, runs.find((r) => r.route === route && r.data === '10 years')!];
    return `| ${route} | ${a.requestsPerSecond}, ${a.p50ms} ms, ${a.p99ms} ms | ${b.requestsPerSecond}, ${b.p50ms} ms, ${b.p99ms} ms | ${(b.p99ms / Math.max(1, a.p99ms)).toFixed(2)} | ${a.non2xx + b.non2xx} |`;
  }),
  '',
  `## The public pages, signed out, ${PUBLIC_CONNECTIONS} connections (the seeds' rule: every page under 3 s)`,
  '',
  '| route | 1 year: req/s, p50, p99 | 10 years: req/s, p50, p99 | 10 years: p99 ÷ baseline p99 | under 3 s at p99 | non-2xx |',
  '|---|---|---|---|---|---|',
  ...[...new Set(publicRuns.map((r) => r.route))].map((route) => {
    const [a, b] = [publicRuns.find((r) => r.route === route && r.data === '1 year')!, publicRuns.find((r) => r.route === route && r.data === '10 years')!];
    const base = publicRuns.find((r) => r.route.startsWith('baseline') && r.data === '10 years')!;
    return `| ${route} | ${a.requestsPerSecond}, ${a.p50ms} ms, ${a.p99ms} ms | ${b.requestsPerSecond}, ${b.p50ms} ms, ${b.p99ms} ms | ${(b.p99ms / Math.max(1, base.p99ms)).toFixed(2)} | ${a.p99ms < 3000 && b.p99ms < 3000 ? 'yes' : 'no'} | ${a.non2xx + b.non2xx} |`;
  }),
  '',
  '## One dossier\'s history in SQL (ten-year database, 2,000 lookups, one connection)',
  '',
  '| strategy | p50 | p99 |',
  '|---|---|---|',
  ...historySql.map((h) => `| ${h.strategy} | ${h.p50ms} ms | ${h.p99ms} ms |`),
  '',
].join('\n');
await writeFile('bench/results/ten-years.md', md);
process.stdout.write(md);
await temporal.stop();
await one.orm.close();
await ten.orm.close();
await pg.stop();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
