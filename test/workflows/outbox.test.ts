import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_PROCEDURES } from '../../db/demo-data';
import type { Actor } from '../../domain/access/roles';
import type { DossierAction } from '../../domain/dossier/vocabulary';
import { recordSubmission } from '../../services/dossier-intake';
import { DOSSIER_WORKFLOW, dossierViewQuery, performActionUpdate, type DossierWorkflowInput } from '../../workflows/dossier/definitions';
import { because } from '../support/because';
import { startSmtpCatcher } from '../support/smtp';
import { actor, startWorkflowEnv } from '../support/workflow-env';

/**
 * Delivery is off the process path (issue 10): with the SMTP server down for hours of skipped time,
 * officers' actions answer and escalations happen; the messages wait in the outbox with their attempts
 * and last error, go out once the server is back, and a rejected address ends as a visible dead letter.
 */
let w: Awaited<ReturnType<typeof startWorkflowEnv>>;
let revived: Awaited<ReturnType<typeof startSmtpCatcher>> | null = null;
const TASK_QUEUE = 'outbox-test';
const receiving = actor('tiepnhan.hn');

beforeAll(async () => {
  w = await startWorkflowEnv(TASK_QUEUE, { rejectRecipients: /@khong-ton-tai\.test$/ });
});
afterAll(async () => {
  await revived?.close();
  await w?.stop();
});

async function citizen(email: string): Promise<string> {
  const id = randomUUID();
  await w.deps.orm.em.fork().execute(
    `insert into account (id, subject, kind, full_name, email, roles, last_sign_in_at, last_activity_at) values (?, ?, 'citizen', 'Phạm Thị Thư', ?, '{citizen}', now(), now())`,
    [id, `test:${id}`, email],
  );
  return id;
}

async function submit(citizenId: string) {
  const proc = DEMO_PROCEDURES.find((p) => p.code === 'STP-KS')!;
  const receivedAt = new Date(await w.env.currentTimeMs());
  const { code } = await recordSubmission(w.deps.orm.em.fork(), {
    procedureCode: proc.code, agencyCode: proc.agencyCode, citizenId, processingDays: proc.processingDays, feeAmount: proc.feeAmount,
    formData: { note: 'test' }, files: [], receivedAt, idempotencyKey: null,
  });
  const input: DossierWorkflowInput = { code, procedureCode: proc.code, agencyCode: proc.agencyCode, citizenId, processingDays: proc.processingDays, feeAmount: proc.feeAmount, receivedAt: receivedAt.toISOString(), requestId: randomUUID() };
  const handle = await w.env.client.workflow.start(DOSSIER_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: code, args: [input] });
  const view = () => handle.query(dossierViewQuery);
  for (let v = await view(); v.recordedSeq < 1; v = await view()) await new Promise((r) => setTimeout(r, 20));
  const act = (a: Actor, action: DossierAction) => handle.executeUpdate(performActionUpdate, { args: [{ action, actor: a, requestId: randomUUID() }] });
  return { code, view, act };
}

const outbox = (code: string) =>
  w.deps.orm.em.fork().execute<{ dedupe_key: string; recipient: string; attempts: number; last_error: string | null; sent_at: string | null; dead_at: string | null }[]>(
    "select dedupe_key, recipient, attempts, last_error, sent_at, dead_at from notification where dedupe_key like 'dossier:' || ? || ':%' order by dedupe_key",
    [code],
  );

/** Resolves with the value, or fails if the promise takes longer than the given real time. */
async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the outbox relay (time-skipping)', () => {
  it('SMTP down for hours: actions answer, escalations happen, messages wait and go out after recovery; a rejected address is a dead letter', async () => {
    await w.travelTo('2030-03-04 08:00'); // a Monday
    const reachable = await submit(await citizen('thu.pham@example.vn'));
    const rejected = await submit(await citizen('nguoi-nhan@khong-ton-tai.test'));
    const neglected = await submit(await citizen('thu.pham2@example.vn'));
    await w.outboxSettled();

    // The mail server goes away.
    await w.smtp.close();
    const accepted = await within(10_000, reachable.act(receiving, { type: 'accept' }), 'accepting while SMTP is down');
    expect(accepted.status).toBe('processing');
    await within(10_000, rejected.act(receiving, { type: 'accept' }), 'accepting while SMTP is down');
    // An hour of skipped time, then past the acceptance deadline of the neglected dossier (8 working hours).
    await w.env.sleep('1 hour');
    await w.travelTo('2030-03-05 08:01');
    expect((await neglected.view()).state.acceptanceOverdue).toBe(true);

    // Nothing went out; each message records its attempts and the last error.
    await new Promise((r) => setTimeout(r, 1500));
    const waiting = await outbox(reachable.code);
    expect(waiting.filter((m) => m.sent_at === null).length).toBeGreaterThan(0);
    for (const m of waiting.filter((x) => x.sent_at === null)) {
      because(JSON.stringify(m), () => expect(m.attempts).toBeGreaterThanOrEqual(1));
      expect(m.last_error).toMatch(/ECONNREFUSED|connect/i);
      expect(m.dead_at).toBeNull();
    }

    // The server is back where it was: the relay sends what waited, once each.
    revived = await startSmtpCatcher({ port: w.smtp.port, rejectRecipients: /@khong-ton-tai\.test$/ });
    await w.outboxSettled();
    const acceptance = revived.mails.filter((m) => m.to.includes('thu.pham@example.vn'));
    expect(acceptance.map((m) => m.subject)).toEqual(expect.arrayContaining([expect.stringContaining(reachable.code)]));
    expect(new Set(revived.mails.map((m) => m.messageId)).size).toBe(revived.mails.length);
    expect(revived.mails.some((m) => m.to.includes('giamsat.hn@') && m.subject.includes(`Hồ sơ ${neglected.code} quá hạn tiếp nhận`))).toBe(true);
    expect((await outbox(reachable.code)).every((m) => m.sent_at !== null && m.dead_at === null)).toBe(true);

    // The rejected address: given up at once (a 550 will not change), visible with its reason.
    const dead = (await outbox(rejected.code)).filter((m) => m.recipient.endsWith('@khong-ton-tai.test'));
    expect(dead.length).toBeGreaterThan(0);
    for (const m of dead) {
      expect(m.dead_at).not.toBeNull();
      expect(m.sent_at).toBeNull();
      expect(m.last_error).toMatch(/550|does not exist/);
    }
    // The process itself went on regardless.
    expect((await rejected.view()).state.status).toBe('processing');
  }, 120_000);
});

describe('retention of sent messages', () => {
  it('past the retention period a sent message keeps its key and times but not its recipient, subject and body; it is never sent again', async () => {
    const key = `retention-${randomUUID()}`;
    const recent = `retention-${randomUUID()}`;
    const em = () => w.deps.orm.em.fork();
    for (const [k, days] of [[key, 120], [recent, 10]] as const) {
      await em().execute(
        `insert into notification (dedupe_key, recipient, subject, body, created_at, sent_at, attempts) values (?, 'thu.pham@example.vn', 'Kết quả hồ sơ', 'Nội dung có thông tin cá nhân', now() - make_interval(days => ?), now() - make_interval(days => ?), 1)`,
        [k, days, days],
      );
    }
    expect(await w.deps.notifier.redactSent(90)).toBeGreaterThanOrEqual(1);
    const rows = await em().execute<{ dedupe_key: string; recipient: string; subject: string; body: string; sent_at: string | null; redacted_at: string | null }[]>(
      'select dedupe_key, recipient, subject, body, sent_at, redacted_at from notification where dedupe_key in (?, ?) order by created_at',
      [key, recent],
    );
    expect(rows[0]).toMatchObject({ dedupe_key: key, recipient: '', subject: '', body: '', redacted_at: expect.anything(), sent_at: expect.anything() });
    expect(rows[1]).toMatchObject({ dedupe_key: recent, recipient: 'thu.pham@example.vn', body: 'Nội dung có thông tin cá nhân', redacted_at: null });
    // Queuing the same message again (a retried activity) finds the key and sends nothing.
    const [again] = await em().execute<{ n: number }[]>(
      `with ins as (insert into notification (dedupe_key, recipient, subject, body) values (?, 'thu.pham@example.vn', 'x', 'y') on conflict (dedupe_key) do nothing returning id)
       select count(*)::int as n from ins`,
      [key],
    );
    expect(again!.n).toBe(0);
  });
});
