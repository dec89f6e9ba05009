import nodemailer, { type Transporter } from 'nodemailer';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
// upward: runtime/metrics is a leaf (the one Prometheus registry every floor counts into).
import { notificationsSent } from '../runtime/metrics';
import { SmsRefused, type SmsGateway } from './sms';

export interface OutboxMessage {
  dedupeKey: string;
  recipient: string;
  subject: string;
  body: string;
  /** Email unless said otherwise; SMS sends only the body. */
  channel?: 'email' | 'sms';
}

export function createMailTransport(smtpUrl: string): Transporter {
  const u = new URL(smtpUrl);
  const local = ['localhost', '127.0.0.1', '::1'].includes(u.hostname);
  return nodemailer.createTransport({
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 587)),
    secure: u.protocol === 'smtps:',
    ignoreTLS: local,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
  });
}

/** How long a relay holds a message it is sending before another may try it (a crash mid-send). */
const LEASE_SECONDS = 300;
/** Tries before a message that keeps failing is given up (about a day at the longest back-off). */
export const MAX_ATTEMPTS = 30;

/** Seconds to wait after the n-th failed attempt: 30 s, 1 min, 2 min … at most an hour. */
export function backoffSeconds(attempts: number, baseSeconds = 30): number {
  return Math.min(3600, baseSeconds * 2 ** Math.max(0, attempts - 1));
}

/** A refusal that no retry can change: a rejected address (SMTP 5xx), an invalid phone number. */
export function isPermanent(e: unknown): boolean {
  if (e instanceof SmsRefused) return e.permanent;
  const err = e as { responseCode?: number; code?: string };
  if (typeof err.responseCode === 'number') return err.responseCode >= 500 && err.responseCode < 600;
  // nodemailer found no valid recipient in the address itself.
  return err.code === 'EENVELOPE';
}

interface OutboxRow {
  id: string;
  dedupe_key: string;
  channel: 'email' | 'sms';
  recipient: string;
  subject: string;
  body: string;
  attempts: number;
}

/**
 * The notification outbox: messages are written in the same transaction as the change they report
 * (keyed, so a retried write adds nothing) and sent afterwards by the relay, never on a process's path.
 * Each attempt claims the message for a lease, so two relays never send it at once; a sent message is
 * marked and never sent again (a crash between sending and marking sends it twice, under the same
 * Message-ID). Failures wait with back-off; permanent refusals and exhausted attempts are dead letters.
 */
export class Notifier {
  constructor(
    private readonly orm: MikroORM,
    private readonly transport: Transporter,
    private readonly from: string,
    private readonly log: Logger,
    private readonly sms: SmsGateway | null = null,
    /** The first back-off (doubling after each failure); shorter in tests. */
    private readonly backoffBaseSeconds = 30,
  ) {}

  /** Channels this process can send on (SMS waits in the outbox until a gateway is configured). */
  private channels(): string {
    return this.sms ? '{email,sms}' : '{email}';
  }

  /**
   * Sends the messages that are due, up to `limit`; returns how many were sent. `keys` restricts it
   * to those messages (and ignores their back-off). Never throws for a message that failed.
   */
  /**
   * Past the retention period a sent message keeps its dedupe key and times (so it is never sent twice)
   * but not its recipient, subject and body. Returns how many were redacted (at most `limit`).
   */
  async redactSent(retentionDays: number, limit = 1000): Promise<number> {
    const rows = await this.orm.em.fork().execute<{ id: string }[]>(
      `update notification set recipient = '', subject = '', body = '', last_error = null, redacted_at = now()
        where id in (select id from notification where sent_at < now() - make_interval(days => ?) and redacted_at is null order by sent_at limit ?)
        returning id`,
      [retentionDays, limit],
    );
    return rows.length;
  }

  async deliverDue(limit: number, keys?: string[]): Promise<{ sent: number; failed: number; dead: number }> {
    const claimed = await this.orm.em.fork().execute<OutboxRow[]>(
      `update notification n set next_attempt_at = now() + make_interval(secs => ?), attempts = n.attempts + 1
        where n.id in (select id from notification
                        where sent_at is null and dead_at is null and channel = any(?::text[])
                          and ${keys ? 'dedupe_key = any(?::text[])' : 'next_attempt_at <= now()'}
                        order by next_attempt_at limit ? for update skip locked)
        returning n.id, n.dedupe_key, n.channel, n.recipient, n.subject, n.body, n.attempts`,
      keys ? [LEASE_SECONDS, this.channels(), `{${keys.map((k) => `"${k.replace(/["\\]/g, '\\$&')}"`).join(',')}}`, limit] : [LEASE_SECONDS, this.channels(), limit],
    );
    const outcome = { sent: 0, failed: 0, dead: 0 };
    for (const row of claimed) {
      const r = await this.attempt(row);
      outcome[r]++;
    }
    return outcome;
  }

  private async attempt(row: OutboxRow): Promise<'sent' | 'failed' | 'dead'> {
    const em = this.orm.em.fork();
    try {
      if (row.channel === 'sms') await this.sms!.send({ to: row.recipient, text: row.body, idempotencyKey: row.dedupe_key });
      else {
        await this.transport.sendMail({
          from: this.from,
          to: row.recipient,
          subject: row.subject,
          text: row.body,
          messageId: `<${row.dedupe_key.replace(/[^\w.-]/g, '.')}@dichvucong.local>`,
        });
      }
    } catch (e) {
      const error = String((e as Error).message ?? e).slice(0, 1000);
      const dead = isPermanent(e) || row.attempts >= MAX_ATTEMPTS;
      if (dead) {
        await em.execute('update notification set dead_at = now(), last_error = ? where id = ?', [error, row.id]);
        notificationsSent.inc({ channel: row.channel, outcome: 'dead' });
        this.log.error({ dedupeKey: row.dedupe_key, attempts: row.attempts, error }, 'notification given up (dead letter)');
        return 'dead';
      }
      const wait = backoffSeconds(row.attempts, this.backoffBaseSeconds);
      await em.execute('update notification set next_attempt_at = now() + make_interval(secs => ?), last_error = ? where id = ?', [wait, error, row.id]);
      notificationsSent.inc({ channel: row.channel, outcome: 'error' });
      this.log.warn({ dedupeKey: row.dedupe_key, attempts: row.attempts, retryInSeconds: wait, error }, 'notification not sent; will retry');
      return 'failed';
    }
    await em.execute('update notification set sent_at = now(), last_error = null where id = ?', [row.id]);
    notificationsSent.inc({ channel: row.channel, outcome: 'sent' });
    this.log.info({ dedupeKey: row.dedupe_key }, 'notification sent');
    return 'sent';
  }

  /** Kept for workflows recorded before the relay: they still ask to deliver their own messages. */
  async deliver(keys: string[]): Promise<number> {
    return keys.length === 0 ? 0 : (await this.deliverDue(keys.length, keys)).sent;
  }

  /** Kept for sweeps recorded before the relay (they drained the outbox themselves); now nothing to drain. */
  async pendingKeys(_limit: number): Promise<string[]> {
    return [];
  }
}
