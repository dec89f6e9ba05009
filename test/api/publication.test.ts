import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { because } from '../support/because';
import { json } from '../support/http';
import { signIn, startTestPlatform, type Session } from '../support/platform';

/**
 * The catalogue's decisions and a service's publication through the API: a new procedure decided, its
 * service declared by the agency, reviewed and made public for testing by the operator; test dossiers
 * flagged; a suspension refuses new dossiers while those in flight go on to their result; the test report
 * checked against the service's completed test dossiers; the pilot begins. Amendments make versions that
 * dossiers keep; abolishing a ministry's procedure abolishes its local copies.
 */
let p: Awaited<ReturnType<typeof startTestPlatform>>;
const s: Record<string, Session> = {};
const letters = () => Array.from({ length: 5 }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))).join('');

beforeAll(async () => {
  p = await startTestPlatform();
  for (const who of ['admin', 'vanhanh', 'quantri.hn', 'congdan1', 'tiepnhan.hn', 'xuly.hn', 'lanhdao.hn', 'trakq.hn']) s[who] = await signIn(p.apiUrl, who);
});
afterAll(async () => {
  await p?.stop();
});

const form = { fields: [{ name: 'hoTen', label: 'Họ và tên', type: 'text', required: true, maxLength: 100 }], files: [] };
const content = (extra: Record<string, unknown> = {}) => ({ name: 'Xác nhận thông tin thử nghiệm', field: 'Thử nghiệm', agencyCode: 'HNI-STP', processingDays: 3, feeAmount: 0, form, requiredDocuments: ['Tờ khai'], ...extra });
const decide = (body: Record<string, unknown>) => s.admin!.send('POST', '/api/catalogue/decisions', { number: `${letters()}/QĐ-UBND`, decidedOn: '2026-11-20', issuer: 'Ủy ban nhân dân thành phố Hà Nội', ...body });

async function submit(procedureCode: string, name = 'Nguyễn Văn An') {
  const f = new FormData();
  f.set('procedureCode', procedureCode);
  f.set('formData', JSON.stringify({ hoTen: name }));
  return s.congdan1!.multipart('/api/dossiers', f);
}

async function toResult(code: string) {
  const act = async (who: string, body: unknown) => json(await s[who]!.send('POST', `/api/dossiers/${code}/actions`, body), 200);
  await act('tiepnhan.hn', { type: 'accept' });
  await act('xuly.hn', { type: 'submit_for_approval', summary: 'Đủ điều kiện.' });
  await act('lanhdao.hn', { type: 'approve' });
  await act('trakq.hn', { type: 'issue_result', title: 'Giấy xác nhận', content: 'Nội dung xác nhận thử nghiệm.' });
}

describe('publication of an online service through the API', () => {
  it('from a publication decision to the pilot; suspension refuses new dossiers and leaves those in flight to their end', async () => {
    const procedureCode = `TN-${letters()}`;
    await json(await decide({ kind: 'new', procedureCode, validFrom: '2026-11-20', content: content() }), 201);
    // Decided but not published: no dossier yet.
    expect((await json<{ error: { code: string } }>(await submit(procedureCode), 409)).error.code).toBe('SERVICE_NOT_ACCEPTING');

    const declared = await json<{ code: string; status: string }>(await s['quantri.hn']!.send('POST', '/api/services', { procedureCode, name: 'Xác nhận thông tin trực tuyến' }), 201);
    const code = declared.code;
    expect(declared.status).toBe('declared');
    expect((await s['quantri.hn']!.send('POST', '/api/services', { procedureCode, name: 'Lần hai' })).status).toBe(409);
    const act = (who: string, body: unknown) => s[who]!.send('POST', `/api/services/${code}/actions`, body);
    expect((await act('congdan1', { type: 'request_test_publication' })).status).toBe(403);
    await json(await act('quantri.hn', { type: 'request_test_publication' }), 200);
    const pending = await json<{ status: string; stepDueAt: string }>(await s.vanhanh!.get(`/api/services/${code}`), 200);
    expect(pending.status).toBe('review_pending');
    expect(pending.stepDueAt).toBeTruthy();
    await json(await act('vanhanh', { type: 'publish_for_testing' }), 200);

    // In testing, dossiers are test dossiers.
    const inFlight = await json<{ code: string }>(await submit(procedureCode), 201);
    const [flag] = await p.orm.em.fork().execute<{ is_test: boolean; service_code: string; procedure_version: number }[]>('select is_test, service_code, procedure_version from dossier where code = ?', [inFlight.code]);
    expect(flag).toEqual({ is_test: true, service_code: code, procedure_version: 1 });

    // Suspended: new dossiers refused in Vietnamese; the one in flight goes on to its result.
    await json(await act('vanhanh', { type: 'suspend', reason: 'Biểu mẫu điện tử sai trường dữ liệu.' }), 200);
    const refused = await json<{ error: { code: string; message: string } }>(await submit(procedureCode), 409);
    expect(refused.error.code).toBe('SERVICE_NOT_ACCEPTING');
    expect(refused.error.message).toContain('Tạm dừng cung cấp');
    await toResult(inFlight.code);
    const done = await json<{ status: string }>(await s.congdan1!.get(`/api/dossiers/${inFlight.code}`), 200);
    because('a dossier in flight when its service was suspended reaches its result', () => expect(done.status).toBe('completed'));
    await json(await act('vanhanh', { type: 'resume' }), 200);

    // The report names test dossiers of this service that reached a result, and nothing else.
    const other = await json<{ code: string }>(await submit(procedureCode, 'Trần Văn Bình'), 201);
    const unknown = await json<{ error: { code: string } }>(
      await act('quantri.hn', { type: 'submit_test_report', procedureName: 'Xác nhận thông tin thử nghiệm', serviceName: 'Xác nhận thông tin trực tuyến', dossierCodes: ['HNI-STP-000000-000000'] }), 404);
    expect(unknown.error.code).toBe('UNKNOWN_DOSSIER');
    const bad = await json<{ error: { code: string; details: { field: string; message: string }[] } }>(
      await act('quantri.hn', { type: 'submit_test_report', procedureName: 'Xác nhận thông tin thử nghiệm', serviceName: 'Xác nhận thông tin trực tuyến', dossierCodes: [inFlight.code, other.code] }), 409);
    expect(bad.error.code).toBe('TEST_REPORT_INVALID');
    expect(bad.error.details).toEqual([{ field: 'dossierCodes.1', code: 'NOT_A_COMPLETED_TEST_DOSSIER', message: `Hồ sơ ${other.code} chưa có kết quả giải quyết.` }]);
    await json(await act('quantri.hn', { type: 'submit_test_report', procedureName: 'Xác nhận thông tin thử nghiệm', serviceName: 'Xác nhận thông tin trực tuyến', dossierCodes: [inFlight.code] }), 200);
    await json(await act('vanhanh', { type: 'confirm_test', passed: true }), 200);
    const pilot = await json<{ status: string; pilotEndsAt: string; testReport: { dossierCodes: string[] }; history: { action: string; actor: { role: string } | null }[] }>(await s.vanhanh!.get(`/api/services/${code}`), 200);
    expect(pilot.status).toBe('pilot');
    expect(pilot.pilotEndsAt).toBeTruthy();
    expect(pilot.testReport.dossierCodes).toEqual([inFlight.code]);
    expect(pilot.history.map((h) => h.action)).toEqual(['declare', 'request_test_publication', 'publish_for_testing', 'suspend', 'resume', 'submit_test_report', 'confirm_test']);
    // In the pilot, dossiers are real.
    const real = await json<{ code: string }>(await submit(procedureCode), 201);
    const [r] = await p.orm.em.fork().execute<{ is_test: boolean }[]>('select is_test from dossier where code = ?', [real.code]);
    expect(r!.is_test).toBe(false);
    const listed = await json<{ items: { code: string; acceptsDossiers: boolean }[] }>(await fetch(`${p.apiUrl}/api/services?status=pilot&limit=200`), 200);
    expect(listed.items.find((i) => i.code === code)?.acceptsDossiers).toBe(true);
  });

  it('a service in operation before publication was a process is suspended and resumed through its adopted process', async () => {
    const act = (body: unknown) => s.vanhanh!.send('POST', '/api/services/DV-KHDT-DNTN/actions', body);
    await json(await act({ type: 'suspend', reason: 'Kiểm tra tạm dừng dịch vụ đang vận hành.' }), 200);
    expect((await json<{ status: string }>(await s.vanhanh!.get('/api/services/DV-KHDT-DNTN'), 200)).status).toBe('suspended');
    await json(await act({ type: 'resume' }), 200);
    expect((await json<{ status: string }>(await s.vanhanh!.get('/api/services/DV-KHDT-DNTN'), 200)).status).toBe('official');
  });

  it('an amendment is a new version valid from its date; a dossier keeps the version it was submitted under', async () => {
    const procedureCode = `TN-${letters()}`;
    await json(await decide({ kind: 'new', procedureCode, validFrom: '2026-11-01', content: content() }), 201);
    await p.orm.em.fork().execute(`insert into online_service (code, procedure_code, agency_code, name, status, since) values (?, ?, 'HNI-STP', 'Dịch vụ', 'official', now())`, [`DV-${procedureCode}`, procedureCode]);
    const before = await json<{ code: string }>(await submit(procedureCode), 201);
    const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
    expect((await json<{ error: { code: string } }>(await decide({ kind: 'amended', procedureCode, validFrom: '2026-10-01', content: content() }), 409)).error.code).toBe('VALID_FROM_TOO_EARLY');
    const amended = await json<{ version: number }>(await decide({ kind: 'amended', procedureCode, validFrom: today, content: content({ processingDays: 7, feeAmount: 50000 }) }), 201);
    expect(amended.version).toBe(2);
    const after = await json<{ code: string }>(await submit(procedureCode), 201);
    const rows = await p.orm.em.fork().execute<{ code: string; procedure_version: number; processing_days: number; fee_amount: number }[]>(
      'select code, procedure_version, processing_days, fee_amount from dossier where code in (?, ?) order by code', [before.code, after.code]);
    expect(rows).toEqual([
      { code: before.code, procedure_version: 1, processing_days: 3, fee_amount: 0 },
      { code: after.code, procedure_version: 2, processing_days: 7, fee_amount: 50000 },
    ]);
    const versions = await json<{ versions: { version: number; validFrom: string; validTo: string | null; decision: { kind: string } }[] }>(await fetch(`${p.apiUrl}/api/procedures/${procedureCode}/versions`), 200);
    expect(versions.versions.map((v) => [v.version, v.validFrom, v.validTo, v.decision.kind])).toEqual([
      [1, '2026-11-01', new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10), 'new'],
      [2, today, null, 'amended'],
    ]);
  });

  it('abolishing a ministry\'s procedure abolishes its local copies; new dossiers are refused', async () => {
    const ministry = `BTP-${letters()}`;
    const local = `HN-${letters()}`;
    const localOfLocal = `HNX-${letters()}`;
    await json(await decide({ kind: 'new', procedureCode: ministry, validFrom: '2026-11-01', content: content({ agencyCode: 'BTP-CKSTTHC' }) }), 201);
    await json(await decide({ kind: 'new', procedureCode: local, parentCode: ministry, validFrom: '2026-11-01', content: content() }), 201);
    await json(await decide({ kind: 'new', procedureCode: localOfLocal, parentCode: local, validFrom: '2026-11-01', content: content() }), 201);
    await p.orm.em.fork().execute(`insert into online_service (code, procedure_code, agency_code, name, status, since) values (?, ?, 'HNI-STP', 'Dịch vụ', 'official', now())`, [`DV-${local}`, local]);
    const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
    const r = await json<{ alsoAbolished: string[] }>(await decide({ kind: 'abolished', procedureCode: ministry, validFrom: today }), 201);
    expect(r.alsoAbolished.sort()).toEqual([local, localOfLocal].sort());
    expect((await json<{ error: { code: string } }>(await submit(local), 409)).error.code).toBe('PROCEDURE_ABOLISHED');
    expect((await json<{ error: { code: string } }>(await decide({ kind: 'abolished', procedureCode: local, validFrom: today }), 409)).error.code).toBe('PROCEDURE_ABOLISHED');
    // Only the catalogue's keepers record decisions.
    expect((await s['quantri.hn']!.send('POST', '/api/catalogue/decisions', { kind: 'abolished', number: '1/QĐ', decidedOn: '2026-11-20', issuer: 'UBND', procedureCode: 'STP-KS', validFrom: today })).status).toBe(403);
  });

  it('an operator raises a data-quality finding; the agency sees its own and reports the fix', async () => {
    const raised = await json<{ code: string; status: string }>(await s.vanhanh!.send('POST', '/api/catalogue/findings', { procedureCode: 'STP-LLTP', description: 'Mức lệ phí trên cổng khác quyết định công bố.' }), 201);
    expect(raised.status).toBe('open');
    // The process records the finding with its deadline (10 working days) as it starts.
    let mine: { items: { code: string; dueAt: string | null; agencyCode: string }[] } = { items: [] };
    for (let i = 0; i < 100 && !mine.items.find((x) => x.code === raised.code)?.dueAt; i++) {
      mine = await json(await s['quantri.hn']!.get('/api/catalogue/findings?status=open'), 200);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(mine.items.find((i) => i.code === raised.code)?.dueAt).toBeTruthy();
    expect(mine.items.every((i) => i.agencyCode === 'HNI-STP')).toBe(true);
    expect((await s['congdan1']!.send('POST', `/api/catalogue/findings/${raised.code}/actions`, { type: 'resolve', note: 'Đã sửa.' })).status).toBe(403);
    const done = await json<{ status: string }>(await s['quantri.hn']!.send('POST', `/api/catalogue/findings/${raised.code}/actions`, { type: 'resolve', note: 'Đã sửa mức lệ phí theo quyết định.' }), 200);
    expect(done.status).toBe('resolved');
    expect((await json<{ error: { code: string } }>(await s['quantri.hn']!.send('POST', `/api/catalogue/findings/${raised.code}/actions`, { type: 'resolve', note: 'Lần hai.' }), 409)).error.code).toBe('WRONG_STEP');
  });
});
