import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoUser } from '../../db/demo-data';
import { because } from '../support/because';
import { json } from '../support/http';
import { integrationSession, machineClientOf, signIn, startTestPlatform, type Session } from '../support/platform';

/**
 * Daily reconciliation over real HTTP, PostgreSQL and Temporal (000 §34): one business day of portal
 * payments against a bank statement uploaded by an operator, another fetched from the bank (signed), and
 * the agency's receipt list — every kind of discrepancy found, a bad file refused whole with its line, a
 * corrected file clearing what it fixes, the report's filters and CSV, and each case closed by its party.
 */
let p: Awaited<ReturnType<typeof startTestPlatform>>;
const s: Record<string, Session> = {};
const DAY = '2026-11-25';
const BANK_HEADER = 'bank_txn_id,portal_payment_id,agency_code,transaction_type,amount_vnd,status,debited_at,settled_at';
const AGENCY_HEADER = 'agency_receipt_id,portal_payment_id,agency_code,transaction_type,amount_vnd,received_at';
const pid = (n: number) => `TT-00000000AB${String(n).padStart(2, '0')}`;

beforeAll(async () => {
  p = await startTestPlatform();
  for (const who of ['thuphi.hn', 'vanhanh', 'tiepnhan.hn']) s[who] = await signIn(p.apiUrl, who);
  // The portal's records of the day: eight payments paid at NH-MOT on 25/11/2026.
  const citizen = demoUser('congdan1').id;
  for (let n = 1; n <= 8; n++) {
    await p.orm.em.fork().execute(
      `insert into payment (id, citizen_id, agency_code, amount_vnd, transaction_type, status, bank_code, bank_txn_id, receipt_number, paid_at, requested_at, seq)
       values (?, ?, 'HNI-STP', 200000, 'LE_PHI_TTHC', 'paid', 'NH-MOT', ?, ?, ?, ?, 3)`,
      [pid(n), citizen, `NH-MOT-T${n}`, `BL-${n}`, `${DAY}T0${n}:00:00+07:00`, `${DAY}T0${n}:00:00+07:00`],
    );
  }
  // NH-HAI's statement, fetched by the portal: a debit the portal never heard of.
  p.banks[1]!.editStatement(DAY, () => [['NH-HAI-X1', 'TT-FFFFFFFFFFFF', 'HNI-STP', 'LE_PHI_TTHC', '50000', 'success', `${DAY}T10:00:00+07:00`, `${DAY}T16:00:00+07:00`]]);
});
afterAll(async () => {
  await p?.stop();
});

const csvFile = (lines: string[]) => {
  const f = new FormData();
  f.set('file', new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }), 'file.csv');
  return f;
};
const onTime = (n: number) => `${DAY}T1${n}:00:00+07:00`;
const bankRow = (n: number, amount = 200000, status = 'success', txn = `NH-MOT-T${n}`, settled = onTime(n)) =>
  `${txn},${pid(n)},HNI-STP,LE_PHI_TTHC,${amount},${status},${DAY}T0${n}:00:00+07:00,${settled}`;
const agencyRow = (n: number, amount = 200000) => `BL-STP-${n},${pid(n)},HNI-STP,LE_PHI_TTHC,${amount},${DAY}T17:00:00+07:00`;

/** NH-MOT's statement of the day, one line per kind of mismatch. */
const motStatement = () => [BANK_HEADER,
  bankRow(1), // matches
  // 2: missing at the bank
  bankRow(3, 210000), // amount differs
  bankRow(4, 200000, 'failed'), // status differs
  bankRow(5), bankRow(5, 200000, 'success', 'NH-MOT-T5B'), // debited twice
  bankRow(6, 200000, 'success', 'NH-MOT-T6', '2026-11-27T08:00:00+07:00'), // settled after T+1
  bankRow(7), bankRow(8),
  `NH-MOT-T9,TT-00000000DEAD,HNI-STP,LE_PHI_TTHC,90000,success,${DAY}T09:30:00+07:00,${DAY}T15:00:00+07:00`, // unknown to the portal
];

interface Case { code: string; kind: string; responsible: string; portalPaymentId: string | null; bankCode: string | null; status: string; dueAt: string; detail: string }
const report = async (who: string, query: string) => json<{ items: Case[] }>(await s[who]!.get(`/api/reconciliation/discrepancies?from=${DAY}&to=${DAY}&limit=200${query}`), 200);

describe('daily reconciliation', () => {
  it('finds every kind of discrepancy between the portal, two banks and the agency', async () => {
    const up = await json<{ rows: number; reconciledAgain: boolean }>(await s.vanhanh!.multipart(`/api/reconciliation/banks/NH-MOT/statements/${DAY}`, csvFile(motStatement())), 200);
    expect(up).toMatchObject({ rows: 9, reconciledAgain: false });
    // The agency recorded all but 7; 8 with another amount; and a receipt for a payment the portal does not have.
    const list = [AGENCY_HEADER, ...[1, 2, 3, 4, 5, 6].map((n) => agencyRow(n)), agencyRow(8, 150000), `BL-STP-99,TT-00000000BEEF,HNI-STP,LE_PHI_TTHC,70000,${DAY}T17:00:00+07:00`];
    await json(await s['thuphi.hn']!.multipart(`/api/reconciliation/agencies/HNI-STP/receipts/${DAY}`, csvFile(list)), 200);

    const run = await json<{ files: { kind: string; partyCode: string; source: string; rows: number }[]; cases: Record<string, number> }>(await s.vanhanh!.send('POST', `/api/reconciliation/runs/${DAY}`), 200);
    because('the bank that sent nothing had its statement fetched, its signature checked', () =>
      expect(run.files).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'bank_statement', partyCode: 'NH-HAI', source: 'fetched', rows: 1 })])));
    const { items } = await report('vanhanh', '');
    const found = items.map((c) => `${c.kind}:${c.responsible}:${c.portalPaymentId}`).sort();
    expect(found).toEqual([
      `amount_differs:agency:${pid(8)}`,
      `amount_differs:bank:${pid(3)}`,
      `duplicate_payment:bank:${pid(5)}`,
      'missing_at_agency:agency:TT-00000000DEAD',
      'missing_at_agency:agency:TT-FFFFFFFFFFFF',
      `missing_at_agency:agency:${pid(7)}`,
      `missing_at_bank:bank:${pid(2)}`,
      'missing_at_portal:portal:TT-00000000BEEF',
      'missing_at_portal:portal:TT-00000000DEAD',
      'missing_at_portal:portal:TT-FFFFFFFFFFFF',
      `settled_late:bank:${pid(6)}`,
      `status_differs:bank:${pid(4)}`,
    ].sort());
    because('each case is due by the end of the next working day (17:00)', () => expect(items.every((c) => c.status === 'open' && c.dueAt.endsWith('T17:00:00.000+07:00'))).toBe(true));

    const again = await json<{ cases: Record<string, number> }>(await s.vanhanh!.send('POST', `/api/reconciliation/runs/${DAY}`), 200);
    because('running the day again opens nothing twice', () => expect(again.cases).toEqual({ open: 12 }));
  });

  it('refuses a bad file whole, with its line and reason; a corrected file replaces it and clears what it fixes', async () => {
    const bad = [AGENCY_HEADER, agencyRow(1), agencyRow(2), `BL-STP-3,${pid(3)},HNI-STP,LE_PHI_TTHC,200.000,${DAY}T17:00:00+07:00`];
    const refused = await json<{ error: { code: string; message: string; details: { line: number }[] } }>(
      await s['thuphi.hn']!.multipart(`/api/reconciliation/agencies/HNI-STP/receipts/${DAY}`, csvFile(bad)), 422);
    expect(refused.error.code).toBe('FILE_INVALID');
    expect(refused.error.details[0]!.line).toBe(4);
    expect(refused.error.message).toContain('Dòng 4: amount_vnd');
    const feb30 = await json<{ error: { message: string; details: { line: number }[] } }>(
      await s['thuphi.hn']!.multipart(`/api/reconciliation/agencies/HNI-STP/receipts/${DAY}`, csvFile([AGENCY_HEADER, agencyRow(1), `BL-STP-2,${pid(2)},HNI-STP,LE_PHI_TTHC,200000,2026-02-30T10:00:00+07:00`])), 422);
    expect(feb30.error.details[0]!.line).toBe(3);
    expect(feb30.error.message).toContain('Dòng 3: received_at');
    const columns = await json<{ error: { message: string; details: { line: number }[] } }>(
      await s['thuphi.hn']!.multipart(`/api/reconciliation/agencies/HNI-STP/receipts/${DAY}`, csvFile([AGENCY_HEADER, agencyRow(1), 'BL-STP-2,TT-1,HNI-STP'])), 422);
    expect(columns.error.message).toContain('Dòng 3: số cột không đúng');
    const header = await json<{ error: { details: { line: number }[] } }>(await s['thuphi.hn']!.multipart(`/api/reconciliation/agencies/HNI-STP/receipts/${DAY}`, csvFile(['a,b,c', agencyRow(1)])), 422);
    expect(header.error.details[0]!.line).toBe(1);
    const [{ n }] = await p.orm.em.fork().execute<{ n: string }[]>("select count(*) as n from agency_receipt_row where business_day = ? and agency_code = 'HNI-STP'", [DAY]) as [{ n: string }];
    because('nothing of a refused file is applied', () => expect(Number(n)).toBe(8));
    const other = await s['thuphi.hn']!.multipart(`/api/reconciliation/agencies/HCM-SKHDT/receipts/${DAY}`, csvFile([AGENCY_HEADER]));
    expect([403, 404]).toContain(other.status);
    const future = await s['thuphi.hn']!.multipart('/api/reconciliation/agencies/HNI-STP/receipts/2099-01-01', csvFile([AGENCY_HEADER]));
    expect(future.status).toBe(409);

    // The agency adds payment 7: its case clears itself on the run the upload starts.
    const fixed = [AGENCY_HEADER, ...[1, 2, 3, 4, 5, 6, 7].map((n) => agencyRow(n)), agencyRow(8, 150000), `BL-STP-99,TT-00000000BEEF,HNI-STP,LE_PHI_TTHC,70000,${DAY}T17:00:00+07:00`];
    const up = await json<{ rows: number; reconciledAgain: boolean }>(await s['thuphi.hn']!.multipart(`/api/reconciliation/agencies/HNI-STP/receipts/${DAY}`, csvFile(fixed)), 200);
    expect(up).toMatchObject({ rows: 9, reconciledAgain: true });
    let cleared: Case | undefined;
    for (let i = 0; i < 200 && cleared?.status !== 'cleared'; i++) {
      cleared = (await report('vanhanh', '&kind=missing_at_agency')).items.find((c) => c.portalPaymentId === pid(7));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(cleared?.status).toBe('cleared');
  });

  it('reports by agency, payment unit, transaction type and kind, in detail, summary and CSV; each party closes its own cases', async () => {
    const mot = await report('vanhanh', '&bankCode=NH-MOT&kind=amount_differs');
    expect(mot.items.map((c) => c.portalPaymentId).sort()).toEqual([pid(3), pid(8)]);
    const summary = await json<{ lines: { bankCode: string | null; kind: string; cases: number; open: number }[] }>(
      await s.vanhanh!.get(`/api/reconciliation/discrepancies?from=${DAY}&to=${DAY}&view=summary&transactionType=LE_PHI_TTHC`), 200);
    expect(summary.lines.find((l) => l.bankCode === 'NH-MOT' && l.kind === 'duplicate_payment')).toMatchObject({ cases: 1, open: 1 });
    const csv = await s.vanhanh!.get(`/api/reconciliation/discrepancies/export?from=${DAY}&to=${DAY}&bankCode=NH-MOT`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toContain('code,businessDay,kindLabel');
    expect(lines.length - 1).toBe((await report('vanhanh', '&bankCode=NH-MOT')).items.length);
    expect((await s.vanhanh!.get(`/api/reconciliation/discrepancies?from=${DAY}&to=2026-11-01`)).status).toBe(422);

    const agencyCase = mot.items.find((c) => c.responsible === 'agency')!;
    const bankCase = mot.items.find((c) => c.responsible === 'bank')!;
    const officerView = await report('thuphi.hn', '');
    because('an agency sees its own cases only', () => expect(officerView.items.every((c) => c.code && c.detail)).toBe(true));
    const refusedClose = await s['thuphi.hn']!.send('POST', `/api/reconciliation/discrepancies/${bankCase.code}/close`, { note: 'Không phải của cơ quan' });
    expect(refusedClose.status).toBe(403);
    await json(await s['thuphi.hn']!.send('POST', `/api/reconciliation/discrepancies/${agencyCase.code}/close`, { note: 'Đã sửa số tiền biên lai BL-STP-8 theo sao kê.' }), 200);
    await json(await s.vanhanh!.send('POST', `/api/reconciliation/discrepancies/${bankCase.code}/close`, { note: 'Ngân hàng xác nhận ghi sai số tiền, đã điều chỉnh.' }), 200);
    const again = await s.vanhanh!.send('POST', `/api/reconciliation/discrepancies/${bankCase.code}/close`, { note: 'Đóng lần thứ hai cho chắc.' });
    expect(again.status).toBe(409);
    const closed = await json<{ status: string; history: { event: string }[] }>(await s.vanhanh!.get(`/api/reconciliation/discrepancies/${bankCase.code}`), 200);
    expect(closed.status).toBe('closed');
    expect(closed.history.map((h) => h.event)).toEqual(['open', 'close']);
  });

  it('refunds: the bank is ordered to return what it took twice; a citizen’s request with nothing taken twice goes to the agency, which decides', async () => {
    // Reconciliation opened a refund for payment 5 (debited twice); the bank has no such debits, and says so, signed.
    const byBank = async () => p.orm.em.fork().execute<{ status: string; responsible: string }[]>("select status, responsible from refund_request where payment_id = ? and origin = 'reconciliation'", [pid(5)]);
    let bankRefund = await byBank();
    for (let i = 0; i < 100 && !['refunded', 'refused'].includes(bankRefund[0]?.status ?? ''); i++) {
      await new Promise((r) => setTimeout(r, 100));
      bankRefund = await byBank();
    }
    expect(bankRefund).toEqual([{ status: 'refused', responsible: 'bank' }]);

    const citizen = await signIn(p.apiUrl, 'congdan1');
    interface Refund { code: string; status: string; responsible: string | null; amountVnd: number | null }
    const asked = await json<{ created: boolean; refund: Refund }>(await citizen.send('POST', `/api/payments/${pid(1)}/refund-requests`, { reason: 'Hồ sơ đã rút trước khi xử lý, đề nghị hoàn lệ phí.' }), 201);
    let r = asked.refund;
    for (let i = 0; i < 100 && r.status === 'routing'; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await json<Refund>(await citizen.get(`/api/refunds/${asked.refund.code}`), 200);
    }
    expect(r).toMatchObject({ status: 'at_agency', responsible: 'agency', amountVnd: 200000 });
    const again = await json<{ created: boolean; refund: Refund }>(await citizen.send('POST', `/api/payments/${pid(1)}/refund-requests`, { reason: 'Hỏi lại lần nữa cho chắc chắn.' }), 200);
    because('asking again answers the open request', () => expect(again.refund.code).toBe(r.code));
    expect((await s['tiepnhan.hn']!.send('POST', `/api/refunds/${r.code}/decision`, { approve: true, note: 'Đồng ý hoàn' })).status).toBe(403);
    const decided = await json<{ status: string }>(await s['thuphi.hn']!.send('POST', `/api/refunds/${r.code}/decision`, { approve: true, note: 'Đã hoàn lệ phí qua tài khoản của người nộp.' }), 200);
    expect(decided.status).toBe('refunded');
    expect((await json<Refund>(await citizen.get(`/api/refunds/${r.code}`), 200)).status).toBe('refunded');
    expect((await (await signIn(p.apiUrl, 'congdan2')).get(`/api/refunds/${r.code}`)).status).toBe(404);
    expect((await citizen.send('POST', '/api/payments/TT-0000000000FF/refund-requests', { reason: 'Không có giao dịch này đâu.' })).status).toBe(404);
    expect((await citizen.send('POST', `/api/payments/${pid(2)}/refund-requests`, { reason: 'ngắn' })).status).toBe(422);
  });

  it('a bank speaks for itself through its integration account: sends its own statement, sees and closes its own cases, nobody else\'s', async () => {
    const mot = await integrationSession(p.apiUrl, p.idp.tokenURL, machineClientOf('client:nh-mot-doisoat'));
    const hai = await integrationSession(p.apiUrl, p.idp.tokenURL, machineClientOf('client:nh-hai-doisoat'));
    const motAccount = demoUser('client:nh-mot-doisoat').id;
    const recorded = async () => p.orm.em.fork().execute<{ files: number; audit: number }[]>(
      "select (select count(*) from reconciliation_file)::int as files, (select count(*) from audit_log where action like 'reconciliation.%')::int as audit");
    // Another bank cannot send NH-MOT's statement: refused, nothing recorded.
    const before = await recorded();
    const refused = await hai.multipart(`/api/reconciliation/banks/NH-MOT/statements/${DAY}`, csvFile(motStatement()));
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'OUTSIDE_BANK', message: expect.stringContaining('ngân hàng') });
    expect(await recorded()).toEqual(before);
    // NH-MOT sends its own (the same lines again): accepted, the day reconciled again, the upload audited under the bank's account.
    const up = await json<{ rows: number; reconciledAgain: boolean }>(await mot.multipart(`/api/reconciliation/banks/NH-MOT/statements/${DAY}`, csvFile(motStatement())), 200);
    expect(up).toMatchObject({ rows: 9, reconciledAgain: true });
    const [audit] = await p.orm.em.fork().execute<{ actor_id: string; actor_role: string }[]>(
      "select actor_id, actor_role from audit_log where action = 'reconciliation.bank_statement.upload' and entity_id = ? order by at desc limit 1", [`bank_statement:NH-MOT:${DAY}`]);
    expect(audit).toEqual({ actor_id: motAccount, actor_role: 'bank' });
    // The day's files name the bank's account as the sender.
    const [{ full_name: motName }] = await p.orm.em.fork().execute<{ full_name: string }[]>('select full_name from account where id = ?', [motAccount]) as [{ full_name: string }];
    const dayRun = await json<{ files: { kind: string; partyCode: string; source: string; uploadedBy: string | null }[] }>(await s.vanhanh!.get(`/api/reconciliation/runs/${DAY}`), 200);
    expect(dayRun.files).toContainEqual(expect.objectContaining({ kind: 'bank_statement', partyCode: 'NH-MOT', source: 'upload', uploadedBy: motName }));

    // Each bank's report holds its own cases only; asking for another bank's is refused.
    type Report = { items: Case[] };
    const motCases = await json<Report>(await mot.get(`/api/reconciliation/discrepancies?from=${DAY}&to=${DAY}&limit=200`), 200);
    expect(motCases.items.length).toBeGreaterThan(0);
    expect(new Set(motCases.items.map((c) => c.bankCode))).toEqual(new Set(['NH-MOT']));
    const haiCases = await json<Report>(await hai.get(`/api/reconciliation/discrepancies?from=${DAY}&to=${DAY}&limit=200`), 200);
    expect(haiCases.items.every((c) => c.bankCode === 'NH-HAI')).toBe(true);
    expect((await hai.get(`/api/reconciliation/discrepancies?from=${DAY}&to=${DAY}&bankCode=NH-MOT`)).status).toBe(403);
    const statusCase = motCases.items.find((c) => c.kind === 'status_differs' && c.status === 'open')!;
    expect((await hai.get(`/api/reconciliation/discrepancies/${statusCase.code}`)).status).toBe(404);
    expect((await hai.send('POST', `/api/reconciliation/discrepancies/${statusCase.code}/close`, { note: 'Không phải giao dịch của ngân hàng này.' })).status).toBe(404);
    // A case the agency answers for stays the agency's, even when it names the bank.
    const agencyCase = motCases.items.find((c) => c.responsible === 'agency' && c.status === 'open')!;
    const notMine = await mot.send('POST', `/api/reconciliation/discrepancies/${agencyCase.code}/close`, { note: 'Ngân hàng đóng thay cơ quan thu.' });
    expect(notMine.status).toBe(403);
    expect(((await notMine.json()) as { error: { code: string } }).error.code).toBe('ROLE_NOT_ALLOWED');
    // Its own case: closed by the bank with its note, the history and audit naming the bank's account.
    const closed = await json<{ status: string }>(await mot.send('POST', `/api/reconciliation/discrepancies/${statusCase.code}/close`, { note: 'Giao dịch thực tế thành công; đã sửa trạng thái trong sao kê.' }), 200);
    expect(closed.status).toBe('closed');
    const [h] = await p.orm.em.fork().execute<{ actor_id: string }[]>("select actor_id from payment_discrepancy_history where code = ? and event = 'close'", [statusCase.code]);
    expect(h!.actor_id).toBe(motAccount);
    const [a] = await p.orm.em.fork().execute<{ actor_role: string }[]>("select actor_role from audit_log where action = 'discrepancy.close' and entity_id = ?", [statusCase.code]);
    expect(a!.actor_role).toBe('bank');
  });
});
