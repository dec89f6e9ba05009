import express, { Router, type Request, type Response } from 'express';
import { apiError, parse } from '../api/errors';
import type { ReconciliationService, ReportFilter } from '../api/payments/reconciliation';
import type { RefundService } from '../api/payments/refunds';
import { streamOneFile } from '../api/uploads';
import { CloseDiscrepancy, DiscrepancyKind, DISCREPANCY_KIND_LABELS, DiscrepancyStatus, DISCREPANCY_STATUS_LABELS } from '../domain/payment/discrepancy';
import { RefundDecision } from '../domain/payment/refund';
import { FILE_KIND_LABELS } from '../domain/payment/statement-files';
import { TransactionType, TRANSACTION_TYPE_LABELS } from '../domain/payment/vocabulary';
import { isoDateOfDay, localDayNumber } from '../domain/working-time';
import { problemsOf, type FormProblems } from './forms';
import { renderPage } from './render';
import { assertFormFromPortal, signedIn } from './session';

const ROLES = ['operator', 'fee_officer', 'unit_leader'] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const CASE = /^CL-[0-9A-F]{12}$/;
const REFUND = /^HT-[0-9A-F]{12}$/;

interface Problem { form: string; problems: FormProblems; values: Record<string, string> }

/**
 * Reconciliation screens (000 §34.3) for the operators and the agencies' fee officers and leaders: the
 * report with its filters (agency, payment unit, transaction type, kind, status, period; detail or
 * summary; CSV), the daily files uploaded, a case with its close form, and refunds awaiting the agency.
 * The same services as the API.
 */
export function reconciliationPages(service: ReconciliationService, refunds: RefundService, opts: { publicOrigin: string; maxFileBytes: number }): Router {
  const router = Router();
  const urlencoded = express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 20 });

  function filterOf(req: Request): ReportFilter & { view: 'detail' | 'summary' } {
    const q = req.query as Record<string, string | undefined>;
    const yesterday = isoDateOfDay(localDayNumber(Date.now()) - 1);
    const day = (v: string | undefined, fallback: string) => (v && DAY.test(v) ? v : fallback);
    const from = day(q.tu, isoDateOfDay(localDayNumber(Date.now()) - 7));
    return {
      from, to: day(q.den, yesterday),
      agencyCode: q.co_quan || undefined, bankCode: q.ngan_hang || undefined,
      transactionType: TransactionType.safeParse(q.loai_gd).success ? (q.loai_gd as TransactionType) : undefined,
      kind: DiscrepancyKind.safeParse(q.loai).success ? (q.loai as DiscrepancyKind) : undefined,
      status: DiscrepancyStatus.safeParse(q.trang_thai).success ? (q.trang_thai as DiscrepancyStatus) : undefined,
      view: q.xem === 'tong-hop' ? 'summary' : 'detail',
    };
  }

  async function showReport(req: Request, res: Response, problem: Problem | null, uploaded: string | null = null) {
    const actor = req.actor!;
    const f = filterOf(req);
    let items: Awaited<ReturnType<ReconciliationService['detail']>> = [];
    let lines: Awaited<ReturnType<ReconciliationService['summary']>> = [];
    let filterProblem: string | null = null;
    try {
      if (f.view === 'summary') lines = await service.summary(actor, f);
      else items = await service.detail(actor, f, { limit: 200, offset: 0 });
    } catch (e) {
      const p = problemsOf(e);
      if (!p) throw e;
      filterProblem = p.message;
    }
    const csv = new URLSearchParams(Object.entries({ from: f.from, to: f.to, agencyCode: f.agencyCode, bankCode: f.bankCode, transactionType: f.transactionType, kind: f.kind, status: f.status })
      .filter((e): e is [string, string] => typeof e[1] === 'string'));
    renderPage(req, res, 'reconciliation', 'Đối soát thanh toán', {
      f, items, lines, filterProblem, csvHref: `/api/reconciliation/discrepancies/export?${csv.toString()}`,
      kinds: DiscrepancyKind.options.map((k) => ({ value: k, label: DISCREPANCY_KIND_LABELS[k] })),
      statuses: DiscrepancyStatus.options.map((s) => ({ value: s, label: DISCREPANCY_STATUS_LABELS[s] })),
      types: TransactionType.options.map((t) => ({ value: t, label: TRANSACTION_TYPE_LABELS[t] })),
      isOperator: actor.roles.includes('operator'), canUploadReceipts: actor.roles.includes('fee_officer') || actor.roles.includes('operator'),
      fileKinds: FILE_KIND_LABELS, refunds: actor.roles.includes('fee_officer') || actor.roles.includes('unit_leader') ? await refunds.awaitingAgency(actor) : [],
      problem, uploaded, yesterday: isoDateOfDay(localDayNumber(Date.now()) - 1),
      files: filterProblem ? [] : await service.files(actor, f.from, f.to),
    }, problem ? 422 : 200);
  }

  router.get('/doi-soat', signedIn(ROLES), (req, res, next) => void showReport(req, res, null, typeof req.query.da_tai === 'string' ? req.query.da_tai : null).catch(next));

  // A daily file uploaded from the page: the same streamed, row-checked load as the API.
  router.post('/doi-soat/tai-len', signedIn(['operator', 'fee_officer']), async (req, res, next) => {
    let values = { kind: '', party: '', day: '' };
    try {
      const r = await streamOneFile(req, { field: 'file', maxBytes: opts.maxFileBytes, maxFields: 4 }, async (file, fields) => {
        values = { kind: fields.kind ?? '', party: fields.party ?? '', day: fields.day ?? '' };
        assertFormFromPortal(req, fields._csrf, opts.publicOrigin);
        const kind = values.kind === 'bank_statement' ? 'bank_statement' : 'agency_receipts';
        const party = kind === 'agency_receipts' && !req.actor!.roles.includes('operator') ? req.actor!.agencyCode ?? '' : values.party;
        if (!DAY.test(values.day)) throw apiError(422, 'BAD_DAY', 'Chọn ngày của tệp (YYYY-MM-DD).', [{ field: 'day', code: 'BAD_DAY', message: 'Chọn ngày của tệp.' }]);
        return service.upload(req.actor!, kind, party, values.day, file, String(req.id));
      });
      res.redirect(303, `/doi-soat?da_tai=${encodeURIComponent(`${FILE_KIND_LABELS[r.kind]} ${r.partyCode} ngày ${r.day}: ${r.rows} dòng`)}`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showReport(req, res, { form: 'upload', problems, values }).catch(next);
    }
  });

  async function showCase(req: Request, res: Response, code: string, problem: Problem | null) {
    const c = await service.get(req.actor!, code);
    renderPage(req, res, 'discrepancy', `Chênh lệch ${c.code}`, { c, problem, closed: req.query.xong === '1' }, problem ? 422 : 200);
  }

  router.get('/doi-soat/:code', signedIn(ROLES), async (req, res, next) => {
    const code = String(req.params.code);
    if (!CASE.test(code)) return next();
    showCase(req, res, code, null).catch(next);
  });

  router.post('/doi-soat/:code/dong', signedIn(ROLES), urlencoded, async (req, res, next) => {
    const code = String(req.params.code);
    const body = (req.body ?? {}) as Record<string, string>;
    if (!CASE.test(code)) return next();
    try {
      assertFormFromPortal(req, body._csrf, opts.publicOrigin);
      await service.close(req.actor!, code, parse(CloseDiscrepancy, { note: body.note ?? '' }).note, String(req.id));
      res.redirect(303, `/doi-soat/${code}?xong=1`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showCase(req, res, code, { form: 'close', problems, values: { note: body.note ?? '' } }).catch(next);
    }
  });

  router.post('/doi-soat/hoan-tien/:code', signedIn(['fee_officer', 'unit_leader']), urlencoded, async (req, res, next) => {
    const code = String(req.params.code);
    const body = (req.body ?? {}) as Record<string, string>;
    if (!REFUND.test(code)) return next();
    try {
      assertFormFromPortal(req, body._csrf, opts.publicOrigin);
      await refunds.decide(req.actor!, code, parse(RefundDecision, { approve: body.approve === '1', note: body.note ?? '' }), String(req.id));
      res.redirect(303, '/doi-soat');
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showReport(req, res, { form: `refund-${code}`, problems, values: { note: body.note ?? '' } }).catch(next);
    }
  });
  return router;
}
