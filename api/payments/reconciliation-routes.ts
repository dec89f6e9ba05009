import { Router, type Request, type Response } from 'express';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { AGENCY_RECEIPT_COLUMNS, BANK_STATEMENT_COLUMNS, type FileKind } from '../../domain/payment/statement-files';
import { CloseDiscrepancy, DiscrepancyKind, DiscrepancyStatus, Responsible } from '../../domain/payment/discrepancy';
import { TransactionType } from '../../domain/payment/vocabulary';
import { mount } from '../access';
import { Errors, parse } from '../errors';
import { AgencyCode, Instant, IsoDate, Page } from '../schemas';
import { streamOneFile } from '../uploads';
import type { ReconciliationService } from './reconciliation';

const BankCode = z.string().regex(/^[A-Z][A-Z0-9-]{1,30}$/);
const CaseCode = z.string().regex(/^CL-[0-9A-F]{12}$/).describe('Mã chênh lệch, ví dụ CL-0A1B2C3D4E5F');
const Uploaded = z.object({ kind: z.enum(['bank_statement', 'agency_receipts']), partyCode: z.string(), day: IsoDate, rows: z.number().int().min(0), sha256: z.string(), reconciledAgain: z.boolean() });
const Amount = z.number().int().nullable();
const Case = z.object({
  code: CaseCode, businessDay: IsoDate, kind: DiscrepancyKind, kindLabel: z.string(), responsible: Responsible, responsibleLabel: z.string(), bankCode: z.string().nullable(), agencyCode: z.string().nullable(),
  transactionType: z.string().nullable(), transactionTypeLabel: z.string().nullable(), portalPaymentId: z.string().nullable(), bankTxnId: z.string().nullable(), agencyReceiptId: z.string().nullable(),
  portalAmountVnd: Amount, bankAmountVnd: Amount, agencyAmountVnd: Amount, detail: z.string(), status: DiscrepancyStatus, statusLabel: z.string(), detectedAt: Instant, dueAt: Instant,
  escalated: z.boolean(), closedAt: Instant.nullable(), note: z.string().nullable(),
});
const Run = z.object({
  day: IsoDate, runs: z.number().int(), lastRunAt: Instant, summary: z.record(z.string(), z.unknown()),
  files: z.array(z.object({ kind: z.string(), partyCode: z.string(), rows: z.number().int(), sha256: z.string(), source: z.string(), uploadedAt: Instant, uploadedBy: z.string().nullable().describe('the account that uploaded it (none for a statement fetched from the bank)') })),
  cases: z.record(z.string(), z.number().int()),
});
const Filter = z.object({
  from: IsoDate, to: IsoDate, agencyCode: AgencyCode.optional(), bankCode: BankCode.optional().describe('Đơn vị thanh toán (ngân hàng, trung gian thanh toán)'),
  transactionType: TransactionType.optional(), kind: DiscrepancyKind.optional(), status: DiscrepancyStatus.optional(),
});
const ReportQuery = Filter.extend({ view: z.enum(['detail', 'summary']).default('detail') }).extend(Page.shape);
const SummaryLine = z.object({
  agencyCode: z.string().nullable(), bankCode: z.string().nullable(), transactionType: z.string().nullable(), kind: DiscrepancyKind, kindLabel: z.string(),
  cases: z.number().int(), open: z.number().int(), overdue: z.number().int(), amountVnd: z.number().int(),
});
const RECONCILERS = ['operator', 'fee_officer', 'unit_leader', 'integration', 'bank'] as const;

const CSV_FORMATS = `Tệp CSV UTF-8 có dòng tiêu đề, số tiền là số nguyên đồng, thời điểm ISO 8601 kèm múi giờ. Sao kê ngân hàng: ${BANK_STATEMENT_COLUMNS.join(',')} `
  + `(status: success, failed, refunded; settled_at để trống khi chưa chuyển). Danh sách biên lai của cơ quan: ${AGENCY_RECEIPT_COLUMNS.join(',')}.`;

/** Daily reconciliation: the files, the runs, the discrepancy report and its cases (000 §34). */
export function reconciliationRoutes(service: ReconciliationService, maxFileBytes: number): Router {
  const router = Router();
  // A daily file streamed from the request into the service's checked load.
  const upload = (kind: FileKind, party: 'bankCode' | 'agencyCode') => async (req: Request, res: Response) => {
    const p = req.params as Record<string, string>;
    res.json(await streamOneFile(req, { field: 'file', maxBytes: maxFileBytes }, (file) => service.upload(req.actor!, kind, p[party]!, p.day!, file, String(req.id))));
  };
  mount(router, {
    method: 'post', path: '/api/reconciliation/banks/:bankCode/statements/:day', tag: 'Đối soát', access: ['operator', 'bank'], params: z.object({ bankCode: BankCode, day: IsoDate }),
    csvUpload: { description: CSV_FORMATS }, responses: { 200: Uploaded }, conflicts: true,
    summary: 'Sao kê ngày của ngân hàng: ngân hàng tự gửi bằng tài khoản tích hợp của mình (chỉ sao kê của chính mình), hoặc cán bộ vận hành tải lên khi không lấy được tự động; kiểm tra từng dòng, sai một dòng thì không ghi nhận gì; gửi lại cùng ngày thì thay thế.',
    handler: upload('bank_statement', 'bankCode'),
  });
  mount(router, {
    method: 'post', path: '/api/reconciliation/agencies/:agencyCode/receipts/:day', tag: 'Đối soát', access: ['operator', 'fee_officer', 'integration'], params: z.object({ agencyCode: AgencyCode, day: IsoDate }),
    csvUpload: { description: CSV_FORMATS }, responses: { 200: Uploaded }, conflicts: true,
    summary: 'Cơ quan tải lên danh sách biên lai đã ghi nhận trong ngày: kiểm tra từng dòng, sai một dòng thì không ghi nhận gì; tải lại cùng ngày thì thay thế.',
    handler: upload('agency_receipts', 'agencyCode'),
  });
  mount(router, {
    method: 'post', path: '/api/reconciliation/runs/:day', tag: 'Đối soát', access: ['operator'], params: z.object({ day: IsoDate }), responses: { 200: Run }, conflicts: true,
    summary: 'Đối soát một ngày ngay (lịch hằng ngày chạy lúc 06:00 cho ngày hôm trước và bù các ngày bị lỡ).',
    handler: async (req, res) => void res.json(await service.run(String(req.params.day))),
  });
  mount(router, {
    method: 'get', path: '/api/reconciliation/runs/:day', tag: 'Đối soát', access: ['operator'], params: z.object({ day: IsoDate }), responses: { 200: Run },
    summary: 'Kết quả đối soát một ngày: số liệu, các tệp đã nhận, số chênh lệch theo trạng thái.',
    handler: async (req, res) => {
      const r = await service.day(String(req.params.day));
      if (!r) throw Errors.notFound('Kết quả đối soát của ngày này');
      res.json(r);
    },
  });
  mount(router, {
    method: 'get', path: '/api/reconciliation/discrepancies', tag: 'Đối soát', access: RECONCILERS, query: ReportQuery,
    responses: { 200: z.object({ view: z.enum(['detail', 'summary']), items: z.array(Case).optional(), lines: z.array(SummaryLine).optional() }) },
    summary: 'Báo cáo đối soát: lọc theo cơ quan, đơn vị thanh toán, loại giao dịch, loại và trạng thái chênh lệch, khoảng thời gian; chi tiết hoặc tổng hợp.',
    handler: async (req, res) => {
      const q = parse(ReportQuery, req.query);
      if (q.view === 'summary') return void res.json({ view: 'summary', lines: await service.summary(req.actor!, q) });
      res.json({ view: 'detail', items: await service.detail(req.actor!, q, q) });
    },
  });
  mount(router, {
    method: 'get', path: '/api/reconciliation/discrepancies/export', tag: 'Đối soát', access: RECONCILERS, query: Filter, responses: { 200: null },
    binary: { mediaTypes: ['text/csv'], description: 'Báo cáo chi tiết dạng CSV (UTF-8, có BOM để mở bằng bảng tính)' },
    summary: 'Xuất báo cáo đối soát chi tiết ra CSV theo cùng bộ lọc.',
    handler: async (req, res) => {
      const q = parse(Filter, req.query);
      const rows = service.allCases(req.actor!, q);
      const first = await rows.next(); // a refused filter answers as JSON before the file starts
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="doi-soat-${q.from}-${q.to}.csv"`);
      res.write('\uFEFF');
      const csv = stringify({
        header: true,
        columns: ['code', 'businessDay', 'kindLabel', 'responsibleLabel', 'agencyCode', 'bankCode', 'transactionType', 'portalPaymentId', 'bankTxnId', 'agencyReceiptId',
          'portalAmountVnd', 'bankAmountVnd', 'agencyAmountVnd', 'statusLabel', 'detectedAt', 'dueAt', 'escalated', 'closedAt', 'note', 'detail'].map((key) => ({ key })),
        cast: { boolean: (b) => (b ? 'có' : 'không') },
      });
      csv.pipe(res);
      if (!first.done) csv.write(first.value);
      for await (const c of rows) if (!csv.write(c)) await new Promise((r) => csv.once('drain', r));
      csv.end();
      await new Promise((r) => res.once('finish', r));
    },
  });
  mount(router, {
    method: 'get', path: '/api/reconciliation/discrepancies/:code', tag: 'Đối soát', access: RECONCILERS, params: z.object({ code: CaseCode }),
    responses: { 200: Case.extend({ history: z.array(z.object({ event: z.string(), at: Instant, status: DiscrepancyStatus })) }) },
    summary: 'Một chênh lệch đối soát và quá trình xử lý.',
    handler: async (req, res) => void res.json(await service.get(req.actor!, String(req.params.code))),
  });
  mount(router, {
    method: 'post', path: '/api/reconciliation/discrepancies/:code/close', tag: 'Đối soát', access: RECONCILERS, params: z.object({ code: CaseCode }), body: CloseDiscrepancy,
    responses: { 200: z.object({ code: CaseCode, status: DiscrepancyStatus, statusLabel: z.string() }) }, conflicts: true,
    summary: 'Bên chịu trách nhiệm đóng chênh lệch kèm ghi chú cách đã xử lý (hạn: hết ngày làm việc tiếp theo).',
    handler: async (req, res) => void res.json(await service.close(req.actor!, String(req.params.code), parse(CloseDiscrepancy, req.body).note, String(req.id))),
  });
  return router;
}
