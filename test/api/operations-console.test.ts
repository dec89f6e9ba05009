import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NativeConnection } from '@temporalio/worker';
import { DEMO_PROCEDURES, demoUser } from '../../db/demo-data';
import { recordSubmission } from '../../services/dossier-intake';
import { createProcessWorker } from '../../workers/process-worker';
import { DOSSIER_WORKFLOW, feePaidOnlineSignal, type DossierWorkflowInput } from '../../workflows/dossier/definitions';
import { workflowsDeployedWith } from '../support/deploys';
import { testContext } from '../support/context';
import { workerDeps } from '../support/deps';
import { json } from '../support/http';
import { startSmtpCatcher } from '../support/smtp';
import { integrationSession, pdfBytes, signIn, startTestPlatform, type Session } from '../support/platform';
import { OPERATIONS_WATCH_WORKFLOW } from '../../workflows/operations/watch';

/**
 * The operators' console (issue 14) on the Temporal dev server: each kind of stall is provoked for
 * real — SMTP down, an activity whose database write is refused, a non-deterministic deploy — found
 * with its business identity, and repaired through the API with nothing lost or duplicated.
 */
let p: Awaited<ReturnType<typeof startTestPlatform>>;
let operator: Session;
let citizen: Session;
let officer: Session;

beforeAll(async () => {
  // A database of its own: this file stops its mail server and refuses writes on purpose.
  p = await startTestPlatform({ databaseUrl: testContext().operationsDatabaseUrl });
  operator = await signIn(p.apiUrl, 'vanhanh');
  citizen = await signIn(p.apiUrl, 'congdan1');
  officer = await signIn(p.apiUrl, 'tiepnhan.hn');
});
afterAll(async () => {
  await p?.orm.em.fork().execute('drop trigger if exists ops_test_fault on dossier_history; drop function if exists ops_test_fault(); drop table if exists ops_test_fault;').catch(() => undefined);
  await p?.stop();
});

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}

const proc = DEMO_PROCEDURES.find((d) => d.code === 'STP-KS')!;

/** Records a dossier as the API does and starts its process on a task queue (a worker of the test's choosing). */
async function startDossier(taskQueue: string) {
  const receivedAt = new Date();
  const { code } = await recordSubmission(p.orm.em.fork(), {
    procedureCode: proc.code, agencyCode: proc.agencyCode, citizenId: demoUser('congdan1').id, processingDays: proc.processingDays, feeAmount: proc.feeAmount,
    formData: { note: 'ops' }, files: [], receivedAt, idempotencyKey: null,
  });
  return { code, start: () => p.temporal.workflow.start(DOSSIER_WORKFLOW, { taskQueue, workflowId: code, args: [{ code, procedureCode: proc.code, agencyCode: proc.agencyCode, citizenId: demoUser('congdan1').id, processingDays: proc.processingDays, feeAmount: proc.feeAmount, receivedAt: receivedAt.toISOString(), requestId: null, waiting: null } satisfies DossierWorkflowInput] }) };
}

const historyOf = (code: string) => p.orm.em.fork().execute<{ action: string }[]>('select action from dossier_history where dossier_code = ? order by seq', [code]);

type Listed = { items: { workflowId: string; runId: string; kind: string | null; agencyCode: string | null; procedureCode: string | null; activityId?: string; activityType?: string; attempt?: number; lastFailure?: string | null; problems?: string[] }[] };

describe('the operators console', () => {
  it('alerts: a connected system silent too long, or failing call after call, is raised to the operators once and cleared when it recovers', async () => {
    // A connected system's refused call is counted against its account (a business answer such as 404 is not).
    const system = await integrationSession(p.apiUrl, p.idp.tokenURL);
    const before = new Date();
    expect((await system.get('/api/operations/alerts')).status).toBe(403);
    await until(async () => (await p.orm.em.fork().execute<{ at: string | null }[]>('select last_failed_call_at as at from account where subject = ?', [system.subject]))[0]!.at, (at) => at !== null && new Date(at) >= new Date(before.getTime() - 1000));

    const em = p.orm.em.fork();
    const subject = `client:ops-test-${process.pid}`;
    await em.execute(`insert into account (id, subject, kind, full_name, email, roles, created_at, last_activity_at, failed_calls_in_row, last_failed_call_at)
      values (gen_random_uuid(), ?, 'integration', 'Hệ thống thử nghiệm vận hành', ?, '{integration}', now() - interval '3 days', now() - interval '2 days', 25, now())`, [subject, `kythuat-${process.pid}@motcua.example.vn`]);
    const watch = () => p.temporal.workflow.execute(OPERATIONS_WATCH_WORKFLOW, { taskQueue: p.cfg.TEMPORAL_TASK_QUEUE, workflowId: `watch-${Date.now()}` });
    type Alerts = { items: { kind: string; kindLabel: string; subject: string }[] };
    const mine = async (state: string) => (await json<Alerts>(await operator.get(`/api/operations/alerts?state=${state}`), 200)).items.filter((a) => a.subject === subject);
    try {
      await watch();
      expect((await mine('open')).map((a) => a.kind).sort()).toEqual(['integration_failing', 'integration_silent']);
      // The portal's operators and the connected system's technical contact are told (000 §52).
      await p.smtp.waitFor((m) => m.subject.includes('không gọi đến Cổng') && m.subject.includes('Hệ thống thử nghiệm vận hành') && m.to.includes('vanhanh@dichvucong.gov.vn'));
      await p.smtp.waitFor((m) => m.subject.includes('gọi lỗi liên tục') && m.to.includes(`kythuat-${process.pid}@motcua.example.vn`));
      // Watching again raises nothing twice.
      await watch();
      expect(await mine('open')).toHaveLength(2);
      // The system calls again, successfully: both alerts clear.
      await em.execute('update account set last_activity_at = now(), failed_calls_in_row = 0 where subject = ?', [subject]);
      await watch();
      expect(await mine('open')).toHaveLength(0);
      expect(await mine('cleared')).toHaveLength(2);
      expect((await citizen.get('/api/operations/alerts')).status).toBe(403);
    } finally {
      await em.execute('update account set locked_at = now() where subject = ?', [subject]);
    }
  });

  it('SMTP down: the dossier\'s confirmation waits in the outbox with its dossier; once SMTP is back, sent now, once', async () => {
    await p.smtp.close();
    const f = new FormData();
    f.set('procedureCode', 'STP-KS');
    f.set('formData', JSON.stringify({ hoTenTre: 'Nguyễn Văn Bé', ngaySinhTre: '2026-09-09', noiSinh: 'Hà Nội' }));
    f.set('giayChungSinh', new Blob([pdfBytes()]), 'gcs.pdf');
    const submitted = await citizen.multipart('/api/dossiers', f);
    const { code } = await json<{ code: string }>(submitted, 201);
    type Outbox = { items: { id: string; subject: string; attempts: number; lastError: string | null; process: { kind: string; code: string; agencyCode: string | null; procedureCode: string | null } | null }[] };
    // An attempt is counted when the relay claims the message, its error once the attempt has failed.
    const waiting = await until(
      async () => json<Outbox>(await operator.get('/api/operations/notifications?state=waiting'), 200),
      (o) => o.items.some((m) => m.process?.code === code && m.lastError !== null),
    );
    const stuck = waiting.items.find((m) => m.process?.code === code)!;
    expect(stuck.process).toEqual({ kind: 'dossier', code, agencyCode: proc.agencyCode, procedureCode: 'STP-KS' });
    expect(stuck.attempts).toBeGreaterThanOrEqual(1);
    expect(stuck.lastError).toBeTruthy();

    const back = await startSmtpCatcher({ port: p.smtp.port });
    try {
      expect((await operator.send('POST', `/api/operations/notifications/${stuck.id}/retry`)).status).toBe(200);
      await back.waitFor((m) => m.subject === stuck.subject);
      // Sent once: asking again is refused, and the mail server got one copy.
      expect((await operator.send('POST', `/api/operations/notifications/${stuck.id}/retry`)).status).toBe(409);
      await new Promise((r) => setTimeout(r, 500));
      expect(back.mails.filter((m) => m.subject === stuck.subject)).toHaveLength(1);
    } finally {
      await back.close();
    }
  });

  it('an activity that keeps failing is listed with its dossier and last error; fixed and retried now, the step is recorded once', async () => {
    const em = p.orm.em.fork();
    await em.execute(`create table if not exists ops_test_fault (dossier_code text primary key);
      create or replace function ops_test_fault() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from ops_test_fault where dossier_code = new.dossier_code) then raise exception 'disk full (test fault)'; end if;
        return new;
      end $$;
      drop trigger if exists ops_test_fault on dossier_history;
      create trigger ops_test_fault before insert on dossier_history for each row execute function ops_test_fault();`);
    const d = await startDossier(p.cfg.TEMPORAL_TASK_QUEUE);
    await em.execute('insert into ops_test_fault values (?)', [d.code]);
    await d.start();

    const listed = await until(async () => json<Listed>(await operator.get(`/api/operations/processes?problem=stalled_activities&agencyCode=${proc.agencyCode}`), 200), (l) => l.items.some((i) => i.workflowId === d.code));
    const stalled = listed.items.find((i) => i.workflowId === d.code)!;
    expect(stalled).toMatchObject({ kind: 'dossier', agencyCode: proc.agencyCode, procedureCode: 'STP-KS', activityType: 'recordTransition' });
    expect(stalled.attempt).toBeGreaterThanOrEqual(3);
    expect(stalled.lastFailure).toContain('disk full');
    // Other filters leave it out; only operators see the console.
    expect((await json<Listed>(await operator.get('/api/operations/processes?problem=stalled_activities&kind=feedback'), 200)).items.some((i) => i.workflowId === d.code)).toBe(false);
    expect((await officer.get('/api/operations/processes?problem=stalled_activities')).status).toBe(403);

    // The inspection shows the engine's retries beside the (still empty) business history.
    const seen = await json<{ pendingActivities: { activityType: string; attempt: number }[]; engineEvents: { type: string }[]; businessHistory: unknown[] }>(await operator.get(`/api/operations/processes/${d.code}`), 200);
    expect(seen.pendingActivities[0]!.activityType).toBe('recordTransition');
    expect(seen.engineEvents.map((e) => e.type)).toContain('ActivityTaskScheduled');

    // The batch dry run lists it and touches nothing.
    const dry = await json<{ targets: { workflowId: string }[]; done: string[] }>(await operator.send('POST', '/api/operations/processes/batch', { action: 'retry_activities', filter: { procedureCode: 'STP-KS' }, dryRun: true, reason: 'Kiểm tra trước khi chạy lại' }), 200);
    expect(dry.targets.map((t) => t.workflowId)).toContain(d.code);
    expect(dry.done).toEqual([]);

    // The cause is removed; the operator runs the step now instead of waiting for the next backoff.
    await em.execute('delete from ops_test_fault where dossier_code = ?', [d.code]);
    const retried = await json<{ activityType: string }>(await operator.send('POST', `/api/operations/processes/${d.code}/retry-activity`, { activityId: stalled.activityId, reason: 'Đã giải phóng dung lượng đĩa' }), 200);
    expect(retried.activityType).toBe('recordTransition');
    await until(() => historyOf(d.code), (h) => h.length >= 1);
    expect((await historyOf(d.code)).map((h) => h.action)).toEqual(['submit']);
    const [audit] = await em.execute<{ actor_role: string; after: { reason: string } }[]>("select actor_role, after from audit_log where action = 'operations.retry_activity' and entity_id = ?", [d.code]);
    expect(audit).toMatchObject({ actor_role: 'operator', after: { reason: 'Đã giải phóng dung lượng đĩa' } });
    await until(async () => json<Listed>(await operator.get('/api/operations/processes?problem=stalled_activities'), 200), (l) => !l.items.some((i) => i.workflowId === d.code));
    // A bad reason or an unknown process changes nothing.
    expect((await operator.send('POST', `/api/operations/processes/${d.code}/retry-activity`, { activityId: '1', reason: '' })).status).toBe(422);
    expect((await operator.send('POST', '/api/operations/processes/khong-co/terminate', { reason: 'Không tồn tại' })).status).toBe(404);
  });

  it('a non-deterministic deploy: the failing workflow task is listed; rolled back and reset, the dossier goes on; terminate ends one for good', async () => {
    const queue = `ops-deploy-${process.pid}`;
    const nc = await NativeConnection.connect({ address: p.cfg.TEMPORAL_ADDRESS });
    const deps = await workerDeps(p.smtp.url, { databaseUrl: p.cfg.DATABASE_URL });
    let stop: (() => Promise<void>) | null = null;
    const run = async (code?: { code: string }) => {
      // No workflow cache: each task replays the whole history, as on a freshly deployed worker.
      const worker = await createProcessWorker(nc, 'default', queue, deps, { maxCachedWorkflows: 0 }, undefined, code);
      const running = worker.run();
      return async () => { worker.shutdown(); await running; };
    };
    try {
      stop = await run();
      const d = await startDossier(queue);
      const handle = await d.start();
      await until(() => historyOf(d.code), (h) => h.length === 1);
      await stop!();
      stop = null;

      // The bad deploy: its code adds a timer where the history has none.
      stop = await run(await workflowsDeployedWith('nondeterministic-deploy'));
      await handle.signal(feePaidOnlineSignal, { paymentId: 'khong-co', amountVnd: 1, paidAt: new Date().toISOString(), receiptNumber: 'x', bankCode: 'x' } as never);
      const failing = await until(async () => json<Listed>(await operator.get(`/api/operations/processes?problem=failing_tasks&kind=dossier&agencyCode=${proc.agencyCode}`), 200), (l) => l.items.some((i) => i.workflowId === d.code));
      const item = failing.items.find((i) => i.workflowId === d.code)!;
      expect(item).toMatchObject({ kind: 'dossier', procedureCode: 'STP-KS' });
      expect(item.problems!.join(' ')).toContain('WorkflowTaskFailed');
      const dry = await json<{ targets: { workflowId: string }[] }>(await operator.send('POST', '/api/operations/processes/batch', { action: 'reset', filter: { kind: 'dossier' }, dryRun: true, reason: 'Xem trước các quy trình sẽ đặt lại' }), 200);
      expect(dry.targets.map((t) => t.workflowId)).toContain(d.code);
      expect((await handle.describe()).runId).toBe(item.runId);

      // Rolled back; the operator resets to the last good task so that the current code runs it now.
      await stop!();
      stop = null;
      stop = await run();
      const reset = await json<{ runId: string; previousRunId: string }>(await operator.send('POST', `/api/operations/processes/${d.code}/reset`, { runId: item.runId, reason: 'Triển khai lỗi đã được gỡ bỏ' }), 200);
      expect(reset.previousRunId).toBe(item.runId);
      // Repeating the request does not reset twice.
      expect((await operator.send('POST', `/api/operations/processes/${d.code}/reset`, { runId: item.runId, reason: 'Triển khai lỗi đã được gỡ bỏ' })).status).toBe(409);
      await until(async () => (await p.temporal.workflow.getHandle(d.code).describe()).raw.pendingWorkflowTask ?? null, (t) => t === null);
      await until(async () => json<Listed>(await operator.get('/api/operations/processes?problem=failing_tasks'), 200), (l) => !l.items.some((i) => i.workflowId === d.code));
      // The dossier goes on where it was: accepted by its officer, each step recorded once.
      await json(await officer.send('POST', `/api/dossiers/${d.code}/actions`, { type: 'accept' }), 200);
      expect((await historyOf(d.code)).map((h) => h.action)).toEqual(['submit', 'accept']);

      // Terminated with a reason: listed among the abnormally closed, with its identity; again: refused.
      expect((await operator.send('POST', `/api/operations/processes/${d.code}/terminate`, { reason: 'Hồ sơ thử nghiệm vận hành' })).status).toBe(200);
      expect((await operator.send('POST', `/api/operations/processes/${d.code}/terminate`, { reason: 'Hồ sơ thử nghiệm vận hành' })).status).toBe(409);
      const closed = await until(async () => json<Listed>(await operator.get('/api/operations/processes?problem=closed_abnormally&kind=dossier'), 200), (l) => l.items.some((i) => i.workflowId === d.code));
      expect(closed.items.find((i) => i.workflowId === d.code)).toMatchObject({ agencyCode: proc.agencyCode, procedureCode: 'STP-KS' });
      const actions = await p.orm.em.fork().execute<{ action: string }[]>("select action from audit_log where entity_type = 'workflow' and entity_id = ? order by id", [d.code]);
      expect(actions.map((a) => a.action)).toEqual(['operations.reset', 'operations.terminate']);
    } finally {
      await stop?.();
      await deps.close();
      await nc.close();
    }
  });
});
