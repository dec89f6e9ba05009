import type { MikroORM } from '@mikro-orm/postgresql';
import { permanentFailure } from './failures';
import type { PaymentState } from '../domain/payment/state';
import { PAYMENT_STATUS_LABELS, vnd as money, type BankResult } from '../domain/payment/vocabulary';
import { formatVnHuman } from '../domain/working-time';
import type { BankDirectory } from '../services/payments/banks';
import { agencyRecipients, appendAudit, enqueueMessages, operatorRecipients } from '../services/records';

export interface PaymentActivityDeps {
  orm: MikroORM;
  publicUrl: string;
  banks?: BankDirectory;
}

/** Side effects of the payment process: the bank's gateway, the records, the receipts sent. */
export function createPaymentActivities(deps: PaymentActivityDeps) {
  const { orm } = deps;
  const bank = (code: string | null) => {
    const b = code ? deps.banks?.get(code) : undefined;
    if (!b) throw permanentFailure(`bank ${code} is not connected`);
    return b;
  };

  /** Registers the payment at the chosen bank (idempotent there by the portal's payment id). */
  async function openAtBank(s: PaymentState): Promise<{ payUrl: string; bankTxnId: string }> {
    const back = s.dossierCode ? `${deps.publicUrl}/ho-so/${encodeURIComponent(s.dossierCode)}?thanh-toan=${encodeURIComponent(s.id)}` : `${deps.publicUrl}/`;
    return bank(s.bankCode).register({
      portalPaymentId: s.id, amountVnd: s.amountVnd, description: s.dossierCode ? `Phí, lệ phí hồ sơ ${s.dossierCode}` : `Thanh toán ${s.id}`,
      agencyCode: s.agencyCode, transactionType: s.transactionType, returnUrl: back, callbackUrl: `${deps.publicUrl}/api/payments/callback/${encodeURIComponent(s.bankCode!)}`,
      settlementUrl: `${deps.publicUrl}/api/payments/settlement/${encodeURIComponent(s.bankCode!)}`,
    });
  }

  /** Asks the bank for the payment's result (its answer signed like a callback). */
  async function askBank(s: PaymentState): Promise<BankResult | null> {
    return bank(s.bankCode).status(s.id);
  }

  /**
   * One step of a payment in the records: the payment row, its history, the audit; when paid, the
   * state-budget receipt kept and sent to the citizen and to the agency's fee officers.
   */
  async function recordPayment(input: { after: PaymentState; event: string; payload: Record<string, unknown>; actorId: string | null; at: string }): Promise<void> {
    const s = input.after;
    const key = `payment:${s.id}:${s.seq}`;
    await orm.em.fork().transactional(async (tx) => {
      const [row] = await tx.execute<{ id: string }[]>(
        `update payment set status = ?, bank_code = ?, bank_txn_id = coalesce(?, bank_txn_id), receipt_number = ?, paid_at = ?, receipt = coalesce(?::jsonb, receipt), seq = ?, updated_at = now(),
            settled_at = ?, settlement_overdue_at = case when ? then coalesce(settlement_overdue_at, ?) end
          where id = ? and seq < ? returning id`,
        [s.status, s.bankCode, (input.payload.bankTxnId as string | undefined) ?? s.bankTxnId, s.receiptNumber, s.paidAt,
          input.payload.receipt ? JSON.stringify(input.payload.receipt) : null, s.seq, s.settledAt ?? null, Boolean(s.settlementOverdue), input.at, s.id, s.seq],
      );
      const [exists] = row ? [row] : await tx.execute<{ id: string }[]>('select id from payment where id = ?', [s.id]);
      if (!exists) throw permanentFailure(`payment ${s.id} has no record`);
      await tx.execute(
        'insert into payment_history (payment_id, seq, at, event, actor_id, status, payload) values (?, ?, ?, ?, ?, ?, ?::jsonb) on conflict do nothing',
        [s.id, s.seq, input.at, input.event, input.actorId, s.status, JSON.stringify(input.payload)],
      );
      await appendAudit(tx, {
        at: input.at, actorId: input.actorId, actorRole: input.actorId ? 'citizen' : null, action: `payment.${input.event}`, entityType: 'payment', entityId: s.id,
        before: null, after: { status: s.status, bankCode: s.bankCode, receiptNumber: s.receiptNumber }, requestId: null, dedupeKey: key,
      });
      if (input.event === 'settlement_overdue') return escalateUnsettled(tx, s, key);
      if (s.status !== 'paid' || input.event !== 'paid') return;
      const [c] = await tx.execute<{ email: string | null; full_name: string }[]>('select email, full_name from account where id = ?', [s.citizenId]);
      const b = deps.banks?.get(s.bankCode ?? '');
      const subject = `Biên lai điện tử: ${s.dossierCode ? `phí, lệ phí hồ sơ ${s.dossierCode}` : s.id}`;
      const body = `Đã nhận thanh toán ${money(s.amountVnd)} qua ${b?.name ?? s.bankCode} lúc ${formatVnHuman(new Date(s.paidAt ?? input.at))}.\n`
        + `Biên lai thu ngân sách điện tử số ${s.receiptNumber} (${PAYMENT_STATUS_LABELS.paid}).`
        + `${s.dossierCode ? `\n\nXem hồ sơ: ${deps.publicUrl}/ho-so/${encodeURIComponent(s.dossierCode)}` : ''}\n\nThư này được gửi tự động từ Cổng Dịch vụ công quốc gia.`;
      const officers = await agencyRecipients(tx, s.agencyCode, ['fee_officer']);
      await enqueueMessages(tx, [
        ...(c?.email ? [{ dedupeKey: `${key}:citizen`, recipient: c.email, subject, body }] : []),
        ...officers.map((o) => ({ dedupeKey: `${key}:${o.id}`, recipient: o.email, subject, body })),
      ]);
    });
  }

  /** Unsettled after T+1: the bank's reconciliation contact and the operators are told, once. */
  async function escalateUnsettled(tx: Parameters<typeof enqueueMessages>[0], s: PaymentState, key: string) {
    const b = deps.banks?.get(s.bankCode ?? '');
    const subject = `Chậm chuyển tiền quá T+1: giao dịch ${s.id}`;
    const body = `Khoản thanh toán ${s.id} (${money(s.amountVnd)}, mã giao dịch ngân hàng ${s.bankTxnId}) trích nợ lúc ${formatVnHuman(new Date(s.paidAt ?? Date.now()))} `
      + `chưa được ${b?.name ?? s.bankCode} báo chuyển vào tài khoản thụ hưởng của cơ quan ${s.agencyCode} sau ngày T+1 (khoản 4 Điều 33 Quy chế quản lý, vận hành, khai thác Cổng Dịch vụ công quốc gia).\n`
      + `Đề nghị ngân hàng chuyển tiền và báo kết quả; Cổng tiếp tục theo dõi.\n\nThư này được gửi tự động từ Cổng Dịch vụ công quốc gia.`;
    const operators = await operatorRecipients(tx);
    await enqueueMessages(tx, [
      ...(b?.contactEmail ? [{ dedupeKey: `${key}:bank`, recipient: b.contactEmail, subject, body }] : []),
      ...operators.map((o) => ({ dedupeKey: `${key}:${o.id}`, recipient: o.email, subject, body })),
    ]);
  }

  return { openAtBank, askBank, recordPayment };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
