import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { BankRefund, BankResult, BankSettlement } from '../../domain/payment/vocabulary';

/** A connected bank or payment intermediary, as configured (PAYMENT_BANKS). */
export const BankConfig = z.object({
  code: z.string().regex(/^[A-Z][A-Z0-9-]{1,30}$/),
  name: z.string().min(2),
  url: z.url({ protocol: /^https?$/ }),
  apiKey: z.string().min(8),
  /** The bank's Ed25519 public key (PEM, SPKI) that its signed results are checked against. */
  publicKey: z.string().includes('BEGIN PUBLIC KEY'),
  /** The bank's contact for reconciliation and settlement (đầu mối đối soát, 000 §35.4): told of escalations. */
  contactEmail: z.email().optional(),
});
export type BankConfig = z.infer<typeof BankConfig>;

/** What the portal needs of any bank: register a payment, ask its status, check a result's signature. */
export interface BankAdapter {
  readonly code: string;
  readonly name: string;
  readonly contactEmail: string | null;
  register(p: { portalPaymentId: string; amountVnd: number; description: string; agencyCode: string; transactionType: string; returnUrl: string; callbackUrl: string; settlementUrl: string }): Promise<{ bankTxnId: string; payUrl: string }>;
  status(portalPaymentId: string): Promise<BankResult | null>;
  /** The result if its signature over these exact bytes is the bank's; null otherwise. */
  verified(body: Buffer, signature: string | undefined): BankResult | null;
  /** A settlement notice if its signature over these exact bytes is the bank's; null otherwise. */
  verifiedSettlement(body: Buffer, signature: string | undefined): BankSettlement | null;
  /** The bank's daily statement (CSV, streamed) and a check that its signature covers the bytes' SHA-256. */
  statement(day: string): Promise<{ body: Readable; digestSigned: (sha256: string) => boolean }>;
  /** Orders a refund of (part of) a debit; idempotent by the portal's refund reference; the answer is signed. */
  refund(r: { refundRef: string; bankTxnId: string; amountVnd: number; reason: string }): Promise<BankRefund>;
}

/** The adapter of a bank speaking the payment gateway protocol (JSON over HTTPS, Ed25519-signed results). */
export class GatewayBank implements BankAdapter {
  private readonly key: KeyObject;
  constructor(private readonly cfg: BankConfig) {
    this.key = createPublicKey(cfg.publicKey);
  }

  get code() {
    return this.cfg.code;
  }

  get name() {
    return this.cfg.name;
  }

  get contactEmail() {
    return this.cfg.contactEmail ?? null;
  }

  async register(p: Parameters<BankAdapter['register']>[0]) {
    const res = await fetch(`${this.cfg.url}/api/v1/payments`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${this.cfg.apiKey}` }, body: JSON.stringify(p), signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`bank ${this.code} refused the payment: ${res.status}`);
    return (await res.json()) as { bankTxnId: string; payUrl: string };
  }

  async status(portalPaymentId: string): Promise<BankResult | null> {
    const res = await fetch(`${this.cfg.url}/api/v1/payments/${encodeURIComponent(portalPaymentId)}`, { headers: { authorization: `Bearer ${this.cfg.apiKey}` }, signal: AbortSignal.timeout(10_000) });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`bank ${this.code} did not answer: ${res.status}`);
    const result = this.verified(Buffer.from(await res.arrayBuffer()), res.headers.get('x-bank-signature') ?? undefined);
    if (!result) throw new Error(`bank ${this.code} answered without a valid signature`);
    return result;
  }

  verified(body: Buffer, signature: string | undefined): BankResult | null {
    return this.signed(BankResult, body, signature);
  }

  verifiedSettlement(body: Buffer, signature: string | undefined): BankSettlement | null {
    return this.signed(BankSettlement, body, signature);
  }

  async statement(day: string) {
    const res = await fetch(`${this.cfg.url}/api/v1/statements/${encodeURIComponent(day)}`, { headers: { authorization: `Bearer ${this.cfg.apiKey}` }, signal: AbortSignal.timeout(600_000) });
    if (!res.ok || !res.body) throw new Error(`bank ${this.code} gave no statement for ${day}: ${res.status}`);
    const claimed = res.headers.get('x-bank-content-sha256') ?? '';
    const signature = res.headers.get('x-bank-signature') ?? '';
    return {
      body: Readable.fromWeb(res.body as WebReadableStream),
      // The signature covers the file's digest (so that the file streams); the digest must be that of the bytes read.
      digestSigned: (sha256: string) => sha256 === claimed && this.check(Buffer.from(`statement|${this.code}|${day}|${sha256}`), signature),
    };
  }

  async refund(r: { refundRef: string; bankTxnId: string; amountVnd: number; reason: string }): Promise<BankRefund> {
    const res = await fetch(`${this.cfg.url}/api/v1/refunds`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${this.cfg.apiKey}` }, body: JSON.stringify(r), signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`bank ${this.code} did not take the refund: ${res.status}`);
    const answer = this.signed(BankRefund, Buffer.from(await res.arrayBuffer()), res.headers.get('x-bank-signature') ?? undefined);
    if (!answer || answer.refundRef !== r.refundRef) throw new Error(`bank ${this.code} answered the refund without a valid signature`);
    return answer;
  }

  private check(body: Buffer, signature: string | undefined): boolean {
    return Boolean(signature && /^[A-Za-z0-9+/=]{40,200}$/.test(signature) && verify(null, body, this.key, Buffer.from(signature, 'base64')));
  }

  private signed<T extends { bankCode: string }>(schema: z.ZodType<T>, body: Buffer, signature: string | undefined): T | null {
    if (!this.check(body, signature)) return null;
    try {
      const r = schema.safeParse(JSON.parse(body.toString('utf8')));
      return r.success && r.data.bankCode === this.code ? r.data : null;
    } catch {
      return null;
    }
  }
}

/** The connected banks by code. */
export class BankDirectory {
  private readonly banks: Map<string, BankAdapter>;
  constructor(configs: BankConfig[]) {
    this.banks = new Map(configs.map((c) => [c.code, new GatewayBank(c)]));
  }

  get(code: string): BankAdapter | undefined {
    return this.banks.get(code);
  }

  list(): BankAdapter[] {
    return [...this.banks.values()];
  }
}
