import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { vnTime } from '../../domain/working-time';
import { actor, finished, settled, startWorkflowEnv } from '../support/workflow-env';
import { cancelMaintenanceUpdate, MAINTENANCE_WORKFLOW, maintenanceViewQuery, type MaintenanceWorkflowInput } from '../../workflows/service-desk/maintenance';
import { complaintActionUpdate, COMPLAINT_WORKFLOW, complaintViewQuery, type ComplaintWorkflowInput } from '../../workflows/service-desk/complaint';
import { complaintDeadlines, type ComplaintAction } from '../../domain/service-desk/complaints';
import { randomUUID } from 'node:crypto';
import { supportActionUpdate, SUPPORT_WORKFLOW, supportViewQuery, type SupportWorkflowInput } from '../../workflows/service-desk/support';
import type { SupportAction } from '../../domain/service-desk/support';
import { vietnamCalendar } from '../../domain/working-time';
import { adminRequestDecisionUpdate, ADMIN_REQUEST_WORKFLOW, adminRequestViewQuery, type AdminRequestWorkflowInput } from '../../workflows/service-desk/admin-account';

/**
 * The service desk's processes on the time-skipping server (issue 17). Planned maintenance (002 §32.3):
 * announced, under way at its start, over at its end; cancellable until then; the parties told. Account
 * complaints (000 §13.1): 24 and 48 hours of the clock, across Tết 2028 as on any day. Administrator
 * account requests (002 §10.4): 2 working hours, over a weekend and over an announced make-up Saturday.
 * Support requests (002 §32.1–32.2): 8 working hours across Tết 2029; a complex one's published time revised.
 */
let w: Awaited<ReturnType<typeof startWorkflowEnv>>;

beforeAll(async () => {
  w = await startWorkflowEnv('service-desk-test');
});
afterAll(async () => {
  await w?.stop();
});

async function announced(startsLocal: string, endsLocal: string, title: string) {
  const em = w.deps.orm.em.fork();
  const [{ n }] = (await em.execute<{ n: string }[]>("select nextval('maintenance_notice_number') as n")) as [{ n: string }];
  const code = `BT-${String(n).padStart(6, '0')}`;
  const startsAt = vnTime(startsLocal).toISOString();
  const endsAt = vnTime(endsLocal).toISOString();
  await em.execute(
    'insert into maintenance_notice (code, title, description, starts_at, ends_at, announced_by, announced_at) values (?, ?, ?, ?, ?, ?, ?)',
    [code, title, 'Nâng cấp cơ sở dữ liệu; các dịch vụ trực tuyến tạm dừng.', startsAt, endsAt, actor('vanhanh').id, await w.now()]);
  const input: MaintenanceWorkflowInput = { code, startsAt, endsAt, announcedBy: actor('vanhanh').id, emergency: false, requestId: null };
  const handle = await w.env.client.workflow.start(MAINTENANCE_WORKFLOW, { taskQueue: w.taskQueue, workflowId: code, args: [input] });
  const view = () => w.plain.workflow.getHandle(code).query(maintenanceViewQuery);
  const status = async () => {
    await settled(view);
    const [r] = await em.execute<{ status: string }[]>('select status from maintenance_notice where code = ?', [code]);
    return r!.status;
  };
  const history = async () => (await em.execute<{ action: string }[]>('select action from maintenance_notice_history where notice_code = ? order by seq', [code])).map((h) => h.action);
  await settled(view);
  return { code, handle, view, status, history };
}

describe('planned maintenance (time-skipping)', () => {
  it('announced, under way from its start, over at its end; agencies\' administrators and connected systems told once', async () => {
    await w.travelTo('2027-03-01 09:00'); // a Monday
    const title = 'Bảo trì định kỳ tháng 3';
    const s = await announced('2027-03-08 22:00', '2027-03-09 02:00', title);
    expect(await s.status()).toBe('announced');
    await w.outboxSettled();
    const told = w.smtp.mails.filter((m) => m.text.includes(title)).flatMap((m) => m.to);
    expect(told).toEqual(expect.arrayContaining(['quantri.hn@dichvucong.gov.vn', 'quantri.hcm@dichvucong.gov.vn', 'hethong.stp@hanoi.gov.vn']));
    expect(new Set(told).size).toBe(told.length);
    await w.travelTo('2027-03-08 21:59');
    expect(await s.status()).toBe('announced');
    await w.travelTo('2027-03-08 22:01');
    expect(await s.status()).toBe('in_progress');
    await w.travelTo('2027-03-09 02:01');
    const end = await finished(s.handle, s.view, 'maintenance');
    expect(end.state.status).toBe('completed');
    expect(await s.history()).toEqual(['announce', 'start', 'end']);
  });

  it('cancelled before its start with a reason: never under way, the process ends, the parties told', async () => {
    await w.travelTo('2027-03-10 09:00');
    const s = await announced('2027-03-17 22:00', '2027-03-18 01:00', 'Bảo trì đường truyền');
    const cancel = (reason: string) => w.plain.workflow.getHandle(s.code).executeUpdate(cancelMaintenanceUpdate, { args: [{ actor: actor('vanhanh'), reason, requestId: null }] });
    expect((await cancel('Nhà cung cấp đường truyền hoãn lịch nâng cấp.')).status).toBe('cancelled');
    await w.travelTo('2027-03-17 22:30');
    const end = await finished(s.handle, s.view, 'maintenance');
    expect(end.state.status).toBe('cancelled');
    expect(await s.history()).toEqual(['announce', 'cancel']);
    await w.outboxSettled();
    expect(w.smtp.mails.some((m) => m.subject.startsWith('[DVC] Hủy đợt bảo trì') && m.text.includes('hoãn lịch nâng cấp'))).toBe(true);
  });
});

/** A citizen of this test's own (locked: their complaint is that it was wrong) and their complaint, filed now. */
async function complained() {
  const em = w.deps.orm.em.fork();
  const accountId = randomUUID();
  await em.execute(`insert into account (id, subject, kind, full_name, email, roles, locked_at, lock_kind) values (?, ?, 'citizen', 'Đỗ Thị Hoa', ?, '{citizen}', now(), 'violation')`,
    [accountId, `kn-${accountId.slice(0, 8)}`, `hoa.${accountId.slice(0, 8)}@example.vn`]);
  const [{ n }] = (await em.execute<{ n: string }[]>("select nextval('account_complaint_number') as n")) as [{ n: string }];
  const code = `KN-${String(n).padStart(6, '0')}`;
  const filedAt = (await w.now()).toISOString();
  const due = complaintDeadlines(filedAt);
  await em.execute('insert into account_complaint (code, account_id, kind, description, filed_at, notify_due_at, outcome_due_at) values (?, ?, ?, ?, ?, ?, ?)',
    [code, accountId, 'wrongly_locked', 'Tài khoản bị khóa dù tôi không vi phạm quy định nào.', filedAt, due.notifyDueAt, due.outcomeDueAt]);
  const input: ComplaintWorkflowInput = { code, accountId, filedAt, requestId: null };
  const handle = await w.env.client.workflow.start(COMPLAINT_WORKFLOW, { taskQueue: w.taskQueue, workflowId: code, args: [input] });
  const view = () => w.plain.workflow.getHandle(code).query(complaintViewQuery);
  const row = async () => {
    await settled(view);
    const [r] = await em.execute<{ status: string; notify_overdue: boolean; outcome_overdue: boolean }[]>('select status, notify_overdue, outcome_overdue from account_complaint where code = ?', [code]);
    return r!;
  };
  const history = async () => (await em.execute<{ action: string }[]>('select action from account_complaint_history where complaint_code = ? order by seq', [code])).map((h) => h.action);
  const act = (action: ComplaintAction) => w.plain.workflow.getHandle(code).executeUpdate(complaintActionUpdate, { args: [{ action, actor: actor('vanhanh'), requestId: null }] });
  await settled(view);
  return { code, accountId, handle, view, row, history, act };
}

describe('account complaints (time-skipping)', () => {
  it('across Tết 2028, hours of the clock: not notified in 24 hours, then no outcome in 48, each escalates once to the operators', async () => {
    await w.travelTo('2028-01-25 10:00'); // the eve of Tết 2028
    const c = await complained();
    expect(await c.row()).toMatchObject({ status: 'received', notify_overdue: false });
    await w.travelTo('2028-01-26 09:59'); // Tết: no working hour, yet the clock runs
    expect((await c.row()).notify_overdue).toBe(false);
    await w.travelTo('2028-01-26 10:01');
    expect(await c.row()).toMatchObject({ notify_overdue: true, outcome_overdue: false });
    await c.act({ type: 'notify_parties', note: 'Đã báo Sở Tư pháp (đơn vị khóa tài khoản) qua thư công vụ.' });
    await w.travelTo('2028-01-27 10:01');
    expect(await c.row()).toMatchObject({ status: 'parties_notified', outcome_overdue: true });
    await c.act({ type: 'resolve', outcome: 'rejected', note: 'Tài khoản bị khóa theo yêu cầu của cơ quan có thẩm quyền; giữ nguyên.', unlock: false });
    const end = await finished(c.handle, c.view, 'complaint');
    expect(end.state.status).toBe('resolved');
    expect(await c.history()).toEqual(['file', 'notify_overdue', 'notify_parties', 'outcome_overdue', 'resolve']);
    await w.outboxSettled();
    expect(w.smtp.mails.filter((m) => m.to.includes('vanhanh@dichvucong.gov.vn') && m.text.includes(c.code)).map((m) => m.subject)).toEqual(expect.arrayContaining([
      `[DVC] Quá 24 giờ chưa thông báo các bên: ${c.code}`, `[DVC] Quá 48 giờ chưa có kết quả: ${c.code}`,
    ]));
  });

  it('upheld in time with an unlock: the account is unlocked through the audited unlock, nothing escalates', async () => {
    await w.travelTo('2028-02-05 09:00'); // a Saturday
    const c = await complained();
    await w.travelTo('2028-02-06 08:00');
    await c.act({ type: 'resolve', outcome: 'upheld', note: 'Khóa nhầm do trùng số định danh; đã mở khóa.', unlock: true });
    await finished(c.handle, c.view, 'complaint');
    expect(await c.history()).toEqual(['file', 'resolve']);
    const [a] = await w.deps.orm.em.fork().execute<{ locked_at: string | null }[]>('select locked_at from account where id = ?', [c.accountId]);
    expect(a!.locked_at).toBeNull();
    const audits = await w.deps.orm.em.fork().execute<{ action: string; actor_role: string }[]>("select action, actor_role from audit_log where entity_id = ? and action = 'account.unlock'", [c.accountId]);
    expect(audits).toEqual([{ action: 'account.unlock', actor_role: 'operator' }]);
  });
});

/** A request by Hà Nội's Department of Justice for an administrator account, made now. */
async function adminRequested(subject: string) {
  const em = w.deps.orm.em.fork();
  const [{ n }] = (await em.execute<{ n: string }[]>("select nextval('admin_account_request_number') as n")) as [{ n: string }];
  const code = `QT-${String(n).padStart(6, '0')}`;
  const requestedAt = (await w.now()).toISOString();
  await em.execute(
    `insert into admin_account_request (code, agency_code, subject, full_name, email, role_groups, justification, requested_by, requested_at)
     values (?, 'HNI-STP', ?, 'Phan Văn Quản', ?, '{unit_admin}', 'Cán bộ quản trị mới thay người nghỉ hưu.', ?, ?)`,
    [code, subject, `${subject}@dichvucong.gov.vn`, actor('lanhdao.hn').id, requestedAt]);
  const input: AdminRequestWorkflowInput = { code, agencyCode: 'HNI-STP', requestedAt, requestedBy: actor('lanhdao.hn').id, requestId: null };
  const handle = await w.env.client.workflow.start(ADMIN_REQUEST_WORKFLOW, { taskQueue: w.taskQueue, workflowId: code, args: [input] });
  const view = () => w.plain.workflow.getHandle(code).query(adminRequestViewQuery);
  await settled(view);
  const decide = (decision: { type: 'approve' } | { type: 'refuse'; reason: string }) =>
    w.plain.workflow.getHandle(code).executeUpdate(adminRequestDecisionUpdate, { args: [{ decision, actor: actor('admin'), requestId: null }] });
  const row = async () => {
    await settled(view);
    const [r] = await em.execute<{ status: string; overdue: boolean; due_at: string; account_id: string | null }[]>('select status, overdue, due_at, account_id from admin_account_request where code = ?', [code]);
    return { ...r!, due_at: new Date(r!.due_at).toISOString() };
  };
  return { code, handle, view, decide, row };
}

describe('administrator account requests (time-skipping)', () => {
  it('2 working hours across a weekend: asked on Friday 16:30, due on Monday 09:00; missed, escalated once; then created with the unit administrator role only', async () => {
    await w.travelTo('2028-02-18 16:30'); // a Friday
    const subject = `qt.${randomUUID().slice(0, 8)}`;
    const r = await adminRequested(subject);
    expect(Math.abs(Date.parse((await r.row()).due_at) - vnTime('2028-02-21 09:00').getTime())).toBeLessThan(60_000);
    await w.travelTo('2028-02-21 08:59');
    expect((await r.row()).overdue).toBe(false);
    await w.travelTo('2028-02-21 09:01');
    expect(await r.row()).toMatchObject({ status: 'pending', overdue: true });
    await r.decide({ type: 'approve' });
    await finished(r.handle, r.view, 'admin-request');
    const [a] = await w.deps.orm.em.fork().execute<{ id: string; roles: string[]; agency_code: string; kind: string }[]>('select id, roles, agency_code, kind from account where subject = ?', [subject]);
    expect(a).toMatchObject({ roles: ['unit_admin'], agency_code: 'HNI-STP', kind: 'officer' });
    expect((await r.row()).account_id).toBe(a!.id);
    const audits = await w.deps.orm.em.fork().execute<{ action: string }[]>("select action from audit_log where entity_id = ? and action = 'account.create'", [a!.id]);
    expect(audits).toHaveLength(1);
  });

  it('a make-up Saturday announced: asked on Friday 16:30, due on Saturday 09:00; refused in time with its reason, nothing escalates', async () => {
    await w.deps.orm.em.fork().execute("insert into calendar_override (date, kind, note, updated_at) values ('2028-02-26', 'working_day', 'Làm bù (thử nghiệm)', now()) on conflict (date) do nothing");
    w.deps.calendars.invalidate();
    await w.travelTo('2028-02-25 16:30');
    const r = await adminRequested(`qt.${randomUUID().slice(0, 8)}`);
    expect(Math.abs(Date.parse((await r.row()).due_at) - vnTime('2028-02-26 09:00').getTime())).toBeLessThan(60_000);
    await w.travelTo('2028-02-26 08:30');
    await r.decide({ type: 'refuse', reason: 'Đơn vị đã có đủ tài khoản quản trị theo quy định.' });
    await finished(r.handle, r.view, 'admin-request');
    expect(await r.row()).toMatchObject({ status: 'refused', overdue: false, account_id: null });
    await w.deps.orm.em.fork().execute("delete from calendar_override where date = '2028-02-26'");
  });
});

/** A support request from an officer of Hà Nội's Department of Justice, received now. */
async function supportRequested(title: string) {
  const em = w.deps.orm.em.fork();
  const [{ n }] = (await em.execute<{ n: string }[]>("select nextval('support_request_number') as n")) as [{ n: string }];
  const code = `HT-${String(n).padStart(6, '0')}`;
  const receivedAt = (await w.now()).toISOString();
  const requester = actor('xuly.hn');
  await em.execute("insert into support_request (code, requester_id, agency_code, kind, title, description, received_at) values (?, ?, 'HNI-STP', 'incident', ?, 'Không tải được tệp đính kèm lớn hơn 5 MB.', ?)",
    [code, requester.id, title, receivedAt]);
  const input: SupportWorkflowInput = { code, requesterId: requester.id, agencyCode: 'HNI-STP', receivedAt, requestId: null };
  const handle = await w.env.client.workflow.start(SUPPORT_WORKFLOW, { taskQueue: w.taskQueue, workflowId: code, args: [input] });
  const view = () => w.plain.workflow.getHandle(code).query(supportViewQuery);
  await settled(view);
  const act = async (who: string, action: SupportAction) => {
    const r = await w.plain.workflow.getHandle(code).executeUpdate(supportActionUpdate, { args: [{ action, actor: actor(who), requestId: null }] });
    await settled(view);
    return r;
  };
  const history = async () => (await em.execute<{ action: string }[]>('select action from support_request_history where request_code = ? order by seq', [code])).map((h) => h.action);
  const row = async () => {
    await settled(view);
    const [r] = await em.execute<{ status: string; escalated: boolean; due_at: string }[]>('select status, escalated, due_at from support_request where code = ?', [code]);
    return r!;
  };
  return { code, handle, view, act, history, row, receivedAt };
}

describe('support and incident requests (time-skipping)', () => {
  it('8 working hours across Tết 2029: escalated once when missed; resolved, reopened by the requester with a new clock, then confirmed', async () => {
    await w.travelTo('2029-02-09 14:00'); // the Friday before Tết 2029
    const r = await supportRequested('Lỗi tải tệp trước Tết');
    const due = vietnamCalendar().addWorkingHours(new Date(r.receivedAt), 8);
    expect(due.getTime() - Date.parse(r.receivedAt)).toBeGreaterThan(7 * 86_400_000); // the holidays do not count
    expect(Math.abs(Date.parse((await r.row()).due_at) - due.getTime())).toBeLessThan(60_000);
    await r.act('vanhanh', { type: 'classify', complexity: 'simple' });
    await w.env.sleep(due.getTime() - (await w.now()).getTime() - 60_000);
    expect((await r.row()).escalated).toBe(false);
    await w.env.sleep(120_000);
    expect(await r.row()).toMatchObject({ status: 'in_progress', escalated: true });
    await w.env.sleep(3 * 86_400_000);
    await r.act('vanhanh', { type: 'resolve', resolution: 'Đã nâng giới hạn tải lên của máy chủ.' });
    await r.act('xuly.hn', { type: 'reopen', reason: 'Vẫn không tải được tệp 8 MB.' });
    expect(await r.row()).toMatchObject({ status: 'in_progress', escalated: false });
    await r.act('vanhanh', { type: 'resolve', resolution: 'Đã sửa cấu hình cổng tải lên cho tệp đến 10 MB.' });
    await r.act('xuly.hn', { type: 'confirm' });
    await finished(r.handle, r.view, 'support');
    expect(await r.history()).toEqual(['submit', 'classify', 'overdue', 'resolve', 'reopen', 'resolve', 'confirm']);
  });

  it('a complex request: its expected completion published and revised with a reason; only the revised time escalates; unanswered, it closes after 5 working days', async () => {
    await w.travelTo('2029-03-05 09:00'); // a Monday
    const r = await supportRequested('Đồng bộ trạng thái hồ sơ chậm');
    await r.act('vanhanh', { type: 'classify', complexity: 'complex', expectedAt: vnTime('2029-03-08 17:00').toISOString() });
    await r.act('vanhanh', { type: 'revise', expectedAt: vnTime('2029-03-12 17:00').toISOString(), reason: 'Cần nhà cung cấp hạ tầng nâng cấp đường truyền.' });
    await w.travelTo('2029-03-09 09:00');
    expect((await r.row()).escalated).toBe(false);
    await w.travelTo('2029-03-12 17:01');
    expect((await r.row()).escalated).toBe(true);
    await r.act('vanhanh', { type: 'resolve', resolution: 'Đường truyền đã được nâng cấp; đồng bộ trở lại bình thường.' });
    await w.travelTo('2029-03-20 09:00'); // 5 working days after the resolution
    await finished(r.handle, r.view, 'support');
    expect(await r.history()).toEqual(['submit', 'classify', 'revise', 'overdue', 'resolve', 'auto_close']);
    expect((await r.row()).status).toBe('closed');
  });
});
