import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Actor } from '../../domain/access/roles';
import { isOfficerRole } from '../../domain/access/roles';
import { PAYMENT_STATUS_LABELS, TRANSACTION_TYPE_LABELS, type PaymentStatus, type TransactionType } from '../../domain/payment/vocabulary';
import type { BankDirectory } from '../../services/payments/banks';
import { bankResultUpdate, bankSettlementUpdate, chooseBankUpdate, PAYMENT_WORKFLOW, type PaymentWorkflowInput } from '../../workflows/payment/definitions';
import { instant, iso } from '../../domain/working-time/local-time';
import { apiError, Errors, fromTemporal } from '../errors';
import { appendAudit } from '../../services/records';

interface PaymentRow { id: string; dossier_code: string | null; citizen_id: string; agency_code: string; amount_vnd: string; transaction_type: TransactionType; status: PaymentStatus; bank_code: string | null; receipt_number: string | null; paid_at: string | null; requested_at: string }

/**
 * Online payment (RULES.md §4.1; 000 §31): a payment request for a dossier's fee, the bank the citizen
 * picks, and the banks' signed results, verified here before the payment process hears of them.
 */
export class PaymentService {
  constructor(private readonly deps: { orm: MikroORM; temporal: Client; taskQueue: string; banks: BankDirectory }) {}

  /** The banks a citizen may pick now: connected and not suspended. */
  async banks() {
    const suspended = new Set((await this.deps.orm.em.fork().execute<{ bank_code: string }[]>('select bank_code from bank_suspension')).map((r) => r.bank_code));
    return this.deps.banks.list().filter((b) => !suspended.has(b.code)).map((b) => ({ code: b.code, name: b.name }));
  }

  /** Every connected bank with its status, for operators and anyone choosing. */
  async bankStatuses() {
    const rows = await this.deps.orm.em.fork().execute<{ bank_code: string; reason: string; suspended_at: string }[]>('select bank_code, reason, suspended_at from bank_suspension');
    const byCode = new Map(rows.map((r) => [r.bank_code, r]));
    return this.deps.banks.list().map((b) => {
      const s = byCode.get(b.code);
      return { code: b.code, name: b.name, suspended: Boolean(s), reason: s?.reason ?? null, suspendedAt: s ? instant(s.suspended_at) : null };
    });
  }

  /** An operator suspends a bank for poor quality (000 §33.7): it is no longer offered; its payments in flight complete. */
  async suspendBank(actor: Actor, code: string, reason: string, requestId: string) {
    if (!this.deps.banks.get(code)) throw Errors.notFound('Ngân hàng');
    await this.deps.orm.em.fork().transactional(async (tx) => {
      const [r] = await tx.execute<{ bank_code: string }[]>('insert into bank_suspension (bank_code, reason, suspended_by) values (?, ?, ?) on conflict do nothing returning bank_code', [code, reason, actor.id]);
      if (!r) throw apiError(409, 'BANK_ALREADY_SUSPENDED', 'Ngân hàng này đang bị tạm dừng.');
      await appendAudit(tx, { at: new Date().toISOString(), actorId: actor.id, actorRole: 'operator', action: 'bank.suspend', entityType: 'bank', entityId: code, before: { suspended: false }, after: { suspended: true, reason }, requestId, dedupeKey: null });
    });
    return (await this.bankStatuses()).find((b) => b.code === code)!;
  }

  async resumeBank(actor: Actor, code: string, requestId: string) {
    if (!this.deps.banks.get(code)) throw Errors.notFound('Ngân hàng');
    await this.deps.orm.em.fork().transactional(async (tx) => {
      const [r] = await tx.execute<{ bank_code: string }[]>('delete from bank_suspension where bank_code = ? returning bank_code', [code]);
      if (!r) throw apiError(409, 'BANK_NOT_SUSPENDED', 'Ngân hàng này không bị tạm dừng.');
      await appendAudit(tx, { at: new Date().toISOString(), actorId: actor.id, actorRole: 'operator', action: 'bank.resume', entityType: 'bank', entityId: code, before: { suspended: true }, after: { suspended: false }, requestId, dedupeKey: null });
    });
    return (await this.bankStatuses()).find((b) => b.code === code)!;
  }

  private view(r: PaymentRow) {
    return {
      id: r.id, dossierCode: r.dossier_code, agencyCode: r.agency_code, amountVnd: Number(r.amount_vnd), transactionType: r.transaction_type,
      transactionTypeLabel: TRANSACTION_TYPE_LABELS[r.transaction_type], status: r.status, statusLabel: PAYMENT_STATUS_LABELS[r.status],
      bankCode: r.bank_code, receiptNumber: r.receipt_number, paidAt: iso(r.paid_at), requestedAt: instant(r.requested_at),
    };
  }

  /** The dossier's fee as a payment request (the open one if there is one already). */
  async requestForDossier(actor: Actor, code: string, requestId: string) {
    const em = this.deps.orm.em.fork();
    const [d] = await em.execute<{ code: string; citizen_id: string; agency_code: string; status: string; fee_amount: number }[]>('select code, citizen_id, agency_code, status, fee_amount from dossier where code = ?', [code]);
    if (!d || d.citizen_id !== actor.id) throw Errors.notFound('Hồ sơ');
    const [open] = await em.execute<PaymentRow[]>("select * from payment where dossier_code = ? and status in ('requested', 'at_bank', 'failed', 'cancelled', 'paid')", [code]);
    if (open) return { created: false, payment: this.view(open) };
    if (d.status !== 'awaiting_fee' || d.fee_amount <= 0) throw apiError(409, 'NO_FEE_DUE', 'Hồ sơ không ở bước chờ nộp phí, lệ phí.');
    const id = `TT-${randomBytes(6).toString('hex').toUpperCase()}`;
    const requestedAt = new Date();
    await em.execute('insert into payment (id, dossier_code, citizen_id, agency_code, amount_vnd, transaction_type, requested_at) values (?, ?, ?, ?, ?, ?, ?)', [
      id, code, actor.id, d.agency_code, d.fee_amount, 'LE_PHI_TTHC', requestedAt,
    ]);
    const input: PaymentWorkflowInput = { id, dossierCode: code, citizenId: actor.id, agencyCode: d.agency_code, amountVnd: d.fee_amount, transactionType: 'LE_PHI_TTHC', requestedAt: requestedAt.toISOString(), requestId };
    await this.deps.temporal.workflow.start(PAYMENT_WORKFLOW, { taskQueue: this.deps.taskQueue, workflowId: id, args: [input] });
    const [row] = await em.execute<PaymentRow[]>('select * from payment where id = ?', [id]);
    return { created: true, payment: this.view(row!) };
  }

  /** The citizen picks a connected bank; the answer is the bank's payment page to go to. */
  async chooseBank(actor: Actor, id: string, bankCode: string) {
    await this.get(actor, id);
    if (!this.deps.banks.get(bankCode)) throw apiError(404, 'UNKNOWN_BANK', 'Ngân hàng không có trong danh sách kết nối.', [{ field: 'bankCode', code: 'UNKNOWN_BANK', message: 'Chọn một ngân hàng trong danh sách.' }]);
    const [suspended] = await this.deps.orm.em.fork().execute('select 1 from bank_suspension where bank_code = ?', [bankCode]);
    if (suspended) throw apiError(409, 'BANK_SUSPENDED', 'Ngân hàng này đang tạm dừng thanh toán trực tuyến; vui lòng chọn ngân hàng khác.', [{ field: 'bankCode', code: 'BANK_SUSPENDED', message: 'Chọn ngân hàng khác.' }]);
    try {
      return await this.deps.temporal.workflow.getHandle(id).executeUpdate(chooseBankUpdate, { args: [{ bankCode, actor: { ...actor, name: '' } }] });
    } catch (e) {
      throw fromTemporal(e);
    }
  }

  /**
   * A bank's callback: accepted only with the bank's signature over the exact body; then given to the
   * payment process, which applies a result once however often it comes.
   */
  async bankCallback(bankCode: string, body: Buffer | undefined, signature: string | undefined) {
    const bank = this.deps.banks.get(bankCode);
    if (!bank) throw Errors.notFound('Ngân hàng');
    const result = body ? bank.verified(body, signature) : null;
    if (!result) throw apiError(401, 'BAD_SIGNATURE', 'Chữ ký của ngân hàng không hợp lệ hoặc thiếu; kết quả không được ghi nhận.');
    const [p] = await this.deps.orm.em.fork().execute<{ id: string; status: PaymentStatus }[]>('select id, status from payment where id = ?', [result.portalPaymentId]);
    if (!p) throw Errors.notFound('Giao dịch');
    // A payment already settled (its process has ended): the result changes nothing; the bank is answered so.
    if (p.status === 'paid' || p.status === 'expired') return { status: p.status, applied: false };
    try {
      return await this.deps.temporal.workflow.getHandle(p.id).executeUpdate(bankResultUpdate, { args: [result] });
    } catch (e) {
      throw fromTemporal(e);
    }
  }

  /** A bank's settlement notice (T+1): verified like a callback, then given to the payment's process. */
  async bankSettlement(bankCode: string, body: Buffer | undefined, signature: string | undefined) {
    const bank = this.deps.banks.get(bankCode);
    if (!bank) throw Errors.notFound('Ngân hàng');
    const notice = body ? bank.verifiedSettlement(body, signature) : null;
    if (!notice) throw apiError(401, 'BAD_SIGNATURE', 'Chữ ký của ngân hàng không hợp lệ hoặc thiếu; thông báo không được ghi nhận.');
    const [p] = await this.deps.orm.em.fork().execute<{ id: string; settled_at: string | null }[]>('select id, settled_at from payment where id = ?', [notice.portalPaymentId]);
    if (!p) throw Errors.notFound('Giao dịch');
    if (p.settled_at) return { settled: true, applied: false };
    try {
      return await this.deps.temporal.workflow.getHandle(p.id).executeUpdate(bankSettlementUpdate, { args: [notice] });
    } catch (e) {
      throw fromTemporal(e);
    }
  }

  /** A payment, for its citizen and the agency's officers. */
  async get(actor: Actor, id: string) {
    const [r] = await this.deps.orm.em.fork().execute<PaymentRow[]>('select * from payment where id = ?', [id]);
    const visible = r && ((actor.roles.includes('citizen') && r.citizen_id === actor.id) || (actor.roles.some(isOfficerRole) && actor.agencyCode === r.agency_code));
    if (!visible) throw Errors.notFound('Giao dịch');
    return this.view(r);
  }

  /** The dossier's current payment, if any (for its page). */
  async ofDossier(code: string) {
    const [r] = await this.deps.orm.em.fork().execute<PaymentRow[]>('select * from payment where dossier_code = ? order by requested_at desc limit 1', [code]);
    return r ? this.view(r) : null;
  }
}
