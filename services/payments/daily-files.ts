import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { checkHeader, checkRow, FileRowError, type FileKind } from '../../domain/payment/statement-files';

const TABLES: Record<FileKind, { table: string; party: string; columns: string; unique: string }> = {
  bank_statement: {
    table: 'bank_statement_row', party: 'bank_code', unique: 'bank_txn_id',
    columns: 'bank_code, business_day, line, bank_txn_id, portal_payment_id, agency_code, transaction_type, amount_vnd, status, debited_at, settled_at',
  },
  agency_receipts: {
    table: 'agency_receipt_row', party: 'agency_code', unique: 'agency_receipt_id',
    columns: 'agency_code, business_day, line, agency_receipt_id, portal_payment_id, transaction_type, amount_vnd, received_at',
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

/**
 * Loads one daily file, streamed: each row is checked as it is read and copied into PostgreSQL (COPY);
 * the whole load is one transaction that first removes the day's previous file of that party, so a bad
 * row (FileRowError, with its line) applies nothing and a second upload of the same day replaces the first.
 * Memory stays flat whatever the file's size.
 */
export async function loadDailyFile(databaseUrl: string, f: DailyFile): Promise<{ rows: number; sha256: string }> {
  const t = TABLES[f.kind];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(`delete from ${t.table} where business_day = $1 and ${t.party} = $2`, [f.day, f.partyCode]);
    const hash = createHash('sha256');
    let rows = 0;
    let headerSeen = false;
    const prefix = `${f.partyCode}\t${f.day}\t`;
    const partyAgency = f.kind === 'agency_receipts' ? f.partyCode : null;
    const toCopy = new Transform({
      writableObjectMode: true,
      transform(record: { record: string[]; info: { lines: number } }, _enc, done) {
        try {
          if (!headerSeen) {
            checkHeader(f.kind, record.record);
            headerSeen = true;
            return done();
          }
          const line = record.info.lines;
          const cells = checkRow(f.kind, record.record, line, partyAgency);
          // Agency rows do not repeat the party code column after the key (it is the party).
          const stored = f.kind === 'agency_receipts' ? [cells[0], cells[1], cells[3], cells[4], cells[5]] : cells;
          rows++;
          done(null, `${prefix}${line}\t${stored.map((c) => (c === '' ? '\\N' : c)).join('\t')}\n`);
        } catch (e) {
          done(e as Error);
        }
      },
    });
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const copy = client.query(copyFrom(`copy ${t.table} (${t.columns}) from stdin`));
    try {
      await pipeline(f.source, hashing, parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }), toCopy, copy);
    } catch (e) {
      if (e instanceof FileRowError) throw e;
      const line = (e as { lines?: number }).lines;
      if (typeof line === 'number' && (e as { code?: string }).code?.startsWith('CSV_')) throw new FileRowError(line, `CSV không hợp lệ (${(e as Error).message.slice(0, 160)})`);
      throw e;
    }
    if (!headerSeen) throw new FileRowError(1, 'tệp trống: thiếu dòng tiêu đề');
    const sha256 = hash.digest('hex');
    if (f.digestSigned && !f.digestSigned(sha256)) throw new FileRowError(1, 'chữ ký của ngân hàng trên tệp không hợp lệ');
    await checkStored(client, f, t);
    await client.query(
      `insert into reconciliation_file (kind, party_code, business_day, row_count, sha256, source, uploaded_by, uploaded_at) values ($1, $2, $3, $4, $5, $6, $7, now())
        on conflict (kind, party_code, business_day) do update set row_count = excluded.row_count, sha256 = excluded.sha256, source = excluded.source, uploaded_by = excluded.uploaded_by, uploaded_at = now()`,
      [f.kind, f.partyCode, f.day, rows, sha256, f.origin, f.uploadedBy],
    );
    await client.query('commit');
    return { rows, sha256 };
  } catch (e) {
    await client.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    await client.end();
  }
}

/** What only the whole file shows: an id twice, an agency that does not exist — with the first line at fault. */
async function checkStored(client: pg.Client, f: DailyFile, t: (typeof TABLES)[FileKind]): Promise<void> {
  const dup = await client.query<{ line: number; id: string }>(
    `select t.${t.unique} as id, min(t.line) as line from ${t.table} t
       join (select ${t.unique} as u from ${t.table} where business_day = $1 and ${t.party} = $2 group by 1 having count(*) > 1) d on d.u = t.${t.unique}
      where t.business_day = $1 and t.${t.party} = $2 group by 1 order by 2 limit 1`,
    [f.day, f.partyCode],
  );
  if (dup.rows[0]) throw new FileRowError(Number(dup.rows[0].line), `${t.unique} "${dup.rows[0].id}" xuất hiện nhiều lần trong tệp`);
  if (f.kind !== 'bank_statement') return;
  const unknown = await client.query<{ line: number; agency_code: string }>(
    `select line, agency_code from bank_statement_row s where business_day = $1 and bank_code = $2 and not exists (select 1 from agency a where a.code = s.agency_code) order by line limit 1`,
    [f.day, f.partyCode],
  );
  if (unknown.rows[0]) throw new FileRowError(Number(unknown.rows[0].line), `agency_code "${unknown.rows[0].agency_code}" không phải mã cơ quan đã đăng ký`);
}
