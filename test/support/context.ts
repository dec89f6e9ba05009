/**
 * What the global setup prepared for the whole run (jest passes it to the test files through the
 * environment: the test processes start after the global setup).
 */
export function testContext(): { databaseUrl: string; accountsDatabaseUrl: string; contractDatabaseUrl: string; operationsDatabaseUrl: string } {
  const databaseUrl = process.env.DVC_TEST_DATABASE_URL;
  const accountsDatabaseUrl = process.env.DVC_TEST_ACCOUNTS_DATABASE_URL;
  const contractDatabaseUrl = process.env.DVC_TEST_CONTRACT_DATABASE_URL;
  const operationsDatabaseUrl = process.env.DVC_TEST_OPERATIONS_DATABASE_URL;
  if (!databaseUrl || !accountsDatabaseUrl || !contractDatabaseUrl || !operationsDatabaseUrl) throw new Error('the test database is not set up: run the suite with jest (npm test)');
  return { databaseUrl, accountsDatabaseUrl, contractDatabaseUrl, operationsDatabaseUrl };
}
