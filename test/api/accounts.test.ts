import makeFetchCookie from 'fetch-cookie';
import { CookieJar } from 'tough-cookie';
import { json } from '../support/http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoUser } from '../../db/demo-data';
import { ACCOUNT_SWEEP_SCHEDULE } from '../../workflows/accounts/sweep';
import { signIn, startTestPlatform, type Session } from '../support/platform';

let p: Awaited<ReturnType<typeof startTestPlatform>>;
const s: Record<string, Session> = {};

beforeAll(async () => {
  p = await startTestPlatform();
  for (const u of ['admin', 'quantri.hn', 'quantri.hcm']) s[u] = await signIn(p.apiUrl, u);
});
afterAll(async () => {
  await p?.stop();
});

describe('account lifecycle through the API', () => {
  it('a unit administrator locks an officer with a reason: the session ends, sign-in says why; an administrator unlocks', async () => {
    const clerk = demoUser('vanthu.hn');
    const session = await signIn(p.apiUrl, 'vanthu.hn');
    expect((await session.get('/auth/me')).status).toBe(200);

    const refused = await json<{ error: { code: string } }>(await s['quantri.hcm']!.send('POST', `/api/accounts/${clerk.id}/lock`, { kind: 'transfer', note: 'Chuyển công tác sang đơn vị khác' }), 404);
    expect(refused.error.code).toBe('NOT_FOUND');

    await json(await s['quantri.hn']!.send('POST', `/api/accounts/${clerk.id}/lock`, { kind: 'transfer', note: 'Chuyển công tác sang Sở Nội vụ' }), 200);
    expect((await session.get('/api/feedback-queue')).status).toBe(401);
    await expect(signIn(p.apiUrl, 'vanthu.hn')).rejects.toThrow(/sign-in failed/);
    // The sign-in flow says why, in Vietnamese.
    const again = await signInRaw('vanthu.hn');
    expect(again.status).toBe(403);
    expect(again.body.error).toMatchObject({ code: 'ACCOUNT_LOCKED', lockKind: 'transfer' });
    expect(again.body.error.message).toContain('chuyển công tác');

    const twice = await json<{ error: { code: string } }>(await s['quantri.hn']!.send('POST', `/api/accounts/${clerk.id}/lock`, { kind: 'violation', note: 'Khóa lần thứ hai để kiểm tra' }), 409);
    expect(twice.error.code).toBe('ALREADY_LOCKED');

    await json(await s.admin!.send('POST', `/api/accounts/${clerk.id}/unlock`, { note: 'Đã hoàn tất bàn giao, mở lại tài khoản' }), 200);
    expect((await (await signIn(p.apiUrl, 'vanthu.hn')).get('/auth/me')).status).toBe(200);

    const audit = await p.orm.em.fork().execute<{ action: string; actor_id: string }[]>("select action, actor_id from audit_log where entity_type = 'account' and entity_id = ? order by id", [clerk.id]);
    expect(audit).toEqual([
      { action: 'account.lock', actor_id: demoUser('quantri.hn').id },
      { action: 'account.unlock', actor_id: demoUser('admin').id },
    ]);
  });

  it('refuses an unknown lock reason and a missing note, changing nothing', async () => {
    const clerk = demoUser('vanthu.hn');
    const bad = await json<{ error: { code: string } }>(await s['quantri.hn']!.send('POST', `/api/accounts/${clerk.id}/lock`, { kind: 'inactive', note: 'Không được khóa thủ công với lý do này' }), 422);
    expect(bad.error.code).toBe('VALIDATION_FAILED');
    const short = await json<{ error: { code: string } }>(await s['quantri.hn']!.send('POST', `/api/accounts/${clerk.id}/lock`, { kind: 'violation' }), 422);
    expect(short.error.code).toBe('VALIDATION_FAILED');
    const [row] = await p.orm.em.fork().execute('select locked_at from account where id = ?', [clerk.id]);
    expect(row).toEqual({ locked_at: null });
  });

  it('the unit administrator sees the unit’s accounts and confirms its six-monthly review', async () => {
    const list = await json<{ items: { agencyCode: string; lastSignInAt: string | null }[] }>(await s['quantri.hn']!.get('/api/accounts'), 200);
    expect(list.items.length).toBeGreaterThanOrEqual(8);
    expect(list.items.every((a) => a.agencyCode === 'HNI-STP')).toBe(true);
    // The worker registered the nightly schedule; trigger it now.
    const schedule = p.temporal.schedule.getHandle(ACCOUNT_SWEEP_SCHEDULE);
    const d = await schedule.describe();
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'accountSweepWorkflow' });
    await schedule.trigger();
    let review: { id: string } | undefined;
    for (let i = 0; i < 200 && !review; i++) {
      review = (await json<{ items: { id: string }[] }>(await s['quantri.hn']!.get('/api/account-reviews'), 200)).items[0];
      if (!review) await new Promise((r) => setTimeout(r, 100));
    }
    expect(review).toBeDefined();
    const report = await json<{ report: { name: string; roles: string[] }[] }>(await s['quantri.hn']!.get(`/api/account-reviews/${review!.id}`), 200);
    expect(report.report.map((a) => a.name)).toContain('Văn thư HN');
    expect((await s['quantri.hcm']!.get(`/api/account-reviews/${review!.id}`)).status).toBe(404);
    await json(await s['quantri.hn']!.send('POST', `/api/account-reviews/${review!.id}/confirm`), 200);
    const again = await json<{ error: { code: string } }>(await s['quantri.hn']!.send('POST', `/api/account-reviews/${review!.id}/confirm`), 409);
    expect(again.error.code).toBe('ALREADY_CONFIRMED');
  });
});

describe('sessions', () => {
  it('a session holds its CSRF token as soon as the sign-in redirect arrives, so no later write of the sign-in can drop it', async () => {
    // The browser follows the redirect at once; a page it loads adds nothing the sign-in's own writes lack.
    const { res, jar } = await signInRaw('tiepnhan.hcm', 'raw');
    expect(res.status).toBe(302);
    const cookie = (await jar.getCookies(p.apiUrl)).find((c) => c.key === 'dvc.sid')!;
    const sid = decodeURIComponent(cookie.value).replace(/^s:/, '').replace(/\.[^.]*$/, '');
    const [row] = await p.orm.em.fork().execute<{ sess: { csrfToken?: string; passport?: { user?: { name: string } } } }[]>('select sess from http_session where sid = ?', [sid]);
    expect(row?.sess.passport?.user?.name).toBe(demoUser('tiepnhan.hcm').fullName);
    expect(row?.sess.csrfToken).toMatch(/^[0-9a-f]{32,}$/);
    // The token /auth/me hands out is that one.
    const me = await json<{ csrfToken: string }>(await fetchWith(jar, '/auth/me'), 200);
    expect(me.csrfToken).toBe(row!.sess.csrfToken);
  });
});

const fetchWith = (jar: CookieJar, path: string, init?: RequestInit) => makeFetchCookie(fetch, jar)(`${p.apiUrl}${path}`, init);

/** The sign-in flow as a browser sees it, returning the callback's answer (parsed, or raw with the cookie jar). */
async function signInRaw(subject: string): Promise<{ status: number; body: { error: { code: string; message: string; lockKind?: string } } }>;
async function signInRaw(subject: string, raw: 'raw'): Promise<{ res: Response; jar: CookieJar }>;
async function signInRaw(subject: string, raw?: 'raw'): Promise<unknown> {
  const jar = new CookieJar();
  const f = makeFetchCookie(fetch, jar);
  let res = await f(`${p.apiUrl}/auth/login?prompt=login`, { redirect: 'manual' });
  let url = res.headers.get('location');
  for (let i = 0; i < 10 && url; i++) {
    res = await f(url, { redirect: 'manual' });
    if (res.status === 200 && url.includes('/interaction/')) {
      const action = new URL(/action="([^"]+)"/.exec(await res.text())![1]!, url).toString();
      res = await f(action, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ login: subject, password: 'demo' }) });
    }
    if (url.includes('/auth/callback')) return raw ? { res, jar } : { status: res.status, body: (await res.json()) as never };
    const next = res.headers.get('location');
    url = next ? new URL(next, url).toString() : null;
  }
  throw new Error('no callback');
}
