import type { Readable } from 'node:stream';
import type { MikroORM } from '@mikro-orm/postgresql';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Actor } from '../../domain/access/roles';
import {
  DISCREPANCY_KIND_LABELS, DISCREPANCY_STATUS_LABELS, RESPONSIBLE_LABELS, type DiscrepancyKind, type DiscrepancyStatus, type Responsible,
} from '../../domain/payment/discrepancy';
import { FileRowError, type FileKind } from '../../domain/payment/statement-files';
import { TRANSACTION_TYPE_LABELS, type TransactionType } from '../../domain/payment/vocabulary';
import { localDayNumber, dayOfIsoDate } from '../../domain/working-time';
import { loadDailyFile } from '../../services/payments/daily-files';
import type { BankDirectory } from '../../services/payments/banks';
import { closeDiscrepancyUpdate } from '../../workflows/payment/discrepancy';
import { RECONCILIATION_WORKFLOW, reconciliationWorkflowId } from '../../workflows/payment/reconciliation';
import { instant, iso } from '../../domain/working-time/local-time';
import { apiError, Errors, fromTemporal } from '../errors';
import { appendAudit } from '../../services/records';

export interface ReportFilter {
  from: string;
  to: string;
  agencyCode?: string;
  bankCode?: string;
  transactionType?: TransactionType;
  kind?: DiscrepancyKind;
  status?: DiscrepancyStatus;
}

interface CaseRow {
  code: string; business_day: string; kind: DiscrepancyKind; responsible: Responsible; bank_code: string | null; agency_code: string | null; transaction_type: TransactionType | null;
  portal_payment_id: string | null; bank_txn_id: string | null; agency_receipt_id: string | null; portal_amount_vnd: string | null; bank_amount_vnd: string | null; agency_amount_vnd: string | null;
  detail: string; status: DiscrepancyStatus; detected_at: string; due_at: string; escalated_at: string | null; closed_at: string | null; note: string | null;
}

const num = (v: string | null) => (v === null ? null : Number(v));
const MAX_DAYS = 366;

/** A bank's integration account (its bank code set): it speaks for that bank only. */
const isBank = (actor: Actor): actor is Actor & { bankCode: string } => actor.roles.includes('bank') && !!actor.bankCode;

/**
 * Daily reconciliation (000 §34): the banks' and agencies' files, the runs, and the discrepancy cases
 * with the report's filters (agency, payment unit, transaction type, summary or detail, period).
 */
export class ReconciliationService {
  constructor(private readonly deps: { orm: MikroORM; temporal: Client; taskQueue: string; banks: BankDirectory; maxFileBytes: number }) {}

  private assertDayOver(day: string) {
    if (dayOfIsoDate(day) >= localDayNumber(Date.now())) throw apiError(409, 'DAY_NOT_OVER', 'Ngày này chưa kết thúc; chỉ đối soát các ngày đã qua.');
  }

  /** An agency's officers and integration account see their agency; a bank's account sees every agency's cases with it; operators every one. */
  private scope(actor: Actor, agencyCode: string | null | undefined): string | null {
    if (actor.roles.includes('operator') || isBank(actor)) return agencyCode ?? null;
    if (agencyCode && agencyCode !== actor.agencyCode) throw Errors.forbidden();
    return actor.agencyCode ?? '-';
  }

  /**
   * A daily file uploaded: checked row by row while it streams, applied whole or not at all, replacing the
   * party's earlier file of the day; a day already reconciled is reconciled again with it.
   */
  async upload(actor: Actor, kind: FileKind, partyCode: string, day: string, file: Readable, requestId: string) {
    if (kind === 'bank_statement' && !this.deps.banks.get(partyCode)) throw Errors.notFound('Ngân hàng');
    if (kind === 'bank_statement' && actor.roles.includes('bank') && actor.bankCode !== partyCode) throw apiError(403, 'OUTSIDE_BANK', 'Tài khoản tích hợp của ngân hàng chỉ gửi sao kê của chính ngân hàng đó.');
    if (kind === 'agency_receipts') {
      const [a] = await this.deps.orm.em.fork().execute('select 1 from agency where code = ?', [partyCode]);
      if (!a) throw Errors.notFound('Cơ quan');
      if (!actor.roles.includes('operator') && actor.agencyCode !== partyCode) throw apiError(403, 'OUTSIDE_AGENCY', 'Chỉ tải lên danh sách biên lai của cơ quan mình.');
    }
    this.assertDayOver(day);
    let loaded: { rows: number; sha256: string };
    try {
      loaded = await loadDailyFile(String(this.deps.orm.config.get('clientUrl')), { kind, partyCode, day, source: file, origin: 'upload', uploadedBy: actor.id });
    } catch (e) {
      if (e instanceof FileRowError) {
        throw apiError(422, 'FILE_INVALID', `Tệp không hợp lệ — ${e.message}. Không có dòng nào của tệp được ghi nhận.`, [{ field: 'file', code: 'BAD_ROW', message: e.message, line: e.line }]);
      }
      throw e;
    }
    await this.deps.orm.em.fork().transactional((tx) => appendAudit(tx, {
      at: new Date().toISOString(), actorId: actor.id, actorRole: actor.roles[0] ?? null, action: `reconciliation.${kind}.upload`, entityType: 'reconciliation_file', entityId: `${kind}:${partyCode}:${day}`,
      before: null, after: { rows: loaded.rows, sha256: loaded.sha256 }, requestId, dedupeKey: null,
    }));
    const [run] = await this.deps.orm.em.fork().execute('select 1 from reconciliation_run where business_day = ?', [day]);
    let rerun = false;
    if (run) {
      rerun = await this.deps.temporal.workflow.start(RECONCILIATION_WORKFLOW, { taskQueue: this.deps.taskQueue, workflowId: reconciliationWorkflowId(day), args: [{ day }] })
        .then(() => true, (e: unknown) => {
          if (e instanceof WorkflowExecutionAlreadyStartedError) return false;
          throw e;
        });
    }
    return { kind, partyCode, day, rows: loaded.rows, sha256: loaded.sha256, reconciledAgain: rerun };
  }

  /** Runs the day's reconciliation now and answers what it found. */
  async run(day: string) {
    this.assertDayOver(day);
    try {
      const handle = await this.deps.temporal.workflow.start(RECONCILIATION_WORKFLOW, { taskQueue: this.deps.taskQueue, workflowId: reconciliationWorkflowId(day), args: [{ day }] });
      await handle.result();
    } catch (e) {
      if (e instanceof WorkflowExecutionAlreadyStartedError) throw apiError(409, 'RECONCILIATION_RUNNING', 'Đối soát của ngày này đang chạy; vui lòng chờ kết quả.');
      throw e;
    }
    return (await this.day(day))!;
  }

  /** A day's run: its figures, the files in, the cases by status. */
  async day(day: string) {
    const em = this.deps.orm.em.fork();
    const [run] = await em.execute<{ runs: number; last_run_at: string; summary: Record<string, unknown> }[]>('select runs, last_run_at, summary from reconciliation_run where business_day = ?', [day]);
    if (!run) return null;
    const files = await em.execute<{ kind: FileKind; party_code: string; row_count: number; sha256: string; source: string; uploaded_at: string; uploaded_by: string | null }[]>(
      `select f.kind, f.party_code, f.row_count, f.sha256, f.source, f.uploaded_at, a.full_name as uploaded_by
         from reconciliation_file f left join account a on a.id = f.uploaded_by where f.business_day = ? order by f.kind, f.party_code`, [day]);
    const cases = await em.execute<{ status: DiscrepancyStatus; n: string }[]>('select status, count(*) as n from payment_discrepancy where business_day = ? group by 1', [day]);
    return {
      day, runs: run.runs, lastRunAt: instant(run.last_run_at), summary: run.summary,
      files: files.map((f) => ({ kind: f.kind, partyCode: f.party_code, rows: f.row_count, sha256: f.sha256, source: f.source, uploadedAt: instant(f.uploaded_at), uploadedBy: f.uploaded_by })),
      cases: Object.fromEntries(cases.map((c) => [c.status, Number(c.n)])),
    };
  }

  /**
   * The daily files received in a period, newest first, with who sent each (the account that uploaded it,
   * a bank's own integration account included; none for a statement fetched from the bank): an operator
   * sees every file, a bank's account its bank's statements, an agency's staff their agency's lists.
   */
  async files(actor: Actor, from: string, to: string, limit = 100) {
    const where = ['f.business_day between ? and ?'];
    const params: unknown[] = [from, to];
    if (isBank(actor)) {
      where.push("f.kind = 'bank_statement' and f.party_code = ?");
      params.push(actor.bankCode ?? '-');
    } else if (!actor.roles.includes('operator')) {
      where.push("f.kind = 'agency_receipts' and f.party_code = ?");
      params.push(this.scope(actor, undefined));
    }
    const rows = await this.deps.orm.em.fork().execute<{ kind: FileKind; party_code: string; business_day: string; row_count: number; source: 'upload' | 'fetched'; uploaded_at: string; uploaded_by: string | null; uploader_kind: string | null }[]>(
      `select f.kind, f.party_code, to_char(f.business_day, 'YYYY-MM-DD') as business_day, f.row_count, f.source, f.uploaded_at, a.full_name as uploaded_by, a.kind as uploader_kind
         from reconciliation_file f left join account a on a.id = f.uploaded_by
        where ${where.join(' and ')} order by f.business_day desc, f.kind, f.party_code limit ?`, [...params, limit]);
    return rows.map((r) => ({
      kind: r.kind, partyCode: r.party_code, day: r.business_day, rows: r.row_count, source: r.source,
      uploadedAt: instant(r.uploaded_at), uploadedBy: r.uploaded_by, byIntegration: r.uploader_kind === 'integration',
    }));
  }

  private where(actor: Actor, f: ReportFilter): { sql: string; params: unknown[] } {
    if (dayOfIsoDate(f.to) < dayOfIsoDate(f.from)) throw apiError(422, 'BAD_PERIOD', 'Ngày kết thúc phải sau ngày bắt đầu.', [{ field: 'to', code: 'BEFORE_FROM', message: 'Chọn ngày kết thúc sau ngày bắt đầu.' }]);
    if (dayOfIsoDate(f.to) - dayOfIsoDate(f.from) > MAX_DAYS) throw apiError(422, 'BAD_PERIOD', 'Khoảng thời gian tối đa một năm.', [{ field: 'from', code: 'TOO_LONG', message: 'Chọn khoảng tối đa 366 ngày.' }]);
    const agency = this.scope(actor, f.agencyCode);
    const where = ['d.business_day between ? and ?'];
    const params: unknown[] = [f.from, f.to];
    const add = (cond: string, v: unknown) => {
      if (v === undefined || v === null) return;
      where.push(cond);
      params.push(v);
    };
    add('d.agency_code = ?', agency);
    if (isBank(actor) && f.bankCode && f.bankCode !== actor.bankCode) throw Errors.forbidden();
    add('d.bank_code = ?', isBank(actor) ? actor.bankCode : f.bankCode);
    add('d.transaction_type = ?', f.transactionType);
    add('d.kind = ?', f.kind);
    add('d.status = ?', f.status);
    return { sql: where.join(' and '), params };
  }

  private view(r: CaseRow) {
    return {
      code: r.code, businessDay: r.business_day, kind: r.kind, kindLabel: DISCREPANCY_KIND_LABELS[r.kind], responsible: r.responsible, responsibleLabel: RESPONSIBLE_LABELS[r.responsible],
      bankCode: r.bank_code, agencyCode: r.agency_code, transactionType: r.transaction_type, transactionTypeLabel: r.transaction_type ? TRANSACTION_TYPE_LABELS[r.transaction_type] ?? r.transaction_type : null,
      portalPaymentId: r.portal_payment_id, bankTxnId: r.bank_txn_id, agencyReceiptId: r.agency_receipt_id,
      portalAmountVnd: num(r.portal_amount_vnd), bankAmountVnd: num(r.bank_amount_vnd), agencyAmountVnd: num(r.agency_amount_vnd),
      detail: r.detail, status: r.status, statusLabel: DISCREPANCY_STATUS_LABELS[r.status], detectedAt: instant(r.detected_at), dueAt: instant(r.due_at),
      escalated: r.escalated_at !== null, closedAt: iso(r.closed_at), note: r.note,
    };
  }

  private static readonly SELECT = `select code, to_char(business_day, 'YYYY-MM-DD') as business_day, kind, responsible, bank_code, agency_code, transaction_type, portal_payment_id, bank_txn_id,
    agency_receipt_id, portal_amount_vnd, bank_amount_vnd, agency_amount_vnd, detail, status, detected_at, due_at, escalated_at, closed_at, note from payment_discrepancy d`;

  /** The report in detail: one line per case. */
  async detail(actor: Actor, f: ReportFilter, page: { limit: number; offset: number }) {
    const w = this.where(actor, f);
    const rows = await this.deps.orm.em.fork().execute<CaseRow[]>(`${ReconciliationService.SELECT} where ${w.sql} order by d.business_day desc, d.kind, d.code limit ? offset ?`, [...w.params, page.limit, page.offset]);
    return rows.map((r) => this.view(r));
  }

  /** The report in summary: cases and amounts by agency, payment unit (bank), transaction type and kind. */
  async summary(actor: Actor, f: ReportFilter) {
    const w = this.where(actor, f);
    const rows = await this.deps.orm.em.fork().execute<{ agency_code: string | null; bank_code: string | null; transaction_type: TransactionType | null; kind: DiscrepancyKind; cases: string; open: string; overdue: string; amount: string }[]>(
      `select agency_code, bank_code, transaction_type, kind, count(*) as cases, count(*) filter (where status = 'open') as open, count(*) filter (where escalated_at is not null) as overdue,
         coalesce(sum(coalesce(bank_amount_vnd, portal_amount_vnd, agency_amount_vnd)), 0) as amount
       from payment_discrepancy d where ${w.sql} group by 1, 2, 3, 4 order by 1, 2, 3, 4`, w.params);
    return rows.map((r) => ({
      agencyCode: r.agency_code, bankCode: r.bank_code, transactionType: r.transaction_type, kind: r.kind, kindLabel: DISCREPANCY_KIND_LABELS[r.kind],
      cases: Number(r.cases), open: Number(r.open), overdue: Number(r.overdue), amountVnd: Number(r.amount),
    }));
  }

  /** Every case of the filter, in batches (the CSV export streams them). */
  async *allCases(actor: Actor, f: ReportFilter): AsyncGenerator<ReturnType<ReconciliationService['view']>> {
    const w = this.where(actor, f);
    let after = '';
    for (;;) {
      const rows = await this.deps.orm.em.fork().execute<CaseRow[]>(`${ReconciliationService.SELECT} where ${w.sql} and d.code > ? order by d.code limit 1000`, [...w.params, after]);
      for (const r of rows) yield this.view(r);
      if (rows.length < 1000) return;
      after = rows[rows.length - 1]!.code;
    }
  }

  async get(actor: Actor, code: string) {
    const em = this.deps.orm.em.fork();
    const [r] = await em.execute<CaseRow[]>(`${ReconciliationService.SELECT} where code = ?`, [code]);
    const sees = actor.roles.includes('operator') || (isBank(actor) ? r?.bank_code === actor.bankCode : r?.agency_code === actor.agencyCode);
    if (!r || !sees) throw Errors.notFound('Chênh lệch');
    const history = await em.execute<{ event: string; at: string; status: DiscrepancyStatus }[]>('select event, at, status from payment_discrepancy_history where code = ? order by seq', [code]);
    return { ...this.view(r), history: history.map((h) => ({ event: h.event, at: instant(h.at), status: h.status })) };
  }

  /** The responsible party closes the case with its note. */
  async close(actor: Actor, code: string, note: string, requestId: string) {
    const c = await this.get(actor, code);
    if (c.status !== 'open') throw apiError(409, 'WRONG_STEP', `Chênh lệch đã ở trạng thái "${DISCREPANCY_STATUS_LABELS[c.status]}".`);
    try {
      const r = await this.deps.temporal.workflow.getHandle(code).executeUpdate(closeDiscrepancyUpdate, { args: [{ note, actor: { ...actor, name: '' }, requestId }] });
      return { code: r.code, status: r.status, statusLabel: DISCREPANCY_STATUS_LABELS[r.status] };
    } catch (e) {
      throw fromTemporal(e);
    }
  }
}
