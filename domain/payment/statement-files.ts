import { TransactionType } from './vocabulary';

/**
 * The daily files reconciliation reads (000 §34.4), exactly these formats: UTF-8 CSV with a header row,
 * amounts in whole VND, times ISO 8601 with their offset.
 */
export const BANK_STATEMENT_COLUMNS = ['bank_txn_id', 'portal_payment_id', 'agency_code', 'transaction_type', 'amount_vnd', 'status', 'debited_at', 'settled_at'] as const;
export const AGENCY_RECEIPT_COLUMNS = ['agency_receipt_id', 'portal_payment_id', 'agency_code', 'transaction_type', 'amount_vnd', 'received_at'] as const;
export type FileKind = 'bank_statement' | 'agency_receipts';
export const FILE_KIND_LABELS: Record<FileKind, string> = { bank_statement: 'Sao kê ngày của ngân hàng', agency_receipts: 'Danh sách biên lai ngày của cơ quan' };
export const STATEMENT_STATUSES = ['success', 'failed', 'refunded'] as const;

const ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;
const AMOUNT = /^[1-9]\d{0,14}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** A refused row: its line in the file (the header is line 1) and why, in Vietnamese. */
export class FileRowError extends Error {
  constructor(readonly line: number, readonly reason: string) {
    super(`Dòng ${line}: ${reason}`);
    this.name = 'FileRowError';
  }
}

export function checkHeader(kind: FileKind, header: readonly string[]): void {
  const expected = kind === 'bank_statement' ? BANK_STATEMENT_COLUMNS : AGENCY_RECEIPT_COLUMNS;
  const got = header.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
  if (got.length !== expected.length || got.some((h, i) => h !== expected[i])) {
    throw new FileRowError(1, `dòng tiêu đề phải là "${expected.join(',')}"`);
  }
}

const instant = (v: string, column: string, line: number, optional = false): string => {
  if (optional && v === '') return '';
  if (!INSTANT.test(v) || Number.isNaN(Date.parse(v))) throw new FileRowError(line, `${column} phải là thời điểm ISO 8601 có múi giờ, ví dụ 2026-11-27T09:15:00+07:00`);
  return v;
};
const id = (v: string, column: string, line: number) => {
  if (!ID.test(v)) throw new FileRowError(line, `${column} trống hoặc có ký tự không hợp lệ (tối đa 100 ký tự chữ, số, . _ : / -)`);
  return v;
};
const amount = (v: string, line: number) => {
  if (!AMOUNT.test(v)) throw new FileRowError(line, 'amount_vnd phải là số nguyên đồng dương, không có dấu phân cách');
  return v;
};
const type = (v: string, line: number) => {
  if (!TransactionType.safeParse(v).success) throw new FileRowError(line, `transaction_type "${v.slice(0, 40)}" không có trong danh mục loại giao dịch (${TransactionType.options.join(', ')})`);
  return v;
};

/**
 * One data row checked and returned as the fields to store, in column order (the file's party code is
 * checked by the caller). Throws FileRowError.
 */
export function checkRow(kind: FileKind, cells: readonly string[], line: number, partyAgency: string | null): string[] {
  const n = kind === 'bank_statement' ? BANK_STATEMENT_COLUMNS.length : AGENCY_RECEIPT_COLUMNS.length;
  if (cells.length !== n) throw new FileRowError(line, `có ${cells.length} cột, cần ${n}`);
  const c = cells.map((x) => x.trim());
  if (kind === 'bank_statement') {
    const [txn, pid, agency, t, amt, status, debited, settled] = c as [string, string, string, string, string, string, string, string];
    if (!(STATEMENT_STATUSES as readonly string[]).includes(status)) throw new FileRowError(line, `status phải là một trong ${STATEMENT_STATUSES.join(', ')}`);
    return [id(txn, 'bank_txn_id', line), id(pid, 'portal_payment_id', line), id(agency, 'agency_code', line), type(t, line), amount(amt, line), status,
      instant(debited, 'debited_at', line), instant(settled, 'settled_at', line, true)];
  }
  const [rid, pid, agency, t, amt, received] = c as [string, string, string, string, string, string];
  if (partyAgency !== null && agency !== partyAgency) throw new FileRowError(line, `agency_code "${agency.slice(0, 40)}" không phải cơ quan của danh sách (${partyAgency})`);
  return [id(rid, 'agency_receipt_id', line), id(pid, 'portal_payment_id', line), id(agency, 'agency_code', line), type(t, line), amount(amt, line), instant(received, 'received_at', line)];
}
