import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DEMO_PROCEDURES, demoUser } from '../../db/demo-data';
import { startEmbeddedPostgres } from '../../local/embedded-postgres';
import { migrate, openOrm } from '../../db/orm';
import { seedDemoData } from '../../db/seed';
import type { Actor } from '../../domain/access/roles';
import type { DossierAction } from '../../domain/dossier/vocabulary';
import { startTemporalDevServer } from '../../local/temporal-dev-server';
import { recordSubmission } from '../../services/dossier-intake';
import { freePort } from '../../test/support/ports';
import { startSmtpCatcher } from '../../test/support/smtp';
import { DOSSIER_WORKFLOW, performActionUpdate, type DossierWorkflowInput } from '../../workflows/dossier/definitions';

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

/**
 * PostgreSQL, the Temporal dev server, an SMTP server, and the worker as its own process (so that each
 * can be measured, killed and restarted separately).
 */
export async function startBenchStack(name: string) {
  const dataDir = `.data/bench-${name}`;
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const pgPort = await freePort();
  let pg = await startEmbeddedPostgres({ dataDir: `${dataDir}/pg`, port: pgPort, database: 'bench' });
  const orm = await openOrm(pg.url, 10);
  await migrate(orm);
  await seedDemoData(orm);
  const temporalPort = await freePort();
  let temporal = await startTemporalDevServer({ dataDir: `${dataDir}/temporal`, port: temporalPort, uiPort: 0, headless: true });
  const smtp = await startSmtpCatcher();
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const workerEnv = {
    ...process.env, LOG_LEVEL: 'warn', DATABASE_URL: pg.url, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: 'dossier', SMTP_URL: smtp.url,
    OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_AUTHORIZATION_URL: 'http://127.0.0.1:9/auth', OIDC_TOKEN_URL: 'http://127.0.0.1:9/token', OIDC_USERINFO_URL: 'http://127.0.0.1:9/me',
    OIDC_CLIENT_ID: 'bench', OIDC_CLIENT_SECRET: 'bench-client-secret-0123', SESSION_SECRET: 'bench-session-secret-0123456789abcdef0123456789',
  };
  let worker: ChildProcess | null = null;
  const workers: ChildProcess[] = [];
  /** The worker from the sources (tsx), or a production build's `worker.mjs` when given. */
  const startWorker = async (env: Record<string, string> = {}, built?: string) => {
    worker = spawn(process.execPath, built ? [built] : ['--import', 'tsx', 'workers/main.ts'], { env: { ...workerEnv, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    workers.push(worker);
    // Ready when it polls the task queue (a poller of this process: an earlier worker's stays listed a while).
    for (let i = 0; i < 300; i++) {
      const d = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: 'dossier' }, taskQueueType: 1 }).catch(() => null);
      if (d?.pollers?.some((p) => p.identity?.startsWith(`${worker!.pid}@`)) && worker.exitCode === null) return worker;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('worker did not start');
  };

  /** Stops every worker started: a graceful stop first (a profiled worker writes its profile on exit), then a hard one. */
  const stopWorker = async () => {
    await Promise.all(workers.splice(0).map(async (w) => {
      if (w.exitCode !== null) return;
      const exited = new Promise((r) => w.once('exit', r));
      w.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      w.kill('SIGKILL');
    }));
  };

  const actor = (subject: string): Actor => {
    const u = demoUser(subject);
    return { id: u.id, name: u.fullName, roles: u.roles, agencyCode: u.agencyCode };
  };
  const proc = DEMO_PROCEDURES.find((p) => p.code === 'STP-KS')!;
  /** Records a submission (as the API does) and starts its workflow. */
  const submit = async () => {
    const receivedAt = new Date();
    const { code } = await recordSubmission(orm.em.fork(), {
      procedureCode: proc.code, agencyCode: proc.agencyCode, citizenId: actor('congdan1').id, processingDays: proc.processingDays, feeAmount: 0,
      formData: { hoTenTre: 'Bench' }, files: [], receivedAt, idempotencyKey: null,
    });
    const input: DossierWorkflowInput = { code, procedureCode: proc.code, agencyCode: proc.agencyCode, citizenId: actor('congdan1').id, processingDays: proc.processingDays, feeAmount: 0, receivedAt: receivedAt.toISOString(), requestId: randomUUID() };
    await client.workflow.start(DOSSIER_WORKFLOW, { taskQueue: 'dossier', workflowId: code, args: [input] });
    return code;
  };
  const STEPS: [string, DossierAction][] = [
    ['tiepnhan.hn', { type: 'accept' }],
    ['xuly.hn', { type: 'submit_for_approval', summary: 'Đủ điều kiện' }],
    ['lanhdao.hn', { type: 'approve' }],
    ['trakq.hn', { type: 'issue_result', title: 'Giấy khai sinh', content: 'Bản điện tử' }],
  ];
  const act = (code: string, step: number) => {
    const [who, action] = STEPS[step]!;
    return client.workflow.getHandle(code).executeUpdate(performActionUpdate, { args: [{ action, actor: actor(who), requestId: randomUUID() }] });
  };

  return {
    orm, client, smtp, STEPS, submit, act, startWorker,
    get worker() {
      return worker;
    },
    get pg() {
      return pg;
    },
    temporalPid: () => temporal.pid,
    /** The dev server's SQLite database file. */
    temporalDb: () => `${dataDir}/temporal/temporal.sqlite`,
    temporalAddress: () => temporal.address,
    async restartTemporal() {
      await temporal.stop();
      temporal = await startTemporalDevServer({ dataDir: `${dataDir}/temporal`, port: temporalPort, uiPort: 0, headless: true });
    },
    async restartPostgres() {
      await pg.stop();
      pg = await startEmbeddedPostgres({ dataDir: `${dataDir}/pg`, port: pgPort, database: 'bench' });
    },
    stopWorker,
    async stop() {
      await stopWorker();
      await connection.close();
      await orm.close();
      await smtp.close();
      await temporal.stop();
      await pg.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
