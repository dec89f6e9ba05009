/** The databases each jest worker has of its own (copies of one migrated, seeded template). */
export const TEST_DATABASES = ['main', 'accounts', 'contract', 'operations'] as const;

export const testDatabaseName = (db: (typeof TEST_DATABASES)[number], worker: number) => `dvc_test_${db}_w${worker}`;

/**
 * What the global setup prepared for the whole run (jest passes it to the test files through the
 * environment: the test processes start after the global setup): this worker's databases.
 */
export function testContext(): { databaseUrl: string; accountsDatabaseUrl: string; contractDatabaseUrl: string; operationsDatabaseUrl: string } {
  const server = process.env.DVC_TEST_SERVER_URL;
  if (!server) throw new Error('the test database is not set up: run the suite with jest (npm test)');
  const worker = Number(process.env.JEST_WORKER_ID ?? 1);
  const url = (db: (typeof TEST_DATABASES)[number]) => server.replace(/\/[^/?]+(\?.*)?$/, `/${testDatabaseName(db, worker)}$1`);
  return { databaseUrl: url('main'), accountsDatabaseUrl: url('accounts'), contractDatabaseUrl: url('contract'), operationsDatabaseUrl: url('operations') };
}
