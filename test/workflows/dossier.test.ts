import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_PROCEDURES } from '../../db/demo-data';
import type { Actor } from '../../domain/access/roles';
import type { DossierAction } from '../../domain/dossier/vocabulary';
import type { DossierState } from '../../domain/dossier/state';
import { formatVnTime, vnTime } from '../../domain/working-time';
import { recordSubmission } from '../../services/dossier-intake';
import { DOSSIER_WORKFLOW, dossierViewQuery, performActionUpdate, type DossierWorkflowInput } from '../../workflows/dossier/definitions';
import { actor, finished as finishedView, rejection, startWorkflowEnv } from '../support/workflow-env';

/** A due time, to the minute, within two minutes (the test server's clock may move on while a step is recorded). */
function expectAbout(iso: string, local: string) {
  expect(Math.abs(Date.parse(iso) - vnTime(local).getTime())).toBeLessThanOrEqual(2 * 60_000);
}


let w: Awaited<ReturnType<typeof startWorkflowEnv>>;
let env: Awaited<ReturnType<typeof startWorkflowEnv>>['env'];
let smtp: Awaited<ReturnType<typeof startWorkflowEnv>>['smtp'];
let deps: Awaited<ReturnType<typeof startWorkflowEnv>>['deps'];
const TASK_QUEUE = 'dossier-test';

const citizen = actor('congdan1');
const other = actor('congdan2');
const receiving = actor('tiepnhan.hn');
const processing = actor('xuly.hn');
const leader = actor('lanhdao.hn');
const resultOfficer = actor('trakq.hn');
const feeOfficer = actor('thuphi.hn');
const foreignReceiving = actor('tiepnhan.hcm');

beforeAll(async () => {
  w = await startWorkflowEnv(TASK_QUEUE);
  ({ env, smtp, deps } = w);
});

afterAll(async () => {
  await w?.stop();
});

/** Records a submission as the API does and starts its workflow, at the environment's current time. */
async function submit(procedureCode: string, waiting: DossierWorkflowInput['waiting'] = null) {
  const proc = DEMO_PROCEDURES.find((p) => p.code === procedureCode)!;
  const receivedAt = new Date(await env.currentTimeMs());
  const { code } = await recordSubmission(deps.orm.em.fork(), {
    procedureCode,
    agencyCode: proc.agencyCode,
    citizenId: citizen.id,
    processingDays: proc.processingDays,
    feeAmount: proc.feeAmount,
    formData: { note: 'test' },
    files: [],
    receivedAt,
    idempotencyKey: null,
  });
  const input: DossierWorkflowInput = { code, procedureCode, agencyCode: proc.agencyCode, citizenId: citizen.id, processingDays: proc.processingDays, feeAmount: proc.feeAmount, receivedAt: receivedAt.toISOString(), requestId: randomUUID(), waiting };
  const handle = await env.client.workflow.start(DOSSIER_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: code, args: [input] });
  const act = (a: Actor, action: DossierAction) => handle.executeUpdate(performActionUpdate, { args: [{ action, actor: a, requestId: randomUUID() }] });
  const view = () => handle.query(dossierViewQuery);
  // The submission is recorded (deadlines known) before the test goes on.
  for (let v = await view(); v.recordedSeq < 1; v = await view()) await new Promise((r) => setTimeout(r, 20));
  return { code, handle, act, view };
}

async function history(code: string) {
  return deps.orm.em.fork().execute<{ seq: number; action: string; to_status: string }[]>('select seq, action, to_status from dossier_history where dossier_code = ? order by seq', [code]);
}

const travelTo = (local: string) => w.travelTo(local);
const finished = (d: { handle: WorkflowHandle; view: () => Promise<{ state: DossierState }> }) => finishedView(d.handle, d.view, 'dossier').then((v) => v.state);

describe('dossier workflow (time-skipping)', () => {
  it('takes a fee-free dossier from submission to a coded result, with history, audit and emails', async () => {
    const d = await submit('STP-KS');
    const confirmation = await smtp.waitFor((m) => m.subject.includes(`Xác nhận nộp hồ sơ ${d.code}`));
    expect(confirmation.to).toContain('an.nguyen@example.vn');
    expect(confirmation.text).toContain('8 giờ làm việc');

    expect((await d.act(receiving, { type: 'accept' })).status).toBe('processing');
    const receipt = await smtp.waitFor((m) => m.subject.includes(`Biên nhận điện tử hồ sơ ${d.code}`));
    expect(receipt.text).toContain(`Mã hồ sơ: ${d.code}`);
    expect(receipt.text).toContain('Sở Tư pháp thành phố Hà Nội');
    expect(receipt.text).toContain('hẹn trả kết quả');

    await d.act(processing, { type: 'claim' });
    expect((await d.view()).state.handler?.id).toBe(processing.id);
    await d.act(processing, { type: 'submit_for_approval', summary: 'Đủ điều kiện' });
    await d.act(leader, { type: 'approve' });
    const done = await d.act(resultOfficer, { type: 'issue_result', title: 'Trích lục khai sinh', content: 'Nội dung trích lục' });
    expect(done).toMatchObject({ status: 'completed', resultCode: `${d.code}-KQ1` });
    await finished(d);

    expect((await history(d.code)).map((h) => h.action)).toEqual(['submit', 'accept', 'claim', 'submit_for_approval', 'approve', 'issue_result']);
    const [result] = await deps.orm.em.fork().execute('select code, title from dossier_result where dossier_code = ?', [d.code]);
    expect(result).toEqual({ code: `${d.code}-KQ1`, title: 'Trích lục khai sinh' });
    const audits = await deps.orm.em.fork().execute<{ action: string }[]>("select action from audit_log where entity_type = 'dossier' and entity_id = ? order by id", [d.code]);
    expect(audits.map((a) => a.action)).toContain('dossier.issue_result');
    await smtp.waitFor((m) => m.subject.includes(`Kết quả giải quyết hồ sơ ${d.code}`) && m.text.includes(`${d.code}-KQ1`));
  });

  it('refuses the wrong role, another agency, the wrong step and a second acceptance, with no effect', async () => {
    const d = await submit('STP-KS');
    expect(await rejection(d.act(processing, { type: 'accept' }))).toBe('ROLE_NOT_ALLOWED');
    expect(await rejection(d.act(foreignReceiving, { type: 'accept' }))).toBe('OUTSIDE_AGENCY');
    expect(await rejection(d.act(leader, { type: 'approve' }))).toBe('WRONG_STEP');
    expect(await rejection(d.act(other, { type: 'withdraw', reason: 'không phải hồ sơ của tôi' }))).toBe('NOT_OWNER');
    await d.act(receiving, { type: 'accept' });
    expect(await rejection(d.act(receiving, { type: 'accept' }))).toBe('WRONG_STEP');
    const h = await history(d.code);
    expect(h.map((x) => x.action)).toEqual(['submit', 'accept']);
    await d.act(citizen, { type: 'withdraw', reason: 'Không còn nhu cầu' });
    expect((await finished(d)).status).toBe('withdrawn');
  });

  it('counts the legal time across Tết 2027 (5–9/2 plus announced substitute days)', async () => {
    await travelTo('2027-02-03 14:00'); // Wednesday before Tết
    const d = await submit('KHDT-DNTN'); // 3 working days, fee 50,000
    expect(await rejection(d.act(receiving, { type: 'accept' }))).toBe('OUTSIDE_AGENCY');
    const hcmReceiving = actor('tiepnhan.hcm');
    await d.act(hcmReceiving, { type: 'accept' });
    // Fee gate: the clock waits for payment.
    expect((await d.view()).state.status).toBe('awaiting_fee');
    expect((await d.view()).schedule.legalDueAt).toBeNull();
    expect(await rejection(d.act(actor('xuly.hcm'), { type: 'submit_for_approval', summary: 'x' }))).toBe('WRONG_STEP');
    expect(await rejection(d.act(actor('thuphi.hcm'), { type: 'confirm_payment', receiptNumber: 'BL-1', amount: 1 }))).toBe('FEE_AMOUNT_MISMATCH');
    await d.act(actor('thuphi.hcm'), { type: 'confirm_payment', receiptNumber: 'BL-1', amount: 50000 });
    // 24 working hours from the payment: Wed 3 h, Thu 8 h, Tết 5–11/2 off, Fri 12/2 8 h, Mon 15/2 5 h (07:30–11:30, 13:00–14:00) → 14:00
    expectAbout((await d.view()).schedule.legalDueAt!, '2027-02-15 14:00');
    await travelTo('2027-02-15 14:01');
    expect((await d.view()).state.overdueLevel).toBe(1);
    await d.act(citizen, { type: 'withdraw', reason: 'Kết thúc thử nghiệm' });
    await finished(d);
  });

  it('duplicate and out-of-order deliveries of the same step have exactly one effect', async () => {
    const d = await submit('STP-KS');
    const answers = await Promise.allSettled(Array.from({ length: 5 }, () => d.act(receiving, { type: 'accept' })));
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(await rejection(d.act(leader, { type: 'approve' }))).toBe('WRONG_STEP'); // out of order
    const both = await Promise.allSettled([d.act(processing, { type: 'submit_for_approval', summary: 'Lần 1' }), d.act(processing, { type: 'submit_for_approval', summary: 'Lần 2' })]);
    expect(both.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    await d.act(leader, { type: 'approve' });
    const h = await history(d.code);
    expect(h.map((x) => x.action)).toEqual(['submit', 'accept', 'submit_for_approval', 'approve']);
    expect(h.map((x) => x.seq)).toEqual([1, 2, 3, 4]);
    await d.act(citizen, { type: 'withdraw', reason: 'Kết thúc thử nghiệm' });
    await finished(d);
  });

  it('flags a dossier nobody accepted within 8 working hours, once, and tells the supervisors', async () => {
    await travelTo('2030-01-04 16:00'); // a Friday
    const d = await submit('STP-KS');
    expectAbout((await d.view()).schedule.acceptanceDueAt!, '2030-01-07 16:00');
    await env.sleep('2 days');
    expect((await d.view()).state.acceptanceOverdue).toBe(false);
    await travelTo('2030-01-07 16:01');
    expect((await d.view()).state.acceptanceOverdue).toBe(true);
    await smtp.waitFor((m) => m.to.includes('giamsat.hn@') && m.subject.includes(`Hồ sơ ${d.code} quá hạn tiếp nhận`));
    await env.sleep('5 days');
    expect((await history(d.code)).filter((h) => h.action === 'acceptance_overdue')).toHaveLength(1);
    await d.act(citizen, { type: 'withdraw', reason: 'Đã quá lâu' });
    await finished(d);
  });

  it('asks for a supplement once before acceptance; the supplement restarts the acceptance clock and keeps the code', async () => {
    await travelTo('2030-02-04 09:00'); // Monday
    const d = await submit('STP-KS');
    await d.act(receiving, { type: 'request_supplement', guidance: 'Bổ sung bản chụp giấy chứng sinh rõ nét', items: ['Giấy chứng sinh'] });
    const ask = await smtp.waitFor((m) => m.subject.includes(`Yêu cầu bổ sung hồ sơ ${d.code}`));
    expect(ask.text).toContain('Giấy chứng sinh');
    expect((await d.view()).schedule.acceptanceDueAt).toBeNull();
    await travelTo('2030-02-06 10:00');
    await d.act(citizen, { type: 'supplement', formData: { note: 'v2' }, files: [] });
    const v = await d.view();
    expect(v.state.formVersion).toBe(2);
    expectAbout(v.schedule.acceptanceDueAt!, '2030-02-07 10:00');
    expect(await rejection(d.act(receiving, { type: 'request_supplement', guidance: 'Lại thiếu giấy tờ khác nữa' }))).toBe('SUPPLEMENT_ALREADY_REQUESTED');
    await d.act(receiving, { type: 'accept' });
    const versions = await deps.orm.em.fork().execute<{ version: number }[]>('select version from dossier_version where dossier_code = ? order by version', [d.code]);
    expect(versions.map((x) => x.version)).toEqual([1, 2]);
    await d.act(citizen, { type: 'withdraw', reason: 'Kết thúc thử nghiệm' });
    await finished(d);
  });

  it('pauses the legal clock while waiting for a supplement during processing', async () => {
    await travelTo('2030-03-04 08:00'); // Monday
    const d = await submit('STP-KS'); // 1 working day
    await travelTo('2030-03-04 09:30');
    await d.act(receiving, { type: 'accept' });
    expectAbout((await d.view()).schedule.legalDueAt!, '2030-03-05 09:30');
    await travelTo('2030-03-04 13:30');
    await d.act(processing, { type: 'request_supplement', guidance: 'Bổ sung thông tin nơi sinh chi tiết' });
    expect((await d.view()).schedule.legalDueAt).toBeNull();
    await travelTo('2030-03-11 13:30'); // a week later: paused time does not count
    expect((await d.view()).state.overdueLevel).toBe(0);
    await d.act(citizen, { type: 'supplement', formData: { note: 'v2' }, files: [] });
    // 2.5 working hours were used (09:30–11:30, 13:00–13:30); 5.5 remain from Monday 13:30 → Tuesday 09:30
    expectAbout((await d.view()).schedule.legalDueAt!, '2030-03-12 09:30');
    await d.act(citizen, { type: 'withdraw', reason: 'Kết thúc thử nghiệm' });
    await finished(d);
  });

  it('escalates an overdue dossier once per rung across a weekend, and records each escalation', async () => {
    await travelTo('2030-04-05 09:00'); // Friday
    const d = await submit('STP-KS');
    await d.act(receiving, { type: 'accept' });
    const due = (await d.view()).schedule.escalations;
    expect(due.map((x) => formatVnTime(new Date(x)))).toEqual(['2030-04-08 09:00', '2030-04-10 09:00']);
    await travelTo('2030-04-08 09:01');
    expect((await d.view()).state.overdueLevel).toBe(1);
    await smtp.waitFor((m) => m.to.includes('giamsat.hn@') && m.subject.includes('[Cảnh báo mức 1]') && m.subject.includes(d.code));
    await travelTo('2030-04-10 09:01');
    expect((await d.view()).state.overdueLevel).toBe(2);
    await env.sleep('30 days');
    const h = await history(d.code);
    expect(h.filter((x) => x.action === 'overdue')).toHaveLength(2);
    const [row] = await deps.orm.em.fork().execute('select overdue_level from dossier where code = ?', [d.code]);
    expect(row).toEqual({ overdue_level: 2 });
    await d.act(citizen, { type: 'withdraw', reason: 'Kết thúc thử nghiệm' });
    await finished(d);
  });

  it('does not escalate the legal deadline while a fee is unpaid', async () => {
    await travelTo('2030-05-06 09:00');
    // A procedure that lets a fee wait 90 days (the default would return the dossier after 15).
    const d = await submit('STP-LLTP', { feeDays: 90 });
    await d.act(receiving, { type: 'accept' });
    await env.sleep('60 days');
    expect((await d.view()).state.overdueLevel).toBe(0);
    await d.act(feeOfficer, { type: 'confirm_payment', receiptNumber: 'BL-2', amount: 200000 });
    expect((await d.view()).state.status).toBe('processing');
    await d.act(citizen, { type: 'withdraw', reason: 'Kết thúc thử nghiệm' });
    await finished(d);
  });

  it('a dossier waiting for a supplement: the citizen is reminded 3 days before the 30 days end, then it is returned', async () => {
    await travelTo('2030-09-02 09:00'); // Monday
    const d = await submit('STP-KS');
    await d.act(receiving, { type: 'request_supplement', guidance: 'Giấy chứng sinh bị mờ, vui lòng tải lại bản rõ nét', items: ['Giấy chứng sinh'] });
    await travelTo('2030-09-29 09:01'); // 27 days later
    expect((await history(d.code)).map((h) => h.action)).toContain('waiting_reminder');
    const reminder = await smtp.waitFor((m) => m.subject.includes(`Nhắc hạn bổ sung hồ sơ ${d.code}`));
    expect(reminder.text).toContain('09:00 ngày 02/10/2030');
    expect((await d.view()).state.status).toBe('supplement_requested');
    await travelTo('2030-10-02 09:01'); // 30 days
    const state = await finished(d);
    expect(state.status).toBe('returned');
    expect((await history(d.code)).map((h) => h.action).slice(-2)).toEqual(['waiting_reminder', 'waiting_expired']);
    const notice = await smtp.waitFor((m) => m.subject.includes(`Trả lại hồ sơ ${d.code}`));
    expect(notice.text).toContain('quá thời hạn bổ sung hồ sơ (30 ngày');
    const [row] = await deps.orm.em.fork().execute<{ status: string; completed_at: string | null }[]>('select status, completed_at from dossier where code = ?', [d.code]);
    expect(row).toMatchObject({ status: 'returned' });
    expect(row!.completed_at).not.toBeNull();
  });

  it("a procedure's own fee period: returned after 5 days unpaid; a supplement in time stops the clock", async () => {
    await travelTo('2030-10-07 09:00'); // Monday
    const unpaid = await submit('STP-LLTP', { feeDays: 5, reminderDaysBefore: 1 });
    await unpaid.act(receiving, { type: 'accept' });
    expect((await unpaid.view()).state.status).toBe('awaiting_fee');
    const inTime = await submit('STP-KS');
    await inTime.act(receiving, { type: 'request_supplement', guidance: 'Thiếu giấy chứng sinh bản gốc', items: ['Giấy chứng sinh'] });
    await travelTo('2030-10-11 09:01');
    await smtp.waitFor((m) => m.subject.includes(`Nhắc hạn nộp phí, lệ phí hồ sơ ${unpaid.code}`));
    await inTime.act(citizen, { type: 'supplement', formData: { note: 'bổ sung' }, files: [] });
    await travelTo('2030-10-12 09:01');
    expect((await finished(unpaid)).status).toBe('returned');
    await smtp.waitFor((m) => m.subject.includes(`Trả lại hồ sơ ${unpaid.code}`) && m.text.includes('nộp phí, lệ phí (5 ngày'));
    // The supplemented dossier waits for no one any more: 40 days later it is still open, not returned.
    await travelTo('2030-11-21 09:00');
    const v = await inTime.view();
    expect(v.state.status).toBe('submitted');
    expect((await history(inTime.code)).map((h) => h.action)).not.toContain('waiting_expired');
    await inTime.act(citizen, { type: 'withdraw', reason: 'Kết thúc thử nghiệm' });
    await finished(inTime);
  });
});
