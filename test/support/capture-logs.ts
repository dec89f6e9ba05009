import { appendFileSync, mkdirSync } from 'node:fs';
import { relative } from 'node:path';
import { format } from 'node:util';
import { expect } from '@jest/globals';
import { pino, type Logger } from 'pino';
import { createLogger } from '../../runtime/logger';

/**
 * Runs before each test file: its console, the platform's JSON logs and the Temporal engine's logs
 * go to one file in test-output/logs/ (the platform and the workflow environments take testLogger()), which the reporter prints when a test of the file fails.
 */
const root = new URL('../..', import.meta.url).pathname;
const dir = process.env.DVC_TEST_LOG_DIR ?? `${root}test-output/logs`;
mkdirSync(dir, { recursive: true });
const file = `${dir}/${relative(root, expect.getState().testPath ?? 'unknown').replace(/[\\/]/g, '__')}.log`;

for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  console[method] = (...args: unknown[]) => appendFileSync(file, `[console.${method}] ${format(...args)}\n`);
}

const logger: Logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'info', 'test', pino.destination({ dest: file, sync: true, append: true }));

/** The current test file's log. */
export const logFile = file;

/** The logger the platform under test writes to (the current test file's log). */
export const testLogger = () => logger;
