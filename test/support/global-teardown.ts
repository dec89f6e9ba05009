/** Stops the run's PostgreSQL and removes its data folder. */
export default async function teardown() {
  await (globalThis as { __dvcTestTeardown?: () => Promise<unknown> }).__dvcTestTeardown?.();
}
