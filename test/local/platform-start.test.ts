import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { PROJECT_ROOT } from '../../runtime/tools';
import { because } from '../support/because';
import { freePort } from '../support/ports';
import { removeScratch, scratchDir } from '../support/scratch';

/**
 * `./platform start` after a crash: its servers die with it, a start after a crash of everything
 * stops what was left and says so, and a second start beside a running one refuses, naming it.
 */
interface Started {
  launcher: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

let dataDir = '';
let env: NodeJS.ProcessEnv = {};
let apiPort = 0;
const launchers: ChildProcess[] = [];

async function environment() {
  dataDir = await scratchDir('stack');
  // As in the project's .data/: PostgreSQL runs as its own user when the tests run as root.
  await chmod(dataDir, 0o755);
  apiPort = await freePort();
  const { NODE_OPTIONS: _n, DATABASE_URL: _d, ...rest } = process.env;
  env = {
    ...rest,
    DVC_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    PORT: String(apiPort),
    OIDC_PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    MAIL_SMTP_PORT: String(await freePort()),
    MAIL_WEB_PORT: String(await freePort()),
    SMS_PORT: String(await freePort()),
    BANK_SIM_PORT: '0',
    WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
  };
}

/** `./platform start`, run directly or (`fromScript`) in the background of a script, as `cmd &` would. */
function start(fromScript = false): Started {
  const args = fromScript ? ['-c', `bash "${PROJECT_ROOT}platform" start & echo "launcher=$!"; wait $!`] : [`${PROJECT_ROOT}platform`, 'start'];
  const launcher = spawn('bash', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  launchers.push(launcher);
  let out = '';
  launcher.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  launcher.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
  return { launcher, output: () => out, exited };
}

async function healthy(s: Started): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (s.launcher.exitCode !== null) throw new Error(`start ended (${s.launcher.exitCode}):\n${s.output()}`);
    const ok = await fetch(`http://127.0.0.1:${apiPort}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no health in time:\n${s.output()}`);
}

const record = () => JSON.parse(readFileSync(`${dataDir}/stack.json`, 'utf8')) as { pid: number; pgid: number | null; children: Record<string, number> };
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function gone(pids: number[], seconds = 20): Promise<boolean> {
  for (let i = 0; i < seconds * 5 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 200));
  return !pids.some(alive);
}

afterAll(async () => {
  for (const l of launchers) if (l.exitCode === null) l.kill('SIGINT');
  if (dataDir && existsSync(`${dataDir}/stack.json`)) {
    const r = record();
    for (const pid of [r.pid, ...Object.values(r.children)]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await new Promise((r) => setTimeout(r, 500));
  if (dataDir) await removeScratch(dataDir);
});

describe('./platform start survives its own crash', () => {
  it('killed with -9, its PostgreSQL and Temporal go with it; a crash of everything is cleaned up by the next start; SIGINT stops it cleanly, even started from a script; orphaned, it stops', async () => {
    await environment();
    const first = start();
    await healthy(first);
    const r1 = record();
    expect(Object.keys(r1.children).sort()).toEqual(['postgres', 'temporal']);
    expect(r1.pgid).toBe(r1.pid);

    // The stack process dies without stopping anything: the launcher stops what it started.
    process.kill(r1.pid, 'SIGKILL');
    await first.exited;
    expect(await gone(Object.values(r1.children))).toBe(true);

    // Everything dies at once (launcher and stack): the servers are left running, orphaned.
    const second = start();
    await healthy(second);
    const r2 = record();
    process.kill(second.launcher.pid!, 'SIGKILL');
    process.kill(r2.pid, 'SIGKILL');
    await second.exited;
    await new Promise((r) => setTimeout(r, 500));
    expect(Object.values(r2.children).every(alive)).toBe(true);

    // The next start stops them, says so, and runs.
    const third = start();
    await healthy(third);
    because(third.output(), () => expect(third.output()).toMatch(/Lần chạy trước đã dừng đột ngột; đã dừng những gì nó để lại: .*pid/));
    expect(Object.values(r2.children).some(alive)).toBe(false);

    // A second start beside a running one refuses and names it, touching nothing.
    const fourth = start();
    expect(await fourth.exited).toBe(1);
    expect(fourth.output()).toContain(`Nền tảng đang chạy rồi (tiến trình ${record().pid}`);
    expect((await fetch(`http://127.0.0.1:${apiPort}/health`)).status).toBe(200);

    // Ctrl-C: a clean stop leaves nothing, not even the record, and is not reported as an abrupt one.
    const r3 = record();
    third.launcher.kill('SIGINT');
    expect(await third.exited).toBe(0);
    expect(await gone([r3.pid, ...Object.values(r3.children)])).toBe(true);
    expect(existsSync(`${dataDir}/stack.json`)).toBe(false);
    expect(third.output()).not.toMatch(/» the platform stopped/);

    // Started in the background by a script: bash ignores SIGINT in what it starts so (no job control, and
    // a script can then neither trap nor reset it); the launcher still stops in order on SIGINT.
    const scripted = start(true);
    await healthy(scripted);
    const launcherPid = Number(/launcher=(\d+)/.exec(scripted.output())![1]);
    const r4 = record();
    process.kill(launcherPid, 'SIGINT');
    expect(await scripted.exited).toBe(0);
    expect(await gone([launcherPid, r4.pid, ...Object.values(r4.children)])).toBe(true);
    expect(existsSync(`${dataDir}/stack.json`)).toBe(false);
    because(scripted.output(), () => expect(scripted.output()).not.toMatch(/» the platform stopped/));

    // The launcher killed alone: the stack notices it is orphaned and stops everything in order.
    const fifth = start();
    await healthy(fifth);
    const r5 = record();
    process.kill(fifth.launcher.pid!, 'SIGKILL');
    expect(await gone([r5.pid, ...Object.values(r5.children)], 60)).toBe(true);
    expect(existsSync(`${dataDir}/stack.json`)).toBe(false);
  }, 300_000);
});
