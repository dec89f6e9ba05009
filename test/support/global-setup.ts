import { startEmbeddedPostgres } from '../../local/embedded-postgres';
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
  // Databases of their own for the tests that move the whole population's clock (the account sweep)
  // and for the contract test, whose generated requests change the calendar and lock accounts, and for the
  // operators' console test, which stops its mail server and refuses writes on purpose (the outbox relays
  // of every platform on one database share its messages).
  const others: Record<string, string> = {};
  for (const name of ['dvc_accounts_test', 'dvc_contract_test', 'dvc_operations_test']) {
    await orm.em.fork().execute(`drop database if exists ${name}`);
    await orm.em.fork().execute(`create database ${name}`);
    others[name] = url.replace(/\/[^/?]+(\?.*)?$/, `/${name}$1`);
    const other = await openOrm(others[name]);
    await migrate(other);
    await seedDemoData(other);
    await other.close();
  }
  await orm.close();
  process.env.DVC_TEST_DATABASE_URL = url;
  process.env.DVC_TEST_ACCOUNTS_DATABASE_URL = others.dvc_accounts_test;
  process.env.DVC_TEST_CONTRACT_DATABASE_URL = others.dvc_contract_test;
  process.env.DVC_TEST_OPERATIONS_DATABASE_URL = others.dvc_operations_test;
}
