import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AMOUNT_MAX_DIGITS, AMOUNT_PATTERN, FILE_COLUMNS, FileRowError, ID_MAX_LENGTH, ID_PATTERN, INSTANT_PATTERN, ROW_CHECKS, type FileKind, type RowCheck } from '../../domain/payment/statement-files';

const TABLES: Record<FileKind, { table: string; party: string; unique: string; insert: string }> = {
  bank_statement: {
    table: 'bank_statement_row', party: 'bank_code', unique: 'bank_txn_id',
    insert: `insert into bank_statement_row (bank_code, business_day, line, bank_txn_id, portal_payment_id, agency_code, transaction_type, amount_vnd, status, debited_at, settled_at)
      select $1, $2::date, line + 1, bank_txn_id, portal_payment_id, agency_code, transaction_type, amount_vnd::bigint, status, debited_at::timestamptz, settled_at::timestamptz from daily_stage`,
  },
  agency_receipts: {
    table: 'agency_receipt_row', party: 'agency_code', unique: 'agency_receipt_id',
    insert: `insert into agency_receipt_row (agency_code, business_day, line, agency_receipt_id, portal_payment_id, transaction_type, amount_vnd, received_at)
      select $1, $2::date, line + 1, agency_receipt_id, portal_payment_id, transaction_type, amount_vnd::bigint, received_at::timestamptz from daily_stage`,
  },
};

export interface DailyFile {
  kind: FileKind;
  /** The bank's or the agency's code. */
  partyCode: string;
  /** The business day the file is for (YYYY-MM-DD). */
  day: string;
  source: Readable;
  origin: 'upload' | 'fetched';
  uploadedBy: string | null;
  /** For a fetched statement: whether the bank's signature covers this SHA-256 of the bytes. */
  digestSigned?: (sha256: string) => boolean;
}

const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;

/** The SQL condition under which a row breaks a rule (the rules are the domain's; $1 is the party). */
function broken(c: RowCheck): string {
  const col = c.column;
  switch (c.check) {
    case 'id':
      return `${col} is null or length(${col}) > ${ID_MAX_LENGTH} or ${col} !~ ${literal(ID_PATTERN)}`;
    case 'amount':
      return `${col} is null or length(${col}) > ${AMOUNT_MAX_DIGITS} or ${col} !~ ${literal(AMOUNT_PATTERN)}`;
    case 'one_of':
      return `${col} is null or ${col} not in (${c.values.map(literal).join(', ')})`;
    case 'party':
      return `${col} is distinct from $1`;
    case 'instant':
      return `${col} is null or ${col} !~ ${literal(INSTANT_PATTERN)}`;
    case 'optional_instant':
      return `${col} is not null and (${col} !~ ${literal(INSTANT_PATTERN)})`;
  }
}

/**
 * Loads one daily file, streamed: the bytes go through a SHA-256 into PostgreSQL's own CSV reader (COPY,
 * the header matched by name) into a staging table; every rule of a row (stated in the domain) is then
 * checked in one pass, and only a file without fault is written — in one transaction that first removes
 * the party's earlier file of the day. A bad file (FileRowError, with its line) applies nothing; a second
 * upload of the same day replaces the first. Nothing of the file is held in this process's memory.
 */
export async function loadDailyFile(databaseUrl: string, f: DailyFile): Promise<{ rows: number; sha256: string }> {
  const t = TABLES[f.kind];
  const columns = FILE_COLUMNS[f.kind];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(`create temp table daily_stage (line integer generated always as identity, ${columns.map((c) => `${c} text`).join(', ')}) on commit drop`);
    const hash = createHash('sha256');
    let bytes = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        // A byte-order mark is read past (the header is matched by name).
        const out = bytes === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? chunk.subarray(3) : chunk;
        bytes += chunk.length;
        done(null, out);
      },
    });
    const copy = client.query(copyFrom(`copy daily_stage (${columns.join(', ')}) from stdin (format csv, header match, encoding 'UTF8')`));
    try {
      await pipeline(f.source, hashing, copy);
    } catch (e) {
      throw copyRefusal(e, columns) ?? e;
    }
    if (bytes === 0) throw new FileRowError(1, 'tệp trống: thiếu dòng tiêu đề');
    const sha256 = hash.digest('hex');
    if (f.digestSigned && !f.digestSigned(sha256)) throw new FileRowError(1, 'chữ ký của ngân hàng trên tệp không hợp lệ');
    await checkRows(client, f, t);
    await client.query(`delete from ${t.table} where business_day = $1 and ${t.party} = $2`, [f.day, f.partyCode]);
    // The patterns checked the form of the times; a date that does not exist (30 February) fails its cast here.
    await client.query('savepoint typed');
    const inserted = await client.query(t.insert, [f.partyCode, f.day]).catch(async (e: unknown) => {
      if (!(e as { code?: string }).code?.startsWith('22')) throw e;
      await client.query('rollback to savepoint typed');
      throw await impossibleTime(client, f.kind) ?? e;
    });
    await client.query(
      `insert into reconciliation_file (kind, party_code, business_day, row_count, sha256, source, uploaded_by, uploaded_at) values ($1, $2, $3, $4, $5, $6, $7, now())
        on conflict (kind, party_code, business_day) do update set row_count = excluded.row_count, sha256 = excluded.sha256, source = excluded.source, uploaded_by = excluded.uploaded_by, uploaded_at = now()`,
      [f.kind, f.partyCode, f.day, inserted.rowCount ?? 0, sha256, f.origin, f.uploadedBy],
    );
    await client.query('commit');
    return { rows: inserted.rowCount ?? 0, sha256 };
  } catch (e) {
    await client.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    await client.end();
  }
}

/** What PostgreSQL's CSV reader refused, as the line and a reason in Vietnamese. */
function copyRefusal(e: unknown, columns: readonly string[]): FileRowError | null {
  const err = e as { code?: string; message?: string; where?: string };
  if (typeof err.code !== 'string' || !err.code.startsWith('22')) return null;
  const line = Number(/line (\d+)/.exec(err.where ?? '')?.[1] ?? 1);
  const message = err.message ?? '';
  if (/header/i.test(message)) return new FileRowError(1, `dòng tiêu đề phải là "${columns.join(',')}"`);
  if (/missing data|extra data/i.test(message)) return new FileRowError(line, `số cột không đúng, cần ${columns.length}`);
  if (/quote/i.test(message)) return new FileRowError(line, 'dấu ngoặc kép không đóng');
  if (/encoding|byte sequence/i.test(message)) return new FileRowError(line, 'tệp không phải văn bản UTF-8');
  return new FileRowError(line, `CSV không hợp lệ (${message.slice(0, 120)})`);
}

/** The first row with a time of the right form that is no real instant (only looked for when the cast failed). */
async function impossibleTime(client: pg.Client, kind: FileKind): Promise<FileRowError | null> {
  for (const c of ROW_CHECKS[kind].filter((x) => x.check === 'instant' || x.check === 'optional_instant')) {
    const r = await client.query<{ line: number }>(`select line + 1 as line from daily_stage where ${c.column} is not null and not pg_input_is_valid(${c.column}, 'timestamptz') order by line limit 1`);
    if (r.rows[0]) return new FileRowError(Number(r.rows[0].line), c.reason);
  }
  return null;
}

/** Every rule of every row in one pass, then what only the whole file shows: an id twice, an agency that does not exist. */
async function checkRows(client: pg.Client, f: DailyFile, t: (typeof TABLES)[FileKind]): Promise<void> {
  const checks = ROW_CHECKS[f.kind];
  const reason = `case ${checks.map((c, i) => `when ${broken(c)} then ${i}`).join(' ')} end`;
  const bad = await client.query<{ line: number; rule: number }>(
    `select line + 1 as line, rule from (select line, ${reason} as rule from daily_stage) x where rule is not null order by line limit 1`,
    f.kind === 'agency_receipts' ? [f.partyCode] : [],
  );
  if (bad.rows[0]) throw new FileRowError(Number(bad.rows[0].line), checks[bad.rows[0].rule]!.reason);
  const dup = await client.query<{ line: number; id: string }>(
    `select s.${t.unique} as id, min(s.line) + 1 as line from daily_stage s
       join (select ${t.unique} as u from daily_stage group by 1 having count(*) > 1) d on d.u = s.${t.unique}
      group by 1 order by 2 limit 1`,
  );
  if (dup.rows[0]) throw new FileRowError(Number(dup.rows[0].line), `${t.unique} "${dup.rows[0].id}" xuất hiện nhiều lần trong tệp`);
  if (f.kind !== 'bank_statement') return;
  const unknown = await client.query<{ line: number; agency_code: string }>(
    'select line + 1 as line, agency_code from daily_stage s where not exists (select 1 from agency a where a.code = s.agency_code) order by line limit 1',
  );
  if (unknown.rows[0]) throw new FileRowError(Number(unknown.rows[0].line), `agency_code "${unknown.rows[0].agency_code}" không phải mã cơ quan đã đăng ký`);
}
