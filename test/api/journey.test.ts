import { createHash } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { json } from '../support/http';
import { LocalFileStore, moveFilesToStore } from '../../services/file-store';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { because } from '../support/because';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pdfBytes, signIn, startTestPlatform, TEST_METRICS_TOKEN, type Session } from '../support/platform';

let p: Awaited<ReturnType<typeof startTestPlatform>>;
let citizen: Session;
const officers: Record<string, Session> = {};

beforeAll(async () => {
  p = await startTestPlatform();
  citizen = await signIn(p.apiUrl, 'congdan1');
  for (const s of ['tiepnhan.hn', 'xuly.hn', 'lanhdao.hn', 'trakq.hn', 'thuphi.hn', 'giamsat.hn']) officers[s] = await signIn(p.apiUrl, s);
});
afterAll(async () => {
  await p?.stop();
});

function birthForm(extra: Record<string, unknown> = {}) {
  const form = new FormData();
  form.set('procedureCode', 'STP-KS');
  form.set('formData', JSON.stringify({ hoTenTre: 'Nguyễn Minh Khang', ngaySinhTre: '2026-11-01', noiSinh: 'Bệnh viện Phụ sản Hà Nội', ...extra }));
  form.set('giayChungSinh', new Blob([pdfBytes()], { type: 'application/pdf' }), 'giay-chung-sinh.pdf');
  return form;
}

describe('a dossier from submission to result, through the real sign-in', () => {
  it('citizen submits; officers of the agency take it to a coded result; the citizen tracks it and reads the emails', async () => {
    const submitted = await json<{ code: string; receivedAt: string; message: string }>(await citizen.multipart('/api/dossiers', birthForm()), 201);
    expect(submitted.code).toMatch(/^HNI-STP-\d{6}-\d{6}$/);
    expect(submitted.message).toContain('Thời điểm tiếp nhận trên hệ thống');
    await p.smtp.waitFor((m) => m.to.includes('an.nguyen@example.vn') && m.subject.includes(`Xác nhận nộp hồ sơ ${submitted.code}`));

    const code = submitted.code;
    const queue = await json<{ items: { code: string; acceptanceDueAt: string | null }[] }>(await officers['tiepnhan.hn']!.get('/api/work-queue?step=submitted'), 200);
    const inQueue = queue.items.find((i) => i.code === code);
    expect(inQueue?.acceptanceDueAt).toBeTruthy();

    const act = (who: string, body: unknown) => officers[who]!.send('POST', `/api/dossiers/${code}/actions`, body);
    await json(await act('tiepnhan.hn', { type: 'accept' }), 200);
    await p.smtp.waitFor((m) => m.subject.includes(`Biên nhận điện tử hồ sơ ${code}`));
    await json(await act('xuly.hn', { type: 'claim' }), 200);

    const before = Date.now();
    const tracked = await json<{ status: string; handler: { name: string; role: string }; legalDueAt: string; elapsedWorkingHours: number; remainingWorkingHours: number; history: { action: string }[]; asOf: string }>(
      await citizen.get(`/api/dossiers/${code}`),
      200,
    );
    // The view says up to when it holds what was recorded (issue 31): the moment it was read.
    expect(Date.parse(tracked.asOf)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(tracked.asOf)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(tracked.status).toBe('processing');
    expect(tracked.handler).toMatchObject({ role: 'processing_officer', name: 'Cán bộ xử lý HN' });
    expect(tracked.legalDueAt).toBeTruthy();
    expect(tracked.remainingWorkingHours).toBeLessThanOrEqual(8);
    expect(tracked.history.map((h) => h.action)).toEqual(['submit', 'accept', 'claim']);

    await json(await act('xuly.hn', { type: 'submit_for_approval', summary: 'Hồ sơ hợp lệ, đề nghị phê duyệt' }), 200);
    await json(await act('lanhdao.hn', { type: 'approve' }), 200);
    const done = await json<{ status: string; resultCode: string }>(await act('trakq.hn', { type: 'issue_result', title: 'Giấy khai sinh', content: 'Bản điện tử giấy khai sinh số 123/2026' }), 200);
    expect(done).toMatchObject({ status: 'completed', resultCode: `${code}-KQ1` });
    const resultMail = await p.smtp.waitFor((m) => m.subject.includes(`Kết quả giải quyết hồ sơ ${code}`));
    expect(resultMail.text).toContain(`${code}-KQ1`);
    // Every step is in the history by the time its request is answered.
    const final = await json<{ history: { action: string }[]; elapsedWorkingHours: number | null; remainingWorkingHours: number | null }>(await citizen.get(`/api/dossiers/${code}`), 200);
    expect(final.history.map((h) => h.action)).toEqual(['submit', 'accept', 'claim', 'submit_for_approval', 'approve', 'issue_result']);
    // Finished: the time it took is shown, no time left is counted any more (issue 33).
    expect(final.elapsedWorkingHours).not.toBeNull();
    expect(final.remainingWorkingHours).toBeNull();
    // The email links to the dossier's page: the citizen signs in there (no raw JSON, no 401) and reads it.
    const link = /Xem hồ sơ: (\S+)/.exec(resultMail.text)![1]!;
    expect(link).toBe(`${p.apiUrl}/ho-so/${code}`);
    const anonymous = await fetch(link, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe(`/auth/login?next=${encodeURIComponent(`/ho-so/${code}`)}`);
    const page = await citizen.get(`/ho-so/${code}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Đã trả kết quả');
    expect(html).toContain('Thời gian làm việc đã dùng');
    expect(html).not.toContain('Thời gian còn lại');

    const mine = await json<{ items: { code: string; status: string }[] }>(await citizen.get('/api/dossiers'), 200);
    expect(mine.items.find((i) => i.code === code)?.status).toBe('completed');

    // Revocation is recorded with its time, and the result stays retrievable.
    await json(await officers['lanhdao.hn']!.send('POST', `/api/results/${code}-KQ1/revoke`, { reason: 'Phát hiện sai sót về ngày sinh' }), 200);
    const after = await json<{ results: { code: string; revokedAt: string | null }[]; history: { action: string; actionLabel: string; actor: { role: string } | null; details: Record<string, unknown> }[] }>(await citizen.get(`/api/dossiers/${code}`), 200);
    expect(after.results).toHaveLength(1);
    expect(after.results[0]!.revokedAt).toBeTruthy();
    // … entered in the dossier's history with the role used, and the citizen told (003 §15.1).
    expect(after.history.at(-1)).toMatchObject({ action: 'revoke_result', actionLabel: 'Thu hồi kết quả giải quyết', actor: { role: 'unit_leader' }, details: { resultCode: `${code}-KQ1`, reason: 'Phát hiện sai sót về ngày sinh' } });
    const notice = await p.smtp.waitFor((m) => m.subject.includes(`Thu hồi kết quả giải quyết hồ sơ ${code}`));
    expect(notice.text).toContain('Phát hiện sai sót về ngày sinh');
    const [audit] = await p.orm.em.fork().execute<{ actor_role: string }[]>("select actor_role from audit_log where action = 'result.revoke' and entity_id = ?", [`${code}-KQ1`]);
    expect(audit!.actor_role).toBe('unit_leader');
    const again = await officers['lanhdao.hn']!.send('POST', `/api/results/${code}-KQ1/revoke`, { reason: 'Phát hiện sai sót về ngày sinh' });
    expect((await json<{ error: { code: string } }>(again, 409)).error.code).toBe('ALREADY_REVOKED');
  });

  it('asks for a supplement with guidance; the citizen supplements on the portal and the code stays', async () => {
    const { code } = await json<{ code: string }>(await citizen.multipart('/api/dossiers', birthForm()), 201);
    await json(await officers['tiepnhan.hn']!.send('POST', `/api/dossiers/${code}/actions`, { type: 'request_supplement', guidance: 'Giấy chứng sinh bị mờ, vui lòng tải lại bản rõ nét', items: ['Giấy chứng sinh'] }), 200);
    await p.smtp.waitFor((m) => m.subject.includes(`Yêu cầu bổ sung hồ sơ ${code}`) && m.text.includes('bản rõ nét'));
    const form = new FormData();
    form.set('formData', JSON.stringify({ hoTenTre: 'Nguyễn Minh Khang', ngaySinhTre: '2026-11-01', noiSinh: 'Bệnh viện Phụ sản Hà Nội, Đống Đa' }));
    form.set('giayChungSinh', new Blob([pdfBytes('v2')], { type: 'application/pdf' }), 'giay-chung-sinh-ro.pdf');
    const r = await json<{ code: string; status: string }>(await citizen.multipart(`/api/dossiers/${code}/supplement`, form), 200);
    expect(r).toMatchObject({ code, status: 'submitted' });
    const t = await json<{ code: string; formVersion: number; formData: { noiSinh: string } }>(await citizen.get(`/api/dossiers/${code}`), 200);
    expect(t).toMatchObject({ code, formVersion: 2, formData: { noiSinh: 'Bệnh viện Phụ sản Hà Nội, Đống Đa' } });
    const versions = await p.orm.em.fork().execute<{ version: number }[]>('select version from dossier_version where dossier_code = ? order by version', [code]);
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    // The process was given only the supplement's reference: its history holds neither the form nor the file names.
    const history = historyToJSON((await p.temporal.workflow.getHandle(code).fetchHistory())!);
    const payloads = [...history.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')).join('\n');
    // Nor the names of the people: the citizen's, the officer's (the records name them).
    for (const personal of ['Nguyễn Minh Khang', 'Phụ sản', 'giay-chung-sinh-ro', 'bản rõ nét', 'Nguyễn Văn An', 'Cán bộ tiếp nhận HN']) because(personal, () => expect(payloads).not.toContain(personal));
    expect(payloads).toContain('draftId');
    expect(payloads).toContain('textId');
    // … while the citizen still reads the guidance in the dossier's history.
    const tracked = await json<{ history: { action: string; actor: { name: string; role: string } | null; details: Record<string, unknown> }[] }>(await citizen.get(`/api/dossiers/${code}`), 200);
    expect(tracked.history.find((h) => h.action === 'request_supplement')).toMatchObject({
      actor: { name: 'Cán bộ tiếp nhận HN', role: 'receiving_officer' },
      details: { guidance: 'Giấy chứng sinh bị mờ, vui lòng tải lại bản rõ nét', items: ['Giấy chứng sinh'] },
    });
    expect(tracked.history.find((h) => h.action === 'supplement')).toMatchObject({ actor: { name: 'Nguyễn Văn An', role: 'citizen' } });
    await json(await citizen.send('POST', `/api/dossiers/${code}/actions`, { type: 'withdraw', reason: 'Nộp lại sau' }), 200);
    const w = await json<{ status: string }>(await citizen.get(`/api/dossiers/${code}`), 200);
    expect(w.status).toBe('withdrawn');
  });

  it('the same submission sent twice with one Idempotency-Key makes one dossier', async () => {
    const key = `retry-${Date.now()}`;
    const a = await json<{ code: string }>(await citizen.multipart('/api/dossiers', birthForm(), { 'idempotency-key': key }), 201);
    const b = await json<{ code: string; created: boolean }>(await citizen.multipart('/api/dossiers', birthForm(), { 'idempotency-key': key }), 200);
    expect(b).toMatchObject({ code: a.code, created: false });
    const rows = await p.orm.em.fork().execute('select count(*)::int as n from dossier where idempotency_key = ?', [key]);
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('a replay stores nothing again; the key with a different dossier is refused; concurrent retries make one dossier', async () => {
    const files = async () => (await p.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from stored_file'))[0]!.n;
    const key = `replay-${Date.now()}`;
    const first = await json<{ code: string }>(await citizen.multipart('/api/dossiers', birthForm(), { 'idempotency-key': key }), 201);
    const before = await files();
    for (let i = 0; i < 3; i++) expect((await json<{ code: string }>(await citizen.multipart('/api/dossiers', birthForm(), { 'idempotency-key': key }), 200)).code).toBe(first.code);
    expect(await files()).toBe(before);
    const other = birthForm();
    other.set('formData', JSON.stringify({ hoTenTre: 'Một đứa trẻ khác', ngaySinhTre: '2026-10-21', noiSinh: 'Hà Nội' }));
    const refused = await json<{ error: { code: string } }>(await citizen.multipart('/api/dossiers', other, { 'idempotency-key': key }), 422);
    expect(refused.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await files()).toBe(before);

    const together = `together-${Date.now()}`;
    const answers = await Promise.all(Array.from({ length: 8 }, () => citizen.multipart('/api/dossiers', birthForm(), { 'idempotency-key': together })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const codes = new Set(await Promise.all(answers.map(async (a) => ((await a.json()) as { code: string }).code)));
    expect(codes.size).toBe(1);
    const rows = await p.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from dossier where idempotency_key = ?', [together]);
    expect(rows[0]).toEqual({ n: 1 });
    expect(await files()).toBe(before + 1);
  });

  it('keeps uploaded files in the file store by their hash, serves them back checked, refuses a damaged one; old contents move out of the database', async () => {
    const submitted = await json<{ code: string }>(await citizen.multipart('/api/dossiers', birthForm({ hoTenTre: 'Trần Tệp Lưu' })), 201);
    const files = await json<{ versions: { files: { fileId: string; sha256: string; size: number }[] }[] }>(await citizen.get(`/api/dossiers/${submitted.code}/files`), 200);
    const file = files.versions[0]!.files[0]!;
    const path = `${p.env.FILE_STORE_DIR}/${file.sha256.slice(0, 2)}/${file.sha256.slice(2, 4)}/${file.sha256}`;
    expect(createHash('sha256').update(await readFile(path)).digest('hex')).toBe(file.sha256);
    const [row] = await p.orm.em.fork().execute<{ content: Buffer | null }[]>('select content from stored_file where id = ?', [file.fileId]);
    expect(row!.content).toBeNull();
    const download = await citizen.get(`/api/dossiers/${submitted.code}/files/${file.fileId}`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(pdfBytes())).toBe(true);

    // A file damaged on disk is not served as if it were the one submitted.
    const good = await readFile(path);
    await chmod(path, 0o644);
    await writeFile(path, Buffer.concat([good, Buffer.from('x')]));
    const damaged = await citizen.get(`/api/dossiers/${submitted.code}/files/${file.fileId}`);
    expect(damaged.status).toBe(500);
    expect(await damaged.json()).toMatchObject({ error: { code: 'FILE_DAMAGED' } });
    await writeFile(path, good);

    // A file uploaded before the store (its content in PostgreSQL) is served from there, then moved out by the command.
    const legacy = Buffer.from(`%PDF-1.4 legacy ${Date.now()}`);
    const sha = createHash('sha256').update(legacy).digest('hex');
    await p.orm.em.fork().execute('update stored_file set content = ?, sha256 = ? where id = ?', [legacy, sha, file.fileId]);
    await p.orm.em.fork().execute(
      `update dossier_version set files = (select jsonb_agg(case when f->>'fileId' = ? then f || jsonb_build_object('sha256', ?::text, 'size', ?::int) else f end) from jsonb_array_elements(files) f) where dossier_code = ?`,
      [file.fileId, sha, legacy.length, submitted.code],
    );
    const fromDatabase = await citizen.get(`/api/dossiers/${submitted.code}/files/${file.fileId}`);
    expect(Buffer.from(await fromDatabase.arrayBuffer()).equals(legacy)).toBe(true);
    expect(await moveFilesToStore(p.orm.em, new LocalFileStore(p.env.FILE_STORE_DIR!))).toBeGreaterThanOrEqual(1);
    const [moved] = await p.orm.em.fork().execute<{ content: Buffer | null }[]>('select content from stored_file where id = ?', [file.fileId]);
    expect(moved!.content).toBeNull();
    const fromStore = await citizen.get(`/api/dossiers/${submitted.code}/files/${file.fileId}`);
    expect(Buffer.from(await fromStore.arrayBuffer()).equals(legacy)).toBe(true);
  });

  it('serves health, readiness and Prometheus metrics including the Temporal worker', async () => {
    expect((await fetch(`${p.apiUrl}/health`)).status).toBe(200);
    const ready = await fetch(`${p.apiUrl}/ready`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', temporal: 'ok' } });
    // Only the scraper holding the token reads them.
    const anonymous = await fetch(`${p.apiUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('METRICS_TOKEN_REQUIRED');
    expect((await fetch(`${p.apiUrl}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all-000' } })).status).toBe(401);
    const metrics = await (await fetch(`${p.apiUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).text();
    expect(metrics).toMatch(/^http_request_duration_seconds_bucket\{.*route="\/api\/dossiers"/m);
    expect(metrics).toMatch(/^notifications_sent_total\{channel="email",outcome="sent"\} [1-9]/m);
    expect(metrics).toMatch(/^temporal_workflow_completed\{/m);
  });

  it('the OpenAPI description lists every route with who may call it', async () => {
    const doc = (await (await fetch(`${p.apiUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { 'x-access': unknown }>> };
    expect(doc.paths['/api/dossiers/{code}/actions']?.post?.['x-access']).toContain('receiving_officer');
    expect(doc.paths['/api/calendar/{date}']?.put?.['x-access']).toEqual(['system_admin']);
  });

  it('signs out; the old session no longer works', async () => {
    const s = await signIn(p.apiUrl, 'congdan2');
    expect((await s.send('POST', '/auth/logout')).status).toBe(204);
    expect((await s.get('/api/dossiers')).status).toBe(401);
  });
});
