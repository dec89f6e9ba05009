import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { crc32 } from 'node:zlib';
import { ROUTES, allows } from '../../api/access';
import { logFile } from '../support/capture-logs';
import { DEMO_USERS, demoUser } from '../../db/demo-data';
import { Role } from '../../domain/access/roles';
import { STATUS_LABELS, type DossierStatus } from '../../domain/dossier/vocabulary';
import { because } from '../support/because';
import { integrationSession, machineClientOf, pdfBytes, signIn, startTestPlatform, type Session } from '../support/platform';

let p: Awaited<ReturnType<typeof startTestPlatform>>;
const sessions = new Map<string, Session>();
let code: string;

/** One demo account per role (officers of HNI-STP). */
const ACCOUNT_OF_ROLE: Record<string, string> = Object.fromEntries(
  Role.options.map((r) => [r, DEMO_USERS.find((u) => u.roles.includes(r) && (u.agencyCode === null || u.agencyCode === 'HNI-STP'))!.subject]),
);

function birthForm(formData: unknown = { hoTenTre: 'Lê Gia Hân', ngaySinhTre: '2026-10-20', noiSinh: 'Hà Nội' }, file: { bytes: Uint8Array; name: string } | null = { bytes: pdfBytes(), name: 'gcs.pdf' }) {
  const form = new FormData();
  form.set('procedureCode', 'STP-KS');
  form.set('formData', typeof formData === 'string' ? formData : JSON.stringify(formData));
  if (file) form.set('giayChungSinh', new Blob([file.bytes]), file.name);
  return form;
}

/** A PDF whose first kilobyte is also a web page with a script and whose end is a ZIP archive. */
function polyglot(): Uint8Array {
  const head = Buffer.from('%PDF-1.4\n%<html><body><script>alert(document.cookie)</script></body></html>\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  const name = Buffer.from('a.html');
  const data = Buffer.from('<script>alert(1)</script>');
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(head.length, 42);
  const end = Buffer.alloc(22);
  const centralAt = head.length + local.length + name.length + data.length;
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12); end.writeUInt32LE(centralAt, 16);
  return new Uint8Array(Buffer.concat([head, local, name, data, central, name, end]));
}

async function counts() {
  const [row] = await p.orm.em.fork().execute<Record<string, number>[]>(
    `select (select count(*) from dossier)::int as dossiers, (select count(*) from stored_file)::int as files,
            (select count(*) from dossier_history)::int as history, (select count(*) from audit_log)::int as audit,
            (select count(*) from notification)::int as notifications, (select count(*) from dossier_version)::int as versions,
            (select count(*) from calendar_override)::int as calendar, (select count(*) from feedback)::int as feedback,
            (select count(*) from feedback_text)::int as feedback_texts`,
  );
  return row!;
}

beforeAll(async () => {
  p = await startTestPlatform();
  for (const subject of new Set([...Object.values(ACCOUNT_OF_ROLE), 'congdan2', 'tiepnhan.hcm'])) {
    sessions.set(subject, subject.startsWith('client:') ? await integrationSession(p.apiUrl, p.idp.tokenURL, machineClientOf(subject)) : await signIn(p.apiUrl, subject));
  }
  const res = await sessions.get('congdan1')!.multipart('/api/dossiers', birthForm());
  expect(res.status).toBe(201);
  code = ((await res.json()) as { code: string }).code;
  await recorded(code);
});

/** Waits until the workflow has recorded the submission (its history, audit and email). */
async function recorded(c: string) {
  for (let i = 0; i < 400; i++) {
    const [row] = await p.orm.em.fork().execute<{ seq: number; sent: number }[]>(
      "select d.seq, (select count(*) from notification n where n.dedupe_key like 'dossier:' || d.code || ':%' and sent_at is not null)::int as sent from dossier d where code = ?",
      [c],
    );
    if (row && row.seq >= 1 && row.sent >= 1) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`submission ${c} not recorded`);
}
afterAll(async () => {
  await p?.stop();
});

/**
 * Waits until every calendar change job has finished: an accepted change moves deadlines in the shared
 * database's records (and queues citizens' messages) a moment later, which a later refusal must not be
 * blamed for.
 */
async function calendarJobsDone() {
  const admin = sessions.get(ACCOUNT_OF_ROLE.system_admin!)!;
  for (let i = 0; i < 300; i++) {
    const { items } = (await (await admin.get('/api/calendar/changes')).json()) as { items: { done: boolean }[] };
    if (items.every((j) => j.done)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('calendar change jobs still running after 30 s');
}

describe('authorisation: every route × every role', () => {
  const pathFor = (path: string) =>
    path.replace('/api/procedures/:code', '/api/procedures/STP-KS').replace('/api/feedback/:code', '/api/feedback/PAKN-000000-000000').replace(':code', () => code).replace(':resultCode', () => `${code}-KQ9`).replace(':id', '00000000-0000-4000-8000-999999999999').replace(':date', '2035-01-02').replace(':bankCode', 'NH-MOT').replace(':year', '2019').replace(':table', 'dossiers');
  const bodyFor = (path: string, method: string) => {
    if (path.endsWith('/actions')) return { type: 'claim' };
    if (path === '/api/feedback/keyed' || path === '/api/feedback') return {};
    if (path.endsWith('/revoke')) return { reason: 'Kiểm tra phân quyền truy cập' };
    if (path.endsWith('/lock')) return { kind: 'violation', note: 'Kiểm tra phân quyền truy cập' };
    if (path.endsWith('/unlock')) return { note: 'Kiểm tra phân quyền truy cập' };
    if (path.startsWith('/api/calendar') && method === 'put') return { kind: 'day_off', note: 'Kiểm tra phân quyền' };
    return {};
  };

  it('each route admits exactly the roles it declares; refusals change nothing', async () => {
    expect(ROUTES.length).toBeGreaterThan(10);
    for (const route of ROUTES) {
      const anonymous = await fetch(`${p.apiUrl}${pathFor(route.path)}`, {
        method: route.method.toUpperCase(),
        headers: { 'content-type': 'application/json' },
        body: route.method === 'get' ? undefined : JSON.stringify(bodyFor(route.path, route.method)),
      });
      const label = `${route.method.toUpperCase()} ${route.path}`;
      // A route authenticated by a signature over its body (a bank's callback) refuses an unsigned one.
      if (route.signedBody) because(`${label} unsigned`, () => expect(anonymous.status).toBe(401));
      else if (route.access === 'public') because(label, () => expect(anonymous.status).toBeLessThan(400));
      else because(`${label} anonymous`, () => expect(anonymous.status).toBe(route.method === 'get' ? 401 : 403)); // a write without a session fails the CSRF check first

      for (const [role, subject] of Object.entries(ACCOUNT_OF_ROLE)) {
        const s = sessions.get(subject)!;
        const before = await counts();
        const res = route.method === 'get' ? await s.get(pathFor(route.path)) : await s.send(route.method.toUpperCase(), pathFor(route.path), bodyFor(route.path, route.method));
        // (A file — an export — is no JSON body.)
        const body = res.status === 204 || !(res.headers.get('content-type') ?? '').includes('json') ? {} : ((await res.json()) as { error?: { code: string } });
        const denied = (res.status === 401 || res.status === 403) && ['FORBIDDEN', 'UNAUTHENTICATED'].includes(body.error?.code ?? '');
        const allowed = allows(route.access, { id: demoUser(subject).id, name: subject, roles: [role as Role], agencyCode: demoUser(subject).agencyCode });
        because(`${label}: ${role} (${subject}) → ${res.status} ${JSON.stringify(body)}`, () => expect(denied).toBe(!allowed));
        because(`${label}: ${role} got a server error`, () => expect(res.status).toBeLessThan(500));
        if (denied) {
          const after = await counts();
          because(`${label}: ${role}: a refused request changed nothing`, () => expect(after).toEqual(before));
        } else if (route.path.startsWith('/api/calendar') && route.method !== 'get') await calendarJobsDone();
      }
    }
  });

  it('integration accounts authenticate with a client-credentials token, without cookies', async () => {
    const system = sessions.get('client:stp-hanoi-system')!;
    const res = await system.get(`/api/dossiers/${code}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { code: string }).code).toBe(code);
    const forged = await fetch(`${p.apiUrl}/api/dossiers/${code}`, { headers: { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJjbGllbnRfaWQiOiJ4In0.c2ln' } });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('INVALID_TOKEN');
    const before = await counts();
    const write = await system.send('POST', `/api/dossiers/${code}/actions`, { type: 'accept' });
    expect(write.status).toBe(403);
    expect(((await write.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect(await counts()).toEqual(before);
  });

  it('a citizen reaches only their own dossiers; an officer only their agency', async () => {
    expect((await sessions.get('congdan2')!.get(`/api/dossiers/${code}`)).status).toBe(404);
    expect((await sessions.get('tiepnhan.hcm')!.get(`/api/dossiers/${code}`)).status).toBe(404);
    const before = await counts();
    const res = await sessions.get('tiepnhan.hcm')!.send('POST', `/api/dossiers/${code}/actions`, { type: 'accept' });
    expect(res.status).toBe(404);
    const other = await sessions.get('congdan2')!.send('POST', `/api/dossiers/${code}/actions`, { type: 'withdraw', reason: 'không phải của tôi' });
    expect(other.status).toBe(404);
    const queue = (await (await sessions.get('tiepnhan.hcm')!.get('/api/work-queue')).json()) as { items: { code: string }[] };
    expect(queue.items.map((i) => i.code)).not.toContain(code);
    expect(await counts()).toEqual(before);
  });
});

describe('bad input: a clear error and no trace', () => {
  const citizen = () => sessions.get('congdan1')!;
  /** Label, request, status, error code and, for a form error, the field and its code. */
  const cases: [string, () => Promise<Response>, number, string, string?][] = [
    ['malformed JSON', () => citizen().send('POST', `/api/dossiers/${code}/actions`, '{"type": "withdraw",'), 400, 'MALFORMED_JSON'],
    ['malformed formData JSON', () => citizen().multipart('/api/dossiers', birthForm('{not json')), 400, 'MALFORMED_JSON'],
    ['wrong types', () => citizen().send('POST', `/api/dossiers/${code}/actions`, { type: 'withdraw', reason: 42 }), 422, 'VALIDATION_FAILED'],
    ['unknown action', () => citizen().send('POST', `/api/dossiers/${code}/actions`, { type: 'teleport' }), 422, 'VALIDATION_FAILED'],
    ['unknown procedure', () => {
      const f = birthForm();
      f.set('procedureCode', 'KHONG-CO');
      return citizen().multipart('/api/dossiers', f);
    }, 404, 'UNKNOWN_PROCEDURE'],
    ['missing required field and file', () => citizen().multipart('/api/dossiers', birthForm({ hoTenTre: 'Lê Gia Hân' }, null)), 422, 'SUBMISSION_INVALID'],
    ['disallowed file type (text posing as PDF)', () => citizen().multipart('/api/dossiers', birthForm(undefined, { bytes: new TextEncoder().encode('hello'), name: 'gcs.pdf' })), 422, 'SUBMISSION_INVALID'],
    ['oversized file', () => citizen().multipart('/api/dossiers', birthForm(undefined, { bytes: new Uint8Array(7 * 1024 * 1024), name: 'big.pdf' })), 413, 'FILE_TOO_LARGE'],
    ['a file too large for its component', () => {
      const big = new Uint8Array(5.5 * 1024 * 1024);
      big.set(pdfBytes());
      return citizen().multipart('/api/dossiers', birthForm(undefined, { bytes: big, name: 'gcs.pdf' }));
    }, 413, 'FILE_TOO_LARGE'],
    ['missing CSRF token', () => citizen().fetch(`${p.apiUrl}/api/dossiers/${code}/actions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'withdraw', reason: 'x' }) }), 403, 'CSRF_TOKEN_INVALID'],
    ['acting out of turn (approve a dossier not yet accepted)', () => sessions.get(ACCOUNT_OF_ROLE.unit_leader!)!.send('POST', `/api/dossiers/${code}/actions`, { type: 'approve' }), 409, 'WRONG_STEP'],
    ['the wrong role for the step', () => sessions.get(ACCOUNT_OF_ROLE.processing_officer!)!.send('POST', `/api/dossiers/${code}/actions`, { type: 'accept' }), 403, 'ROLE_NOT_ALLOWED'],
    ['unknown dossier', () => citizen().get('/api/dossiers/KHONG-CO-000000'), 404, 'NOT_FOUND'],
    ['bad query parameter', () => sessions.get(ACCOUNT_OF_ROLE.receiving_officer!)!.get('/api/work-queue?limit=-5'), 422, 'VALIDATION_FAILED'],
    // Found by probing as an attacker (issue 9): each answered 500 before.
    ['a NUL escaped inside the form JSON', () => citizen().multipart('/api/dossiers', birthForm('{"hoTenTre":"Lê\\u0000Hân","ngaySinhTre":"2026-10-20","noiSinh":"Hà Nội"}')), 400, 'INVALID_CHARACTERS'],
    ['a lone surrogate in the form', () => citizen().multipart('/api/dossiers', birthForm('{"hoTenTre":"L\\ud800","ngaySinhTre":"2026-10-20","noiSinh":"Hà Nội"}')), 400, 'INVALID_CHARACTERS'],
    ['a lone surrogate in a feedback contact', () => citizen().send('POST', '/api/feedback', '{"title":"Phản ánh thử","content":"Nội dung phản ánh bằng tiếng Việt có dấu đầy đủ.","agencyCode":"HNI-STP","contact":{"name":"\\ud800"}}'), 400, 'INVALID_CHARACTERS'],
    ['arrays nested 10,000 deep', () => citizen().send('POST', '/api/feedback', `{"title":${'['.repeat(10_000)}${']'.repeat(10_000)}}`), 400, 'TOO_DEEP'],
    ['a path that is not valid percent-encoding', () => citizen().get('/api/dossiers/%ff%fe'), 400, 'BAD_PATH'],
    ['a cross-site write (Origin of another site)', () => citizen().send('POST', `/api/dossiers/${code}/actions`, { type: 'withdraw', reason: 'Không còn nhu cầu' }, { origin: 'https://evil.example' }), 403, 'CROSS_SITE_REQUEST'],
    ['a cross-site write (Sec-Fetch-Site)', () => citizen().send('POST', `/api/dossiers/${code}/actions`, { type: 'withdraw', reason: 'Không còn nhu cầu' }, { 'sec-fetch-site': 'cross-site' }), 403, 'CROSS_SITE_REQUEST'],
    ['a 5,000-character file name', () => citizen().multipart('/api/dossiers', birthForm(undefined, { bytes: pdfBytes(), name: `${'a'.repeat(4996)}.pdf` })), 422, 'SUBMISSION_INVALID', 'giayChungSinh:FILE_NAME_TOO_LONG'],
    ["a child's birth date in 2999", () => citizen().multipart('/api/dossiers', birthForm({ hoTenTre: 'Lê Gia Hân', ngaySinhTre: '2999-01-01', noiSinh: 'Hà Nội' })), 422, 'SUBMISSION_INVALID', 'ngaySinhTre:DATE_OUT_OF_RANGE'],
    ['a __proto__ key in the form', () => citizen().multipart('/api/dossiers', birthForm('{"hoTenTre":"Lê Gia Hân","ngaySinhTre":"2026-10-20","noiSinh":"Hà Nội","__proto__":{"x":1}}')), 422, 'SUBMISSION_INVALID', '__proto__:UNKNOWN_FIELD'],
    ['a PDF that is also a web page and a ZIP archive', () => citizen().multipart('/api/dossiers', birthForm(undefined, { bytes: polyglot(), name: 'gcs.pdf' })), 422, 'SUBMISSION_INVALID', 'giayChungSinh:FILE_CONTENT_NOT_ALLOWED'],
    ['a file under a component the procedure does not have', () => {
      const f = birthForm();
      f.append('khongCo', new Blob([new Uint8Array(2 * 1024 * 1024)]), 'x.bin');
      return citizen().multipart('/api/dossiers', f);
    }, 422, 'SUBMISSION_INVALID', 'khongCo:UNKNOWN_COMPONENT'],
    ['two files for one component', () => {
      const f = birthForm();
      f.append('giayChungSinh', new Blob([pdfBytes('second')]), 'gcs2.pdf');
      return citizen().multipart('/api/dossiers', f);
    }, 422, 'SUBMISSION_INVALID', 'giayChungSinh:TOO_MANY_FILES'],
  ];

  for (const [label, run, status, errorCode, detail] of cases) {
    it(label, async () => {
      const before = await counts();
      const res = await run();
      const body = (await res.json()) as { error: { code: string; message: string; details?: { field: string; code: string }[] } };
      because(JSON.stringify(body), () => expect(res.status).toBe(status));
      expect(body.error.code).toBe(errorCode);
      expect(body.error.message).toMatch(/[àáảãạăâđêôơưệịọụỳ]/i); // Vietnamese
      if (detail) because(JSON.stringify(body), () => expect(body.error.details?.map((d) => `${d.field}:${d.code}`)).toContain(detail));
      const after = await counts();
      because(label, () => expect(after).toEqual(before));
    });
  }

  it('repeated wrong passwords lock the login at the identity provider: then even the right one is refused', async () => {
    for (let i = 0; i < 5; i++) await expect(signIn(p.apiUrl, 'congdan2', 'sai-mat-khau')).rejects.toThrow(/sign-in refused/);
    await expect(signIn(p.apiUrl, 'congdan2')).rejects.toThrow(/sign-in locked for congdan2: Đăng nhập tạm khóa .* thử lại sau 15 phút/);
    // The session made before stays valid: locking sign-in does not sign anyone out.
    expect((await sessions.get('congdan2')!.get('/api/dossiers')).status).toBe(200);
  });

  it('a file under an unknown component is refused as its part starts, before the rest of the body is sent', async () => {
    const before = await counts();
    const boundary = 'x-boundary-0123456789';
    const part = (name: string, extra = '') => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n`;
    const req = request(`${p.apiUrl}/api/dossiers`, {
      method: 'POST',
      headers: { ...citizen().headers, 'content-type': `multipart/form-data; boundary=${boundary}`, origin: p.apiUrl },
    });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
    });
    req.write(`${part('procedureCode')}STP-KS\r\n${part('formData')}{"hoTenTre":"Lê Gia Hân","ngaySinhTre":"2026-10-20","noiSinh":"Hà Nội"}\r\n`);
    req.write(`${part('khongCo', '; filename="x.bin"')}`);
    req.write(Buffer.alloc(1024 * 1024));
    // The body is not finished: an answer now means the part was refused without waiting for (or keeping) the rest.
    const { status, body } = await answered;
    req.end(`\r\n--${boundary}--\r\n`);
    because(body, () => expect(status).toBe(422));
    expect((JSON.parse(body) as { error: { details: { code: string }[] } }).error.details[0]!.code).toBe('UNKNOWN_COMPONENT');
    expect(await counts()).toEqual(before);
  });

  it('field-level errors name each field to fix', async () => {
    const res = await citizen().multipart('/api/dossiers', birthForm({ hoTenTre: '', ngaySinhTre: '2026-02-30', noiSinh: 'Hà Nội', thua: 1 }, null));
    const body = (await res.json()) as { error: { details: { field: string; code: string }[] } };
    expect(body.error.details.map((d) => `${d.field}:${d.code}`).sort()).toEqual(['giayChungSinh:FILE_REQUIRED', 'hoTenTre:REQUIRED', 'ngaySinhTre:BAD_DATE', 'thua:UNKNOWN_FIELD']);
  });

  it('a step retried with its Idempotency-Key is applied once and answered alike', async () => {
    const res = await citizen().multipart('/api/dossiers', birthForm());
    const { code: c3 } = (await res.json()) as { code: string };
    await recorded(c3);
    const receiving = sessions.get(ACCOUNT_OF_ROLE.receiving_officer!)!;
    const send = () => receiving.send('POST', `/api/dossiers/${c3}/actions`, { type: 'accept' }, { 'idempotency-key': `tiep-nhan-${c3}` });
    const answers = await Promise.all([send(), send()]);
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as { seq: number; status: string }[];
    because(JSON.stringify(bodies), () => expect(answers.map((r) => r.status)).toEqual([200, 200]));
    expect(bodies[1]).toEqual(bodies[0]);
    const later = (await (await send()).json()) as { seq: number };
    expect(later.seq).toBe(bodies[0]!.seq);
    const [h] = await p.orm.em.fork().execute<{ n: number }[]>("select count(*)::int as n from dossier_history where dossier_code = ? and action = 'accept'", [c3]);
    expect(h!.n).toBe(1);
    // Without the key, the same step again is a new request, refused as acting twice.
    expect((await receiving.send('POST', `/api/dossiers/${c3}/actions`, { type: 'accept' })).status).toBe(409);
  });

  it('acting twice: the second acceptance is refused and recorded nowhere', async () => {
    const res = await citizen().multipart('/api/dossiers', birthForm());
    const { code: c2 } = (await res.json()) as { code: string };
    await recorded(c2);
    const receiving = sessions.get(ACCOUNT_OF_ROLE.receiving_officer!)!;
    expect((await receiving.send('POST', `/api/dossiers/${c2}/actions`, { type: 'accept' })).status).toBe(200);
    const before = await counts();
    const again = await receiving.send('POST', `/api/dossiers/${c2}/actions`, { type: 'accept' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('WRONG_STEP');
    expect(await counts()).toEqual(before);
  });
});

describe('answer conventions (one contract for every client)', () => {
  const citizen = () => sessions.get('congdan1')!;
  /** Every key of an answer, at every depth, except inside the citizen's own form data and free details. */
  function keysOf(value: unknown, path = ''): string[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => keysOf(v, `${path}[${i}]`));
    if (!value || typeof value !== 'object') return [];
    return Object.entries(value).flatMap(([k, v]) => [`${path}.${k}`, ...(k === 'formData' || k === 'details' ? [] : keysOf(v, `${path}.${k}`))]);
  }
  const stringsOf = (value: unknown): string[] =>
    typeof value === 'string' ? [value] : Array.isArray(value) ? value.flatMap(stringsOf) : value && typeof value === 'object' ? Object.values(value).flatMap(stringsOf) : [];

  it('tracking: camelCase keys, instants with +07:00, every code beside its Vietnamese label, the submitter named', async () => {
    const t = (await (await citizen().get(`/api/dossiers/${code}`)).json()) as Record<string, unknown> & { history: Record<string, unknown>[] };
    const keys = keysOf(t);
    expect(keys.filter((k) => /_/.test(k.split('.').pop()!))).toEqual([]);
    const instants = stringsOf(t).filter((s) => /^\d{4}-\d{2}-\d{2}T/.test(s));
    expect(instants.length).toBeGreaterThan(1);
    expect(instants.filter((s) => !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+07:00$/.test(s))).toEqual([]);
    expect(t.statusLabel).toBe(STATUS_LABELS[t.status as DossierStatus]);
    expect(t.history[0]).toMatchObject({
      action: 'submit', actionLabel: 'Nộp hồ sơ', toStatus: 'submitted', toStatusLabel: 'Chờ tiếp nhận',
      actor: { id: demoUser('congdan1').id, name: demoUser('congdan1').fullName, role: 'citizen', roleLabel: 'Công dân' },
    });
  });

  it('the logs keep no sign-in code, state, session cookie or CSRF token', async () => {
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('/auth/callback?code=[Redacted]');
    expect(log).not.toMatch(/callback\?code=(?!\[Redacted\])/);
    expect(log).not.toMatch(/"cookie":"dvc\.sid/);
    expect(log).not.toMatch(/"x-csrf-token":"[0-9a-f]/);
  });

  it('security headers: CSP without inline script, no framing, nosniff, no caching of signed-in answers', async () => {
    const docs = await fetch(`${p.apiUrl}/docs`);
    const csp = docs.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("'unsafe-eval'");
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await docs.text()).not.toMatch(/<script>(?!<\/script>)/);
    const tracked = await citizen().get(`/api/dossiers/${code}`);
    expect(tracked.headers.get('cache-control')).toBe('no-store');
    expect(tracked.headers.get('referrer-policy')).toBe('same-origin');
    // The same site's own page passes the origin check (a citizen may not claim: the step itself refuses).
    const ok = await citizen().send('POST', `/api/dossiers/${code}/actions`, { type: 'claim' }, { origin: new URL(p.apiUrl).origin, 'sec-fetch-site': 'same-origin' });
    expect(((await ok.json()) as { error: { code: string } }).error.code).toBe('ROLE_NOT_ALLOWED');
  });

  it('a method a known path does not have answers 405 with Allow, before sign-in is checked', async () => {
    const res = await fetch(`${p.apiUrl}/api/dossiers/${code}`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');
    const keyed = await fetch(`${p.apiUrl}/api/feedback/keyed`, { method: 'PUT' });
    expect(keyed.headers.get('allow')).toBe('OPTIONS, POST');
  });

  it('feedback not in Vietnamese says that Vietnamese is required', async () => {
    const res = await citizen().send('POST', '/api/feedback', { title: 'Complaint here', content: 'This content is written in English only, no diacritics.', agencyCode: 'HNI-STP' });
    const body = (await res.json()) as { error: { details: { field: string; message: string }[] } };
    expect(res.status).toBe(422);
    expect(body.error.details.find((d) => d.field === 'content')?.message).toMatch(/tiếng Việt có dấu/);
  });

  it('the document describes every route with its success and error answers', async () => {
    const doc = (await (await fetch(`${p.apiUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: { content: Record<string, { schema: { oneOf?: { properties: Record<string, unknown>; required: string[] }[] } }> } }>> };
    const submit = doc.paths['/api/dossiers']!.post!;
    expect(Object.keys(submit.responses).sort()).toEqual(['200', '201', '400', '401', '403', '404', '409', '413', '422', '429']);
    const birth = submit.requestBody!.content['multipart/form-data']!.schema.oneOf!.find((a) => (a.properties.procedureCode as { const: string }).const === 'STP-KS')!;
    expect(birth.required.sort()).toEqual(['formData', 'giayChungSinh', 'procedureCode']);
    expect(birth.properties.formData).toMatchObject({ type: 'object', required: ['hoTenTre', 'ngaySinhTre', 'noiSinh'], additionalProperties: false });
    for (const route of ROUTES) {
      const op = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]![route.method]!;
      because(`${route.method} ${route.path}`, () => expect(Object.keys(op.responses).some((s) => s.startsWith('2'))).toBe(true));
      because(`${route.method} ${route.path}`, () => expect(op.responses['400']).toBeDefined());
    }
  });
});
