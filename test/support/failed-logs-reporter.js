import process from 'node:process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * Engine and library logs of each test file go to test-output/logs/ (test/support/capture-logs.ts);
 * this reporter empties that folder when a run starts and prints the logs of a file whose tests failed.
 */
export default class FailedLogsReporter {
  constructor(globalConfig) {
    this.dir = `${globalConfig.rootDir}/test-output/logs`;
    process.env.DVC_TEST_LOG_DIR = this.dir;
  }

  onRunStart() {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  onTestResult(test, result) {
    if (result.numFailingTests === 0 && !result.testExecError) return;
    const file = `${this.dir}/${relative(test.context.config.rootDir, test.path).replace(/[\\/]/g, '__')}.log`;
    if (!existsSync(file)) return;
    const lines = readFileSync(file, 'utf8').split('\n');
    const shown = lines.slice(-300);
    process.stderr.write(`\n── logs of ${relative(test.context.config.rootDir, test.path)} (${shown.length < lines.length ? `last ${shown.length} of ${lines.length} lines; all in ` : ''}${file}) ──\n${shown.join('\n')}\n`);
  }

  onRunComplete() {
    process.stderr.write(`Engine and library logs of this run: ${this.dir}/\n`);
  }
}
