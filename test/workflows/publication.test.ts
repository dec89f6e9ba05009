import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { because } from '../support/because';
import { PUBLICATION_WORKFLOW, publicationActionUpdate, publicationViewQuery, type PublicationWorkflowInput } from '../../workflows/publication/definitions';
import type { PublicationAction } from '../../domain/publication/vocabulary';
import { vnTime } from '../../domain/working-time';
import { actor, finished, rejection, settled, startWorkflowEnv } from '../support/workflow-env';
import { FINDING_WORKFLOW, findingActionUpdate, findingViewQuery } from '../../workflows/publication/finding';

/**
 * Publication of an online service on the time-skipping server (RULES.md §3): every clock crossed —
 * 2 working days for the operator's review, 5 for the agency's testing, 2 for the confirmation, the
 * 2-month pilot — each escalating once to the right people; returns loop; one clock across Tết.
 */
let w: Awaited<ReturnType<typeof startWorkflowEnv>>;
const letters = () => Array.from({ length: 6 }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))).join('');

beforeAll(async () => {
  w = await startWorkflowEnv('publication-test');
});
afterAll(async () => {
  await w?.stop();
});

/** A procedure of Sở Tư pháp Hà Nội with a declared service, and its process started at the server's time. */
async function declared() {
  const procedureCode = `TN-${letters()}`;
  const code = `DV-${procedureCode}-HNI-STP`;
  const em = w.deps.orm.em.fork();
  await em.execute(`insert into procedure (code, name, agency_code, field, processing_days, fee_amount, form) values (?, 'Thủ tục thử nghiệm', 'HNI-STP', 'Thử nghiệm', 5, 0, '{"fields":[],"files":[]}')`, [procedureCode]);
  const at = await w.now();
  await em.execute(`insert into online_service (code, procedure_code, agency_code, name, status, since) values (?, ?, 'HNI-STP', 'Dịch vụ thử nghiệm', 'declared', ?)`, [code, procedureCode, at]);
  const input: PublicationWorkflowInput = { code, procedureCode, agencyCode: 'HNI-STP', declaredAt: at.toISOString(), declaredBy: { id: actor('quantri.hn').id, role: 'unit_admin' }, requestId: null };
  const handle = await w.env.client.workflow.start(PUBLICATION_WORKFLOW, { taskQueue: w.taskQueue, workflowId: code, args: [input] });
  const view = () => w.plain.workflow.getHandle(code).query(publicationViewQuery);
  const act = async (who: string, action: PublicationAction) => {
    const r = await w.plain.workflow.getHandle(code).executeUpdate(publicationActionUpdate, { args: [{ action, actor: actor(who), requestId: null }] });
    await settled(view);
    return r;
  };
  const row = async () => {
    const [r] = await em.execute<{ status: string; escalated: boolean; step_due_at: string | null; pilot_ends_at: string | null; seq: number }[]>('select status, escalated, step_due_at, pilot_ends_at, seq from online_service where code = ?', [code]);
    return { ...r!, step_due_at: r!.step_due_at ? new Date(r!.step_due_at) : null, pilot_ends_at: r!.pilot_ends_at ? new Date(r!.pilot_ends_at) : null };
  };
  const history = async () => (await em.execute<{ action: string; to_status: string }[]>('select action, to_status from online_service_history where service_code = ? order by seq', [code])).map((h) => h.action);
  await settled(view);
  return { code, handle, view, act, row, history };
}

const mailsAbout = (code: string, to: string) => w.smtp.mails.filter((m) => m.to.includes(to) && m.text.includes(code));

describe('service publication (time-skipping)', () => {
  it('returns loop as often as needed: returned for completion, then a failed test unpublishes it; only the right roles act', async () => {
    await w.travelTo('2027-03-01 09:00');
    const s = await declared();
    expect(await rejection(s.act('vanhanh', { type: 'request_test_publication' }))).toBe('ROLE_NOT_ALLOWED');
    expect(await rejection(s.act('quantri.hcm', { type: 'request_test_publication' }))).toBe('OUTSIDE_AGENCY');
    await s.act('quantri.hn', { type: 'request_test_publication' });
    await s.act('vanhanh', { type: 'return_for_completion', reason: 'Thiếu mẫu đơn điện tử của thủ tục.' });
    expect((await s.row()).status).toBe('returned');
    expect(await rejection(s.act('vanhanh', { type: 'publish_for_testing' }))).toBe('WRONG_STEP');
    await s.act('quantri.hn', { type: 'request_test_publication' });
    await s.act('vanhanh', { type: 'publish_for_testing' });
    await s.act('quantri.hn', { type: 'submit_test_report', procedureName: 'Thủ tục thử nghiệm', serviceName: 'Dịch vụ thử nghiệm', dossierCodes: ['HNI-STP-270301-000001'] });
    await s.act('vanhanh', { type: 'confirm_test', passed: false, note: 'Hồ sơ thử nghiệm chưa trả kết quả đúng hạn.' });
    expect((await s.row()).status).toBe('returned');
    await s.act('quantri.hn', { type: 'request_test_publication' });
    expect((await s.row()).status).toBe('review_pending');
    expect((await s.view()).state.returns).toBe(2);
    await s.act('vanhanh', { type: 'stop', reason: 'Cơ quan đề nghị dừng cung cấp dịch vụ này.' });
    await finished(s.handle, s.view, 'publication-returns');
  });

  it('a testing clock started before Tết counts only working days: it runs out after the holiday', async () => {
    await w.travelTo('2028-01-20 09:00'); // Thursday before Tết Mậu Thân (26 January 2028)
    const s = await declared();
    await s.act('quantri.hn', { type: 'request_test_publication' });
    await s.act('vanhanh', { type: 'publish_for_testing' });
    const due = (await s.row()).step_due_at!;
    const cal = await w.deps.calendars.calendar();
    const since = new Date((await s.view()).state.since);
    expect(due.toISOString()).toBe(cal.addWorkingDays(since, 5).toISOString());
    // Five calendar weekdays would end on 27 January, inside the holiday; the clock runs past it.
    expect(due.getTime()).toBeGreaterThan(vnTime('2028-01-31 00:00').getTime());
    await w.travelTo('2028-01-30 12:00');
    expect((await s.row()).escalated).toBe(false);
    await w.travelTo(new Date(due.getTime() + 60_000 + 7 * 3600_000).toISOString().slice(0, 16).replace('T', ' '));
    await settled(s.view);
    expect((await s.row()).escalated).toBe(true);
    await s.act('vanhanh', { type: 'stop', reason: 'Kết thúc kiểm thử đồng hồ qua Tết.' });
    await finished(s.handle, s.view, 'publication-tet');
  });

  it('a data-quality finding not fixed within 10 working days is told to the agency\'s leaders once; fixing it closes it', async () => {
    await w.travelTo('2028-03-06 09:00'); // a Monday
    const em = w.deps.orm.em.fork();
    const code = `DQ-${String(Math.floor(Math.random() * 900000) + 100000)}`;
    const raisedAt = await w.now();
    await em.execute("insert into data_quality_finding (code, procedure_code, agency_code, description, raised_by, raised_at) values (?, 'STP-KS', 'HNI-STP', 'Thời hạn giải quyết ghi sai so với quyết định công bố.', ?, ?)", [code, actor('vanhanh').id, raisedAt]);
    const handle = await w.env.client.workflow.start(FINDING_WORKFLOW, {
      taskQueue: w.taskQueue, workflowId: code, args: [{ code, procedureCode: 'STP-KS', agencyCode: 'HNI-STP', raisedAt: raisedAt.toISOString(), raisedBy: actor('vanhanh').id, requestId: null }],
    });
    const view = () => w.plain.workflow.getHandle(code).query(findingViewQuery);
    await settled(async () => { const v = await view(); return { recordedSeq: v.recordedSeq, state: v.state }; });
    const due = (await view()).dueAt!;
    // Ten working days: two weeks later, the same time.
    expect(Math.abs(Date.parse(due) - vnTime('2028-03-20 09:00').getTime())).toBeLessThan(60_000);
    await w.travelTo('2028-03-20 08:50');
    expect((await view()).state.escalated).toBe(false);
    await w.travelTo('2028-03-27 09:00');
    await settled(async () => { const v = await view(); return { recordedSeq: v.recordedSeq, state: v.state }; });
    expect((await view()).state.escalated).toBe(true);
    await w.outboxSettled();
    because('the agency\'s leaders hear of the missed clock once', () => expect(mailsAbout(code, 'lanhdao.hn@dichvucong.gov.vn')).toHaveLength(1));
    expect(await rejection(w.plain.workflow.getHandle(code).executeUpdate(findingActionUpdate, { args: [{ action: { type: 'resolve', note: 'Đã sửa thời hạn.' }, actor: actor('quantri.hcm'), requestId: null }] }))).toBe('OUTSIDE_AGENCY');
    await w.plain.workflow.getHandle(code).executeUpdate(findingActionUpdate, { args: [{ action: { type: 'resolve', note: 'Đã sửa thời hạn theo quyết định.' }, actor: actor('quantri.hn'), requestId: null }] });
    const final = await finished(handle, view, 'finding-overdue');
    expect(final.state.status).toBe('resolved');
    const [row] = await em.execute<{ status: string; escalated: boolean; resolution: string }[]>('select status, escalated, resolution from data_quality_finding where code = ?', [code]);
    expect(row).toEqual({ status: 'resolved', escalated: true, resolution: 'Đã sửa thời hạn theo quyết định.' });
  });

  // (The time-skipping server starts at today's date and only goes forward: this lifecycle, June–August
  // 2028, runs after the clocks of March 2028.)
  it('from declaration to official operation: each missed clock escalates once, to the operators\' supervisors or the agency\'s leaders', async () => {
    await w.travelTo('2028-06-05 09:00'); // a Monday
    const s = await declared();
    await s.act('quantri.hn', { type: 'request_test_publication' });
    const review = await s.row();
    // 2 working days for the operator: Monday 09:00 → Wednesday 09:00.
    expect(Math.abs(review.step_due_at!.getTime() - vnTime('2028-06-07 09:00').getTime())).toBeLessThan(60_000);
    await w.travelTo('2028-06-07 08:59');
    expect((await s.row()).escalated).toBe(false);
    await w.travelTo('2028-06-07 09:01');
    await settled(s.view);
    expect((await s.row()).escalated).toBe(true);
    await w.outboxSettled();
    because('the operators missed their clock: their supervisors (system administrators) are told', () => expect(mailsAbout(s.code, 'admin@dichvucong.gov.vn')).toHaveLength(1));

    await s.act('vanhanh', { type: 'publish_for_testing' });
    expect((await s.row())).toMatchObject({ status: 'testing', escalated: false });
    // 5 working days for the agency's testing, from Wednesday 09:05-ish: the next Wednesday.
    const testing = await s.row();
    await w.travelTo('2028-06-14 09:30');
    await settled(s.view);
    expect((await s.row()).escalated).toBe(true);
    await w.outboxSettled();
    because('the agency missed its clock: its leaders are told', () => expect(mailsAbout(s.code, 'lanhdao.hn@dichvucong.gov.vn')).toHaveLength(1));
    expect(testing.step_due_at!.getTime()).toBeGreaterThan(vnTime('2028-06-14 09:00').getTime());
    // Missing it longer escalates nothing more.
    await w.travelTo('2028-06-19 09:00');
    await settled(s.view);
    expect((await s.history()).filter((a) => a === 'testing_overdue')).toHaveLength(1);

    expect(await rejection(s.act('vanhanh', { type: 'submit_test_report', procedureName: 'Thủ tục thử nghiệm', serviceName: 'Dịch vụ thử nghiệm', dossierCodes: ['HNI-STP-261207-000001'] }))).toBe('ROLE_NOT_ALLOWED');
    await s.act('quantri.hn', { type: 'submit_test_report', procedureName: 'Thủ tục thử nghiệm', serviceName: 'Dịch vụ thử nghiệm', dossierCodes: ['HNI-STP-261207-000001'] });
    await w.travelTo('2028-06-21 10:00');
    await settled(s.view);
    expect((await s.history()).filter((a) => a === 'report_review_overdue')).toHaveLength(1);

    await s.act('vanhanh', { type: 'confirm_test', passed: true });
    const pilot = await s.row();
    expect(pilot.status).toBe('pilot');
    // Two calendar months of pilot, then official operation on its own.
    expect(pilot.pilot_ends_at!.getTime()).toBeGreaterThan(vnTime('2028-08-21 00:00').getTime());
    await w.travelTo('2028-08-20 23:00');
    expect((await s.row()).status).toBe('pilot');
    await w.travelTo('2028-08-22 12:00');
    await settled(s.view);
    expect((await s.row()).status).toBe('official');
    expect(await s.history()).toEqual([
      'declare', 'request_test_publication', 'review_overdue', 'publish_for_testing', 'testing_overdue', 'submit_test_report', 'report_review_overdue', 'confirm_test', 'pilot_completed',
    ]);
    // Official operation can still be suspended, resumed and stopped; stopping ends the process.
    await s.act('vanhanh', { type: 'suspend', reason: 'Nhiều phản ánh về lỗi biểu mẫu điện tử.' });
    expect((await s.row()).status).toBe('suspended');
    await s.act('vanhanh', { type: 'resume' });
    expect((await s.row()).status).toBe('official');
    await s.act('vanhanh', { type: 'stop', reason: 'Thủ tục được thay thế bằng thủ tục liên thông.' });
    const final = await finished(s.handle, s.view, 'publication-official');
    expect(final.state.status).toBe('stopped');
  });
});
