import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { ensureMonthlyPartitions, migrate, openOrm } from '../db/orm';
import { seedDemoData } from '../db/seed';
import { CalendarStore } from '../services/calendar-store';
import { createMailTransport, Notifier } from '../services/notifications';
import { HttpSmsGateway } from '../services/sms';
import type { Config } from './config';
import { readFileSync } from 'node:fs';
import { dataConverterOf } from './payload-codec';

/**
 * TLS to a production Temporal cluster: the server is checked against TEMPORAL_TLS_CA_FILE; with a
 * client certificate and key, the cluster can require mutual TLS. Unset: plain gRPC (the local dev server).
 */
function temporalTls(cfg: Config) {
  if (!cfg.TEMPORAL_TLS_CA_FILE && !cfg.TEMPORAL_TLS_CERT_FILE) return undefined;
  return {
    ...(cfg.TEMPORAL_TLS_CA_FILE ? { serverRootCACertificate: readFileSync(cfg.TEMPORAL_TLS_CA_FILE) } : {}),
    ...(cfg.TEMPORAL_TLS_CERT_FILE && cfg.TEMPORAL_TLS_KEY_FILE
      ? { clientCertPair: { crt: readFileSync(cfg.TEMPORAL_TLS_CERT_FILE), key: readFileSync(cfg.TEMPORAL_TLS_KEY_FILE) } }
      : {}),
  };
}

/** Connections shared by the API and the worker of one process. */
export async function openServices(cfg: Config, log: Logger) {
  const orm: MikroORM = await openOrm(cfg.DATABASE_URL, cfg.DATABASE_POOL_MAX);
  const applied = await migrate(orm);
  if (applied.length) log.info({ applied }, 'migrations applied');
  if (cfg.SEED_DEMO_DATA) await seedDemoData(orm);
  const calendars = new CalendarStore(orm, cfg.WORKING_SESSIONS, cfg.CALENDAR_CACHE_SECONDS * 1000);
  const sms = cfg.SMS_GATEWAY_URL ? new HttpSmsGateway(cfg.SMS_GATEWAY_URL, cfg.SMS_GATEWAY_KEY ?? '') : null;
  const notifier = new Notifier(orm, createMailTransport(cfg.SMTP_URL), cfg.MAIL_FROM, log.child({ component: 'notifier' }), sms);
  // The coming months' audit partitions, checked daily (every process; the database serialises them).
  const partitions = setInterval(() => {
    ensureMonthlyPartitions(orm).catch((e: unknown) => log.error({ err: e }, 'monthly partitions not made; retried tomorrow'));
  }, 24 * 3600_000);
  partitions.unref();
  const tls = temporalTls(cfg);
  const dataConverter = dataConverterOf(cfg.TEMPORAL_PAYLOAD_KEYS);
  const connection = await Connection.connect({ address: cfg.TEMPORAL_ADDRESS, tls });
  const temporal = new Client({ connection, namespace: cfg.TEMPORAL_NAMESPACE, dataConverter });
  return {
    orm,
    calendars,
    notifier,
    temporal,
    dataConverter,
    nativeConnection: () => NativeConnection.connect({ address: cfg.TEMPORAL_ADDRESS, tls }),
    close: async () => {
      clearInterval(partitions);
      await connection.close();
      await orm.close();
    },
  };
}
