import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';

export type TableFormat = 'csv' | 'xlsx';
export const TABLE_MEDIA_TYPES: Record<TableFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null;
  /** Spreadsheet column width (characters). */
  width?: number;
}

/**
 * Writes a table as CSV (UTF-8 with a BOM, so that spreadsheets read Vietnamese) or XLSX, streamed page
 * by page: an export of a year's dossiers never holds them all in memory.
 */
export async function writeTable<T>(out: Writable, format: TableFormat, title: string, columns: Column<T>[], pages: AsyncIterable<T[]> | Iterable<T[]>): Promise<void> {
  if (format === 'csv') {
    out.write('\uFEFF');
    const csv = stringify({ header: true, columns: columns.map((c) => c.header) });
    const done = new Promise<void>((resolve, reject) => {
      csv.on('end', resolve);
      csv.on('error', reject);
    });
    csv.pipe(out, { end: false });
    for await (const page of pages) {
      for (const row of page) if (!csv.write(columns.map((c) => c.value(row)))) await new Promise((r) => csv.once('drain', r));
    }
    csv.end();
    await done;
    return;
  }
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  // Sheet names: at most 31 characters, none of []:*?/\
  const sheet = workbook.addWorksheet(title.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31));
  sheet.columns = columns.map((c, i) => ({ header: c.header, key: String(i), width: c.width ?? Math.max(12, c.header.length + 2) }));
  sheet.getRow(1).font = { bold: true };
  for await (const page of pages) for (const row of page) sheet.addRow(columns.map((c) => c.value(row))).commit();
  sheet.commit();
  await workbook.commit();
}
