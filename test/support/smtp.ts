import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { freePort } from './ports';

export interface CaughtMail {
  to: string;
  subject: string;
  text: string;
  messageId: string;
}

/**
 * A real SMTP server that keeps what it receives, for tests to read. `port` lets a test stop it and
 * start it again where the platform expects it; `rejectRecipients` answers 550 for matching addresses,
 * as a real server does for a mailbox that does not exist.
 */
export async function startSmtpCatcher(opts: { port?: number; rejectRecipients?: RegExp } = {}) {
  const mails: CaughtMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (opts.rejectRecipients?.test(address.address)) {
        const e = new Error('5.1.1 Mailbox does not exist') as Error & { responseCode: number };
        e.responseCode = 550;
        return callback(e);
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((m) => {
          const to = Array.isArray(m.to) ? m.to.map((a) => a.text).join(',') : (m.to?.text ?? '');
          mails.push({ to, subject: m.subject ?? '', text: m.text ?? '', messageId: m.messageId ?? '' });
          callback();
        })
        .catch(callback);
    },
  });
  const port = opts.port ?? (await freePort());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    to: (address: string) => mails.filter((m) => m.to.includes(address)),
    /** Waits until a mail matching the predicate arrives. */
    async waitFor(pred: (m: CaughtMail) => boolean, timeoutMs = 15_000): Promise<CaughtMail> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = mails.find(pred);
        if (m) return m;
        if (Date.now() > until) throw new Error(`no mail matched within ${timeoutMs} ms; got: ${mails.map((x) => `${x.to} ${x.subject}`).join(' | ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
