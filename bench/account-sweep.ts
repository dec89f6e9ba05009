/**
 * Benchmark: one inactivity sweep over N accounts (default 1,000,000) in a fresh embedded PostgreSQL.
 *   npm run bench:accounts            (ACCOUNTS=200000 for a quicker run)
 * Two scenarios, each beside a baseline measured in the same run on the same rows:
 *  - nightly: due dates spread over two years, so one night has ~1/730 of the accounts due;
 *  - backlog: the first run after the policy is switched on, 10% of the accounts due at once.
 * Baselines: the bare indexed lookup of the due accounts (count), and one plain set-based UPDATE of
 * the same rows (the least work that touches them). DB load = pg_stat_database deltas.
 * Results: bench/results/account-sweep.json and .md. Delivery of the notices is not included.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { startEmbeddedPostgres } from '../local/embedded-postgres';
import { migrate, openOrm } from '../db/orm';
import { sweepInactiveBatch } from '../services/account-lifecycle';
import { freePort } from '../test/support/ports';

const N = Number(process.env.ACCOUNTS ?? 1_000_000);
const BATCH = Number(process.env.BATCH ?? 5000);
const dataDir = '.data/bench-accounts-pg';

await rm(dataDir, { recursive: true, force: true });
await mkdir('bench/results', { recursive: true });
const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'bench' });
// One connection: every statement runs in the backend whose statistics are flushed before reading.
const orm = await openOrm(pg.url, 1);
await migrate(orm);
const em = () => orm.em.fork();
const asOf = new Date();

type Stats = Record<'xact_commit' | 'seq_scan' | 'seq_tup_read' | 'idx_scan' | 'idx_tup_fetch' | 'n_tup_ins' | 'n_tup_upd' | 'blks_read' | 'blks_hit', number>;
/** Database load of the tables the sweep touches (account, notification, audit_log), from the statistics views. */
async function stats(): Promise<Stats> {
  // Other connections flush their statistics at most once a second.
  await new Promise((r) => setTimeout(r, 1500));
  await em().execute('select pg_stat_force_next_flush()').catch(() => undefined);
  const [r] = await em().execute<Record<string, string>[]>(
    `select (select xact_commit from pg_stat_database where datname = current_database()) as xact_commit,
            sum(t.seq_scan) as seq_scan, sum(t.seq_tup_read) as seq_tup_read, sum(coalesce(t.idx_scan, 0)) as idx_scan,
            sum(coalesce(t.idx_tup_fetch, 0)) as idx_tup_fetch, sum(t.n_tup_ins) as n_tup_ins, sum(t.n_tup_upd) as n_tup_upd,
            sum(io.heap_blks_read + coalesce(io.idx_blks_read, 0)) as blks_read, sum(io.heap_blks_hit + coalesce(io.idx_blks_hit, 0)) as blks_hit
       from pg_stat_user_tables t join pg_statio_user_tables io using (relid)
      where t.relname in ('account', 'notification') or t.relname like 'audit\\_log\\_%'`,
  );
  return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)])) as Stats;
}
const delta = (a: Stats, b: Stats) => Object.fromEntries(Object.keys(a).map((k) => [k, b[k as keyof Stats] - a[k as keyof Stats]]));
const time = async <T>(fn: () => Promise<T>) => {
  const t = process.hrtime.bigint();
  const r = await fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, r };
};

/** N accounts: 95% citizens, 5% officers; `dueShare` of them due at `asOf`, the rest spread ahead. */
async function populate(dueShare: number) {
  await em().execute('truncate account cascade');
  const t = await time(() =>
    em().execute(
      `insert into account (id, subject, kind, full_name, email, phone, agency_code, roles, created_at, inactivity_due_at)
       select gen_random_uuid(), 'bench:' || g, case when g % 20 = 0 then 'officer' else 'citizen' end, 'Người dùng ' || g,
              'user' || g || '@example.vn', '09' || lpad((g % 100000000)::text, 8, '0'), null,
              case when g % 20 = 0 then '{processing_officer}'::text[] else '{citizen}'::text[] end, ?::timestamptz - interval '3 years',
              case when random() < ? then ?::timestamptz - random() * interval '30 days'
                   else ?::timestamptz + random() * interval '730 days' end
         from generate_series(1, ?) g`,
      [asOf, dueShare, asOf, asOf, N],
    ),
  );
  await em().execute('vacuum analyze account');
  // Keep autovacuum's own reads out of the measurement.
  // (The audit log is partitioned by month: the setting goes on each partition.)
  const audit = await em().execute<{ t: string }[]>("select inhrelid::regclass::text as t from pg_inherits where inhparent = 'audit_log'::regclass");
  for (const t of ['account', 'notification', ...audit.map((a) => a.t)]) await em().execute(`alter table ${t} set (autovacuum_enabled = false)`);
  return t.ms;
}

async function scenario(name: string, dueShare: number) {
  const loadMs = await populate(dueShare);
  const [{ n: due }] = (await em().execute<{ n: string }[]>('select count(*) as n from account where locked_at is null and inactivity_due_at <= ?', [asOf])) as [{ n: string }];
  const lookup = await time(() => em().execute('select count(*) from account where locked_at is null and inactivity_due_at <= ?', [asOf]));
  const plain = await time(() =>
    em().transactional((tx) => tx.execute('update account set inactivity_stage = inactivity_stage where locked_at is null and inactivity_due_at <= ?', [asOf])),
  );
  const before = await stats();
  let batches = 0;
  let locked = 0;
  let noticed = 0;
  let messages = 0;
  const sweep = await time(async () => {
    for (;;) {
      const r = await sweepInactiveBatch(em(), asOf.toISOString(), BATCH);
      batches++;
      locked += r.locked;
      noticed += r.noticed;
      messages += r.keys.length;
      if (r.due < BATCH) break;
    }
  });
  const load = delta(before, await stats());
  const again = await time(() => sweepInactiveBatch(em(), asOf.toISOString(), BATCH));
  return {
    scenario: name, accounts: N, due: Number(due), batchSize: BATCH, batches, locked, noticed, outboxMessages: messages,
    loadSeconds: +(loadMs / 1000).toFixed(1),
    sweepMs: +sweep.ms.toFixed(1),
    perDueAccountMs: +(sweep.ms / Math.max(1, Number(due))).toFixed(4),
    baselineIndexedLookupMs: +lookup.ms.toFixed(1),
    baselinePlainUpdateMs: +plain.ms.toFixed(1),
    ratioToPlainUpdate: +(sweep.ms / plain.ms).toFixed(2),
    ratioToIndexedLookup: +(sweep.ms / lookup.ms).toFixed(1),
    secondRunMs: +again.ms.toFixed(1),
    dbLoad: load,
  };
}

const results = [await scenario('nightly (1/730 due)', 1 / 730), await scenario('backlog (10% due)', 0.1)];
const [size] = await em().execute<{ s: string }[]>("select pg_size_pretty(pg_total_relation_size('account')) as s");
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
await writeFile('bench/results/account-sweep.json', JSON.stringify({ machine, accountTableSize: size?.s, results }, null, 2));
const md = [
  `# Account inactivity sweep — ${N.toLocaleString('en')} accounts`,
  '',
  `Machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}; embedded PostgreSQL 17; ${machine.date.slice(0, 10)}. Account table ${size?.s}.`,
  '',
  '| scenario | due | batches | locked | notices | sweep | per due account | plain UPDATE (baseline) | ratio | indexed count (baseline) | empty re-run | transactions | seq scans (rows) | index scans (rows) | rows written | blocks read / hit |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...results.map((r) =>
    `| ${r.scenario} | ${r.due.toLocaleString('en')} | ${r.batches} | ${r.locked.toLocaleString('en')} | ${r.noticed.toLocaleString('en')} | ${(r.sweepMs / 1000).toFixed(2)} s | ${r.perDueAccountMs} ms | ${(r.baselinePlainUpdateMs / 1000).toFixed(2)} s | ${r.ratioToPlainUpdate}× | ${r.baselineIndexedLookupMs} ms | ${r.secondRunMs} ms | ${r.dbLoad.xact_commit} | ${r.dbLoad.seq_scan} (${r.dbLoad.seq_tup_read!.toLocaleString('en')}) | ${r.dbLoad.idx_scan!.toLocaleString('en')} (${r.dbLoad.idx_tup_fetch!.toLocaleString('en')}) | ${(r.dbLoad.n_tup_ins! + r.dbLoad.n_tup_upd!).toLocaleString('en')} | ${r.dbLoad.blks_read!.toLocaleString('en')} / ${r.dbLoad.blks_hit!.toLocaleString('en')} |`,
  ),
  '',
].join('\n');
await writeFile('bench/results/account-sweep.md', md);
process.stdout.write(md);
await orm.close();
await pg.stop();
await rm(dataDir, { recursive: true, force: true });
