import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { json } from '../support/http';
import { integrationSession, pdfBytes, signIn, startTestPlatform, type Session } from '../support/platform';

/**
 * The citizen's electronic data store (issue 19): a result delivered to it, documents kept on consent,
 * both reused in a new dossier without uploading again, the agency seeing where they came from.
 */

let p: Awaited<ReturnType<typeof startTestPlatform>>;
let citizen: Session;
let other: Session;
const officers: Record<string, Session> = {};

interface Item { id: string; kind: string; code: string | null; component: string | null; sourceDossierCode: string; sha256: string; validUntil: string | null; revokedAt: string | null; hiddenAt: string | null; agency: { code: string; name: string } }
interface DossierFile { component: string; fileId: string; sha256: string; source?: { kind: string; itemId: string; dossierCode: string; resultCode?: string; sha256: string }; sourceCheck?: { hashMatches: boolean; agencyName: string; revokedAt: string | null } }

beforeAll(async () => {
  p = await startTestPlatform();
  citizen = await signIn(p.apiUrl, 'congdan1');
  other = await signIn(p.apiUrl, 'congdan2');
  for (const s of ['tiepnhan.hn', 'xuly.hn', 'lanhdao.hn', 'trakq.hn']) officers[s] = await signIn(p.apiUrl, s);
});
afterAll(async () => {
  await p?.stop();
});

const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

function birthForm(opts: { consent?: boolean; upload?: boolean; fromStore?: Record<string, string> } = {}) {
  const form = new FormData();
  form.set('procedureCode', 'STP-KS');
  form.set('formData', JSON.stringify({ hoTenTre: 'Nguyễn Minh Khang', ngaySinhTre: '2026-11-01', noiSinh: 'Bệnh viện Phụ sản Hà Nội' }));
  if (opts.upload ?? true) form.set('giayChungSinh', new Blob([pdfBytes()], { type: 'application/pdf' }), 'giay-chung-sinh.pdf');
  if (opts.consent !== undefined) form.set('storeConsent', String(opts.consent));
  if (opts.fromStore) form.set('fromStore', JSON.stringify(opts.fromStore));
  return form;
}

function recordForm(fromStore: Record<string, string>, idCard = true) {
  const form = new FormData();
  form.set('procedureCode', 'STP-LLTP');
  form.set('formData', JSON.stringify({ hoTen: 'Nguyễn Văn An', soDinhDanh: '001090000001', ngaySinh: '1990-01-01', mucDich: 'Bổ sung hồ sơ xin việc' }));
  if (idCard) form.set('cccd', new Blob([pdfBytes()], { type: 'application/pdf' }), 'cccd.pdf');
  form.set('fromStore', JSON.stringify(fromStore));
  return form;
}

const act = (who: string, code: string, body: unknown) => officers[who]!.send('POST', `/api/dossiers/${code}/actions`, body);
const submit = async (s: Session, form: FormData) => (await json<{ code: string }>(await s.multipart('/api/dossiers', form), 201)).code;
const store = async (s: Session, query = '') => json<{ total: number; items: Item[] }>(await s.get(`/api/store${query}`), 200);
const filesOf = async (s: Session, code: string) => (await json<{ versions: { files: DossierFile[] }[] }>(await s.get(`/api/dossiers/${code}/files`), 200)).versions[0]!.files;

/** A birth registration taken to its result, issued with a validity. */
async function toResult(code: string): Promise<string> {
  await json(await act('tiepnhan.hn', code, { type: 'accept' }), 200);
  await json(await act('xuly.hn', code, { type: 'claim' }), 200);
  await json(await act('xuly.hn', code, { type: 'submit_for_approval', summary: 'Hồ sơ hợp lệ' }), 200);
  await json(await act('lanhdao.hn', code, { type: 'approve' }), 200);
  const done = await json<{ resultCode: string }>(await act('trakq.hn', code, { type: 'issue_result', title: 'Giấy khai sinh', content: `Bản điện tử giấy khai sinh của hồ sơ ${code}`, validUntil: '2099-12-31' }), 200);
  return done.resultCode;
}

describe('the data store: results kept, documents reused', () => {
  let first: string;
  let resultCode: string;
  let resultItem: Item;
  let documentItem: Item;

  it('a result issued to the citizen and the documents they agreed to keep appear in their store, with code, agency, hash and validity', async () => {
    first = await submit(citizen, birthForm({ consent: true }));
    resultCode = await toResult(first);
    expect(resultCode).toBe(`${first}-KQ1`);

    const mine = await store(citizen);
    resultItem = mine.items.find((i) => i.code === resultCode)!;
    documentItem = mine.items.find((i) => i.kind === 'document' && i.sourceDossierCode === first)!;
    expect(resultItem).toMatchObject({ kind: 'result', agency: { code: 'HNI-STP' }, validUntil: '2099-12-31', revokedAt: null, sha256: sha(Buffer.from(`Bản điện tử giấy khai sinh của hồ sơ ${first}`)) });
    expect(documentItem).toMatchObject({ component: 'giayChungSinh', sha256: sha(pdfBytes()), agency: { code: 'HNI-STP' } });
    expect(mine.total).toBeGreaterThanOrEqual(2);
    // The email says where the result is.
    const mail = await p.smtp.waitFor((m) => m.subject.includes(`Kết quả giải quyết hồ sơ ${first}`));
    expect(mail.text).toContain('/kho-du-lieu');

    // Nobody else's store shows it; an officer has no store to open.
    expect((await store(other)).items.some((i) => i.sourceDossierCode === first)).toBe(false);
    await json(await officers['tiepnhan.hn']!.get('/api/store'), 403);
    await json(await other.get(`/api/store/items/${resultItem.id}/content`), 404);
  });

  it('the result downloads as the agency-signed PDF, the same bytes every time', async () => {
    const a = await citizen.get(`/api/store/items/${resultItem.id}/content`);
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await a.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.toString('latin1')).toContain('/ByteRange');
    expect(a.headers.get('x-content-sha256')).toBe(sha(bytes));
    const b = await citizen.get(`/api/store/items/${resultItem.id}/content`);
    expect(sha(Buffer.from(await b.arrayBuffer()))).toBe(sha(bytes));
  });

  it('a new dossier takes the result from the store instead of an upload; the agency sees where it came from and that its hash matches', async () => {
    const choices = await json<{ components: { name: string; items: Item[] }[] }>(await citizen.get('/api/store/choices?procedureCode=STP-LLTP'), 200);
    expect(choices.components.find((c) => c.name === 'giayKhaiSinh')!.items.map((i) => i.id)).toContain(resultItem.id);
    // A document of another kind is not offered for the ID card.
    expect(choices.components.find((c) => c.name === 'cccd')!.items.map((i) => i.id)).not.toContain(documentItem.id);

    const second = await submit(citizen, recordForm({ giayKhaiSinh: resultItem.id }));
    const seenByOfficer = (await filesOf(officers['tiepnhan.hn']!, second)).find((f) => f.component === 'giayKhaiSinh')!;
    expect(seenByOfficer.source).toMatchObject({ kind: 'result', itemId: resultItem.id, dossierCode: first, resultCode, sha256: resultItem.sha256 });
    expect(seenByOfficer.sourceCheck).toEqual({ hashMatches: true, agencyName: 'Sở Tư pháp thành phố Hà Nội', revokedAt: null });
    const content = await officers['tiepnhan.hn']!.get(`/api/dossiers/${second}/files/${seenByOfficer.fileId}`);
    expect(content.status).toBe(200);
    expect(sha(Buffer.from(await content.arrayBuffer()))).toBe(seenByOfficer.sha256);

    // The agency's connected system reads the same, through the dossier; never the store itself.
    const system = await integrationSession(p.apiUrl, p.idp.tokenURL);
    expect((await filesOf(system, second)).find((f) => f.component === 'giayKhaiSinh')!.source?.itemId).toBe(resultItem.id);
    await json(await system.get('/api/store'), 403);
    // An officer of another agency does not see the dossier at all.
    const otherAgency = await signIn(p.apiUrl, 'tiepnhan.hcm');
    await json(await otherAgency.get(`/api/dossiers/${second}/files`), 404);
  });

  it('a supplement takes a component from the store by the same rule as a submission, with its provenance; a bad choice is refused and the step not taken', async () => {
    const code = await submit(citizen, recordForm({}));
    await json(await act('tiepnhan.hn', code, { type: 'request_supplement', guidance: 'Đề nghị bổ sung giấy khai sinh để đối chiếu nhân thân.' }), 200);
    const before = await filesOf(citizen, code);
    const supplement = (fromStore: Record<string, string>, upload = false) => {
      const form = new FormData();
      form.set('formData', JSON.stringify({ hoTen: 'Nguyễn Văn An', soDinhDanh: '001090000001', ngaySinh: '1990-01-01', mucDich: 'Bổ sung hồ sơ xin việc' }));
      form.set('fromStore', JSON.stringify(fromStore));
      if (upload) form.set('giayKhaiSinh', new Blob([pdfBytes()], { type: 'application/pdf' }), 'gks.pdf');
      return citizen.multipart(`/api/dossiers/${code}/supplement`, form);
    };
    const refused = await json<{ error: { code: string; details: { field: string; code: string }[] } }>(await supplement({ giayKhaiSinh: '00000000-0000-4000-8000-000000000000', khongCo: resultItem.id }), 422);
    expect(refused.error.details.map((d) => `${d.field}:${d.code}`).sort()).toEqual(['giayKhaiSinh:STORE_ITEM_NOT_FOUND', 'khongCo:UNKNOWN_COMPONENT']);
    const both = await json<{ error: { details: { field: string; code: string }[] } }>(await supplement({ giayKhaiSinh: resultItem.id }, true), 422);
    expect(both.error.details).toContainEqual(expect.objectContaining({ field: 'giayKhaiSinh', code: 'UPLOAD_AND_STORE' }));
    // Refused, nothing changed: still waiting for the supplement, no draft recorded.
    expect((await json<{ status: string }>(await citizen.get(`/api/dossiers/${code}`), 200)).status).toBe('supplement_requested');
    expect(await p.orm.em.fork().execute('select count(*)::int as n from dossier_supplement where dossier_code = ?', [code])).toEqual([{ n: 0 }]);

    await json(await supplement({ giayKhaiSinh: resultItem.id }), 200);
    let files = await filesOf(officers['tiepnhan.hn']!, code);
    for (let i = 0; i < 50 && !files.some((f) => f.component === 'giayKhaiSinh'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      files = await filesOf(officers['tiepnhan.hn']!, code);
    }
    const taken = files.find((f) => f.component === 'giayKhaiSinh')!;
    expect(taken.source).toMatchObject({ kind: 'result', itemId: resultItem.id, dossierCode: first, resultCode, sha256: resultItem.sha256 });
    expect(taken.sourceCheck).toEqual({ hashMatches: true, agencyName: 'Sở Tư pháp thành phố Hà Nội', revokedAt: null });
    // The ID card not sent again keeps the first version's file.
    expect(files.find((f) => f.component === 'cccd')!.fileId).toBe(before.find((f) => f.component === 'cccd')!.fileId);
  });

  it('what cannot stand for a component is refused with every reason, and nothing is recorded', async () => {
    const before = await p.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from dossier');
    const bad = await json<{ error: { code: string; details: { field: string; code: string }[] } }>(
      await citizen.multipart('/api/dossiers', recordForm({ cccd: documentItem.id, khongCo: resultItem.id, giayKhaiSinh: '00000000-0000-4000-8000-000000000000' })),
      422,
    );
    expect(bad.error.code).toBe('SUBMISSION_INVALID');
    expect(bad.error.details.map((d) => `${d.field}:${d.code}`).sort()).toEqual(['cccd:UPLOAD_AND_STORE', 'giayKhaiSinh:STORE_ITEM_NOT_FOUND', 'khongCo:UNKNOWN_COMPONENT']);
    const wrongKind = await json<{ error: { details: { field: string; code: string }[] } }>(await citizen.multipart('/api/dossiers', recordForm({ cccd: documentItem.id }, false)), 422);
    expect(wrongKind.error.details).toContainEqual(expect.objectContaining({ field: 'cccd', code: 'STORE_ITEM_OTHER_KIND' }));
    // Someone else's item is not theirs to give.
    const stolen = await json<{ error: { details: { field: string; code: string }[] } }>(await other.multipart('/api/dossiers', recordForm({ giayKhaiSinh: resultItem.id })), 422);
    expect(stolen.error.details).toContainEqual(expect.objectContaining({ field: 'giayKhaiSinh', code: 'STORE_ITEM_NOT_FOUND' }));
    const after = await p.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from dossier');
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('a kept document is reused, is not kept twice, and once deleted from the store the dossier that used it keeps its copy', async () => {
    const reuse = await submit(citizen, birthForm({ upload: false, consent: true, fromStore: { giayChungSinh: documentItem.id } }));
    await json(await act('tiepnhan.hn', reuse, { type: 'accept' }), 200);
    const file = (await filesOf(officers['tiepnhan.hn']!, reuse))[0]!;
    expect(file).toMatchObject({ fileId: expect.any(String), sha256: documentItem.sha256, source: { kind: 'document', itemId: documentItem.id, dossierCode: first } });
    expect(file.sourceCheck?.hashMatches).toBe(true);
    // Accepted with consent: the document it took from the store is not stored again.
    const docs = (await store(citizen, '?kind=document&limit=200')).items.filter((i) => i.sha256 === documentItem.sha256);
    expect(docs.map((i) => i.id)).toEqual([documentItem.id]);

    expect((await citizen.send('DELETE', `/api/store/items/${documentItem.id}`)).status).toBe(204);
    expect((await store(citizen, '?limit=200')).items.map((i) => i.id)).not.toContain(documentItem.id);
    await json(await citizen.send('DELETE', `/api/store/items/${documentItem.id}`), 404);
    const kept = (await filesOf(officers['tiepnhan.hn']!, reuse))[0]!;
    expect(kept.sourceCheck?.hashMatches).toBe(true);
    const content = await citizen.get(`/api/dossiers/${reuse}/files/${kept.fileId}`);
    expect(sha(Buffer.from(await content.arrayBuffer()))).toBe(documentItem.sha256);
    // A deleted document can no longer be given.
    const gone = await json<{ error: { details: { code: string }[] } }>(await citizen.multipart('/api/dossiers', birthForm({ upload: false, fromStore: { giayChungSinh: documentItem.id } })), 422);
    expect(gone.error.details.map((d) => d.code)).toContain('STORE_ITEM_NOT_FOUND');
  });

  it('consent decides at acceptance; it can change until then and not after', async () => {
    const without = await submit(citizen, birthForm());
    const changed = await submit(citizen, birthForm());
    expect(await json(await citizen.send('PUT', `/api/dossiers/${changed}/store-consent`, { consent: true }), 200)).toEqual({ code: changed, storeConsent: true });
    await json(await other.send('PUT', `/api/dossiers/${changed}/store-consent`, { consent: false }), 404);
    await json(await citizen.send('PUT', `/api/dossiers/${changed}/store-consent`, { consent: 'yes' }), 422);
    for (const code of [without, changed]) await json(await act('tiepnhan.hn', code, { type: 'accept' }), 200);
    const kept = (await store(citizen, '?kind=document&limit=200')).items.map((i) => i.sourceDossierCode);
    expect(kept).toContain(changed);
    expect(kept).not.toContain(without);
    const late = await json<{ error: { code: string } }>(await citizen.send('PUT', `/api/dossiers/${without}/store-consent`, { consent: true }), 409);
    expect(late.error.code).toBe('ALREADY_ACCEPTED');
    expect((await json<{ storeConsent: boolean }>(await citizen.get(`/api/dossiers/${changed}`), 200)).storeConsent).toBe(true);
  });

  it('a result cannot be deleted, only hidden; revoked, it stays marked and is no longer offered', async () => {
    const refused = await json<{ error: { code: string } }>(await citizen.send('DELETE', `/api/store/items/${resultItem.id}`), 409);
    expect(refused.error.code).toBe('RESULT_NOT_DELETABLE');
    expect((await json<Item>(await citizen.send('PUT', `/api/store/items/${resultItem.id}/hidden`, { hidden: true }), 200)).hiddenAt).toBeTruthy();
    expect((await store(citizen, '?limit=200')).items.map((i) => i.id)).not.toContain(resultItem.id);
    expect((await store(citizen, '?hidden=true')).items.map((i) => i.id)).toContain(resultItem.id);
    await json(await citizen.send('PUT', `/api/store/items/${resultItem.id}/hidden`, { hidden: false }), 200);

    await json(await officers['lanhdao.hn']!.send('POST', `/api/results/${resultCode}/revoke`, { reason: 'Cấp sai thông tin nơi sinh của trẻ' }), 200);
    const revoked = (await store(citizen, '?kind=result&limit=200')).items.find((i) => i.id === resultItem.id)!;
    expect(revoked.revokedAt).toBeTruthy();
    const choices = await json<{ components: { name: string; items: Item[] }[] }>(await citizen.get('/api/store/choices?procedureCode=STP-LLTP'), 200);
    expect(choices.components.find((c) => c.name === 'giayKhaiSinh')!.items.map((i) => i.id)).not.toContain(resultItem.id);
    const refusedRevoked = await json<{ error: { details: { code: string }[] } }>(await citizen.multipart('/api/dossiers', recordForm({ giayKhaiSinh: resultItem.id })), 422);
    expect(refusedRevoked.error.details.map((d) => d.code)).toContain('STORE_ITEM_REVOKED');
    // The revoked result still downloads, saying it was revoked.
    const pdf = await citizen.get(`/api/store/items/${resultItem.id}/content`);
    expect(pdf.status).toBe(200);
  });

  it('every access to the store is in the audit log', async () => {
    const rows = await p.orm.em.fork().execute<{ action: string; entity_id: string }[]>(
      "select action, entity_id from audit_log where action like 'store.%' and actor_id = (select id from account where subject = 'congdan1')",
    );
    const actions = new Set(rows.map((r) => r.action));
    for (const a of ['store.list', 'store.download', 'store.choices', 'store.consent_withdrawn', 'store.hide', 'store.show']) expect(actions).toContain(a);
    expect(rows).toContainEqual({ action: 'store.consent_withdrawn', entity_id: documentItem.id });
    // The agency reading a file the citizen gave from their store is an access too.
    const agency = await p.orm.em.fork().execute<{ entity_id: string; actor_role: string }[]>(
      "select entity_id, actor_role from audit_log where action = 'store.agency_read' and actor_id = (select id from account where subject = 'tiepnhan.hn')",
    );
    expect(agency).toContainEqual({ entity_id: resultItem.id, actor_role: 'receiving_officer' });
  });
});
