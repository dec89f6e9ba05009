import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { because } from '../support/because';
import { testContext } from '../support/context';
import { sweepInactiveBatch, touchSignIn } from '../../services/account-lifecycle';
import { ACCOUNT_SWEEP_WORKFLOW, type AccountSweepTotals } from '../../workflows/accounts/sweep';
import { finished, startWorkflowEnv } from '../support/workflow-env';

// This suite moves the clock of a whole account population: it runs on its own database.
let w: Awaited<ReturnType<typeof startWorkflowEnv>>;
const DAY = 86_400_000;

beforeAll(async () => {
  w = await startWorkflowEnv('accounts-test', { databaseUrl: testContext().accountsDatabaseUrl });
});
afterAll(async () => {
  await w?.stop();
});

async function account(kind: 'citizen' | 'officer', name: string, lastActive: Date) {
  const id = randomUUID();
  await w.deps.orm.em.fork().execute(
    `insert into account (id, subject, kind, full_name, email, phone, agency_code, roles, last_sign_in_at, last_activity_at, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?::text[], ?, ?, ?)`,
    [id, `test:${name}`, kind, name, `${name}@test.vn`, `09${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
      kind === 'officer' ? 'HNI-STP' : null, kind === 'officer' ? '{processing_officer}' : '{citizen}', lastActive, lastActive, lastActive],
  );
  return { id, name, email: `${name}@test.vn` };
}

async function row(id: string) {
  const [r] = await w.deps.orm.em.fork().execute<{ locked_at: string | null; lock_kind: string | null; inactivity_stage: number; inactivity_due_at: string | null; phone: string }[]>(
    'select locked_at, lock_kind, inactivity_stage, inactivity_due_at, phone from account where id = ?', [id]);
  return r!;
}

/** Runs one scheduled sweep at the server's current time and waits for it. */
async function sweep(batchSize = 50): Promise<AccountSweepTotals> {
  const handle = await w.env.client.workflow.start(ACCOUNT_SWEEP_WORKFLOW, { taskQueue: w.taskQueue, workflowId: `sweep-${randomUUID()}`, args: [{ batchSize }] });
  const totals = await finished(handle, () => w.plain.workflow.getHandle(handle.workflowId).result() as Promise<AccountSweepTotals>, 'accounts-sweep');
  // The notices go out through the outbox relay, not the sweep.
  await w.outboxSettled();
  return totals;
}

const emailsTo = (email: string) => w.smtp.mails.filter((m) => m.to.includes(email));
async function smsTo(id: string) {
  const { phone } = await row(id);
  return w.sms.messages.filter((m) => m.to === phone);
}
const travel = async (at: Date) => {
  const now = await w.env.currentTimeMs();
  if (at.getTime() > now) await w.env.sleep(at.getTime() - now);
};

describe('account policy sweep (time-skipping)', () => {
  it('a sweep stopped after a committed batch and started again sends no notice twice and misses none', async () => {
    const t0 = await w.now();
    const people = [];
    for (let i = 0; i < 30; i++) people.push(await account('citizen', `gianDoan${i}`, new Date(t0.getTime() - 2 * 365 * DAY - 2 * DAY)));
    // The first run commits one batch and dies before delivering its notices.
    const first = await sweepInactiveBatch(w.deps.orm.em.fork(), t0.toISOString(), 7);
    expect(first).toMatchObject({ noticed: 7, locked: 0 });
    // The next run (small batches) carries on, and drains what the dead one left in the outbox.
    const totals = await sweep(7);
    expect(totals.noticed).toBe(23);
    await sweep(7); // and a repeated run changes nothing
    for (const p of people) {
      because(p.name, () => expect(emailsTo(p.email)).toHaveLength(1));
      const sms = await smsTo(p.id);
      because(p.name, () => expect(sms).toHaveLength(1));
      expect((await row(p.id)).inactivity_stage).toBe(1);
    }
    expect(emailsTo(people[0]!.email)[0]!.subject).toContain('lần 1/2');
  });

  it('officers lock 6 months after their last sign-in; citizens get two monthly notices then the lock; a sign-in cancels', async () => {
    const t0 = await w.now();
    const officer = await account('officer', 'canBoXuLy', t0);
    const citizen = await account('citizen', 'congDanA', t0);
    const returning = await account('citizen', 'congDanB', t0);
    const sixMonths = new Date((await row(officer.id)).inactivity_due_at!);
    expect(sixMonths.getTime() - t0.getTime()).toBeGreaterThan(180 * DAY);

    await travel(new Date(sixMonths.getTime() - DAY));
    await sweep();
    expect((await row(officer.id)).locked_at).toBeNull();
    await travel(new Date(sixMonths.getTime() + 60_000));
    await sweep();
    expect(await row(officer.id)).toMatchObject({ lock_kind: 'inactive' });
    expect(await touchSignIn(w.deps.orm.em.fork(), 'test:canBoXuLy', await w.now())).toBeNull();
    const audit = await w.deps.orm.em.fork().execute("select action from audit_log where entity_type = 'account' and entity_id = ?", [officer.id]);
    expect(audit).toEqual([{ action: 'account.lock' }]);

    // Citizens: nothing before 2 years.
    const twoYears = new Date((await row(citizen.id)).inactivity_due_at!);
    await travel(new Date(twoYears.getTime() - DAY));
    await sweep();
    expect(emailsTo(citizen.email)).toHaveLength(0);
    await travel(new Date(twoYears.getTime() + 60_000));
    await sweep();
    expect(emailsTo(citizen.email)).toHaveLength(1);
    expect(await smsTo(citizen.id)).toHaveLength(1);
    expect(emailsTo(returning.email)).toHaveLength(1);
    // congDanB signs in: the countdown is cancelled.
    expect(await touchSignIn(w.deps.orm.em.fork(), 'test:congDanB', await w.now())).not.toBeNull();

    const second = new Date((await row(citizen.id)).inactivity_due_at!);
    expect(second.getTime() - twoYears.getTime()).toBeGreaterThanOrEqual(28 * DAY);
    await travel(new Date(second.getTime() + 60_000));
    await sweep();
    expect(emailsTo(citizen.email).map((m) => m.subject)).toEqual([expect.stringContaining('lần 1/2'), expect.stringContaining('lần 2/2')]);
    expect(await smsTo(citizen.id)).toHaveLength(2);
    expect((await row(citizen.id)).locked_at).toBeNull();

    const lockAt = new Date((await row(citizen.id)).inactivity_due_at!);
    expect(lockAt.getTime() - second.getTime()).toBeGreaterThanOrEqual(28 * DAY);
    await travel(new Date(lockAt.getTime() - 60_000));
    await sweep();
    expect((await row(citizen.id)).locked_at).toBeNull();
    await travel(new Date(lockAt.getTime() + 60_000));
    await sweep();
    expect(await row(citizen.id)).toMatchObject({ lock_kind: 'inactive' });
    expect(emailsTo(citizen.email)).toHaveLength(2);
    expect(await smsTo(citizen.id)).toHaveLength(2);

    // The citizen who signed in again got no second notice and is not locked.
    expect(emailsTo(returning.email)).toHaveLength(1);
    expect(await row(returning.id)).toMatchObject({ locked_at: null, inactivity_stage: 0 });
  });

  it('opens a six-monthly review per unit; an unconfirmed review escalates once', async () => {
    const reviews = await w.deps.orm.em.fork().execute<{ agency_code: string; period: string; escalated_at: string | null; report: unknown[] }[]>(
      'select agency_code, period, escalated_at, report from account_review order by period, agency_code');
    const periods = [...new Set(reviews.map((r) => r.period))];
    expect(periods.length).toBeGreaterThanOrEqual(4); // 2026-H2 … 2029-H1 as the clock moved
    const first = reviews.filter((r) => r.period === periods[0]);
    expect(first.map((r) => r.agency_code)).toContain('HNI-STP');
    expect(first.every((r) => r.escalated_at !== null)).toBe(true);
    const hn = first.find((r) => r.agency_code === 'HNI-STP')!;
    expect((hn.report as { roles: string[] }[]).some((a) => a.roles.includes('unit_admin'))).toBe(true);
    const escalations = w.smtp.mails.filter((m) => m.subject.includes(`Đơn vị HNI-STP chưa xác nhận rà soát tài khoản kỳ ${periods[0]}`));
    expect(escalations.filter((m) => m.to.includes('admin@dichvucong.gov.vn'))).toHaveLength(1);
  });
});
