import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { json } from '../support/http';
import { signIn, startTestPlatform, type Session } from '../support/platform';

/** An administrator's calendar change starts the job that recomputes open deadlines; operators follow it (issue 15). */
let p: Awaited<ReturnType<typeof startTestPlatform>>;
let admin: Session;
let operator: Session;
const DAY = '2032-02-03';

beforeAll(async () => {
  p = await startTestPlatform();
  admin = await signIn(p.apiUrl, 'admin');
  operator = await signIn(p.apiUrl, 'vanhanh');
});
afterAll(async () => {
  await p?.orm.em.fork().execute('delete from calendar_override where date = ?', [DAY]).catch(() => undefined);
  await p?.stop();
});

type Jobs = { items: { changeId: string; date: string | null; status: string; done: boolean; signalled: number }[] };

describe('calendar changes', () => {
  it('a day off announced and withdrawn: each change is audited with the job it started, and the jobs run to their end', async () => {
    const set = await json<{ changeId: string; kind: string }>(await admin.send('PUT', `/api/calendar/${DAY}`, { kind: 'day_off', note: 'Nghỉ bù theo thông báo thử nghiệm' }), 200);
    expect(set.changeId).toMatch(new RegExp(`^calendar-${DAY}-`));
    expect((await admin.send('DELETE', `/api/calendar/${DAY}`)).status).toBe(204);
    const audits = await p.orm.em.fork().execute<{ action: string; after: { changeId?: string } | null }[]>("select action, after from audit_log where entity_type = 'calendar_override' and entity_id = ? order by id", [DAY]);
    expect(audits.map((a) => a.action)).toEqual(['calendar.set', 'calendar.remove']);
    expect(audits[0]!.after!.changeId).toBe(set.changeId);
    const removalJob = audits[1]!.after!.changeId!;

    let jobs: Jobs = { items: [] };
    for (let i = 0; i < 100; i++) {
      jobs = await json<Jobs>(await operator.get('/api/calendar/changes'), 200);
      const mine = jobs.items.filter((j) => j.changeId === set.changeId || j.changeId === removalJob);
      if (mine.length === 2 && mine.every((j) => j.done)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const mine = jobs.items.filter((j) => j.changeId === set.changeId || j.changeId === removalJob);
    expect(mine).toHaveLength(2);
    for (const j of mine) expect(j).toMatchObject({ date: DAY, status: 'COMPLETED', done: true });
    // After a change of working hours (a deployment setting), an administrator recomputes every open clock from today.
    const { changeId } = await json<{ changeId: string }>(await admin.send('POST', '/api/calendar/recompute', { reason: 'Đổi giờ làm việc theo quyết định mới' }), 200);
    for (let i = 0; i < 100 && !(await json<Jobs>(await operator.get('/api/calendar/changes'), 200)).items.some((j) => j.changeId === changeId && j.done); i++) await new Promise((r) => setTimeout(r, 100));
    expect((await json<Jobs>(await operator.get('/api/calendar/changes'), 200)).items.find((j) => j.changeId === changeId)).toMatchObject({ done: true });
    expect((await admin.send('POST', '/api/calendar/recompute', {})).status).toBe(422);
    expect((await operator.send('POST', '/api/calendar/recompute', { reason: 'Không được phép' })).status).toBe(403);
    // Citizens do not see the jobs.
    expect((await (await signIn(p.apiUrl, 'congdan1')).get('/api/calendar/changes')).status).toBe(403);
  });
});
