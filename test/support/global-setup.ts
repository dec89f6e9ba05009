import { startEmbeddedPostgres } from '../../db/embedded';
import { migrate, openOrm } from '../../db/orm';
import { seedDemoData } from '../../db/seed';
import { freePort } from './ports';
import { removeScratch, scratchDir } from './scratch';

/**
 * One real PostgreSQL for the whole run: embedded (fresh, in a temporary folder that the teardown
 * removes) unless TEST_DATABASE_URL is given. A second database serves the tests that move the whole
 * population's clock (the account sweep). The URLs reach the test files through the environment.
 */
export default async function setup() {
  let url = process.env.TEST_DATABASE_URL;
  let stop = async (): Promise<unknown> => undefined;
  if (!url) {
    const dataDir = await scratchDir('pg');
    const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'dvc_test' });
    url = pg.url;
    stop = async () => {
      await pg.stop();
      await removeScratch(dataDir);
    };
  }
  (globalThis as { __dvcTestTeardown?: () => Promise<unknown> }).__dvcTestTeardown = stop;
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
  process.env.DVC_TEST_DATABASE_URL = url;
  process.env.DVC_TEST_ACCOUNTS_DATABASE_URL = accountsUrl;
}
