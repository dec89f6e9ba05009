import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { startBankSimulator } from '../../local/bank-simulator';
import { BankDirectory } from '../../services/payments/banks';
import { bankResultUpdate, bankSettlementUpdate, chooseBankUpdate, PAYMENT_WORKFLOW, paymentViewQuery, type PaymentWorkflowInput } from '../../workflows/payment/definitions';
import { actor, finished, rejection, settled, startWorkflowEnv } from '../support/workflow-env';
import { isoDateOfDay, localDayNumber } from '../../domain/working-time';
import { closeDiscrepancyUpdate, discrepancyViewQuery } from '../../workflows/payment/discrepancy';
import { DAILY_RECONCILIATION_WORKFLOW, RECONCILIATION_WORKFLOW } from '../../workflows/payment/reconciliation';
import { decideRefundUpdate, REFUND_WORKFLOW, refundViewQuery } from '../../workflows/payment/refund';
import { because } from '../support/because';

/**
 * The payment process's clocks on the time-skipping server: a bank whose callback never arrives is asked
 * after 15 minutes; an unpaid request expires after 24 hours; results once only.
 */
let w: Awaited<ReturnType<typeof startWorkflowEnv>>;
let bank: Awaited<ReturnType<typeof startBankSimulator>>;

beforeAll(async () => {
  // The bank settles only when the test says so (T+1 is a clock under test here).
  bank = await startBankSimulator({ port: 0, code: 'NH-MOT', name: 'Ngân hàng Một (giả lập)', apiKey: 'test-bank-key-mot-0123', settleAfterMs: null });
  w = await startWorkflowEnv('payment-test', {
    banks: new BankDirectory([{ code: bank.code, name: bank.name, url: bank.url, apiKey: bank.apiKey, publicKey: bank.publicKeyPem, contactEmail: 'doisoat@nh-mot.example' }]),
  });
});
afterAll(async () => {
  await w?.stop();
  await bank?.close();
});

async function until<V>(read: () => Promise<V>, ok: (v: V) => boolean, tries = 400): Promise<V> {
  for (let i = 0; i < tries; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached');
}

/** The bank moves the money and reports it; its notice reaches the process as the API would pass it on. */
async function settle(bankTxnId: string) {
  bank.settle(bankTxnId, (await w.now()).toISOString());
  const sp = bank.payments.get(bankTxnId)!;
  const notice = { bankCode: 'NH-MOT', bankTxnId, portalPaymentId: sp.portalPaymentId, amountVnd: sp.amountVnd, settledAt: sp.settledAt! };
  const applied = await w.plain.workflow.getHandle(sp.portalPaymentId).executeUpdate(bankSettlementUpdate, { args: [notice] });
  expect(applied).toEqual({ settled: true, applied: true });
  const again = await w.plain.workflow.getHandle(sp.portalPaymentId).executeUpdate(bankSettlementUpdate, { args: [notice] }).catch(() => ({ settled: true, applied: false }));
  expect(again.applied).toBe(false);
  return notice;
}

async function requested() {
  const id = `TT-${randomBytes(6).toString('hex').toUpperCase()}`;
  const citizen = actor('congdan1');
  const at = await w.now();
  await w.deps.orm.em.fork().execute("insert into payment (id, citizen_id, agency_code, amount_vnd, transaction_type, requested_at) values (?, ?, 'HNI-STP', 150000, 'PHI_TTHC', ?)", [id, citizen.id, at]);
  const input: PaymentWorkflowInput = { id, dossierCode: null, citizenId: citizen.id, agencyCode: 'HNI-STP', amountVnd: 150000, transactionType: 'PHI_TTHC', requestedAt: at.toISOString(), requestId: null };
  const handle = await w.env.client.workflow.start(PAYMENT_WORKFLOW, { taskQueue: w.taskQueue, workflowId: id, args: [input] });
  const view = () => w.plain.workflow.getHandle(id).query(paymentViewQuery);
  await settled(async () => ({ recordedSeq: (await view()).recordedSeq, state: (await view()).state }));
  return { id, handle, view, citizen };
}

describe('payment process (time-skipping)', () => {
  it('a callback that never comes: the portal asks the bank after 15 minutes and records its signed answer once', async () => {
    const p = await requested();
    const opened = await w.plain.workflow.getHandle(p.id).executeUpdate(chooseBankUpdate, { args: [{ bankCode: 'NH-MOT', actor: p.citizen }] });
    // The citizen pays; the bank's callback goes to a portal address nobody answers here.
    await fetch(`${opened.payUrl}/pay`, { method: 'POST', redirect: 'manual' });
    expect((await p.view()).state.status).toBe('at_bank');
    await w.env.sleep(16 * 60_000);
    const paid = await until(p.view, (v) => v.state.status === 'paid');
    expect(paid.state).toMatchObject({ status: 'paid', receiptNumber: bank.payments.get(opened.bankTxnId)!.receiptNumber });
    // The money reaches the agency the same day; the bank's settlement notice is recorded once.
    const notice = await settle(opened.bankTxnId);
    const final = await finished(p.handle, p.view, 'payment-asked-bank-settled');
    expect(final.state).toMatchObject({ status: 'paid', settledAt: notice.settledAt });
    expect(final.state.settlementOverdue).toBeFalsy();
    const [row] = await w.deps.orm.em.fork().execute<{ status: string; receipt_number: string; settled: boolean }[]>('select status, receipt_number, settled_at is not null as settled from payment where id = ?', [p.id]);
    expect(row).toEqual({ status: 'paid', receipt_number: final.state.receiptNumber, settled: true });
  });

  it('an unpaid request expires after 24 hours; a late result changes nothing', async () => {
    const p = await requested();
    await w.env.sleep(24 * 3600_000 + 60_000);
    const final = await finished(p.handle, p.view, 'payment-expired');
    expect(final.state.status).toBe('expired');
    const late = await w.plain.workflow.getHandle(p.id).executeUpdate(bankResultUpdate, {
      args: [{ bankCode: 'NH-MOT', bankTxnId: 'X', portalPaymentId: p.id, status: 'success', amountVnd: 150000, debitedAt: null, receipt: null }],
    }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(Error);
  });

  it('T+1: a payment still unsettled after the next day is asked of the bank, flagged and escalated; the late settlement is still recorded', async () => {
    const p = await requested();
    const opened = await w.plain.workflow.getHandle(p.id).executeUpdate(chooseBankUpdate, { args: [{ bankCode: 'NH-MOT', actor: p.citizen }] });
    await fetch(`${opened.payUrl}/pay`, { method: 'POST', redirect: 'manual' });
    await w.env.sleep(16 * 60_000);
    await until(p.view, (v) => v.state.status === 'paid');
    await w.env.sleep(3 * 24 * 3600_000);
    const flagged = await until(p.view, (v) => v.state.settlementOverdue === true && v.recordedSeq >= v.state.seq);
    expect(flagged.state.settledAt ?? null).toBeNull();
    const [row] = await w.deps.orm.em.fork().execute<{ overdue: boolean }[]>('select settlement_overdue_at is not null as overdue from payment where id = ?', [p.id]);
    expect(row!.overdue).toBe(true);
    await w.outboxSettled();
    const told = w.smtp.mails.filter((m) => m.text.includes(p.id) && m.subject.includes('T+1')).flatMap((m) => m.to);
    expect(told).toEqual(expect.arrayContaining(['doisoat@nh-mot.example', 'vanhanh@dichvucong.gov.vn']));
    await settle(opened.bankTxnId);
    const final = await finished(p.handle, p.view, 'payment-settled-late');
    expect(final.state).toMatchObject({ status: 'paid', settlementOverdue: true });
    expect(final.state.settledAt).toBeTruthy();
  });

  it('a discrepancy case not closed by the end of the next working day escalates; then its party closes it with a note', async () => {
    const now = await w.now();
    const day = isoDateOfDay(localDayNumber(now.getTime()) - 1);
    const id = `TT-${randomBytes(6).toString('hex').toUpperCase()}`;
    await w.deps.orm.em.fork().execute(
      `insert into payment (id, citizen_id, agency_code, amount_vnd, transaction_type, status, bank_code, bank_txn_id, paid_at, requested_at, seq)
       values (?, ?, 'HNI-STP', 150000, 'PHI_TTHC', 'paid', 'NH-MOT', 'NH-MOT-GONE', ?, ?, 3)`,
      [id, actor('congdan1').id, `${day}T09:00:00+07:00`, `${day}T09:00:00+07:00`],
    );
    // The bank's statement of that day, fetched by the run: it does not have the payment.
    const run = await w.env.client.workflow.execute(RECONCILIATION_WORKFLOW, { taskQueue: w.taskQueue, workflowId: `reconciliation-${day}`, args: [{ day }] });
    expect(run).toMatchObject({ fetched: ['NH-MOT'], opened: 1 });
    const [c] = await w.deps.orm.em.fork().execute<{ code: string; kind: string; due_at: string }[]>('select code, kind, due_at from payment_discrepancy where portal_payment_id = ?', [id]);
    expect(c!.kind).toBe('missing_at_bank');
    const view = () => w.plain.workflow.getHandle(c!.code).query(discrepancyViewQuery);
    await until(view, (v) => v.recordedSeq >= 1);
    await w.env.sleep(Date.parse(String(c!.due_at)) - (await w.now()).getTime() + 60_000);
    await until(view, (v) => v.state.escalated && v.recordedSeq >= v.state.seq);
    await w.outboxSettled();
    const told = w.smtp.mails.filter((m) => m.subject.includes(`Quá hạn xử lý chênh lệch ${c!.code}`)).flatMap((m) => m.to);
    expect(told).toEqual(expect.arrayContaining(['doisoat@nh-mot.example', 'vanhanh@dichvucong.gov.vn']));
    expect(await rejection(w.plain.workflow.getHandle(c!.code).executeUpdate(closeDiscrepancyUpdate, { args: [{ note: 'Cán bộ thu phí không đóng được', actor: actor('thuphi.hn'), requestId: null }] }))).toBe('ROLE_NOT_ALLOWED');
    await w.plain.workflow.getHandle(c!.code).executeUpdate(closeDiscrepancyUpdate, { args: [{ note: 'Ngân hàng xác nhận bỏ sót giao dịch, đã bổ sung vào sao kê.', actor: actor('vanhanh'), requestId: null }] });
    const final = await finished(w.plain.workflow.getHandle(c!.code), view, 'discrepancy-overdue-closed');
    expect(final.state).toMatchObject({ status: 'closed', escalated: true });
    const [row] = await w.deps.orm.em.fork().execute<{ status: string; note: string; escalated: boolean }[]>('select status, note, escalated_at is not null as escalated from payment_discrepancy where code = ?', [c!.code]);
    expect(row).toEqual({ status: 'closed', note: 'Ngân hàng xác nhận bỏ sót giao dịch, đã bổ sung vào sao kê.', escalated: true });
  });

  it('refunds: a debit taken twice, found by reconciliation, is refunded by the bank; another request goes to the agency, which decides', async () => {
    const p = await requested();
    const opened = await w.plain.workflow.getHandle(p.id).executeUpdate(chooseBankUpdate, { args: [{ bankCode: 'NH-MOT', actor: p.citizen }] });
    await fetch(`${opened.payUrl}/pay`, { method: 'POST', redirect: 'manual' });
    // The bank's signed result as the API passes it on (the callback path is tested above and in the API tests).
    const sp = bank.payments.get(opened.bankTxnId)!;
    await w.plain.workflow.getHandle(p.id).executeUpdate(bankResultUpdate, { args: [{
      bankCode: 'NH-MOT', bankTxnId: sp.bankTxnId, portalPaymentId: p.id, status: 'success', amountVnd: sp.amountVnd, debitedAt: sp.debitedAt, settledAt: null,
      receipt: { number: sp.receiptNumber!, issuedAt: sp.debitedAt!, amountVnd: sp.amountVnd, agencyCode: 'HNI-STP', transactionType: 'PHI_TTHC', issuer: bank.name },
    }] });
    await until(p.view, (v) => v.state.status === 'paid');
    const twin = bank.duplicateDebit(opened.bankTxnId);
    const day = isoDateOfDay(localDayNumber(Date.parse(twin.debitedAt!)));
    await w.env.client.workflow.execute(RECONCILIATION_WORKFLOW, { taskQueue: w.taskQueue, workflowId: `reconciliation-${day}-refund`, args: [{ day }] });
    const [c] = await w.deps.orm.em.fork().execute<{ code: string }[]>("select code from payment_discrepancy where portal_payment_id = ? and kind = 'duplicate_payment'", [p.id]);
    const refundCode = `HT-${c!.code.slice(3)}`;
    // The case's process opens the refund, which orders the bank; the records say when it is done.
    const row = () => w.deps.orm.em.fork().execute<{ status: string; responsible: string; amount_vnd: string; bank_txn_id: string }[]>('select status, responsible, amount_vnd, bank_txn_id from refund_request where code = ?', [refundCode]);
    const [done] = await until(row, (r) => r[0]?.status === 'refunded', 1200);
    expect(done).toEqual({ status: 'refunded', responsible: 'bank', amount_vnd: '150000', bank_txn_id: twin.bankTxnId });
    because('the bank refunded the second debit, not the first', () => {
      expect(bank.payments.get(twin.bankTxnId)!.status).toBe('refunded');
      expect(bank.payments.get(opened.bankTxnId)!.status).toBe('success');
    });
    await w.outboxSettled();
    expect(w.smtp.mails.some((m) => m.to.includes('an.nguyen@example.vn') && m.subject.includes(`Hoàn tiền giao dịch ${p.id}: Đã hoàn tiền`))).toBe(true);

    // The citizen asks for the fee of another payment back: nothing was taken twice, so the agency decides.
    const other = await requested();
    const code = `HT-${randomBytes(6).toString('hex').toUpperCase()}`;
    await w.deps.orm.em.fork().execute("update payment set status = 'paid' where id = ?", [other.id]);
    await w.deps.orm.em.fork().execute("insert into refund_request (code, payment_id, citizen_id, origin, reason) values (?, ?, ?, 'citizen', 'Hồ sơ bị từ chối, xin hoàn lệ phí')", [code, other.id, other.citizen.id]);
    const handle = await w.env.client.workflow.start(REFUND_WORKFLOW, { taskQueue: w.taskQueue, workflowId: code, args: [{ code, paymentId: other.id, agencyCode: 'HNI-STP', citizenId: other.citizen.id, discrepancyCode: null, reason: 'Hồ sơ bị từ chối, xin hoàn lệ phí' }] });
    const view = () => w.plain.workflow.getHandle(code).query(refundViewQuery);
    await until(view, (v) => v.state?.status === 'at_agency' && v.recordedSeq >= v.state.seq);
    expect(await rejection(w.plain.workflow.getHandle(code).executeUpdate(decideRefundUpdate, { args: [{ decision: { approve: true, note: 'Đồng ý hoàn' }, actor: actor('tiepnhan.hn'), requestId: null }] }))).toBe('ROLE_NOT_ALLOWED');
    await w.plain.workflow.getHandle(code).executeUpdate(decideRefundUpdate, { args: [{ decision: { approve: false, note: 'Lệ phí không được hoàn khi hồ sơ đã được xử lý.' }, actor: actor('thuphi.hn'), requestId: null }] });
    const final = await finished(handle, view, 'refund-agency-refused');
    expect(final.state?.status).toBe('refused');
    await w.outboxSettled();
    expect(w.smtp.mails.some((m) => m.to.includes('an.nguyen@example.vn') && m.text.includes('Lệ phí không được hoàn khi hồ sơ đã được xử lý.'))).toBe(true);
  });

  it('the daily run catches up every day missed since the last one reconciled, and then has nothing left to do', async () => {
    const yesterday = localDayNumber((await w.now()).getTime()) - 1;
    // The last day reconciled was four days ago: the server was down for the three days since.
    await w.deps.orm.em.fork().execute('delete from reconciliation_run where business_day >= ?', [isoDateOfDay(yesterday - 3)]);
    await w.deps.orm.em.fork().execute("insert into reconciliation_run (business_day, runs, last_run_at) values (?, 1, now())", [isoDateOfDay(yesterday - 3)]);
    const missed = [yesterday - 2, yesterday - 1, yesterday].map(isoDateOfDay);
    const first = await w.env.client.workflow.execute(DAILY_RECONCILIATION_WORKFLOW, { taskQueue: w.taskQueue, workflowId: 'reconciliation-daily-1', args: [] });
    expect(first.days).toEqual(missed);
    const runs = await w.deps.orm.em.fork().execute<{ day: string }[]>("select to_char(business_day, 'YYYY-MM-DD') as day from reconciliation_run where business_day = any(?::date[]) order by 1", [`{${missed.join(',')}}`]);
    expect(runs.map((r) => r.day)).toEqual(missed);
    const second = await w.env.client.workflow.execute(DAILY_RECONCILIATION_WORKFLOW, { taskQueue: w.taskQueue, workflowId: 'reconciliation-daily-2', args: [] });
    expect(second.days).toEqual([]);
  });
});
