/**
 * Benchmark (issue 16): supervisors' statistics over ten years of dossiers (5,000,000 over 120 months by
 * default, growing year on year, online share rising, ~3 % still open). Each view — one agency or the whole
 * country, a month or a year — is timed at p50/p95 beside a raw count(*) of the same dossiers in the same
 * run; a full-year national export of one figure's dossiers as XLSX; and the same views with one year held
 * and with ten, to show that they do not grow with the years held.
 *   npm run bench:statistics   (DOSSIERS=5000000 RUNS=20)
 * Results: bench/results/statistics.json and .md.
 */
import { Writable } from 'node:stream';
import { writeFile, mkdir, rm } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { demoUser } from '../db/demo-data';
import { migrate, openOrm } from '../db/orm';
import { seedDemoData } from '../db/seed';
import type { Actor } from '../domain/access/roles';
import { isoDateOfDay, localDayNumber } from '../domain/working-time/local-time';
import { startEmbeddedPostgres } from '../local/embedded-postgres';
import { StatisticsService } from '../services/statistics/figures';
import { writeTable } from '../services/statistics/tables';
import { freePort } from '../test/support/ports';

const DOSSIERS = Number(process.env.DOSSIERS ?? 5_000_000);
const RUNS = Number(process.env.RUNS ?? 20);
const TOPS = 80;
const UNITS_PER_TOP = 5;
const PROCEDURES_PER_UNIT = 3;

const dataDir = '.data/bench-statistics';
await rm(dataDir, { recursive: true, force: true });
await mkdir(dataDir, { recursive: true });
const pg = await startEmbeddedPostgres({ dataDir: `${dataDir}/pg`, port: await freePort(), database: 'bench' });
const orm = await openOrm(pg.url, 10);
await migrate(orm);
await seedDemoData(orm);
const em = () => orm.em.fork();
const today = () => isoDateOfDay(localDayNumber(Date.now()));
const stats = new StatisticsService({ orm, today });
const operator: Actor = { id: demoUser('vanhanh').id, name: 'Vận hành', roles: ['operator'], agencyCode: null };

// The agency tree: 80 ministries and provinces, 5 units each, 3 procedures per unit in 20 fields.
await em().execute(`insert into agency (code, name, level, parent_code)
  select 'T' || lpad(t::text, 3, '0'), 'Tỉnh, bộ ' || t, case when t <= 63 then 'province' else 'ministry' end, null from generate_series(1, ${TOPS}) t`);
await em().execute(`insert into agency (code, name, level, parent_code)
  select 'T' || lpad(t::text, 3, '0') || '-U' || u, 'Đơn vị ' || u || ' của ' || t, 'unit', 'T' || lpad(t::text, 3, '0')
    from generate_series(1, ${TOPS}) t, generate_series(1, ${UNITS_PER_TOP}) u`);
await em().execute(`insert into procedure (code, name, agency_code, field, processing_days, fee_amount, form)
  select 'P' || lpad(n::text, 5, '0'), 'Thủ tục ' || n, a.code, 'Lĩnh vực ' || (n % 20 + 1), 3 + n % 18, case when n % 3 = 0 then 50000 else 0 end, '{"fields":[],"files":[]}'::jsonb
    from (select code, row_number() over (order by code) as r from agency where parent_code like 'T%') a, generate_series(1, ${PROCEDURES_PER_UNIT}) k,
    lateral (select (a.r - 1) * ${PROCEDURES_PER_UNIT} + k as n) x`);

const citizen = demoUser('congdan1').id;
const end = Date.now();
const span = 120 * 30.44 * 86_400_000;
const start = end - span;

/**
 * Dossiers `first`..`last` of DOSSIERS, received between `start` and now with more each year (density ∝ √t):
 * closed ones completed, late, withdrawn, refused or returned; those of the last 20 days mostly open. Loaded
 * in bulk without the trigger, then the daily counters rebuilt from the rows (the same counters it keeps).
 */
async function load(first: number, last: number) {
  await em().execute('alter table dossier disable trigger dossier_stat');
  const chunk = 500_000;
  for (let from = first; from <= last; from += chunk) {
    const to = Math.min(last, from + chunk - 1);
    await em().execute(`
      with procs as (select array_agg(code order by code) as c, array_agg(agency_code order by code) as a, array_agg(processing_days order by code) as d, array_agg(fee_amount order by code) as f
                       from procedure where code like 'P%'),
      g as (select i, to_timestamp((${start} + ${span} * power(i::float8 / ${DOSSIERS}, 2.0 / 3.0)) / 1000.0) as received_at,
                   1 + (hashint4(i) & 2147483647) % array_length((select c from procs), 1) as p, (hashint4(i * 7 + 1) & 2147483647) % 1000 as r,
                   (hashint4(i * 13 + 5) & 2147483647) % 1000 as s
              from generate_series(${from}, ${to}) i),
      rows as (select g.*, procs.c[p] as procedure_code, procs.a[p] as agency_code, procs.d[p] as days, procs.f[p] as fee,
                      (g.received_at > now() - interval '20 days' and g.r < 700) as open
                 from g, procs)
      insert into dossier (code, procedure_code, agency_code, citizen_id, status, form_data, received_at, accepted_at, legal_due_at, processing_days, fee_amount,
                           completed_at, channel, seq, overdue_level)
      select 'BX-' || i, procedure_code, agency_code, '${citizen}', 
             case when open then 'processing' when s < 50 then 'withdrawn' when s < 80 then 'rejected' when s < 100 then 'returned' else 'completed' end,
             '{}'::jsonb, received_at, received_at, received_at + days * interval '1.4 days', days, fee,
             case when open then null else least(now(), received_at + days * interval '1 day' * (s % 160) / 100.0) end,
             case when r % 100 < 20 + 60 * extract(epoch from received_at - to_timestamp(${start} / 1000.0)) / ${span / 1000} then 'online' when r % 3 = 0 then 'post' else 'in_person' end,
             3, case when open and s < 100 then 1 else 0 end
        from rows`);
    process.stdout.write(`  ${to.toLocaleString('en')} dossiers\n`);
  }
  await em().execute('alter table dossier enable trigger dossier_stat');
  await em().execute('select dossier_stat_rebuild()');
  await em().execute('analyze dossier; analyze dossier_stat_day');
}

const lastYear = String(new Date(end).getUTCFullYear() - 1);
const lastMonth = new Date(end - 31 * 86_400_000).toISOString().slice(0, 7);
const unit = 'T001-U1';
const vn = (day: string) => `${day}T00:00:00+07:00`;
const nextMonth = (m: string) => (Number(m.slice(5)) === 12 ? `${Number(m.slice(0, 4)) + 1}-01` : `${m.slice(0, 4)}-${String(Number(m.slice(5)) + 1).padStart(2, '0')}`);
const yearRange = [vn(`${lastYear}-01-01`), vn(`${Number(lastYear) + 1}-01-01`)];
const views = [
  { name: `one unit, a month (${lastMonth})`, q: { period: lastMonth, by: 'procedure' as const, agency: unit }, raw: ['received_at >= ? and received_at < ? and agency_code = ?', [vn(`${lastMonth}-01`), vn(`${nextMonth(lastMonth)}-01`), unit]] },
  { name: `one province, a year (${lastYear})`, q: { period: lastYear, by: 'agency' as const, agency: 'T001' }, raw: [`received_at >= ? and received_at < ? and agency_code like 'T001-%'`, yearRange] },
  { name: `the country by province and ministry, a year (${lastYear})`, q: { period: lastYear, by: 'top' as const }, raw: ['received_at >= ? and received_at < ?', yearRange] },
  { name: `the country by procedure, a year (${lastYear})`, q: { period: lastYear, by: 'procedure' as const }, raw: ['received_at >= ? and received_at < ?', yearRange] },
] as const;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
async function time(run: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await run();
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    await run();
    xs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { p50: +pct(xs, 50).toFixed(1), p95: +pct(xs, 95).toFixed(1) };
}
async function measureViews() {
  const out = [];
  for (const v of views) {
    const view = await time(() => stats.dossiers(operator, v.q));
    const raw = await time(() => em().execute(`select count(*) from dossier where ${v.raw[0]}`, [...v.raw[1]]));
    const [{ n }] = await em().execute<{ n: number }[]>(`select count(*)::int as n from dossier where ${v.raw[0]}`, [...v.raw[1]]) as [{ n: number }];
    out.push({ view: v.name, dossiers: n, statsMs: view, rawCountMs: raw, ratioP95: +(view.p95 / raw.p95).toFixed(2) });
  }
  return out;
}

// One year held, then ten.
const t0 = Date.now();
const firstOfLastYear = Math.ceil(DOSSIERS * Math.pow(1 - (365.25 * 86_400_000) / span, 1.5));
await load(firstOfLastYear, DOSSIERS);
const oneYear = { held: DOSSIERS - firstOfLastYear + 1, views: await measureViews() };
await load(1, firstOfLastYear - 1);
const loadSeconds = (Date.now() - t0) / 1000;
const tenYears = { held: DOSSIERS, views: await measureViews() };

// A full-year national export: every dossier received last year, as XLSX, streamed.
let bytes = 0;
const sink = new Writable({ write(chunk: Buffer, _e, cb) { bytes += chunk.length; cb(); } });
const exportStart = process.hrtime.bigint();
let exported = 0;
const pages = stats.dossierList(operator, { period: lastYear, by: 'top', figure: 'received' });
await writeTable(sink, 'xlsx', 'Hồ sơ', [{ header: 'Mã hồ sơ', value: (d: { code: string }) => d.code }, { header: 'Thủ tục', value: (d: { procedureName: string }) => d.procedureName },
  { header: 'Cơ quan', value: (d: { agencyName: string }) => d.agencyName }, { header: 'Trạng thái', value: (d: { status: string }) => d.status },
  { header: 'Tiếp nhận', value: (d: { receivedAt: string }) => d.receivedAt }, { header: 'Kết thúc', value: (d: { completedAt: string | null }) => d.completedAt }],
(async function* () {
  for await (const p of pages) {
    exported += p.length;
    yield p;
  }
})());
const exportSeconds = Number(process.hrtime.bigint() - exportStart) / 1e9;
const rawStart = process.hrtime.bigint();
await em().execute('select count(*) from dossier where received_at >= ? and received_at < ?', yearRange);
const exportRawSeconds = Number(process.hrtime.bigint() - rawStart) / 1e9;
const [{ rows: statRows }] = await em().execute<{ rows: number }[]>('select count(*)::int as rows from dossier_stat_day') as [{ rows: number }];

const result = {
  machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  date: new Date().toISOString().slice(0, 10), dossiers: DOSSIERS, agencies: TOPS * (UNITS_PER_TOP + 1), procedures: TOPS * UNITS_PER_TOP * PROCEDURES_PER_UNIT,
  dailyCounterRows: statRows, loadSeconds: +loadSeconds.toFixed(0), runs: RUNS, oneYear, tenYears,
  export: { year: lastYear, dossiers: exported, seconds: +exportSeconds.toFixed(1), mebibytes: +(bytes / 2 ** 20).toFixed(1), rawCountSeconds: +exportRawSeconds.toFixed(2) },
};
await writeFile('bench/results/statistics.json', `${JSON.stringify(result, null, 2)}\n`);
const line = (v: (typeof tenYears.views)[number], one: (typeof oneYear.views)[number]) =>
  `| ${v.view} | ${v.dossiers.toLocaleString('en')} | ${v.statsMs.p50} / ${v.statsMs.p95} | ${v.rawCountMs.p50} / ${v.rawCountMs.p95} | ${v.ratioP95} | ${one.statsMs.p95} |`;
await writeFile('bench/results/statistics.md', `# Statistics over ten years of dossiers (issue 16)

Machine: ${result.machine}; embedded PostgreSQL 17 on the same machine; ${result.date}.

${DOSSIERS.toLocaleString('en')} dossiers over 120 months (more each year, the online share rising from 20 % to 80 %), ${result.agencies} agencies (80 ministries and provinces, 5 units each), ${result.procedures} procedures; ${statRows.toLocaleString('en')} daily counter rows. Loaded in ${result.loadSeconds} s. Each view is the service call the API and the pages make (figures and pending dossiers), ${RUNS} runs after a warm-up, beside a raw \`count(*)\` of the dossiers it covers, in the same run.

| view | dossiers covered | statistics p50 / p95 (ms) | raw count(*) p50 / p95 (ms) | p95 ratio to the count | p95 with one year held (ms) |
|---|---|---|---|---|---|
${tenYears.views.map((v, i) => line(v, oneYear.views[i]!)).join('\n')}

Full-year national export (${lastYear}, every dossier received, XLSX streamed): ${exported.toLocaleString('en')} dossiers in ${result.export.seconds} s (${result.export.mebibytes} MiB); a raw count of the same dossiers: ${result.export.rawCountSeconds} s.

With one year held (${oneYear.held.toLocaleString('en')} dossiers) and with ten (${DOSSIERS.toLocaleString('en')}), the same views take the times in the last column and the third: a view reads the monthly and daily counters of its own period and the open dossiers, not the years behind them.
`);
console.log(JSON.stringify(result, null, 2));
await orm.close();
await pg.stop();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
