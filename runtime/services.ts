import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { migrate, openOrm } from '../db/orm';
import { seedDemoData } from '../db/seed';
import { CalendarStore } from '../services/calendar-store';
import { createMailTransport, Notifier } from '../services/notifications';
import { HttpSmsGateway } from '../services/sms';
import type { Config } from './config';

/** Connections shared by the API and the worker of one process. */
export async function openServices(cfg: Config, log: Logger) {
  const orm: MikroORM = await openOrm(cfg.DATABASE_URL, cfg.DATABASE_POOL_MAX);
  const applied = await migrate(orm);
  if (applied.length) log.info({ applied }, 'migrations applied');
  if (cfg.SEED_DEMO_DATA) await seedDemoData(orm);
  const calendars = new CalendarStore(orm, cfg.WORKING_SESSIONS);
  const sms = cfg.SMS_GATEWAY_URL ? new HttpSmsGateway(cfg.SMS_GATEWAY_URL, cfg.SMS_GATEWAY_KEY ?? '') : null;
  const notifier = new Notifier(orm, createMailTransport(cfg.SMTP_URL), cfg.MAIL_FROM, log.child({ component: 'notifier' }), sms);
  const connection = await Connection.connect({ address: cfg.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: cfg.TEMPORAL_NAMESPACE });
  return {
    orm,
    calendars,
    notifier,
    temporal,
    nativeConnection: () => NativeConnection.connect({ address: cfg.TEMPORAL_ADDRESS }),
    close: async () => {
      await connection.close();
      await orm.close();
    },
  };
}
