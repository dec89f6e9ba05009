/**
 * SMS adapter. Every gateway takes a message with an idempotency key, so that a retried delivery
 * sends nothing twice. `HttpSmsGateway` speaks a JSON-over-HTTPS API (POST {base}/messages, bearer
 * key, `Idempotency-Key` header): the local SMS catcher in development and tests, a provider's
 * gateway (or a thin bridge to its brand-name SMS API) in production.
 */
export interface SmsGateway {
  send(message: { to: string; text: string; idempotencyKey: string }): Promise<void>;
}

/** The gateway refused a message; `permanent` when no retry can change it (an invalid number). */
export class SmsRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }

  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

export class HttpSmsGateway implements SmsGateway {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  async send(m: { to: string; text: string; idempotencyKey: string }): Promise<void> {
    const res = await fetch(`${this.baseUrl.replace(/\/$/, '')}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}`, 'idempotency-key': m.idempotencyKey },
      body: JSON.stringify({ to: m.to, text: m.text }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new SmsRefused(res.status, `SMS gateway answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }
}
