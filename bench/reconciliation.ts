/**
 * Benchmark: daily reconciliation of one business day (000 §34.4) at N transactions per source
 * (default 100,000 and 1,000,000), in a fresh embedded PostgreSQL.
 *   npm run bench:reconciliation            (RECON_SIZES=200000 for a quicker run)
 * The three sources: the portal's paid payments of the day (already the portal's records), one bank's
 * daily statement and the agency's receipt list (CSV files as the formats say). About 1 row in 10,000 of
 * each carries a discrepancy of every kind, and the run must find exactly those.
 * Measured: loading both files through the same code as an upload (streamed into COPY, row rules checked in
 * PostgreSQL, whole-file checks, typed insert) plus the comparison (set-based SQL) — against a baseline in the same run: merely
 * COPYing the same rows of the three sources into plain tables of the same columns, streamed the same way.
 * Memory: the peak resident set of this Node process above its level before the step, sampled every
 * 25 ms (PostgreSQL's own memory is its work_mem, not the process's). Results: bench/results/reconciliation.{json,md}.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { startEmbeddedPostgres } from '../local/embedded-postgres';
import { migrate, openOrm } from '../db/orm';
import { seedDemoData } from '../db/seed';
import { demoUser } from '../db/demo-data';
import { loadDailyFile } from '../services/payments/daily-files';
import { reconcileDay } from '../services/payments/reconcile';
import { freePort } from '../test/support/ports';

const SIZES = (process.env.RECON_SIZES ?? '100000,1000000').split(',').map(Number);
const DAY = '2026-11-25';
const dir = '.data/bench-reconciliation';
await rm(dir, { recursive: true, force: true });
await mkdir(dir, { recursive: true });
await mkdir('bench/results', { recursive: true });
const db = await startEmbeddedPostgres({ dataDir: `${dir}/pg`, port: await freePort(), database: 'bench' });
const orm = await openOrm(db.url, 4);
await migrate(orm);
await seedDemoData(orm);
const citizen = demoUser('congdan1').id;
const em = () => orm.em.fork();

const pid = (i: number) => `TT-${i.toString(16).toUpperCase().padStart(12, '0')}`;
const at = (i: number, hour: number) => `${DAY}T${String(hour).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}+07:00`;
/** Which discrepancy a row carries: 1 in 10,000 rows for each kind. */
const kindOf = (i: number) => (i % 10_000 < 8 ? i % 10_000 : -1);

const drain = async (ok: boolean, out: { once: (e: string, f: () => void) => void }) => void (ok || (await new Promise<void>((r) => out.once('drain', r))));

async function generate(n: number) {
  const files = { portal: `${dir}/portal-${n}.csv`, bank: `${dir}/bank-${n}.csv`, agency: `${dir}/agency-${n}.csv` };
  const gen = async (path: string, header: string | null, row: (i: number) => string[]) => {
    const out = createWriteStream(path);
    if (header) out.write(`${header}\n`);
    for (let i = 0; i < n; i++) for (const line of row(i)) await drain(out.write(`${line}\n`), out);
    out.end();
    await once(out, 'finish');
  };
  // The portal: every payment paid at NH-MOT, 200,000 đồng.
  await gen(files.portal, null, (i) => [`${pid(i)},${citizen},HNI-STP,200000,LE_PHI_TTHC,paid,NH-MOT,T${i},${at(i, 9)},${at(i, 8)},3`]);
  await gen(files.bank, 'bank_txn_id,portal_payment_id,agency_code,transaction_type,amount_vnd,status,debited_at,settled_at', (i) => {
    const k = kindOf(i);
    const row = (txn: string, amount = 200000, status = 'success', settled = at(i, 16)) => `${txn},${pid(i)},HNI-STP,LE_PHI_TTHC,${amount},${status},${at(i, 9)},${settled}`;
    if (k === 0) return []; // missing at the bank
    if (k === 1) return [row(`T${i}`, 210000)]; // amount differs
    if (k === 2) return [row(`T${i}`, 200000, 'failed')]; // status differs
    if (k === 3) return [row(`T${i}`), row(`T${i}B`)]; // debited twice
    if (k === 4) return [row(`T${i}`, 200000, 'success', '2026-11-27T08:00:00+07:00')]; // settled late
    if (k === 5) return [row(`T${i}`), `X${i},TT-F${i.toString(16).toUpperCase().padStart(11, '0')},HNI-STP,LE_PHI_TTHC,90000,success,${at(i, 10)},${at(i, 16)}`]; // + unknown to the portal
    return [row(`T${i}`)];
  });
  await gen(files.agency, 'agency_receipt_id,portal_payment_id,agency_code,transaction_type,amount_vnd,received_at', (i) => {
    const k = kindOf(i);
    if (k === 6) return []; // missing at the agency
    return [`BL${i},${pid(i)},HNI-STP,LE_PHI_TTHC,${k === 7 ? 150000 : 200000},${at(i, 17)}`];
  });
  return files;
}

/** COPY of a CSV file into a table, streamed from this process. */
async function copyFile(sql: string, path: string) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await pipeline(createReadStream(path), client.query(copyFrom(sql)));
  } finally {
    await client.end();
  }
}

async function measured<T>(fn: () => Promise<T>) {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const t = process.hrtime.bigint();
  const r = await fn();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms, peakRssMb: Math.round((peak - before) / 1048576), r };
}

const runs: Record<string, unknown>[] = [];
for (const n of SIZES) {
  await em().execute('truncate payment_discrepancy_history, payment_discrepancy, reconciliation_run, reconciliation_file, bank_statement_row, agency_receipt_row, payment cascade');
  await em().execute('drop table if exists baseline_bank, baseline_agency, baseline_portal');
  const files = await generate(n);
  await copyFile('copy payment (id, citizen_id, agency_code, amount_vnd, transaction_type, status, bank_code, bank_txn_id, paid_at, requested_at, seq) from stdin (format csv)', files.portal);
  await em().execute('vacuum analyze payment');
  const bytes = (await stat(files.bank)).size + (await stat(files.agency)).size;

  // Baseline: the three sources' rows merely COPYed into plain tables of the same columns.
  await em().execute(`create table baseline_bank (bank_txn_id text, portal_payment_id text, agency_code text, transaction_type text, amount_vnd bigint, status text, debited_at timestamptz, settled_at timestamptz);
    create table baseline_agency (agency_receipt_id text, portal_payment_id text, agency_code text, transaction_type text, amount_vnd bigint, received_at timestamptz);
    create table baseline_portal (id text, citizen_id uuid, agency_code text, amount_vnd bigint, transaction_type text, status text, bank_code text, bank_txn_id text, paid_at timestamptz, requested_at timestamptz, seq int)`);
  // Side by side too, as the measured load is.
  const baseline = await measured(() => Promise.all([
    copyFile('copy baseline_bank from stdin (format csv, header true)', files.bank),
    copyFile('copy baseline_agency from stdin (format csv, header true)', files.agency),
    copyFile('copy baseline_portal from stdin (format csv)', files.portal),
  ]));

  // The bank's and the agency's files arrive independently (two uploads, or a fetch and an upload): loaded side by side.
  const load = await measured(() => Promise.all([
    loadDailyFile(db.url, { kind: 'bank_statement', partyCode: 'NH-MOT', day: DAY, source: createReadStream(files.bank), origin: 'upload', uploadedBy: null }),
    loadDailyFile(db.url, { kind: 'agency_receipts', partyCode: 'HNI-STP', day: DAY, source: createReadStream(files.agency), origin: 'upload', uploadedBy: null }),
  ]));
  const compare = await measured(() => reconcileDay(orm, DAY, new Date('2026-11-28T06:00:00+07:00'), '2026-11-28T17:00:00+07:00'));
  const found = compare.r.summary.found as Record<string, number>;
  const per = Math.ceil(n / 10_000);
  const expected = { missing_at_bank: per, amount_differs: 2 * per, status_differs: per, duplicate_payment: per, settled_late: per, missing_at_portal: per, missing_at_agency: 2 * per };
  const exact = Object.entries(expected).every(([k, v]) => found[k] === v) && Object.keys(found).length === Object.keys(expected).length;
  const totalMs = load.ms + compare.ms;
  const run = {
    transactionsPerSource: n, fileMb: Math.round(bytes / 1048576), baselineCopyMs: Math.round(baseline.ms), loadMs: Math.round(load.ms), compareMs: Math.round(compare.ms),
    reconciliationMs: Math.round(totalMs), ratioToBaseline: Number((totalMs / baseline.ms).toFixed(2)),
    peakRssMb: { baseline: baseline.peakRssMb, load: load.peakRssMb, compare: compare.peakRssMb }, found, everyInjectedDiscrepancyFound: exact,
  };
  console.log(JSON.stringify(run));
  runs.push(run);
}

const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 1073741824), node: process.version };
await writeFile('bench/results/reconciliation.json', JSON.stringify({ date: new Date().toISOString(), machine, runs }, null, 2));
const md = [
  '# Daily reconciliation benchmark',
  '',
  `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GiB, Node ${machine.node}; embedded PostgreSQL on the same machine. ${new Date().toISOString().slice(0, 10)}.`,
  '',
  'One business day, N transactions per source (portal, bank statement, agency list), ~1 in 10,000 rows of each carrying each kind of discrepancy.',
  'Baseline: COPY of the same rows of the three sources into plain tables (side by side), in the same run. Reconciliation: both files loaded as an upload is (streamed into COPY to a staging table, every row rule checked in one pass, ids twice, unknown agencies, typed insert) side by side, then the comparison of the three relations.',
  'Peak memory: this Node process\'s resident set above its level before the step.',
  '',
  '| Transactions per source | Files (MB) | Baseline COPY | Load files | Compare | Reconciliation total | × baseline | Peak RSS load / compare (MB) | All injected found |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|:--:|',
  ...runs.map((r) => {
    const x = r as { transactionsPerSource: number; fileMb: number; baselineCopyMs: number; loadMs: number; compareMs: number; reconciliationMs: number; ratioToBaseline: number; peakRssMb: { load: number; compare: number }; everyInjectedDiscrepancyFound: boolean };
    return `| ${x.transactionsPerSource.toLocaleString('en')} | ${x.fileMb} | ${(x.baselineCopyMs / 1000).toFixed(1)} s | ${(x.loadMs / 1000).toFixed(1)} s | ${(x.compareMs / 1000).toFixed(1)} s | ${(x.reconciliationMs / 1000).toFixed(1)} s | ${x.ratioToBaseline} | ${x.peakRssMb.load} / ${x.peakRssMb.compare} | ${x.everyInjectedDiscrepancyFound ? 'yes' : 'NO'} |`;
  }),
  '',
];
await writeFile('bench/results/reconciliation.md', md.join('\n'));
await orm.close();
await db.stop();
await rm(dir, { recursive: true, force: true });
