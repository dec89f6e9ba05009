import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Actor } from '../../domain/access/roles';
import type { FeedbackAction } from '../../domain/feedback/vocabulary';
import { formatVnTime, vnTime } from '../../domain/working-time';
import { recordFeedback } from '../../services/feedback-intake';
import { FEEDBACK_WORKFLOW, feedbackActionUpdate, feedbackViewQuery, type FeedbackWorkflowInput } from '../../workflows/feedback/definitions';
import { actor, finished, rejection, settled, startWorkflowEnv } from '../support/workflow-env';

/** A due time, to the minute, within two minutes (the test server's clock may move on while a step is recorded). */
function expectAbout(iso: string, local: string) {
  expect(Math.abs(Date.parse(iso) - vnTime(local).getTime())).toBeLessThanOrEqual(2 * 60_000);
}


let w: Awaited<ReturnType<typeof startWorkflowEnv>>;
const LEAD = 'BTP-CKSTTHC';
const citizen = actor('congdan1');
const hnReceiving = actor('tiepnhan.hn');
const hnProcessing = actor('xuly.hn');
const hnLeader = actor('lanhdao.hn');
const hcmReceiving = actor('tiepnhan.hcm');
const btpProcessing = actor('xuly.btp');

beforeAll(async () => {
  w = await startWorkflowEnv('feedback-test');
});
afterAll(async () => {
  await w?.stop();
});

const CONTENT = 'Thủ tục cấp phiếu lý lịch tư pháp yêu cầu nộp bản sao giấy tờ đã có trong cơ sở dữ liệu dân cư.';

/** Records feedback as the API does and starts its workflow at the server's current time. */
async function submit(opts: { agencyCode?: string; disagreesWith?: string; historyLimit?: number; receivedDaysAgo?: number } = {}) {
  const receivedAt = new Date((await w.now()).getTime() - (opts.receivedDaysAgo ?? 0) * 86_400_000);
  const agencyCode = opts.agencyCode ?? 'HNI-STP';
  const code = await recordFeedback(w.deps.orm.em.fork(), {
    citizenId: citizen.id, channel: 'portal', title: 'Yêu cầu giấy tờ trùng lặp', content: CONTENT,
    contact: { name: 'Nguyễn Văn An', address: '12 Hàng Bài, Hà Nội', phone: '0912000001', email: 'an.nguyen@example.vn' },
    agencyCode, dossierCode: null, procedureCode: null, disagreesWith: opts.disagreesWith ?? null, receivedAt, keyedBy: null,
  });
  const input: FeedbackWorkflowInput = { code, citizenId: citizen.id, agencyCode, receivedAt: receivedAt.toISOString(), leadAgencyCode: LEAD, escalated: !!opts.disagreesWith, requestId: null, historyLimit: opts.historyLimit };
  const handle = await w.env.client.workflow.start(FEEDBACK_WORKFLOW, { taskQueue: w.taskQueue, workflowId: code, args: [input] });
  // The view, once the messages of what it shows have left the outbox (the relay sends them).
  const view = async () => {
    const v = await handle.query(feedbackViewQuery);
    await w.outboxSettled();
    return v;
  };
  await settled(view);
  /** An officer's or citizen's step; free text goes to the records first, as the API does. */
  const act = async (a: Actor, action: FeedbackAction | { type: FeedbackAction['type']; text: string; [k: string]: unknown }) => {
    let sent = action as Record<string, unknown>;
    if ('text' in action) {
      const textId = randomUUID();
      await w.deps.orm.em.fork().execute('insert into feedback_text (id, feedback_code, kind, body, author_id) values (?, ?, ?, ?, ?)', [textId, code, action.type === 'enter_result' ? 'answer' : 'note', action.text, a.id]);
      const { text: _t, ...rest } = action;
      sent = { ...rest, textId };
    }
    const r = await handle.executeUpdate(feedbackActionUpdate, { args: [{ action: sent as FeedbackAction, actor: a, requestId: null }] });
    await settled(view);
    return r;
  };
  return { code, handle, view, act, done: () => finished(handle, view, 'feedback') };
}

async function events(code: string) {
  return (await w.deps.orm.em.fork().execute<{ action: string }[]>('select action from feedback_history where feedback_code = ? order by seq', [code])).map((r) => r.action);
}
const mailsAbout = (code: string, to: string) => w.smtp.mails.filter((m) => m.subject.includes(code) && m.to.includes(to));

describe('feedback workflow (time-skipping)', () => {
  it('a request for clarification reaches the citizen; the answer restarts classification and the 20 days', async () => {
    await w.travelTo('2026-12-21 09:00'); // Monday
    const f = await submit();
    await f.act(hnReceiving, { type: 'request_clarification', text: 'Đề nghị nêu rõ tên giấy tờ bị yêu cầu nộp trùng.' });
    await w.smtp.waitFor((m) => m.subject.includes(`Đề nghị làm rõ phản ánh, kiến nghị ${f.code}`) && m.text.includes('tên giấy tờ'));
    await w.env.sleep('10 days'); // no classification clock while the citizen is awaited
    expect((await f.view()).state.classificationLevel).toBe(0);
    await w.travelTo('2027-01-04 10:00'); // Monday
    await f.act(citizen, { type: 'clarify', text: 'Bản sao căn cước công dân và sổ hộ khẩu.' });
    const v = await f.view();
    expect(v.state.status).toBe('received');
    expect(v.schedule.classification.map((x) => formatVnTime(new Date(x)))).toEqual(['2027-01-06 10:00', '2027-01-11 10:00']);
    expectAbout(v.state.answerFrom, '2027-01-04 10:00');
    expect(await rejection(f.act(citizen, { type: 'clarify', text: 'Thêm một lần nữa cho chắc.' }))).toBe('WRONG_STEP');
    await f.act(hnReceiving, { type: 'mark_confidential', handedOverTo: 'Văn thư mật', reference: 'M-2' });
    await f.done();
  });

  it('a transfer ends the receiving agency’s clock and starts the competent agency’s; the citizen is told', async () => {
    await w.travelTo('2027-01-11 09:00'); // Monday
    const f = await submit();
    await w.travelTo('2027-01-13 08:00');
    await f.act(hnReceiving, { type: 'transfer', toAgencyCode: 'HCM-SKHDT', text: 'Nội dung thuộc lĩnh vực đăng ký doanh nghiệp.' });
    const told = await w.smtp.waitFor((m) => m.subject.includes(`${f.code} được chuyển cơ quan có thẩm quyền`));
    expect(told.text).toContain('Sở Kế hoạch và Đầu tư Thành phố Hồ Chí Minh');
    const v = await f.view();
    expect(v.state.agencyCode).toBe('HCM-SKHDT');
    expect(v.schedule.classification.map((x) => formatVnTime(new Date(x)))).toEqual(['2027-01-15 08:00', '2027-01-20 08:00']);
    expect(await rejection(f.act(hnReceiving, { type: 'accept' }))).toBe('OUTSIDE_AGENCY');
    await f.act(hcmReceiving, { type: 'accept' });
    expect((await f.view()).state.status).toBe('processing');
    await f.act(hcmReceiving, { type: 'mark_confidential', handedOverTo: 'Văn thư mật', reference: 'M-3' });
    await f.done();
  });

  it('answers within 20 calendar days across Tết 2027, then requires a progress update every 7 days until published', async () => {
    await w.travelTo('2027-01-29 09:00'); // Friday before Tết (5–11/2/2027)
    const f = await submit();
    await f.act(hnReceiving, { type: 'accept' });
    // Calendar days: Tết does not stop the 20-day clock.
    await w.travelTo('2027-02-18 08:59');
    expect((await f.view()).state.answerOverdue).toBe(false);
    await w.travelTo('2027-02-18 09:01');
    expect((await f.view()).state.answerOverdue).toBe(true);
    await w.smtp.waitFor((m) => m.to.includes('xuly.hn@') && m.subject.includes(`Cập nhật tình hình xử lý ${f.code}`));
    await w.smtp.waitFor((m) => m.to.includes('giamsat.hn@') && m.subject.includes(f.code) && m.text.includes('20 ngày'));
    // Three weeks of updates, one per 7-day period: reminders only, nothing missed.
    for (const day of ['2027-02-20 10:00', '2027-02-27 10:00', '2027-03-06 10:00']) {
      await w.travelTo(day);
      await f.act(hnProcessing, { type: 'post_progress', text: `Đang lấy ý kiến các đơn vị (${day}).` });
    }
    await w.travelTo('2027-03-11 09:01'); // mark 3 passed
    let v = await f.view();
    expect(v.state.progressMarks).toBe(3);
    expect(v.state.missedUpdates).toBe(0);
    expect(mailsAbout(f.code, 'an.nguyen@').filter((m) => m.subject.includes('Cập nhật tình hình xử lý'))).toHaveLength(3);
    // The fourth period passes without an update: one escalation.
    await w.travelTo('2027-03-18 09:01');
    v = await f.view();
    expect(v.state.missedUpdates).toBe(1);
    await w.smtp.waitFor((m) => m.to.includes('giamsat.hn@') && m.subject.includes(f.code) && m.text.includes('kỳ 07 ngày thứ 4'));
    // Review loop: returned once, then approved and published.
    await f.act(hnProcessing, { type: 'enter_result', text: 'Bản trả lời lần 1.' });
    await f.act(hnLeader, { type: 'return_answer', text: 'Chưa trả lời đúng nội dung phản ánh.' });
    expect((await f.view()).state.status).toBe('processing');
    await f.act(hnProcessing, { type: 'enter_result', text: 'Sở Tư pháp đã bỏ yêu cầu nộp bản sao giấy tờ có trong cơ sở dữ liệu dân cư.' });
    await f.act(hnLeader, { type: 'approve_answer' });
    const done = await f.done();
    expect(done.state.status).toBe('published');
    expect(done.state.reviewRounds).toBe(1);
    await w.smtp.waitFor((m) => m.subject.includes(`Kết quả trả lời phản ánh, kiến nghị ${f.code} đã được công khai`) && m.text.includes('đã bỏ yêu cầu'));
    const [pub] = await w.deps.orm.em.fork().execute<Record<string, unknown>[]>('select * from feedback_publication where code = ?', [f.code]);
    expect(pub!.answer).toContain('đã bỏ yêu cầu');
    expect(JSON.stringify(pub)).not.toMatch(/Nguyễn Văn An|0912000001|an\.nguyen@|Hàng Bài/);
    const ev = await events(f.code);
    expect(ev.filter((e) => e === 'progress_reminder')).toHaveLength(3);
    expect(ev.filter((e) => e === 'progress_missed')).toHaveLength(1);
    expect(ev.filter((e) => e === 'return_answer')).toHaveLength(1);
  });

  it('a reached result not entered within 2 working days escalates once', async () => {
    await w.travelTo('2027-03-22 09:00'); // Monday
    const f = await submit();
    await f.act(hnReceiving, { type: 'accept' });
    await f.act(hnProcessing, { type: 'reach_result' });
    expectAbout((await f.view()).schedule.resultEntryDueAt!, '2027-03-24 09:00');
    await w.travelTo('2027-03-24 09:01');
    expect((await f.view()).state.resultEntryOverdue).toBe(true);
    await w.env.sleep('2 days');
    expect((await events(f.code)).filter((e) => e === 'result_entry_overdue')).toHaveLength(1);
    await f.act(hnProcessing, { type: 'enter_result', text: 'Kết quả trả lời.' });
    await f.act(hnLeader, { type: 'approve_answer' });
    await f.done();
  });

  it('escalates to the lead agency; a citizen who disagrees with a published answer is heard by the lead agency', async () => {
    const f = await submit();
    await f.act(hnReceiving, { type: 'escalate_to_lead', reason: 'government_competence', text: 'Nội dung thuộc thẩm quyền của Chính phủ.' });
    let v = await f.view();
    expect(v.state).toMatchObject({ agencyCode: LEAD, status: 'processing', escalated: true });
    expect(await rejection(f.act(hnProcessing, { type: 'post_progress', text: 'Không còn là việc của Sở.' }))).toBe('OUTSIDE_AGENCY');
    await f.act(btpProcessing, { type: 'enter_result', text: 'Trả lời của cơ quan chủ trì.' });
    // The receiving agency reviews the lead agency's answer before publication (000 §45.2).
    expect(await rejection(f.act(actor('lanhdao.btp'), { type: 'approve_answer' }))).toBe('OUTSIDE_AGENCY');
    await f.act(hnLeader, { type: 'approve_answer' });
    expect((await f.done()).state.status).toBe('published');

    const again = await submit({ disagreesWith: f.code });
    v = await again.view();
    expect(v.state).toMatchObject({ agencyCode: LEAD, status: 'processing', escalated: true });
    await again.act(btpProcessing, { type: 'enter_result', text: 'Trả lời lại.' });
    // Arrived escalated: the lead agency received it, and reviews it.
    await again.act(actor('lanhdao.btp'), { type: 'approve_answer' });
    await again.done();
  });

  it('keeps the 7-day cadence for as many weeks as it takes, across continue-as-new runs, each mark once', async () => {
    const f = await submit({ historyLimit: 40 });
    const firstRun = (await f.handle.describe()).runId;
    await f.act(hnReceiving, { type: 'accept' });
    await w.env.sleep('20 days');
    await w.env.sleep('1 hour');
    for (let week = 1; week <= 12; week++) await w.env.sleep('7 days');
    const v = await f.view(); // the handle follows the latest run
    expect(v.state.progressMarks).toBe(12);
    expect(v.state.missedUpdates).toBe(12);
    expect((await f.handle.describe()).runId).not.toBe(firstRun);
    const ev = await events(f.code);
    expect(ev.filter((e) => e === 'progress_missed')).toHaveLength(12);
    expect(ev.filter((e) => e === 'answer_overdue')).toHaveLength(1);
    await f.act(hnProcessing, { type: 'enter_result', text: 'Trả lời sau nhiều tuần.' });
    await f.act(hnLeader, { type: 'approve_answer' });
    expect((await f.done()).state.status).toBe('published');
  });

  it('confidential feedback: content, texts and pending emails erased; only the handover record stays', async () => {
    const f = await submit();
    await f.act(hnReceiving, { type: 'accept' });
    await f.act(hnProcessing, { type: 'post_progress', text: 'Nội dung có thông tin mật.' });
    await f.act(hnLeader, { type: 'mark_confidential', handedOverTo: 'Bộ phận văn thư mật của Sở', reference: 'MẬT-2027-01' });
    expect((await f.done()).state.status).toBe('handed_over_confidential');
    const em = w.deps.orm.em.fork();
    const [row] = await em.execute<Record<string, unknown>[]>('select title, content, contact, handover from feedback where code = ?', [f.code]);
    expect(row).toMatchObject({ title: null, content: null, contact: null, handover: { to: 'Bộ phận văn thư mật của Sở', reference: 'MẬT-2027-01' } });
    expect(await em.execute('select * from feedback_text where feedback_code = ?', [f.code])).toEqual([]);
    expect(await em.execute('select * from feedback_publication where code = ?', [f.code])).toEqual([]);
    expect(await em.execute('select * from notification where dedupe_key like ?', [`feedback:${f.code}:%`])).toEqual([]);
    const audit = await em.execute<{ after: unknown }[]>("select after from audit_log where entity_type = 'feedback' and entity_id = ?", [f.code]);
    expect(JSON.stringify(audit)).not.toContain('thông tin mật');
    const history = await em.execute<{ action: string; text_id: string | null }[]>('select action, text_id from feedback_history where feedback_code = ? order by seq', [f.code]);
    expect(history.map((h) => h.action)).toEqual(['submit', 'accept', 'post_progress', 'mark_confidential']);
    expect(history.every((h) => h.text_id === null)).toBe(true);
    expect(mailsAbout(f.code, '@').filter((m) => m.subject.includes('chế độ mật'))).toHaveLength(0);
  });
  // (The time-skipping server starts at today's date and only goes forward: each test's dates lie after the
  // previous test's, and after the day the suite runs.)
  it('not accepted within 2 working days, with the reason told to the citizen', async () => {
    await w.travelTo('2027-12-06 09:00'); // Monday
    const f = await submit();
    await w.smtp.waitFor((m) => m.subject.includes(`Đã tiếp nhận phản ánh, kiến nghị ${f.code}`) && m.text.includes('20 ngày'));
    expect((await f.view()).schedule.classification.map((x) => formatVnTime(new Date(x)))).toEqual(['2027-12-08 09:00', '2027-12-13 09:00']);
    await w.travelTo('2027-12-07 10:00');
    await f.act(hnReceiving, { type: 'not_accept', text: 'Nội dung không liên quan đến quy định hành chính.' });
    const mail = await w.smtp.waitFor((m) => m.subject.includes(`${f.code} không được tiếp nhận`));
    expect(mail.text).toContain('Nội dung không liên quan đến quy định hành chính.');
    expect((await f.done()).state.status).toBe('not_accepted');
    expect(await events(f.code)).toEqual(['submit', 'not_accept']);
  });

  it('a missed classification deadline escalates to supervisors once per rung (2 and 5 working days)', async () => {
    await w.travelTo('2027-12-10 16:00'); // Friday
    const f = await submit();
    await w.travelTo('2027-12-14 16:01'); // 2 working days: Mon 13 + Tue 14 16:00
    expect((await f.view()).state.classificationLevel).toBe(1);
    await w.smtp.waitFor((m) => m.to.includes('giamsat.hn@') && m.subject.includes(f.code) && m.text.includes('quá hạn phân loại (2 ngày'));
    await w.travelTo('2027-12-17 16:01'); // 5 working days
    expect((await f.view()).state.classificationLevel).toBe(2);
    await w.env.sleep('3 days');
    expect((await events(f.code)).filter((e) => e === 'classification_overdue')).toHaveLength(2);
    const [row] = await w.deps.orm.em.fork().execute('select classification_level from feedback where code = ?', [f.code]);
    expect(row).toEqual({ classification_level: 2 });
    await f.act(hnReceiving, { type: 'accept' });
    await f.act(hnReceiving, { type: 'mark_confidential', handedOverTo: 'Văn thư mật', reference: 'M-1' });
    await f.done();
  });

  it('under review the cadence can be met: progress posted while the leader sits on the answer is no missed update (§2.3)', async () => {
    await w.travelTo('2028-05-01 09:00'); // Monday
    const f = await submit();
    await f.act(hnReceiving, { type: 'accept' });
    await f.act(hnProcessing, { type: 'enter_result', text: 'Sở Tư pháp đã bỏ yêu cầu nộp bản sao giấy tờ đã có trong cơ sở dữ liệu.' });
    expect((await f.view()).state.status).toBe('under_review');
    await w.travelTo('2028-05-21 09:01'); // the 20 days pass under review
    expect((await f.view()).state.answerOverdue).toBe(true);
    for (const [who, day] of [[hnProcessing, '2028-05-23 10:00'], [hnLeader, '2028-05-30 10:00']] as const) {
      await w.travelTo(day);
      await f.act(who, { type: 'post_progress', text: 'Lãnh đạo đang xem xét câu trả lời.' });
    }
    await w.travelTo('2028-06-04 09:02');
    const v = await f.view();
    expect(v.state.progressMarks).toBe(2);
    expect(v.state.missedUpdates).toBe(0);
    expect(await events(f.code)).not.toContain('progress_missed');
    await f.act(hnLeader, { type: 'approve_answer' });
    await f.done();
  });

  it('after a transfer the receiving agency reviews the answer and returns it to the processing agency (§2.5)', async () => {
    await w.travelTo('2028-06-12 09:00'); // Monday
    const f = await submit();
    await f.act(hnReceiving, { type: 'transfer', toAgencyCode: 'HCM-SKHDT', text: 'Thuộc lĩnh vực đăng ký doanh nghiệp.' });
    await f.act(hcmReceiving, { type: 'accept' });
    await f.act(actor('xuly.hcm'), { type: 'enter_result', text: 'Trả lời lần 1.' });
    // The processing agency's leader may not publish its own answer; the receiving agency's may.
    expect(await rejection(f.act(actor('lanhdao.hcm'), { type: 'approve_answer' }))).toBe('OUTSIDE_AGENCY');
    await f.act(hnLeader, { type: 'return_answer', text: 'Câu trả lời chưa đúng nội dung phản ánh.' });
    let v = await f.view();
    expect(v.state).toMatchObject({ status: 'processing', agencyCode: 'HCM-SKHDT', reviewRounds: 1 });
    await f.act(actor('xuly.hcm'), { type: 'enter_result', text: 'Trả lời lần 2, đúng nội dung.' });
    const [row] = await w.deps.orm.em.fork().execute<{ review_agency_code: string; agency_code: string }[]>('select review_agency_code, agency_code from feedback where code = ?', [f.code]);
    expect(row).toEqual({ review_agency_code: 'HNI-STP', agency_code: 'HCM-SKHDT' });
    await f.act(hnLeader, { type: 'approve_answer' });
    v = await f.view();
    expect(v.state.status).toBe('published');
    const [h] = await w.deps.orm.em.fork().execute<{ actor_role: string }[]>("select actor_role from feedback_history where feedback_code = ? and action = 'approve_answer'", [f.code]);
    expect(h!.actor_role).toBe('unit_leader');
    await f.done();
  });
  it('feedback keyed in 40 days after its receipt: the deadlines already past are one backlog entry, not a burst', async () => {
    await w.travelTo('2028-09-04 09:00'); // Monday
    const mailsBefore = w.smtp.mails.length;
    const f = await submit({ receivedDaysAgo: 40 });
    const v = await f.view();
    // Two classification rungs, the 20 days and two 7-day marks had passed: where the clocks stand now …
    expect(v.state).toMatchObject({ classificationLevel: 2, answerOverdue: true, progressMarks: 2, missedUpdates: 0 });
    expect(await events(f.code)).toEqual(['submit', 'backlog']);
    const [entry] = await w.deps.orm.em.fork().execute<{ payload: { passed: { kind: string }[] } }[]>("select payload from feedback_history where feedback_code = ? and action = 'backlog'", [f.code]);
    expect(entry!.payload.passed.map((p) => p.kind)).toEqual(['classification', 'classification', 'answer', 'progress', 'progress']);
    // … and one notice to each supervisor, not one per deadline.
    const toSupervisor = w.smtp.mails.slice(mailsBefore).filter((m) => m.to.includes('giamsat.hn@') && m.subject.includes(f.code));
    expect(toSupervisor).toHaveLength(1);
    expect(toSupervisor[0]!.subject).toContain('5 mốc thời hạn đã qua');
    // From now on the clocks run as usual: the current 7-day period can still be met.
    await f.act(hnReceiving, { type: 'accept' });
    await f.act(hnProcessing, { type: 'post_progress', text: 'Đã nhận hồ sơ giấy, đang xử lý.' });
    await w.travelTo('2028-09-07 09:05');
    expect((await f.view()).state).toMatchObject({ progressMarks: 3, missedUpdates: 0 });
    await f.act(hnReceiving, { type: 'mark_confidential', handedOverTo: 'Văn thư mật', reference: 'M-9' });
    await f.done();
  });
  it('a clarification not given in 15 days: the citizen is reminded 3 days before, then the feedback is closed and told', async () => {
    await w.travelTo('2028-10-02 09:00'); // Monday
    const f = await submit();
    await f.act(hnReceiving, { type: 'request_clarification', text: 'Đề nghị nêu rõ tên giấy tờ bị yêu cầu nộp trùng.' });
    await w.travelTo('2028-10-14 09:01'); // 12 days
    expect((await f.view()).state.status).toBe('clarification_requested');
    const reminder = await w.smtp.waitFor((m) => m.subject.includes(`Nhắc hạn làm rõ phản ánh, kiến nghị ${f.code}`));
    expect(reminder.text).toContain('09:00 ngày 17/10/2028');
    await w.travelTo('2028-10-17 09:01'); // 15 days
    const v = await f.done();
    expect(v.state.status).toBe('closed_unclarified');
    expect((await events(f.code)).slice(-2)).toEqual(['clarification_reminder', 'clarification_expired']);
    await w.smtp.waitFor((m) => m.subject.includes(`Đóng phản ánh, kiến nghị ${f.code}`) && m.to.includes('an.nguyen@'));
    const [row] = await w.deps.orm.em.fork().execute<{ status: string; closed_at: string | null }[]>('select status, closed_at from feedback where code = ?', [f.code]);
    expect(row!.status).toBe('closed_unclarified');
    expect(row!.closed_at).not.toBeNull();
  });
});
