import { rm } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../db/embedded';
import { migrate, openOrm } from '../../db/orm';
import { seedDemoData } from '../../db/seed';
import { freePort } from './ports';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    /** A second database for tests that move the whole population's clock (the account sweep). */
    accountsDatabaseUrl: string;
  }
}

/** One real PostgreSQL for the whole run: embedded (fresh) unless TEST_DATABASE_URL is given. */
export default async function setup(project: TestProject) {
  let url = process.env.TEST_DATABASE_URL;
  let stop = async () => undefined as unknown;
  const dataDir = `.data/test-pg-${process.pid}`;
  if (!url) {
    await rm(dataDir, { recursive: true, force: true });
    const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'dvc_test' });
    url = pg.url;
    stop = pg.stop;
  }
  const orm = await openOrm(url);
  await migrate(orm);
  await seedDemoData(orm);
  await orm.em.fork().execute('drop database if exists dvc_accounts_test');
  await orm.em.fork().execute('create database dvc_accounts_test');
  await orm.close();
  const accountsUrl = url.replace(/\/[^/?]+(\?.*)?$/, '/dvc_accounts_test$1');
  const orm2 = await openOrm(accountsUrl);
  await migrate(orm2);
  await seedDemoData(orm2);
  await orm2.close();
  project.provide('databaseUrl', url);
  project.provide('accountsDatabaseUrl', accountsUrl);
  return async () => {
    await stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
