import express from 'express';
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';

/** A payment as the simulated bank keeps it. */
export interface SimulatedPayment {
  bankTxnId: string;
  portalPaymentId: string;
  amountVnd: number;
  description: string;
  agencyCode: string;
  transactionType: string;
  returnUrl: string;
  callbackUrl: string;
  /** Where the bank reports that the money reached the beneficiary account. */
  settlementUrl: string | null;
  settledAt: string | null;
  status: 'pending' | 'success' | 'failed' | 'cancelled' | 'refunded';
  debitedAt: string | null;
  receiptNumber: string | null;
  callbacksSent: number;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const money = (n: number) => `${n.toLocaleString('vi-VN')} đồng`;

/**
 * A bank or payment intermediary, simulated the way a real one behaves (the only simulated party is the
 * outside organisation): the portal registers a payment (bearer key), the citizen is redirected to the
 * bank's payment page (pay, cancel, insufficient funds), the bank debits and issues a state-budget receipt,
 * then calls the portal back server to server with the result signed (Ed25519 over the exact body bytes,
 * header `X-Bank-Signature`), retrying until answered 2xx — and, when asked, delivering it twice.
 * The portal can also ask for a payment's status (signed the same way).
 */
export async function startBankSimulator(opts: {
  port: number; host?: string; code: string; name: string; apiKey: string; duplicateCallbacks?: boolean;
  /** How long after a debit the money reaches the agency's account and the bank reports it (ms); null: only when told (settle()). */
  settleAfterMs?: number | null;
}) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const payments = new Map<string, SimulatedPayment>();
  const byPortalId = new Map<string, string>();
  let receipts = 0;
  let closed = false;
  const signed = (body: unknown) => {
    const bytes = Buffer.from(JSON.stringify(body));
    return { bytes, signature: sign(null, bytes, privateKey).toString('base64') };
  };
  const resultOf = (p: SimulatedPayment) => ({
    bankCode: opts.code, bankTxnId: p.bankTxnId, portalPaymentId: p.portalPaymentId, status: p.status, amountVnd: p.amountVnd,
    debitedAt: p.debitedAt,
    settledAt: p.settledAt,
    // The state-budget receipt (biên lai thu ngân sách) of a successful debit.
    receipt: p.status === 'success' ? { number: p.receiptNumber, issuedAt: p.debitedAt, amountVnd: p.amountVnd, agencyCode: p.agencyCode, transactionType: p.transactionType, issuer: opts.name } : null,
  });

  async function deliver(p: SimulatedPayment, copies: number, url = p.callbackUrl, body: unknown = resultOf(p)) {
    const { bytes, signature } = signed(body);
    for (let copy = 0; copy < copies; copy++) {
      for (let attempt = 0; attempt < 30 && !closed; attempt++) {
        const ok = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-bank-signature': signature, 'x-bank-code': opts.code }, body: bytes })
          .then((r) => r.ok, () => false);
        if (ok) {
          p.callbacksSent++;
          break;
        }
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)).unref());
      }
    }
  }

  /** The money reaches the beneficiary account; the bank reports it, signed (T+1 settlement). */
  function settle(p: SimulatedPayment, at = new Date().toISOString()) {
    if (p.status !== 'success' || p.settledAt) return;
    p.settledAt = at;
    if (p.settlementUrl) void deliver(p, 1, p.settlementUrl, { bankCode: opts.code, bankTxnId: p.bankTxnId, portalPaymentId: p.portalPaymentId, amountVnd: p.amountVnd, settledAt: at });
  }
  const settleAfter = opts.settleAfterMs === undefined ? 2000 : opts.settleAfterMs;
  /** Statement rows as the bank would write them; tests alter a day's rows to create discrepancies. */
  const statementEdits = new Map<string, (rows: string[][]) => string[][]>();
  const vnDay = (iso: string) => new Date(Date.parse(iso) + 7 * 3600_000).toISOString().slice(0, 10);

  const refunds = new Map<string, { refundRef: string; bankTxnId: string; amountVnd: number; status: 'refunded' | 'refused'; refundedAt: string | null; reason: string | null }>();

  const app = express();
  // A refund order: the whole debit (it becomes "refunded") or the excess of one; the same reference twice is one refund.
  app.post('/api/v1/refunds', express.json(), (req, res) => {
    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return void res.status(401).json({ error: 'unauthorized' });
    const b = (req.body ?? {}) as { refundRef?: unknown; bankTxnId?: unknown; amountVnd?: unknown };
    if (typeof b.refundRef !== 'string' || typeof b.bankTxnId !== 'string' || !Number.isInteger(b.amountVnd)) return void res.status(400).json({ error: 'refundRef, bankTxnId and amountVnd are required' });
    let r = refunds.get(b.refundRef);
    if (!r) {
      const p = payments.get(b.bankTxnId);
      const ok = p && p.status === 'success' && (b.amountVnd as number) > 0 && (b.amountVnd as number) <= p.amountVnd;
      if (ok && b.amountVnd === p.amountVnd) p.status = 'refunded';
      r = { refundRef: b.refundRef, bankTxnId: b.bankTxnId, amountVnd: b.amountVnd as number, status: ok ? 'refunded' : 'refused', refundedAt: ok ? new Date().toISOString() : null, reason: ok ? null : 'Không có giao dịch thành công phù hợp để hoàn tiền' };
      refunds.set(b.refundRef, r);
    }
    const { bytes, signature } = signed({ bankCode: opts.code, ...r });
    res.setHeader('x-bank-signature', signature);
    res.type('json').send(bytes);
  });
  app.get('/api/v1/statements/:day', (req, res) => {
    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return void res.status(401).json({ error: 'unauthorized' });
    const day = String(req.params.day);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return void res.status(400).json({ error: 'day must be YYYY-MM-DD' });
    let rows = [...payments.values()].filter((p) => p.debitedAt && vnDay(p.debitedAt) === day && (p.status === 'success' || p.status === 'refunded'))
      .map((p) => [p.bankTxnId, p.portalPaymentId, p.agencyCode, p.transactionType, String(p.amountVnd), p.status, p.debitedAt!, p.settledAt ?? '']);
    rows = statementEdits.get(day)?.(rows) ?? rows;
    const csv = Buffer.from(['bank_txn_id,portal_payment_id,agency_code,transaction_type,amount_vnd,status,debited_at,settled_at', ...rows.map((r) => r.join(','))].join('\n') + '\n');
    const sha256 = createHash('sha256').update(csv).digest('hex');
    res.setHeader('x-bank-content-sha256', sha256);
    res.setHeader('x-bank-signature', sign(null, Buffer.from(`statement|${opts.code}|${day}|${sha256}`), privateKey).toString('base64'));
    res.type('text/csv; charset=utf-8').send(csv);
  });
  app.post('/api/v1/payments', express.json(), (req, res) => {
    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return void res.status(401).json({ error: 'unauthorized' });
    const b = (req.body ?? {}) as Partial<SimulatedPayment>;
    if (typeof b.portalPaymentId !== 'string' || !Number.isInteger(b.amountVnd) || (b.amountVnd ?? 0) <= 0 || typeof b.returnUrl !== 'string' || typeof b.callbackUrl !== 'string') {
      return void res.status(400).json({ error: 'portalPaymentId, amountVnd, returnUrl and callbackUrl are required' });
    }
    // A payment registered again (the portal retried) is the same payment.
    const known = byPortalId.get(b.portalPaymentId);
    const p = known ? payments.get(known)! : {
      bankTxnId: `${opts.code}-${randomUUID().slice(0, 8).toUpperCase()}`, portalPaymentId: b.portalPaymentId, amountVnd: b.amountVnd!, description: String(b.description ?? ''),
      agencyCode: String(b.agencyCode ?? ''), transactionType: String(b.transactionType ?? ''), returnUrl: b.returnUrl, callbackUrl: b.callbackUrl,
      settlementUrl: typeof b.settlementUrl === 'string' ? b.settlementUrl : null, settledAt: null,
      status: 'pending' as const, debitedAt: null, receiptNumber: null, callbacksSent: 0,
    };
    payments.set(p.bankTxnId, p);
    byPortalId.set(p.portalPaymentId, p.bankTxnId);
    res.status(known ? 200 : 201).json({ bankTxnId: p.bankTxnId, payUrl: `${baseUrl}/pay/${p.bankTxnId}` });
  });
  app.get('/api/v1/payments/:id', (req, res) => {
    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return void res.status(401).json({ error: 'unauthorized' });
    const p = payments.get(String(req.params.id)) ?? payments.get(byPortalId.get(String(req.params.id)) ?? '');
    if (!p) return void res.status(404).json({ error: 'not found' });
    const { bytes, signature } = signed(resultOf(p));
    res.setHeader('x-bank-signature', signature);
    res.type('json').send(bytes);
  });
  app.get('/pay/:id', (req, res) => {
    const p = payments.get(String(req.params.id));
    if (!p) return void res.status(404).type('html').send('<!doctype html><html lang="vi"><body><p>Không tìm thấy giao dịch.</p></body></html>');
    const button = (outcome: string, label: string) => `<form method="post" action="/pay/${esc(p.bankTxnId)}/${outcome}"><button type="submit">${label}</button></form>`;
    res.type('html').send(`<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(opts.name)} — Thanh toán (giả lập)</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:0 auto;padding:1rem}button{font:inherit;min-height:2.75rem;margin:.25rem 0;width:100%}</style></head>
<body><main><h1>${esc(opts.name)}</h1><p>Ngân hàng giả lập cho môi trường phát triển.</p>
<dl><dt>Nội dung</dt><dd>${esc(p.description)}</dd><dt>Số tiền</dt><dd>${money(p.amountVnd)}</dd><dt>Mã giao dịch</dt><dd>${esc(p.bankTxnId)}</dd></dl>
${p.status === 'pending' ? `${button('pay', 'Thanh toán')}${button('cancel', 'Hủy giao dịch')}${button('insufficient', 'Giả lập: tài khoản không đủ số dư')}` : `<p>Giao dịch đã xử lý: ${esc(p.status)}.</p>`}
</main></body></html>`);
  });
  app.post('/pay/:id/:outcome', (req, res) => {
    const p = payments.get(String(req.params.id));
    if (!p) return void res.status(404).send('not found');
    if (p.status === 'pending') {
      const outcome = String(req.params.outcome);
      if (outcome === 'pay') {
        receipts++;
        p.status = 'success';
        p.debitedAt = new Date().toISOString();
        p.receiptNumber = `${opts.code}-BL-${String(receipts).padStart(7, '0')}`;
        if (settleAfter !== null) setTimeout(() => settle(p), settleAfter).unref();
      } else {
        p.status = outcome === 'cancel' ? 'cancelled' : 'failed';
      }
      void deliver(p, opts.duplicateCallbacks ? 2 : 1);
    }
    res.redirect(303, `${p.returnUrl}${p.returnUrl.includes('?') ? '&' : '?'}bankTxnId=${encodeURIComponent(p.bankTxnId)}`);
  });

  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host ?? '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    code: opts.code,
    name: opts.name,
    url: baseUrl,
    apiKey: opts.apiKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    payments,
    /** Signs a body as the bank does (tests send altered or replayed callbacks with it). */
    sign: (body: unknown) => signed(body),
    /** Moves a payment's money to the agency's account now (or at a given time) and reports it. */
    settle: (bankTxnId: string, at?: string) => settle(payments.get(bankTxnId)!, at),
    /** The bank's fault: the same payment debited a second time (another transaction, settled too). */
    duplicateDebit: (bankTxnId: string) => {
      const p = payments.get(bankTxnId)!;
      const twin: SimulatedPayment = { ...p, bankTxnId: `${p.bankTxnId}-2`, receiptNumber: `${p.receiptNumber}-2`, callbacksSent: 0 };
      payments.set(twin.bankTxnId, twin);
      return twin;
    },
    /** Alters the statement rows of a day (cells in the file's column order). */
    editStatement: (day: string, edit: (rows: string[][]) => string[][]) => void statementEdits.set(day, edit),
    close: () => {
      closed = true;
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
