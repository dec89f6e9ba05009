import { testContext } from './context';
import { testLogger } from './capture-logs';
import { openOrm } from '../../db/orm';
import { DEFAULT_SESSIONS } from '../../domain/working-time';
import { DEFAULT_ESCALATION } from '../../domain/dossier/deadlines';
import { CalendarStore } from '../../services/calendar-store';
import { createMailTransport, Notifier } from '../../services/notifications';
import type { WorkerDeps } from '../../workers/process-worker';
import type { SmsGateway } from '../../services/sms';

/** Real dependencies for the worker under test: PostgreSQL and an SMTP server. */
export async function workerDeps(smtpUrl: string, opts: { databaseUrl?: string; sms?: SmsGateway | null } = {}): Promise<WorkerDeps & { close: () => Promise<void> }> {
  const orm = await openOrm(opts.databaseUrl ?? testContext().databaseUrl);
  const log = testLogger();
  const calendars = new CalendarStore(orm, DEFAULT_SESSIONS, 0);
  const notifier = new Notifier(orm, createMailTransport(smtpUrl), 'DVC <no-reply@dichvucong.gov.vn>', log, opts.sms ?? null);
  return {
    orm,
    calendars,
    notifier,
    policy: DEFAULT_ESCALATION,
    publicUrl: 'http://localhost:3000',
    log,
    close: () => orm.close(),
  };
}
