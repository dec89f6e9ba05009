import nodemailer, { type Transporter } from 'nodemailer';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { notificationsSent } from '../runtime/metrics';

export interface OutboxMessage {
  dedupeKey: string;
  recipient: string;
  subject: string;
  body: string;
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
  ) {}

  async deliver(dedupeKeys: string[]): Promise<number> {
    let sent = 0;
    for (const key of dedupeKeys) {
      const em = this.orm.em.fork();
      const done = await em.transactional(async (tx) => {
        const rows = await tx.execute<{ id: string; recipient: string; subject: string; body: string }[]>(
          'select id, recipient, subject, body from notification where dedupe_key = ? and sent_at is null for update skip locked',
          [key],
        );
        const row = rows[0];
        if (!row) return false;
        try {
          await this.transport.sendMail({
            from: this.from,
            to: row.recipient,
            subject: row.subject,
            text: row.body,
            messageId: `<${key.replace(/[^\w.-]/g, '.')}@dichvucong.local>`,
          });
        } catch (e) {
          notificationsSent.inc({ channel: 'email', outcome: 'error' });
          throw e;
        }
        await tx.execute('update notification set sent_at = now(), attempts = attempts + 1 where id = ?', [row.id]);
        return true;
      });
      if (done) {
        sent++;
        notificationsSent.inc({ channel: 'email', outcome: 'sent' });
        this.log.info({ dedupeKey: key }, 'notification sent');
      }
    }
    return sent;
  }
}
