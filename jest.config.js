/**
 * jest 30 in ESM mode (node --experimental-vm-modules); TypeScript through @swc/jest.
 * The workflow and API suites each start their own Temporal server and share one PostgreSQL, so test
 * files run one after another (maxWorkers 1). Engine and library logs go to test-output/logs/, one file
 * per test file; the reporter prints the logs of a file whose tests failed.
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
  reporters: ['default', '<rootDir>/test/support/failed-logs-reporter.js'],
  maxWorkers: 1,
  testTimeout: 120_000,
};
