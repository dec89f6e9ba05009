/** The databases each jest worker has of its own (copies of one migrated, seeded template). */
export const TEST_DATABASES = ['main', 'accounts', 'operations'] as const;

/** The migrated, seeded database every test database is copied from. */
export const TEST_TEMPLATE_DATABASE = 'dvc_test_template';

/** The URL of another database on the same server. */
export const databaseAt = (serverUrl: string, name: string) => serverUrl.replace(/\/[^/?]+(\?.*)?$/, `/${name}$1`);

export const testDatabaseName = (db: (typeof TEST_DATABASES)[number], worker: number) => `dvc_test_${db}_w${worker}`;

/**
 * What the global setup prepared for the whole run (jest passes it to the test files through the
 * environment: the test processes start after the global setup): this worker's databases.
 */
export function testContext(): { databaseUrl: string; accountsDatabaseUrl: string; operationsDatabaseUrl: string } {
  const server = process.env.DVC_TEST_SERVER_URL;
  if (!server) throw new Error('the test database is not set up: run the suite with jest (npm test)');
  const worker = Number(process.env.JEST_WORKER_ID ?? 1);
  const url = (db: (typeof TEST_DATABASES)[number]) => databaseAt(server, testDatabaseName(db, worker));
  return { databaseUrl: url('main'), accountsDatabaseUrl: url('accounts'), operationsDatabaseUrl: url('operations') };
}

/**
 * A database of the test file's own, copied from the seeded template (for the files whose requests change
 * what the next file on the same worker would meet: calendar days off, locked accounts).
 */
export async function freshDatabase(name: string): Promise<string> {
  const server = process.env.DVC_TEST_SERVER_URL;
  if (!server) throw new Error('the test database is not set up: run the suite with jest (npm test)');
  const db = `dvc_test_${name.replace(/\W/g, '_')}_w${process.env.JEST_WORKER_ID ?? 1}`;
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: databaseAt(server, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${db}`);
    await admin.query(`create database ${db} template ${TEST_TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  return databaseAt(server, db);
}
