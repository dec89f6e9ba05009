/**
 * Benchmark (issue 18): searching 1,000,000 published answers (ANSWERS to change) and a 6,000-procedure
 * catalogue, with and without diacritics. Two parts, in one run on one database:
 *  1. SQL, 64 concurrent connections: ranking every match; the newest matches through one index (issue 18);
 *     the newest matches period by period (issue 31, what the platform uses), on the popular queries and on the
 *     long tail; trigram substring search (pg_trgm) over the folded text — latency, each index's size and build
 *     time; then each kind of query (frequent, medium, rare, absent, phrases, with and without marks) alone, with
 *     its plan's shape.
 *  2. HTTP, 64 connections, the API as its own process: the public answer search and the catalogue search
 *     beside the bare indexed lookup of one answer behind the same middleware (the baseline).
 *   npm run bench:search        Results: bench/results/search.json and .md.
 * The texts are drawn from a vocabulary of administrative phrases with a skewed (Zipf-like) frequency, so
 * a frequent phrase matches about a third of the answers and a rare one a few hundred.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { startEmbeddedPostgres } from '../local/embedded-postgres';
import { migrate, openOrm } from '../db/orm';
import { seedDemoData } from '../db/seed';
import { startTemporalDevServer } from '../local/temporal-dev-server';
import { freePort } from '../test/support/ports';
import { folded, SEARCH_CANDIDATES, textMatch } from '../services/search';
import { publishedAnswersQuery } from '../api/feedback/service';
import { startBenchApi } from './support/api-process';

const ANSWERS = Number(process.env.ANSWERS ?? 1_000_000);
const PROCEDURES = Number(process.env.PROCEDURES ?? 6_000);
const SECONDS = Number(process.env.DURATION ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64);
const dataDir = '.data/bench-search';
await rm(dataDir, { recursive: true, force: true });
await mkdir('bench/results', { recursive: true });

const PHRASES = [
  'thủ tục hành chính', 'hồ sơ', 'giải quyết', 'công dân', 'cơ quan', 'thời hạn giải quyết', 'trực tuyến', 'lệ phí',
  'bản sao', 'chứng thực', 'đăng ký', 'giấy phép', 'ủy ban nhân dân', 'sở tư pháp', 'hộ khẩu', 'căn cước công dân',
  'đất đai', 'quyền sử dụng đất', 'xây dựng', 'kinh doanh', 'doanh nghiệp', 'thuế', 'bảo hiểm xã hội', 'khai sinh',
  'kết hôn', 'khai tử', 'lý lịch tư pháp', 'hộ tịch', 'cư trú', 'ngân hàng', 'thanh toán', 'trả kết quả', 'bưu chính',
  'một cửa', 'phản ánh', 'kiến nghị', 'chậm trễ', 'quá hạn', 'bổ sung hồ sơ', 'từ chối', 'hướng dẫn', 'biểu mẫu',
  'chữ ký số', 'dịch vụ công', 'môi trường', 'tài nguyên', 'giao thông', 'giấy phép lái xe', 'đăng kiểm', 'y tế',
  'giáo dục', 'văn bằng', 'chứng chỉ', 'lao động', 'việc làm', 'trợ cấp thất nghiệp', 'người có công', 'bồi thường',
  'giải phóng mặt bằng', 'tái định cư', 'quy hoạch', 'cấp đổi', 'cấp lại', 'đính chính', 'thu hồi', 'gia hạn',
  'nhà ở xã hội', 'hộ nghèo', 'khuyết tật', 'xuất nhập cảnh', 'hộ chiếu', 'thị thực', 'con dấu', 'hợp tác xã',
  'nông nghiệp', 'thủy sản', 'an toàn thực phẩm', 'phòng cháy chữa cháy', 'vệ sinh', 'quảng cáo', 'biển hiệu',
];
const TITLES = ['Thủ tục', 'Đề nghị', 'Vướng mắc', 'Phản ánh', 'Kiến nghị', 'Hỏi về'];
const lit = (a: string[]) => `array[${a.map((s) => `'${s.replace(/'/g, "''")}'`).join(', ')}]`;
/** n phrases drawn with a skewed frequency (the first phrases most often), depending on the row `g`. */
const phrases = (n: string) =>
  `(select string_agg((${lit(PHRASES)})[1 + floor(power(random(), 2.5) * ${PHRASES.length})::int], ' ') from generate_series(1, ${n}) k where k > 0 * g)`;

const pg = await startEmbeddedPostgres({ dataDir: `${dataDir}/pg`, port: await freePort(), database: 'bench' });
const orm = await openOrm(pg.url, CONNECTIONS + 2);
await migrate(orm);
await seedDemoData(orm);
const em = () => orm.em.fork();
const timed = async <T>(f: () => Promise<T>) => {
  const t = process.hrtime.bigint();
  const value = await f();
  return { value, seconds: Number(process.hrtime.bigint() - t) / 1e9 };
};

const load = await timed(async () => {
  await em().execute('select setseed(0.18)');
  await em().execute(
    `insert into feedback (code, channel, title, content, contact, origin_agency_code, agency_code, status, received_at, answer_due_at, seq, closed_at)
     select 'PAKN-' || lpad((g / 1000000)::text, 6, '0') || '-' || lpad((g % 1000000)::text, 6, '0'), 'portal', 'Phản ánh', 'Nội dung', '{}',
            'HNI-STP', 'HNI-STP', 'published', now(), now(), 1, now()
       from generate_series(1, ?) g`,
    [ANSWERS],
  );
  await em().execute(
    `insert into feedback_publication (code, agency_code, title, question, answer, received_at, published_at)
     select 'PAKN-' || lpad((g / 1000000)::text, 6, '0') || '-' || lpad((g % 1000000)::text, 6, '0'), 'HNI-STP',
            (${lit(TITLES)})[1 + g % ${TITLES.length}] || ' ' || ${phrases('3')},
            ${phrases(`6 + g % 8`)}, ${phrases(`8 + g % 12`)},
            now() - (g % 1500) * interval '1 day', now() - (g % 1400) * interval '1 day' - (g % 86400) * interval '1 second'
       from generate_series(1, ?) g
      -- Appended as published, oldest first, as the platform writes them (one period's answers lie together).
      order by (g % 1400) desc, (g % 86400) desc`,
    [ANSWERS],
  );
  await em().execute(
    `insert into procedure (code, name, agency_code, field, processing_days, fee_amount, form, status)
     select 'BENCH-P' || lpad(g::text, 5, '0'), 'Thủ tục ' || ${phrases('2 + g % 3')}, 'HNI-STP', (${lit(PHRASES)})[1 + g % ${PHRASES.length}], 5 + g % 20, 0,
            (select form from procedure where code = 'STP-KS'), 'active'
       from generate_series(1, ?) g`,
    [PROCEDURES],
  );
  await em().execute('vacuum analyze');
});
const [db] = await em().execute<{ size: string; gin: string }[]>(
  "select pg_size_pretty(pg_database_size(current_database())) as size, pg_size_pretty(pg_relation_size('feedback_publication_period_search')) as gin",
);

// Queries people type: frequent, medium and rare phrases, with and without marks, one or two terms.
const QUERIES = [
  'thủ tục hành chính', 'thu tuc hanh chinh', 'hồ sơ trực tuyến', 'ho so truc tuyen', 'lệ phí ngân hàng', 'le phi ngan hang',
  'giấy phép xây dựng', 'giay phep xay dung', 'đăng ký kết hôn', 'dang ky ket hon', 'bồi thường giải phóng mặt bằng',
  'boi thuong tai dinh cu', 'quảng cáo biển hiệu', 'thuy san an toan thuc pham', 'hộ chiếu thị thực', 'cap doi giay phep lai xe',
];

// The long tail: two phrases together, every pair, half typed without marks (6,480 queries); in SQL a
// spread sample of them in turn.
const tail = PHRASES.flatMap((a, i) => PHRASES.filter((_, j) => j !== i).map((b, j) => ((i + j) % 2 ? `${a} ${b}` : folded(`${a} ${b}`))));
const tailSample = tail.filter((_, k) => k % 7 === 0);

// Part 1: strategies in SQL, 64 connections at once.
async function hammer(label: string, query: (q: string) => { sql: string; params: unknown[] }, queries: string[] = QUERIES) {
  const latencies: number[] = [];
  let rows = 0;
  const until = Date.now() + SECONDS * 1000;
  let i = 0;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (Date.now() < until) {
      const q = queries[i++ % queries.length]!;
      const t = process.hrtime.bigint();
      const { sql, params } = query(q);
      const found = await em().execute<unknown[]>(sql, params);
      rows += found.length;
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }));
  latencies.sort((a, b) => a - b);
  const at = (p: number) => +latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(1);
  return { strategy: label, mix: queries === QUERIES ? 'popular' : 'long tail', queries: latencies.length, perSecond: Math.round(latencies.length / SECONDS), p50ms: at(0.5), p99ms: at(0.99), rowsPerQuery: +(rows / latencies.length).toFixed(1) };
}
const matches = [];
for (const q of QUERIES) {
  const [r] = await em().execute<{ n: number }[]>(`select count(*)::int as n from feedback_publication p where ${textMatch('p', q).where}`, [q]);
  matches.push({ q, matches: r!.n });
}
const sql = [];
const everyMatch = (q: string) => {
  const m = textMatch('p', q);
  return { sql: `select p.code from feedback_publication p where ${m.where} order by ${m.rank} desc limit 20`, params: [...m.whereParams, ...m.rankParams] };
};
// Issue 18's bounded candidate set before the periods (issue 31): the newest matches through one index.
const newestOverall = (q: string) => {
  const m = textMatch('p', q);
  return {
    sql: `with c as materialized (select p.code, p.published_at, p.search, p.search_folded from feedback_publication p where ${m.where}
            order by p.published_at desc limit ${SEARCH_CANDIDATES})
          select p.code from c p order by ${m.rank} desc, p.published_at desc limit 20`,
    params: [...m.whereParams, ...m.rankParams],
  };
};
const chosen = (q: string) => publishedAnswersQuery(q, { limit: 20, offset: 0 });
sql.push(await hammer('rank every match (issue 18, before)', everyMatch));
sql.push(await hammer(`newest ${SEARCH_CANDIDATES} matches through one index, ranked (issue 18)`, newestOverall));
sql.push(await hammer(`newest ${SEARCH_CANDIDATES} matches period by period, newest first, ranked (chosen)`, chosen));
sql.push(await hammer(`newest ${SEARCH_CANDIDATES} matches through one index, ranked (issue 18)`, newestOverall, tailSample));
sql.push(await hammer(`newest ${SEARCH_CANDIDATES} matches period by period, newest first, ranked (chosen)`, chosen, tailSample));

// Each kind of query alone, one connection: its matches, latency and the plan's shape.
const KINDS: [string, string][] = [
  ['frequent words, with marks', 'thủ tục hành chính'],
  ['frequent words, without marks', 'thu tuc hanh chinh'],
  ['medium (≈1.5 % of answers), with marks', 'quảng cáo biển hiệu'],
  ['medium, without marks', 'quang cao bien hieu'],
  ['two phrases (long tail), with marks', 'hộ nghèo khuyết tật'],
  ['two phrases (long tail), without marks', 'ly lich tu phap cu tru'],
  ['quoted phrases, rare together', '"hợp tác xã" "con dấu" "thủy sản" khuyết tật'],
  ['a word no answer has', 'xyzabc'],
];
async function planShape(sqlText: string, params: unknown[]) {
  const [row] = await em().execute<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(`explain (format json) ${sqlText}`, params);
  const shape: string[] = [];
  const walk = (n: PlanNode) => {
    const what = `${n['Node Type']}${n['Index Name'] ? ` on ${n['Index Name']}` : ''}`;
    if (!['Limit', 'CTE Scan', 'Hash', 'Materialize', 'Result'].includes(n['Node Type']) && !shape.includes(what)) shape.push(what);
    (n.Plans ?? []).forEach(walk);
  };
  walk(row!['QUERY PLAN'][0].Plan);
  return shape.join(' › ');
}
interface PlanNode { 'Node Type': string; 'Index Name'?: string; Plans?: PlanNode[] }
const kinds = [];
for (const [kind, q] of KINDS) {
  const [count] = await em().execute<{ n: number }[]>(`select count(*)::int as n from feedback_publication p where ${textMatch('p', q).where}`, [q]);
  const one = async (f: (q: string) => { sql: string; params: unknown[] }) => {
    const { sql: text, params } = f(q);
    await em().execute(text, params);
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t = process.hrtime.bigint();
      await em().execute(text, params);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return { ms: +times.sort((a, b) => a - b)[2]!.toFixed(1), plan: await planShape(text, params) };
  };
  kinds.push({ kind, q, matches: count!.n, before: await one(newestOverall), chosen: await one(chosen) });
}
const trigram = await timed(async () => {
  await em().execute('create extension if not exists pg_trgm');
  await em().execute("create index bench_publication_trgm on feedback_publication using gin (vn_fold(title || ' ' || question || ' ' || answer) gin_trgm_ops)");
  await em().execute('analyze feedback_publication');
});
const [trgm] = await em().execute<{ size: string }[]>("select pg_size_pretty(pg_relation_size('bench_publication_trgm')) as size");
sql.push(await hammer(`trigram substring (pg_trgm), newest ${SEARCH_CANDIDATES} ranked by word similarity`, (q) => ({
  sql: `with c as materialized (select p.code, p.published_at, vn_fold(title || ' ' || question || ' ' || answer) as doc from feedback_publication p
     where vn_fold(title || ' ' || question || ' ' || answer) like '%' || vn_fold(?) || '%' order by p.published_at desc limit ${SEARCH_CANDIDATES})
   select code from c order by word_similarity(vn_fold(?), doc) desc, published_at desc limit 20`,
  params: [q, q],
})));
await em().execute('drop index bench_publication_trgm');

// Part 2: over HTTP, the API as its own process.
const temporal = await startTemporalDevServer({ dataDir: `${dataDir}/temporal`, port: await freePort(), uiPort: 0, headless: true });
const api = await startBenchApi({ databaseUrl: pg.url, temporalAddress: temporal.address });
// What people type: 80 % of searches are the popular queries above (served from the page cache after the
// first), 20 % a long tail of two-phrase queries (6,320 of them; almost every one a cache miss).
let seed = 7;
const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
const mixed = () => (random() < 0.8 ? QUERIES[Math.floor(random() * QUERIES.length)]! : tail[Math.floor(random() * tail.length)]!);
const tailOnly = () => tail[Math.floor(random() * tail.length)]!;
const codes = Array.from({ length: 1000 }, (_, i) => `PAKN-000000-${String(i * 97 + 1).padStart(6, '0')}`);
const http = [];
http.push(await api.load('baseline: bare indexed lookup of one answer', (i) => `/api/bench/public-lookup/${codes[i % codes.length]}`, {}, CONNECTIONS, SECONDS));
http.push(await api.load('public answer search (20), popular + long tail', () => `/api/public/feedback-answers?limit=20&q=${encodeURIComponent(mixed())}`, {}, CONNECTIONS, SECONDS));
http.push(await api.load('public answer search (20), long tail only (cache misses)', () => `/api/public/feedback-answers?limit=20&q=${encodeURIComponent(tailOnly())}`, {}, CONNECTIONS, SECONDS));
http.push(await api.load(`catalogue search (${PROCEDURES.toLocaleString('en')} procedures), popular + long tail`, () => `/api/procedures?q=${encodeURIComponent(mixed())}`, {}, CONNECTIONS, SECONDS));
http.push(await api.load('page: published answers search (50), popular + long tail', () => `/phan-anh?q=${encodeURIComponent(mixed())}`, {}, CONNECTIONS, SECONDS));
http.push(await api.load('page: procedure search, popular + long tail', () => `/?q=${encodeURIComponent(mixed())}`, {}, CONNECTIONS, SECONDS));
const baseline = http[0]!;

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
const out = { machine, answers: ANSWERS, procedures: PROCEDURES, connections: CONNECTIONS, secondsPerRun: SECONDS, loadSeconds: load.seconds, databaseSize: db!.size, matches, sql, kinds, trigramIndex: { size: trgm!.size, buildSeconds: trigram.seconds, ftsIndexSize: db!.gin }, http };
await writeFile('bench/results/search.json', JSON.stringify(out, null, 2));
const md = [
  `# Search benchmark — ${ANSWERS.toLocaleString('en')} published answers, ${PROCEDURES.toLocaleString('en')} procedures`,
  '',
  `Machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}; PostgreSQL 17 (embedded), API and load generator on the same machine; ${machine.date.slice(0, 10)}. Database ${db!.size}, loaded in ${load.seconds.toFixed(0)} s. ${SECONDS} s per run, ${CONNECTIONS} connections. SQL: the ${QUERIES.length} popular queries in turn (half typed without diacritics), then ${tailSample.length} of the long tail in turn; answers appended in the order they were published. HTTP: page cache of ${process.env.SEARCH_CACHE_SECONDS ?? 60} s; 80 % of requests from the popular queries, 20 % from a long tail of ${tail.length.toLocaleString('en')}.`,
  '',
  '## Strategies in SQL',
  '',
  '| strategy | queries | queries/s | p50 | p99 | rows per query |',
  '|---|---|---|---|---|---|',
  ...sql.map((r) => `| ${r.strategy} | ${r.mix === 'popular' ? `the ${QUERIES.length} popular` : `${tailSample.length} of the long tail`} | ${r.perSecond} | ${r.p50ms} ms | ${r.p99ms} ms | ${r.rowsPerQuery} |`),
  '',
  `Index sizes: full-text GIN on period and folded document ${db!.gin}; trigram GIN ${trgm!.size}, built in ${trigram.seconds.toFixed(0)} s.`,
  '',
  '## Each kind of query alone (one connection, median of 5, warm)',
  '',
  '| kind | query | matches | one index (issue 18) | its plan | period by period (chosen) | its plan |',
  '|---|---|---|---|---|---|---|',
  ...kinds.map((k) => `| ${k.kind} | ${k.q.replace(/\|/g, '\\|')} | ${k.matches.toLocaleString('en')} | ${k.before.ms} ms | ${k.before.plan} | ${k.chosen.ms} ms | ${k.chosen.plan} |`),
  `Matches per query: ${matches.map((x) => `"${x.q}" ${x.matches.toLocaleString('en')}`).join('; ')}.`,
  '',
  '## Over HTTP (the platform as deployed: period by period)',
  '',
  '| route | req/s | p50 | p99 | p99 ÷ baseline p99 | baseline req/s ÷ route req/s | API CPU per request | non-2xx |',
  '|---|---|---|---|---|---|---|---|',
  ...http.map((r) => `| ${r.route} | ${r.requestsPerSecond} | ${r.p50ms} ms | ${r.p99ms} ms | ${(r.p99ms / Math.max(1, baseline.p99ms)).toFixed(2)} | ${(baseline.requestsPerSecond / Math.max(1, r.requestsPerSecond)).toFixed(2)} | ${r.apiCpuPerRequestMs} ms | ${r.non2xx} |`),
  '',
].join('\n');
await writeFile('bench/results/search.md', md);
process.stdout.write(md);
await api.stop();
await temporal.stop();
await orm.close();
await pg.stop();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
