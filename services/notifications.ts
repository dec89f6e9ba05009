import nodemailer, { type Transporter } from 'nodemailer';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { notificationsSent } from '../runtime/metrics';
import type { SmsGateway } from './sms';

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
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
  });
}

/**
 * The notification outbox: messages are written in the same transaction as the change they report
 * (keyed, so a retried write adds nothing) and delivered afterwards; a delivered message is marked
 * and never sent again.
 */
export class Notifier {
  constructor(
    private readonly orm: MikroORM,
    private readonly transport: Transporter,
    private readonly from: string,
    private readonly log: Logger,
    private readonly sms: SmsGateway | null = null,
  ) {}

  /** Keys of messages still waiting in the outbox (left behind by a crash or a failed send). */
  async pendingKeys(limit: number): Promise<string[]> {
    const rows = await this.orm.em.fork().execute<{ dedupe_key: string }[]>(
      'select dedupe_key from notification where sent_at is null order by created_at limit ?',
      [limit],
    );
    return rows.map((r) => r.dedupe_key);
  }

  async deliver(dedupeKeys: string[]): Promise<number> {
    let sent = 0;
    for (const key of dedupeKeys) {
      const em = this.orm.em.fork();
      const done = await em.transactional(async (tx) => {
        const rows = await tx.execute<{ id: string; channel: 'email' | 'sms'; recipient: string; subject: string; body: string }[]>(
          'select id, channel, recipient, subject, body from notification where dedupe_key = ? and sent_at is null for update skip locked',
          [key],
        );
        const row = rows[0];
        if (!row) return null;
        try {
          if (row.channel === 'sms') {
            if (!this.sms) {
              this.log.warn({ dedupeKey: key }, 'no SMS gateway configured; SMS left in the outbox');
              return null;
            }
            await this.sms.send({ to: row.recipient, text: row.body, idempotencyKey: key });
          } else {
            await this.transport.sendMail({
              from: this.from,
              to: row.recipient,
              subject: row.subject,
              text: row.body,
              messageId: `<${key.replace(/[^\w.-]/g, '.')}@dichvucong.local>`,
            });
          }
        } catch (e) {
          notificationsSent.inc({ channel: row.channel, outcome: 'error' });
          throw e;
        }
        await tx.execute('update notification set sent_at = now(), attempts = attempts + 1 where id = ?', [row.id]);
        return row.channel;
      });
      if (done) {
        sent++;
        notificationsSent.inc({ channel: done, outcome: 'sent' });
        this.log.info({ dedupeKey: key }, 'notification sent');
      }
    }
    return sent;
  }
}
