import { TransactionType } from './vocabulary';

/**
 * The daily files reconciliation reads (000 §34.4), exactly these formats: UTF-8 CSV with a header row,
 * amounts in whole VND, times ISO 8601 with their offset. The rules of a row are stated here once and
 * checked where the rows are (PostgreSQL, while loading): each is a column, a check and the Vietnamese
 * reason a refused row is given.
 */
export const BANK_STATEMENT_COLUMNS = ['bank_txn_id', 'portal_payment_id', 'agency_code', 'transaction_type', 'amount_vnd', 'status', 'debited_at', 'settled_at'] as const;
export const AGENCY_RECEIPT_COLUMNS = ['agency_receipt_id', 'portal_payment_id', 'agency_code', 'transaction_type', 'amount_vnd', 'received_at'] as const;
export type FileKind = 'bank_statement' | 'agency_receipts';
export const FILE_KIND_LABELS: Record<FileKind, string> = { bank_statement: 'Sao kê ngày của ngân hàng', agency_receipts: 'Danh sách biên lai ngày của cơ quan' };
export const FILE_COLUMNS: Record<FileKind, readonly string[]> = { bank_statement: BANK_STATEMENT_COLUMNS, agency_receipts: AGENCY_RECEIPT_COLUMNS };
export const STATEMENT_STATUSES = ['success', 'failed', 'refunded'] as const;

/**
 * Patterns valid both as JavaScript and as PostgreSQL regular expressions, with their length limits apart
 * (a bounded repetition like {0,99} makes PostgreSQL's regular expressions slow).
 */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:/-]*$';
export const ID_MAX_LENGTH = 100;
export const AMOUNT_PATTERN = '^[1-9][0-9]*$';
export const AMOUNT_MAX_DIGITS = 15;
export const INSTANT_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})$';

export type RowCheck =
  | { column: string; check: 'id' | 'amount' | 'instant' | 'optional_instant'; reason: string }
  | { column: string; check: 'one_of'; values: readonly string[]; reason: string }
  | { column: string; check: 'party'; reason: string };

const id = (column: string): RowCheck => ({ column, check: 'id', reason: `${column} trống hoặc có ký tự không hợp lệ (tối đa 100 ký tự chữ, số, . _ : / -)` });
const amount: RowCheck = { column: 'amount_vnd', check: 'amount', reason: 'amount_vnd phải là số nguyên đồng dương, không có dấu phân cách' };
const type: RowCheck = { column: 'transaction_type', check: 'one_of', values: TransactionType.options, reason: `transaction_type không có trong danh mục loại giao dịch (${TransactionType.options.join(', ')})` };
const instant = (column: string, optional = false): RowCheck => ({
  column, check: optional ? 'optional_instant' : 'instant', reason: `${column} phải là thời điểm ISO 8601 có múi giờ, ví dụ 2026-11-27T09:15:00+07:00${optional ? ' (hoặc để trống)' : ''}`,
});

/** Every rule of a row, in column order: the first one broken is the reason given. */
export const ROW_CHECKS: Record<FileKind, readonly RowCheck[]> = {
  bank_statement: [
    id('bank_txn_id'), id('portal_payment_id'), id('agency_code'), type, amount,
    { column: 'status', check: 'one_of', values: STATEMENT_STATUSES, reason: `status phải là một trong ${STATEMENT_STATUSES.join(', ')}` },
    instant('debited_at'), instant('settled_at', true),
  ],
  agency_receipts: [
    id('agency_receipt_id'), id('portal_payment_id'), { column: 'agency_code', check: 'party', reason: 'agency_code không phải cơ quan của danh sách' },
    type, amount, instant('received_at'),
  ],
};

/** A refused row: its line in the file (the header is line 1) and why, in Vietnamese. */
export class FileRowError extends Error {
  constructor(readonly line: number, readonly reason: string) {
    super(`Dòng ${line}: ${reason}`);
    this.name = 'FileRowError';
  }
}
