import { testContext } from './context';
import { testLogger } from './capture-logs';
import { openOrm } from '../../db/orm';
import { DEFAULT_SESSIONS } from '../../domain/working-time';
import { DEFAULT_ESCALATION } from '../../domain/dossier/deadlines';
import { CalendarStore } from '../../services/calendar-store';
import { createMailTransport, Notifier } from '../../services/notifications';
import { NotificationRelay } from '../../services/notification-relay';
import type { WorkerDeps } from '../../workers/process-worker';
import type { SmsGateway } from '../../services/sms';
import type { BankDirectory } from '../../services/payments/banks';

/** Real dependencies for the worker under test: PostgreSQL and an SMTP server. */
export async function workerDeps(smtpUrl: string, opts: { databaseUrl?: string; sms?: SmsGateway | null; banks?: BankDirectory } = {}): Promise<WorkerDeps & { relay: NotificationRelay; close: () => Promise<void> }> {
  const databaseUrl = opts.databaseUrl ?? testContext().databaseUrl;
  const orm = await openOrm(databaseUrl);
  const log = testLogger();
  const calendars = new CalendarStore(orm, DEFAULT_SESSIONS, 0);
  // Back-off from 1 s (doubling), so that a test sees retries in seconds of real time.
  const notifier = new Notifier(orm, createMailTransport(smtpUrl), 'DVC <no-reply@dichvucong.gov.vn>', log, opts.sms ?? null, 1);
  const relay = new NotificationRelay(notifier, { databaseUrl, log, intervalMs: 500 });
  await relay.start();
  return {
    relay,
    orm,
    calendars,
    notifier,
    policy: DEFAULT_ESCALATION,
    publicUrl: 'http://localhost:3000',
    log,
    banks: opts.banks,
    close: async () => {
      await relay.stop();
      await orm.close();
    },
  };
}
