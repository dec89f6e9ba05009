import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPlatform } from '../../runtime/platform';
import { because } from '../support/because';
import { testLogger } from '../support/capture-logs';
import { freePort } from '../support/ports';
import { pdfBytes, signIn, startTestPlatform, type Session } from '../support/platform';

/**
 * Limits on abuse hold across API processes: two APIs on one database count together. Each limit is
 * set low here; a refused request answers 429 with Retry-After and a Vietnamese message, and records
 * nothing.
 */
let p: Awaited<ReturnType<typeof startTestPlatform>>;
let second: Awaited<ReturnType<typeof startPlatform>>;
let secondUrl: string;
const s: Record<string, Session> = {};

beforeAll(async () => {
  p = await startTestPlatform({
    env: { RATE_LIMIT_SIGN_IN: '8/1h', RATE_LIMIT_SUBMISSIONS: '3/1h', RATE_LIMIT_FEEDBACK: '2/1h', RATE_LIMIT_PUBLIC_SEARCH: '4/1h' },
  });
  const port = await freePort();
  secondUrl = `http://localhost:${port}`;
  // A second API process of the same deployment (same database, same settings), without a worker.
  second = await startPlatform({ ...p.cfg, PORT: port }, testLogger(), { api: true, worker: false });
  // Two sign-ins: each is a login and a callback from this address (4 of the 8).
  s.congdan1 = await signIn(p.apiUrl, 'congdan1');
  s.congdan2 = await signIn(p.apiUrl, 'congdan2');
});

afterAll(async () => {
  await second?.stop();
  await p?.stop();
});

async function counts() {
  const [row] = await p.orm.em.fork().execute<Record<string, number>[]>(
    `select (select count(*) from dossier)::int as dossiers, (select count(*) from stored_file)::int as files,
            (select count(*) from feedback)::int as feedback, (select count(*) from http_session)::int as sessions`,
  );
  return row!;
}

function birthForm() {
  const form = new FormData();
  form.set('procedureCode', 'STP-KS');
  form.set('formData', JSON.stringify({ hoTenTre: 'Lê Gia Hân', ngaySinhTre: '2026-10-20', noiSinh: 'Hà Nội' }));
  form.set('giayChungSinh', new Blob([pdfBytes()]), 'gcs.pdf');
  return form;
}

const submitAt = (base: string, who: Session) => who.fetch(`${base}/api/dossiers`, { method: 'POST', headers: { 'x-csrf-token': who.csrf }, body: birthForm() });

/** The answer is a 429 a person and a program can act on, and nothing was recorded. */
async function expectLimited(res: Response, before: Record<string, number>) {
  const body = (await res.json()) as { error: { code: string; message: string } };
  because(JSON.stringify(body), () => expect(res.status).toBe(429));
  expect(body.error.code).toBe('RATE_LIMITED');
  expect(body.error.message).toMatch(/quá nhiều lần.*thử lại sau \d+ (giây|phút|giờ)/);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await counts()).toEqual(before);
}

describe('limits on abuse, shared by every API process', () => {
  it('submissions per account: counted on both APIs together, then refused; another citizen is not affected', async () => {
    expect((await submitAt(p.apiUrl, s.congdan1!)).status).toBe(201);
    expect((await submitAt(secondUrl, s.congdan1!)).status).toBe(201);
    expect((await submitAt(p.apiUrl, s.congdan1!)).status).toBe(201);
    await expectLimited(await submitAt(secondUrl, s.congdan1!), await counts());
    expect((await submitAt(secondUrl, s.congdan2!)).status).toBe(201);
  });

  it('feedback per account', async () => {
    const send = (base: string) =>
      s.congdan1!.fetch(`${base}/api/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': s.congdan1!.csrf },
        body: JSON.stringify({ title: 'Phản ánh về thời gian chờ', content: 'Nội dung phản ánh bằng tiếng Việt có dấu đầy đủ để thử giới hạn.', agencyCode: 'HNI-STP' }),
      });
    expect((await send(p.apiUrl)).status).toBe(201);
    expect((await send(secondUrl)).status).toBe(201);
    await expectLimited(await send(p.apiUrl), await counts());
  });

  it('public search per address', async () => {
    for (const base of [p.apiUrl, secondUrl, p.apiUrl, secondUrl]) expect((await fetch(`${base}/api/public/feedback-answers`)).status).toBe(200);
    await expectLimited(await fetch(`${p.apiUrl}/api/public/feedback-answers`), await counts());
    // Other reads are not counted against it.
    expect((await fetch(`${p.apiUrl}/api/procedures`)).status).toBe(200);
  });

  it('sign-in per address: past the limit no anonymous session is created', async () => {
    const login = (base: string) => fetch(`${base}/auth/login`, { redirect: 'manual' });
    for (const base of [p.apiUrl, secondUrl, p.apiUrl, secondUrl]) expect((await login(base)).status).toBe(302);
    await expectLimited(await login(secondUrl), await counts());
    await expectLimited(await fetch(`${p.apiUrl}/auth/callback?code=x&state=y`, { redirect: 'manual' }), await counts());
  });

  it('the document names the limited routes and their 429 with Retry-After', async () => {
    const doc = (await (await fetch(`${p.apiUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>> };
    const limited = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([, op]) => op.responses['429']).map(([m]) => `${m} ${path}`));
    expect(limited.sort()).toEqual(['get /api/public/feedback-answers', 'post /api/dossiers', 'post /api/dossiers/{code}/supplement', 'post /api/feedback']);
    expect(doc.paths['/api/dossiers']!.post!.responses['429']!.headers).toHaveProperty('Retry-After');
  });
});
