import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_OPTIONS } from '../../workers/process-worker';
import { startEmbeddedPostgres } from '../../local/embedded-postgres';
import { migrate, openOrm } from '../../db/orm';
import { seedDemoData } from '../../db/seed';
import { freePort } from './ports';
import { removeScratch, scratchDir } from './scratch';
import { databaseAt, TEST_DATABASES, TEST_TEMPLATE_DATABASE, testDatabaseName } from './context';

/**
 * One real PostgreSQL for the whole run: embedded (fresh, in a temporary folder that the teardown
 * removes) unless TEST_DATABASE_URL is given. The schema is migrated and the demo data seeded once, into
 * a template database; each jest worker then gets its own copies of it (PostgreSQL copies a template in
 * a fraction of a second), so that test files running side by side never share rows: the main database,
 * and the ones of the tests that move the whole population's clock (the account sweep) and of the tests that stop their
 * mail server or announce days off (the outbox relays of every platform on one database share its
 * messages). The workflow code is bundled once, for every file's workers. The server's URL reaches the test files through the environment.
 */
export default async function setup(globalConfig: { maxWorkers: number }) {
  let url = process.env.TEST_DATABASE_URL;
  let stop = async (): Promise<unknown> => undefined;
  if (!url) {
    const dataDir = await scratchDir('pg');
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'dvc_test' });
    url = server.url;
    stop = async () => {
      await server.stop();
      await removeScratch(dataDir);
    };
  }
  // The workflow code bundled once for every test file (webpack takes seconds of CPU each time).
  const bundleDir = await scratchDir('bundle');
  const { code } = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } });
  await writeFile(`${bundleDir}/workflow-bundle.js`, code);
  process.env.WORKFLOW_BUNDLE_FILE = `${bundleDir}/workflow-bundle.js`;
  const stopDatabase = stop;
  stop = async () => {
    await stopDatabase();
    await removeScratch(bundleDir);
  };
  (globalThis as { __dvcTestTeardown?: () => Promise<unknown> }).__dvcTestTeardown = stop;
  const at = (name: string) => databaseAt(url, name);
  const admin = new pg.Client({ connectionString: at('postgres') });
  await admin.connect();
  try {
    const template = TEST_TEMPLATE_DATABASE;
    await admin.query(`drop database if exists ${template}`);
    await admin.query(`create database ${template}`);
    const orm = await openOrm(at(template));
    await migrate(orm);
    await seedDemoData(orm);
    await orm.close();
    for (let worker = 1; worker <= Math.max(1, globalConfig.maxWorkers); worker++) {
      for (const db of TEST_DATABASES) {
        const name = testDatabaseName(db, worker);
        await admin.query(`drop database if exists ${name}`);
        await admin.query(`create database ${name} template ${template}`);
      }
    }
  } finally {
    await admin.end();
  }
  process.env.DVC_TEST_SERVER_URL = url;
}
