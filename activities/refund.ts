import type { MikroORM } from '@mikro-orm/postgresql';
import { permanentFailure } from './failures';
import { REFUND_STATUS_LABELS, routeRefund, type RefundRoute, type RefundState } from '../domain/payment/refund';
import { vnd as money, type BankRefund } from '../domain/payment/vocabulary';
import type { BankDirectory } from '../services/payments/banks';
import { agencyRecipients, appendAudit, enqueueMessages } from '../services/records';

export interface RefundActivityDeps {
  orm: MikroORM;
  publicUrl: string;
  banks?: BankDirectory;
}

/** Side effects of a refund: the routing read from the records, the bank's refund order, the records and the letters. */
export function createRefundActivities(deps: RefundActivityDeps) {
  const { orm } = deps;

  /** Whose responsibility the refund is, from the payment and what reconciliation found of it. */
  async function routeRefundActivity(input: { code: string; paymentId: string }): Promise<RefundRoute> {
    const em = orm.em.fork();
    const [p] = await em.execute<{ amount_vnd: string; bank_txn_id: string | null }[]>('select amount_vnd, bank_txn_id from payment where id = ?', [input.paymentId]);
    if (!p) throw permanentFailure(`payment ${input.paymentId} has no record`);
    const cases = await em.execute<{ kind: string; bank_txn_id: string | null; bank_amount_vnd: string | null }[]>(
      "select kind, bank_txn_id, bank_amount_vnd from payment_discrepancy where portal_payment_id = ? and kind in ('duplicate_payment', 'amount_differs') and responsible = 'bank'", [input.paymentId]);
    const dup = cases.find((c) => c.kind === 'duplicate_payment');
    const over = cases.find((c) => c.kind === 'amount_differs');
    return routeRefund({
      duplicateTxnIds: dup?.bank_txn_id?.split(' ') ?? [], bankAmountVnd: over?.bank_amount_vnd ? Number(over.bank_amount_vnd) : null,
      portalAmountVnd: Number(p.amount_vnd), portalTxnId: p.bank_txn_id,
    });
  }

  async function orderBankRefund(input: { code: string; paymentId: string; bankTxnId: string; amountVnd: number; reason: string }): Promise<BankRefund> {
    const [p] = await orm.em.fork().execute<{ bank_code: string }[]>('select bank_code from payment where id = ?', [input.paymentId]);
    const bank = p?.bank_code ? deps.banks?.get(p.bank_code) : undefined;
    if (!bank) throw permanentFailure(`bank of payment ${input.paymentId} is not connected`);
    return bank.refund({ refundRef: input.code, bankTxnId: input.bankTxnId, amountVnd: input.amountVnd, reason: input.reason });
  }

  /** A refund's step in the records; the agency's fee officers told of a request routed to them, the citizen of the outcome. */
  async function recordRefund(input: { after: RefundState; event: string; actor: { id: string; role: string } | null; at: string; payload: Record<string, unknown>; requestId: string | null }) {
    const s = input.after;
    const key = `refund:${s.code}:${s.seq}`;
    await orm.em.fork().transactional(async (tx) => {
      const note = typeof input.payload.note === 'string' ? input.payload.note : typeof input.payload.reason === 'string' ? input.payload.reason : null;
      const [r] = await tx.execute<{ citizen_id: string | null; reason: string }[]>(
        `update refund_request set status = ?, seq = ?, responsible = coalesce(?, responsible), amount_vnd = ?, bank_txn_id = coalesce(?, bank_txn_id),
           outcome_note = coalesce(?, outcome_note), decided_by = coalesce(?, decided_by), decided_at = case when ? in ('refunded', 'refused') then ?::timestamptz end
         where code = ? and seq < ? returning citizen_id, reason`,
        [s.status, s.seq, (input.payload.responsible as string | undefined) ?? null, s.amountVnd, (input.payload.bankTxnId as string | undefined) ?? null, note, input.actor?.id ?? null, s.status, input.at, s.code, s.seq],
      );
      if (!r) return; // recorded by an earlier attempt
      await tx.execute('insert into refund_history (code, seq, at, event, actor_id, status, payload) values (?, ?, ?, ?, ?, ?, ?::jsonb) on conflict do nothing',
        [s.code, s.seq, input.at, input.event, input.actor?.id ?? null, s.status, JSON.stringify(input.payload)]);
      await appendAudit(tx, {
        at: input.at, actorId: input.actor?.id ?? null, actorRole: input.actor?.role ?? null, action: `refund.${input.event}`, entityType: 'refund_request', entityId: s.code,
        before: null, after: { status: s.status, amountVnd: s.amountVnd }, requestId: input.requestId, dedupeKey: key,
      });
      const subject = `Hoàn tiền giao dịch ${s.paymentId}: ${REFUND_STATUS_LABELS[s.status]}`;
      const body = `Yêu cầu hoàn tiền ${s.code} cho giao dịch ${s.paymentId} (${money(s.amountVnd)}): ${REFUND_STATUS_LABELS[s.status].toLowerCase()}.`
        + `${note && s.status !== 'at_bank' ? `\nGhi chú: ${note}` : ''}\n\nThư này được gửi tự động từ Cổng Dịch vụ công quốc gia.`;
      if (s.status === 'at_agency') {
        const officers = await agencyRecipients(tx, s.agencyCode, ['fee_officer']);
        await enqueueMessages(tx, officers.map((o) => ({ dedupeKey: `${key}:${o.id}`, recipient: o.email, subject: `Yêu cầu hoàn tiền cần xem xét: ${s.paymentId}`, body: `${body}\nLý do: ${r.reason}` })));
      }
      if (s.status === 'refunded' || s.status === 'refused') {
        const [c] = await tx.execute<{ email: string | null }[]>('select a.email from payment p join account a on a.id = p.citizen_id where p.id = ?', [s.paymentId]);
        if (c?.email) await enqueueMessages(tx, [{ dedupeKey: `${key}:citizen`, recipient: c.email, subject, body }]);
      }
    });
  }

  return { routeRefund: routeRefundActivity, orderBankRefund, recordRefund };
}

export type RefundActivities = ReturnType<typeof createRefundActivities>;
