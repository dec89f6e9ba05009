import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { startBankSimulator } from '../../local/bank-simulator';
import { BankDirectory } from '../../services/payments/banks';
import { bankResultUpdate, chooseBankUpdate, PAYMENT_WORKFLOW, paymentViewQuery, type PaymentWorkflowInput } from '../../workflows/payment/definitions';
import { actor, finished, settled, startWorkflowEnv } from '../support/workflow-env';

/**
 * The payment process's clocks on the time-skipping server: a bank whose callback never arrives is asked
 * after 15 minutes; an unpaid request expires after 24 hours; results once only.
 */
let w: Awaited<ReturnType<typeof startWorkflowEnv>>;
let bank: Awaited<ReturnType<typeof startBankSimulator>>;

beforeAll(async () => {
  bank = await startBankSimulator({ port: 0, code: 'NH-MOT', name: 'Ngân hàng Một (giả lập)', apiKey: 'test-bank-key-mot-0123' });
  w = await startWorkflowEnv('payment-test', { banks: new BankDirectory([{ code: bank.code, name: bank.name, url: bank.url, apiKey: bank.apiKey, publicKey: bank.publicKeyPem }]) });
});
afterAll(async () => {
  await w?.stop();
  await bank?.close();
});

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
    const final = await finished(p.handle, p.view, 'payment-asked-bank');
    expect(final.state).toMatchObject({ status: 'paid', receiptNumber: bank.payments.get(opened.bankTxnId)!.receiptNumber });
    const [row] = await w.deps.orm.em.fork().execute<{ status: string; receipt_number: string }[]>('select status, receipt_number from payment where id = ?', [p.id]);
    expect(row).toEqual({ status: 'paid', receipt_number: final.state.receiptNumber });
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
});
