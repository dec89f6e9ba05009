/**
 * Benchmark: the API's memory under uploads, in one run. Baseline: 4 citizens at once submitting a
 * dossier with a 4 MiB PDF (the largest the birth registration allows is 5 MiB), 5 rounds. Hostile: 4
 * requests at once, each with 20 files of 10 MiB under components the procedure does not have (the
 * finding of issue 9: ~200 MiB per request kept before the refusal), measured first. Reports the API
 * process's peak resident memory above what it had before each phase, sampled every 20 ms from /proc.
 *   npm run bench:uploads
 * Results: bench/results/uploads.json and .md.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { DEMO_MACHINE_CLIENTS } from '../db/demo-data';
import { migrate, openOrm } from '../db/orm';
import { seedDemoData } from '../db/seed';
import { startEmbeddedPostgres } from '../local/embedded-postgres';
import { startIdentityProvider } from '../local/identity-provider';
import { startTemporalDevServer } from '../local/temporal-dev-server';
import { freePort } from '../test/support/ports';
import { signIn, type Session } from '../test/support/sessions';
import { rssMiB } from './support/stack';

const dataDir = '.data/bench-uploads';
await rm(dataDir, { recursive: true, force: true });
await mkdir(dataDir, { recursive: true });
const pg = await startEmbeddedPostgres({ dataDir: `${dataDir}/pg`, port: await freePort(), database: 'bench' });
const orm = await openOrm(pg.url, 2);
await migrate(orm);
await seedDemoData(orm);
await orm.close();
const temporal = await startTemporalDevServer({ dataDir: `${dataDir}/temporal`, port: await freePort(), uiPort: 0, headless: true });
const apiPort = await freePort();
const apiUrl = `http://localhost:${apiPort}`;
const idp = await startIdentityProvider({ port: await freePort(), clientId: 'bench', clientSecret: 'bench-client-secret-0123', redirectUris: [`${apiUrl}/auth/callback`], integrationClients: DEMO_MACHINE_CLIENTS });
const api = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
  env: {
    ...process.env, LOG_LEVEL: 'warn', PORT: String(apiPort), PUBLIC_URL: apiUrl, DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address, OIDC_ISSUER: idp.issuer, OIDC_AUTHORIZATION_URL: idp.authorizationURL, OIDC_TOKEN_URL: idp.tokenURL,
    OIDC_USERINFO_URL: idp.userInfoURL, OIDC_CLIENT_ID: 'bench', OIDC_CLIENT_SECRET: 'bench-client-secret-0123',
    SESSION_SECRET: 'bench-session-secret-0123456789abcdef0123456789', SMTP_URL: 'smtp://127.0.0.1:1',
    RATE_LIMIT_SUBMISSIONS: 'off',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
for (let i = 0; ; i++) {
  if (await fetch(`${apiUrl}/health`).then((r) => r.ok, () => false)) break;
  if (i > 300) throw new Error('API did not start');
  await new Promise((r) => setTimeout(r, 200));
}
const citizens: Session[] = [await signIn(apiUrl, 'congdan1'), await signIn(apiUrl, 'congdan2')];

/** Runs the phase and returns the peak resident memory of the API above what it had before. */
async function peakAbove(phase: () => Promise<unknown>): Promise<{ beforeMiB: number; peakMiB: number; growthMiB: number }> {
  (global as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 1000));
  const before = rssMiB(api.pid!);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(api.pid!))), 20);
  await phase();
  clearInterval(sampler);
  return { beforeMiB: before, peakMiB: peak, growthMiB: peak - before };
}

const pdf = (size: number) => {
  const head = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n');
  const tail = Buffer.from('\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  return Buffer.concat([head, Buffer.alloc(size - head.length - tail.length, 0x20), tail]);
};
const legit = pdf(4 * 1024 * 1024);
const junk = Buffer.alloc(10 * 1024 * 1024, 0x41);

function submission(files: { name: string; bytes: Buffer }[]) {
  const form = new FormData();
  form.set('procedureCode', 'STP-KS');
  form.set('formData', JSON.stringify({ hoTenTre: 'Lê Gia Hân', ngaySinhTre: '2026-10-20', noiSinh: 'Hà Nội' }));
  for (const f of files) form.append(f.name, new Blob([new Uint8Array(f.bytes)]), `${f.name}.pdf`);
  return form;
}

const statuses: Record<string, number[]> = { baseline: [], hostile: [] };
// The hostile phase first, on the idle API: what it would keep is not hidden in a heap grown before.
const hostile = await peakAbove(async () => {
  const answers = await Promise.all(
    Array.from({ length: 4 }, (_, i) => citizens[i % 2]!.multipart('/api/dossiers', submission(Array.from({ length: 20 }, (_x, j) => ({ name: `khongCo${j}`, bytes: junk }))))),
  );
  statuses.hostile!.push(...answers.map((r) => r.status));
});

const baseline = await peakAbove(async () => {
  for (let round = 0; round < 5; round++) {
    const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => citizens[i % 2]!.multipart('/api/dossiers', submission([{ name: 'giayChungSinh', bytes: legit }]))));
    statuses.baseline!.push(...answers.map((r) => r.status));
  }
});
api.kill('SIGTERM');
await new Promise((r) => api.once('exit', r));
await idp.close();
await temporal.stop();
await pg.stop();

const result = {
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}`,
  date: new Date().toISOString().slice(0, 10),
  baseline: { what: '4 concurrent submissions × 5 rounds, one 4 MiB PDF each', statuses: statuses.baseline, ...baseline },
  hostile: { what: '4 concurrent requests, each 20 files × 10 MiB under unknown components (800 MiB sent)', statuses: statuses.hostile, ...hostile },
  ratio: +(hostile.growthMiB / Math.max(1, baseline.growthMiB)).toFixed(2),
};
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/uploads.json', `${JSON.stringify(result, null, 2)}\n`);
await writeFile(
  'bench/results/uploads.md',
  [
    `# Uploads: the API's memory (${result.date}, ${result.machine})`,
    '',
    `| phase | answers | resident before | peak | growth |`,
    `|---|---|---|---|---|`,
    `| baseline: ${result.baseline.what} | ${[...new Set(statuses.baseline)].join(', ')} | ${baseline.beforeMiB} MiB | ${baseline.peakMiB} MiB | ${baseline.growthMiB} MiB |`,
    `| hostile: ${result.hostile.what} | ${[...new Set(statuses.hostile)].join(', ')} | ${hostile.beforeMiB} MiB | ${hostile.peakMiB} MiB | ${hostile.growthMiB} MiB |`,
    '',
    `Hostile growth / baseline growth: ${result.ratio}.`,
    '',
  ].join('\n'),
);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.exit(0);
