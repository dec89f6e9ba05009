import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { because } from '../support/because';
import { json } from '../support/http';
import { pdfBytes, signIn, startTestPlatform, type Session } from '../support/platform';

/**
 * Online payment of a dossier's fee through a simulated bank (the outside party), over real HTTP:
 * the bank's callback is verified against its Ed25519 signature; a duplicate changes nothing twice; the
 * fee gate opens at once; unsigned or altered callbacks are refused.
 */
let p: Awaited<ReturnType<typeof startTestPlatform>>;
const s: Record<string, Session> = {};

beforeAll(async () => {
  p = await startTestPlatform();
  for (const who of ['congdan1', 'tiepnhan.hn', 'thuphi.hn', 'vanhanh']) s[who] = await signIn(p.apiUrl, who);
});
afterAll(async () => {
  await p?.stop();
});

/** A criminal-record request (fee 200,000 đồng), accepted: it waits for its fee. */
async function awaitingFee(): Promise<string> {
  const f = new FormData();
  f.set('procedureCode', 'STP-LLTP');
  f.set('formData', JSON.stringify({ hoTen: 'Nguyễn Văn An', soDinhDanh: '001090012345', ngaySinh: '1990-05-17', mucDich: 'Xin việc' }));
  f.set('cccd', new Blob([pdfBytes()], { type: 'application/pdf' }), 'cccd.pdf');
  const { code } = await json<{ code: string }>(await s.congdan1!.multipart('/api/dossiers', f), 201);
  await json(await s['tiepnhan.hn']!.send('POST', `/api/dossiers/${code}/actions`, { type: 'accept' }), 200);
  return code;
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not reached');
}

describe('online payment of a dossier fee', () => {
  it('the citizen pays at a bank that calls back twice: one receipt, the fee gate opens at once', async () => {
    const code = await awaitingFee();
    const req = await json<{ created: boolean; payment: { id: string; amountVnd: number; status: string }; banks: { code: string }[] }>(await s.congdan1!.send('POST', `/api/dossiers/${code}/payments`), 201);
    expect(req.payment).toMatchObject({ amountVnd: 200000, status: 'requested' });
    expect(req.banks.map((b) => b.code)).toEqual(['NH-MOT', 'NH-HAI']);
    const again = await json<{ created: boolean; payment: { id: string } }>(await s.congdan1!.send('POST', `/api/dossiers/${code}/payments`), 200);
    because('asking again answers the same request', () => expect(again.payment.id).toBe(req.payment.id));

    const { payUrl, bankTxnId } = await json<{ payUrl: string; bankTxnId: string }>(await s.congdan1!.send('POST', `/api/payments/${req.payment.id}/bank`, { bankCode: 'NH-HAI' }), 200);
    // The citizen on the bank's page presses "Thanh toán"; the bank sends them back to the dossier page.
    const back = await fetch(`${payUrl}/pay`, { method: 'POST', redirect: 'manual' });
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toContain(`/ho-so/${code}?thanh-toan=${req.payment.id}`);

    const dossier = await until(async () => json<{ status: string; feePaidAt: string | null; history: { action: string }[] }>(await s.congdan1!.get(`/api/dossiers/${code}`), 200), (d) => d.status === 'processing');
    expect(dossier.feePaidAt).toBeTruthy();
    expect(dossier.history.filter((h) => h.action === 'online_payment')).toHaveLength(1);
    const bank = p.banks[1]!;
    await until(async () => bank.payments.get(bankTxnId)!.callbacksSent, (n) => n === 2);
    const paid = await json<{ status: string; receiptNumber: string }>(await s.congdan1!.get(`/api/payments/${req.payment.id}`), 200);
    expect(paid.status).toBe('paid');
    expect(paid.receiptNumber).toBe(bank.payments.get(bankTxnId)!.receiptNumber);
    const [{ n }] = (await p.orm.em.fork().execute<{ n: number }[]>("select count(*)::int as n from payment_history where payment_id = ? and event = 'paid'", [req.payment.id])) as [{ n: number }];
    because('a callback delivered twice is applied once', () => expect(n).toBe(1));
    await p.smtp.waitFor((m) => m.to.includes('an.nguyen@example.vn') && m.subject.includes(`Biên lai điện tử: phí, lệ phí hồ sơ ${code}`));
    // The fee officer sees it paid: no manual confirmation is offered any more.
    expect((await s['thuphi.hn']!.send('POST', `/api/dossiers/${code}/actions`, { type: 'confirm_payment', receiptNumber: 'X', amount: 200000 })).status).toBe(409);

    // A replayed callback, signed, changes nothing; an altered or unsigned one is refused.
    const result = { bankCode: 'NH-HAI', bankTxnId, portalPaymentId: req.payment.id, status: 'success', amountVnd: 200000, debitedAt: new Date().toISOString(), receipt: { number: 'NH-HAI-BL-9999999', issuedAt: new Date().toISOString(), amountVnd: 200000, agencyCode: 'HNI-STP', transactionType: 'LE_PHI_TTHC', issuer: 'Ngân hàng Hai' } };
    const signed = bank.sign(result);
    const callback = (body: Buffer | string, signature?: string) => fetch(`${p.apiUrl}/api/payments/callback/NH-HAI`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'x-bank-signature': signature } : {}) }, body });
    expect(await json<{ applied: boolean }>(await callback(signed.bytes, signed.signature), 200)).toEqual({ status: 'paid', applied: false });
    expect((await json<{ error: { code: string } }>(await callback(signed.bytes), 401)).error.code).toBe('BAD_SIGNATURE');
    const altered = Buffer.from(signed.bytes.toString().replace('200000', '100000'));
    expect((await json<{ error: { code: string } }>(await callback(altered, signed.signature), 401)).error.code).toBe('BAD_SIGNATURE');
    // Another bank's key does not sign for this one.
    const forged = p.banks[0]!.sign(result);
    expect((await callback(forged.bytes, forged.signature)).status).toBe(401);
    const after = await json<{ receiptNumber: string }>(await s.congdan1!.get(`/api/payments/${req.payment.id}`), 200);
    expect(after.receiptNumber).toBe(paid.receiptNumber);
  });

  it('a payment refused for lack of funds can be paid again, at another bank', async () => {
    const code = await awaitingFee();
    const { payment } = await json<{ payment: { id: string } }>(await s.congdan1!.send('POST', `/api/dossiers/${code}/payments`), 201);
    const first = await json<{ payUrl: string }>(await s.congdan1!.send('POST', `/api/payments/${payment.id}/bank`, { bankCode: 'NH-MOT' }), 200);
    await fetch(`${first.payUrl}/insufficient`, { method: 'POST', redirect: 'manual' });
    await until(async () => json<{ status: string }>(await s.congdan1!.get(`/api/payments/${payment.id}`), 200), (x) => x.status === 'failed');
    expect((await json<{ status: string }>(await s.congdan1!.get(`/api/dossiers/${code}`), 200)).status).toBe('awaiting_fee');
    const second = await json<{ payUrl: string }>(await s.congdan1!.send('POST', `/api/payments/${payment.id}/bank`, { bankCode: 'NH-HAI' }), 200);
    await fetch(`${second.payUrl}/pay`, { method: 'POST', redirect: 'manual' });
    await until(async () => json<{ status: string }>(await s.congdan1!.get(`/api/dossiers/${code}`), 200), (d) => d.status === 'processing');
  });

  it('an operator suspends a bank: it is no longer offered, its payment in flight still completes; resumed, it is offered again', async () => {
    const code = await awaitingFee();
    const { payment } = await json<{ payment: { id: string } }>(await s.congdan1!.send('POST', `/api/dossiers/${code}/payments`), 201);
    const inFlight = await json<{ payUrl: string }>(await s.congdan1!.send('POST', `/api/payments/${payment.id}/bank`, { bankCode: 'NH-MOT' }), 200);
    expect((await s.congdan1!.send('POST', '/api/banks/NH-MOT/suspend', { reason: 'Chậm trả kết quả giao dịch nhiều lần.' })).status).toBe(403);
    const suspended = await json<{ suspended: boolean; reason: string }>(await s.vanhanh!.send('POST', '/api/banks/NH-MOT/suspend', { reason: 'Chậm trả kết quả giao dịch nhiều lần.' }), 200);
    expect(suspended).toMatchObject({ suspended: true, reason: 'Chậm trả kết quả giao dịch nhiều lần.' });
    const other = await awaitingFee();
    const offered = await json<{ payment: { id: string }; banks: { code: string }[] }>(await s.congdan1!.send('POST', `/api/dossiers/${other}/payments`), 201);
    expect(offered.banks.map((b) => b.code)).toEqual(['NH-HAI']);
    const refused = await json<{ error: { code: string; message: string } }>(await s.congdan1!.send('POST', `/api/payments/${offered.payment.id}/bank`, { bankCode: 'NH-MOT' }), 409);
    expect(refused.error.code).toBe('BANK_SUSPENDED');
    // The payment already at the suspended bank completes.
    await fetch(`${inFlight.payUrl}/pay`, { method: 'POST', redirect: 'manual' });
    await until(async () => json<{ status: string }>(await s.congdan1!.get(`/api/dossiers/${code}`), 200), (d) => d.status === 'processing');
    await json(await s.vanhanh!.send('POST', '/api/banks/NH-MOT/resume'), 200);
    const list = await json<{ items: { code: string; suspended: boolean }[] }>(await fetch(`${p.apiUrl}/api/banks`), 200);
    expect(list.items).toEqual([expect.objectContaining({ code: 'NH-MOT', suspended: false }), expect.objectContaining({ code: 'NH-HAI', suspended: false })]);
  });
});
