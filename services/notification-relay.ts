import pg from 'pg';
import type { Logger } from 'pino';
import type { Notifier } from './notifications';

/** The channel a transaction that queued messages notifies on commit (see enqueueMessages). */
export const OUTBOX_CHANNEL = 'notification_outbox';

/**
 * The relay that sends the outbox: in every worker process, woken when a transaction queues messages
 * (PostgreSQL LISTEN/NOTIFY) and every few seconds for those whose back-off has passed. Several relays
 * share the work (each message is claimed for a lease). Nothing on a process's path waits for it.
 */
export class NotificationRelay {
  private listener: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly notifier: Notifier,
    private readonly opts: { databaseUrl: string; log: Logger; intervalMs?: number; batch?: number; retentionDays?: number },
  ) {}

  private redactedAt = 0;

  async start(): Promise<void> {
    this.listener = new pg.Client({ connectionString: this.opts.databaseUrl });
    // A lost listening connection is not fatal: the periodic pass still sends everything.
    this.listener.on('error', (e) => this.opts.log.warn({ err: e }, 'outbox listener lost; relying on the periodic pass'));
    await this.listener.connect();
    this.listener.on('notification', () => this.wake());
    await this.listener.query(`listen ${OUTBOX_CHANNEL}`);
    this.timer = setInterval(() => this.wake(), this.opts.intervalMs ?? 5_000);
    this.timer.unref();
    this.wake();
  }

  /** Runs a pass now, or right after the current one. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .then(() => undefined)
      .catch((e: unknown) => this.opts.log.error({ err: e }, 'outbox relay pass failed'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Sends every message that is due now (in batches), then returns; every ten minutes, redacts old ones. */
  async drain(): Promise<number> {
    if (this.opts.retentionDays && Date.now() - this.redactedAt > 600_000) {
      this.redactedAt = Date.now();
      const redacted = await this.notifier.redactSent(this.opts.retentionDays);
      if (redacted > 0) this.opts.log.info({ redacted }, 'sent notifications past retention redacted');
    }
    let sent = 0;
    for (;;) {
      const batch = this.opts.batch ?? 100;
      const r = await this.notifier.deliverDue(batch);
      sent += r.sent;
      if (r.sent + r.failed + r.dead < batch || this.stopped) return sent;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.listener?.end().catch(() => undefined);
  }
}
