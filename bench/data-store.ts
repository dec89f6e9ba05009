/**
 * Benchmark (issue 19): the citizen's data store with 1,000,000 stored items in the database (ITEMS to
 * change) across 10,000 accounts, one citizen (congdan1) holding 1,000 of them (a fifth results, the rest
 * kept documents of four kinds). Over HTTP, the API as its own process, signed in through the real OIDC
 * flow: the store's first and last page (API and portal page), the "choose from my store" list (API and
 * the submission page that shows it), beside the citizen's own dossier list (the baseline, measured in
 * the same run). Target: each under 1 s.
 *   npm run bench:data-store        Results: bench/results/data-store.json and .md.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { startEmbeddedPostgres } from '../local/embedded-postgres';
import { migrate, openOrm } from '../db/orm';
import { seedDemoData } from '../db/seed';
import { startTemporalDevServer } from '../local/temporal-dev-server';
import { freePort } from '../test/support/ports';
import { startBenchApi } from './support/api-process';

const ITEMS = Number(process.env.ITEMS ?? 1_000_000);
const OWN = 1_000;
const ACCOUNTS = 10_000;
const SECONDS = Number(process.env.DURATION ?? 10);
const dataDir = '.data/bench-data-store';
await rm(dataDir, { recursive: true, force: true });
await mkdir('bench/results', { recursive: true });

const pg = await startEmbeddedPostgres({ dataDir: `${dataDir}/pg`, port: await freePort(), database: 'bench' });
const orm = await openOrm(pg.url, 4);
await migrate(orm);
await seedDemoData(orm);
const em = () => orm.em.fork();
const started = Date.now();

// Accounts: congdan1 and ACCOUNTS others. Ten items per source dossier; every fifth item a result.
const [me] = await em().execute<{ id: string }[]>("select id from account where subject = 'congdan1'");
await em().execute(
  `insert into account (id, subject, kind, full_name, roles) select gen_random_uuid(), 'bench-citizen-' || g, 'citizen', 'Công dân ' || g, '{citizen}' from generate_series(1, ?) g`,
  [ACCOUNTS],
);
// (A plain table: each statement may run on another pooled connection.)
await em().execute(`create table bench_owner as select row_number() over (order by id) - 1 as n, id from account where subject like 'bench-citizen-%';
  create unique index on bench_owner (n); analyze bench_owner;`);
// Item g (0-based): owned by congdan1 for g < OWN, otherwise by a bench account; its dossier is g / 10.
const ownerSql = (g: string) => `case when ${g} < ${OWN} then '${me!.id}'::uuid else (select id from bench_owner where n = (${g} / 10) % ${ACCOUNTS}) end`;
const dossiers = Math.ceil(ITEMS / 10);
await em().execute(
  `insert into dossier (code, procedure_code, agency_code, citizen_id, status, form_data, received_at, accepted_at, processing_days, fee_amount, seq, completed_at)
   select 'HNI-STP-250101-' || lpad(d::text, 6, '0'), case when d % 2 = 0 then 'STP-KS' else 'STP-LLTP' end, 'HNI-STP', ${ownerSql('d * 10')},
          'completed', '{}', now() - (d % 900) * interval '1 day', now() - (d % 900) * interval '1 day', 5, 0, 5, now() - (d % 900) * interval '1 day'
     from generate_series(0, ?) d`,
  [dossiers - 1],
);
await em().execute(
  `insert into dossier_result (code, dossier_code, n, title, content, sha256, issued_at, issued_by)
   select 'HNI-STP-250101-' || lpad(d::text, 6, '0') || '-KQ' || k, 'HNI-STP-250101-' || lpad(d::text, 6, '0'), k, 'Giấy khai sinh', 'Nội dung ' || d || '-' || k,
          encode(sha256(convert_to('Nội dung ' || d || '-' || k, 'UTF8')), 'hex'), now() - (d % 900) * interval '1 day', '${me!.id}'
     from generate_series(0, ?) d, generate_series(1, 4) k where d % 2 = 0`,
  [dossiers - 1],
);
await em().execute(
  `insert into stored_file (id, owner_id, filename, mime_type, size, sha256)
   select md5('f' || g)::uuid, ${ownerSql('g')}, 'tep-' || g || '.pdf', 'application/pdf', 200000, encode(sha256(convert_to('f' || g, 'UTF8')), 'hex')
     from generate_series(0, ?) g where g % 5 <> 0`,
  [ITEMS - 1],
);
// Items: g % 5 = 0 a result of an STP-KS dossier (g / 10 even, KQ1 or KQ2); otherwise a document of one of four kinds.
await em().execute(
  `insert into data_store_item (id, owner_id, kind, component, procedure_code, title, source_dossier_code, agency_code, result_code, file_id, filename, mime_type, size, sha256, kept_at)
   select md5('i' || g)::uuid, ${ownerSql('g')},
          case when g % 5 = 0 then 'result' else 'document' end,
          case when g % 5 = 0 then null else (array['cccd', 'uyQuyen', 'giayChungSinh', 'giayDeNghi'])[1 + g % 4] end,
          case when g % 5 = 0 then 'STP-KS' else 'STP-LLTP' end,
          case when g % 5 = 0 then 'Giấy khai sinh' else 'Thành phần hồ sơ ' || g end,
          'HNI-STP-250101-' || lpad(((g / 10) - (g / 10) % (case when g % 5 = 0 then 2 else 1 end))::text, 6, '0'), 'HNI-STP',
          case when g % 5 = 0 then 'HNI-STP-250101-' || lpad(((g / 10) - (g / 10) % 2)::text, 6, '0') || '-KQ' || (1 + ((g / 10) % 2) * 2 + (g / 5) % 2) end,
          case when g % 5 = 0 then null else md5('f' || g)::uuid end,
          case when g % 5 = 0 then null else 'tep-' || g || '.pdf' end, 'application/pdf', case when g % 5 = 0 then null else 200000 end,
          encode(sha256(convert_to('f' || g, 'UTF8')), 'hex'), now() - (g % 1000) * interval '1 day'
     from generate_series(0, ?) g
   on conflict do nothing`,
  [ITEMS - 1],
);
await em().execute('drop table bench_owner');
await em().execute('vacuum analyze');
const loadSeconds = (Date.now() - started) / 1000;
const [counts] = await em().execute<{ items: number; mine: number; size: string }[]>(
  `select (select count(*)::int from data_store_item) as items, (select count(*)::int from data_store_item where owner_id = ?) as mine,
          pg_size_pretty(pg_database_size(current_database())) as size`,
  [me!.id],
);

const temporal = await startTemporalDevServer({ dataDir: `${dataDir}/temporal`, port: await freePort(), uiPort: 0, headless: true });
const api = await startBenchApi({ databaseUrl: pg.url, temporalAddress: temporal.address });
const cookie = await api.sessionCookie('congdan1');
const headers = { cookie };
const lastPage = Math.ceil(counts!.mine / 50);
const ROUTES: [string, string][] = [
  ['baseline: my dossiers (50), API', '/api/dossiers?limit=50'],
  ['store, first page (50), API', '/api/store?limit=50'],
  [`store, last page (${lastPage}), API`, `/api/store?limit=50&offset=${(lastPage - 1) * 50}`],
  ['store, documents only (50), API', '/api/store?limit=50&kind=document'],
  ['choose from my store: every component of STP-LLTP, API', '/api/store/choices?procedureCode=STP-LLTP'],
  ['page: Kho dữ liệu, first page', '/kho-du-lieu'],
  [`page: Kho dữ liệu, page ${lastPage}`, `/kho-du-lieu?trang=${lastPage}`],
  ['page: submission form with "choose from my store"', '/thu-tuc/STP-LLTP/nop'],
];
const runs: Awaited<ReturnType<typeof api.load>>[] = [];
for (const connections of [1, 16]) {
  for (const [label, path] of ROUTES) runs.push(await api.load(label, () => path, headers, connections, SECONDS));
}

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
await writeFile('bench/results/data-store.json', JSON.stringify({ machine, items: counts!.items, ownItems: counts!.mine, databaseSize: counts!.size, loadSeconds, secondsPerRun: SECONDS, runs }, null, 2));
const table = (c: number) => {
  const rows = runs.filter((r) => r.connections === c);
  const base = rows[0]!;
  return [
    `### ${c} connection${c > 1 ? 's' : ''}`,
    '',
    '| route | req/s | p50 | p99 | p99 ÷ baseline p99 | baseline req/s ÷ route req/s | non-2xx |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.route} | ${r.requestsPerSecond} | ${r.p50ms} ms | ${r.p99ms} ms | ${(r.p99ms / Math.max(1, base.p99ms)).toFixed(2)} | ${(base.requestsPerSecond / Math.max(1, r.requestsPerSecond)).toFixed(2)} | ${r.non2xx} |`),
    '',
  ];
};
const md = [
  `# Data store benchmark — ${counts!.items.toLocaleString('en')} stored items, ${counts!.mine.toLocaleString('en')} of them one citizen's`,
  '',
  `Machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}; PostgreSQL (embedded), API process and load generator on the same machine; ${machine.date.slice(0, 10)}. Database ${counts!.size}, loaded in ${loadSeconds.toFixed(0)} s. ${SECONDS} s per run. Every store request is audited (one audit row each). Baseline: the same citizen's dossier list, same run.`,
  '',
  ...table(1),
  ...table(16),
].join('\n');
await writeFile('bench/results/data-store.md', md);
process.stdout.write(md);
await api.stop();
await temporal.stop();
await orm.close();
await pg.stop();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
