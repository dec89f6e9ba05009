/* global process */
/**
 * jest 30 in ESM mode (node --experimental-vm-modules); TypeScript through @swc/jest.
 * Every test file starts its own Temporal server and platform; each jest worker has databases of its own
 * in the one PostgreSQL (test/support/global-setup.ts), so files run side by side: TEST_WORKERS of them
 * (3 by default, the fastest on 2 cores; TEST_WORKERS=1 runs one file at a time). Engine and library logs
 * go to test-output/logs/, one file per test file; the reporter prints the logs of a file whose tests failed.
 */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json', 'node'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/capture-logs.ts'],
  testSequencer: '<rootDir>/test/support/sequencer.js',
  reporters: ['default', '<rootDir>/test/support/failed-logs-reporter.js'],
  maxWorkers: Number(process.env.TEST_WORKERS ?? 3),
  testTimeout: 120_000,
};
