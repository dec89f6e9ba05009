import type { MikroORM } from '@mikro-orm/postgresql';
import { permanentFailure } from './failures';
import { MAINTENANCE_EVENT_LABELS, type MaintenanceEvent, type MaintenanceState } from '../domain/service-desk/maintenance';
import { COMPLAINT_EVENT_LABELS, COMPLAINT_KIND_LABELS, complaintDeadlines, type ComplaintEvent, type ComplaintKind, type ComplaintState } from '../domain/service-desk/complaints';
import { adminRequestDueAt, type AdminRequestEvent, type AdminRequestState } from '../domain/service-desk/admin-accounts';
import { SUPPORT_EVENT_LABELS, supportDueAt, type SupportEvent, type SupportState, type SupportStatus } from '../domain/service-desk/support';
import { formatVnHuman } from '../domain/working-time/local-time';
import type { CalendarStore } from '../services/calendar-store';
import { unlockAccount } from '../services/account-lifecycle';
import { appendAudit, enqueueMessages, operatorRecipients } from '../services/records';

/** Who is told of planned maintenance: every agency's administrators and every connected system's contact (002 §32.3). */
const MAINTENANCE_AUDIENCE = `select id, email from account
  where email is not null and locked_at is null and (roles && '{unit_admin}' or kind = 'integration') order by id`;

/** The service desk's side effects: each step's record, history, audit and messages, in one transaction. */
export function createServiceDeskActivities(deps: { orm: MikroORM; calendars: CalendarStore }) {
  async function recordMaintenance(input: { after: MaintenanceState; event: MaintenanceEvent; actor: { id: string; role: string } | null; at: string; payload: Record<string, unknown>; requestId: string | null }): Promise<void> {
    const s = input.after;
    const key = `maintenance:${s.code}:${s.seq}`;
    await deps.orm.em.fork().transactional(async (tx) => {
      const [n] = await tx.execute<{ title: string; description: string; starts_at: string; ends_at: string; emergency: boolean; emergency_reason: string | null }[]>(
        'select title, description, starts_at, ends_at, emergency, emergency_reason from maintenance_notice where code = ?', [s.code]);
      if (!n) throw permanentFailure(`maintenance notice ${s.code} has no record`);
      const reason = typeof input.payload.reason === 'string' ? input.payload.reason : null;
      await tx.execute(
        'update maintenance_notice set status = ?, cancel_reason = coalesce(?, cancel_reason), seq = ?, updated_at = now() where code = ? and seq < ?',
        [s.status, reason, s.seq, s.code, s.seq]);
      await tx.execute(
        'insert into maintenance_notice_history (notice_code, seq, at, action, actor_id, actor_role, status, payload, request_id) values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?) on conflict do nothing',
        [s.code, s.seq, input.at, input.event, input.actor?.id ?? null, input.actor?.role ?? null, s.status, JSON.stringify(input.payload), input.requestId]);
      await appendAudit(tx, {
        at: input.at, actorId: input.actor?.id ?? null, actorRole: input.actor?.role ?? null, action: `maintenance.${input.event}`, entityType: 'maintenance_notice', entityId: s.code,
        before: null, after: { status: s.status, emergency: n.emergency }, requestId: input.requestId, dedupeKey: key,
      });
      // A repeated attempt enqueues nothing twice: each message is keyed by the step and its recipient.
      if (input.event !== 'announce' && input.event !== 'cancel') return;
      const recipients = await tx.execute<{ id: string; email: string }[]>(MAINTENANCE_AUDIENCE);
      const when = `từ ${formatVnHuman(new Date(n.starts_at))} đến ${formatVnHuman(new Date(n.ends_at))}`;
      const subject = input.event === 'announce'
        ? `[DVC] ${n.emergency ? 'Bảo trì khẩn cấp' : 'Thông báo bảo trì'} Cổng Dịch vụ công quốc gia ${when}`
        : `[DVC] Hủy đợt bảo trì ${when}`;
      const body = input.event === 'announce'
        ? `${n.title}\n\nThời gian: ${when}.\n${n.description}${n.emergency ? `\n\nĐây là đợt bảo trì khẩn cấp: ${n.emergency_reason ?? ''}` : ''}`
        : `${MAINTENANCE_EVENT_LABELS.cancel}: ${n.title} (${when}).\nLý do: ${reason ?? ''}`;
      await enqueueMessages(tx, recipients.map((r) => ({ dedupeKey: `${key}:${r.id}`, recipient: r.email, subject, body: `${body}\n\nThư này được gửi tự động từ Cổng Dịch vụ công quốc gia.` })));
    });
  }
  /**
   * One step of an account complaint: its record, history and audit; the citizen told of its receipt, of
   * the parties' notification and of the outcome; the operators of a missed clock. An unlock as the outcome
   * goes through the audited unlock, in the same transaction (a repeated attempt finds it unlocked).
   */
  async function recordComplaint(input: { after: ComplaintState; event: ComplaintEvent; actor: { id: string; role: string } | null; at: string; payload: Record<string, unknown>; requestId: string | null }): Promise<void> {
    const s = input.after;
    const key = `complaint:${s.code}:${s.seq}`;
    await deps.orm.em.fork().transactional(async (tx) => {
      const [c] = await tx.execute<{ kind: ComplaintKind; email: string | null; full_name: string }[]>(
        'select c.kind, a.email, a.full_name from account_complaint c join account a on a.id = c.account_id where c.code = ?', [s.code]);
      if (!c) throw permanentFailure(`complaint ${s.code} has no record`);
      const p = input.payload;
      const note = typeof p.note === 'string' ? p.note : null;
      await tx.execute(
        `update account_complaint set status = ?, notify_overdue = ?, outcome_overdue = ?, outcome = coalesce(?, outcome), outcome_note = coalesce(?, outcome_note),
                resolved_at = case when ? = 'resolved' then coalesce(resolved_at, ?::timestamptz) else resolved_at end, seq = ?, updated_at = now()
          where code = ? and seq < ?`,
        [s.status, s.notifyOverdue, s.outcomeOverdue, input.event === 'resolve' ? p.outcome : null, input.event === 'resolve' ? note : null, s.status, input.at, s.seq, s.code, s.seq]);
      await tx.execute(
        'insert into account_complaint_history (complaint_code, seq, at, action, actor_id, actor_role, status, payload, request_id) values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?) on conflict do nothing',
        [s.code, s.seq, input.at, input.event, input.actor?.id ?? null, input.actor?.role ?? null, s.status, JSON.stringify(p), input.requestId]);
      await appendAudit(tx, {
        at: input.at, actorId: input.actor?.id ?? null, actorRole: input.actor?.role ?? null, action: `complaint.${input.event}`, entityType: 'account_complaint', entityId: s.code,
        before: null, after: { status: s.status, notifyOverdue: s.notifyOverdue, outcomeOverdue: s.outcomeOverdue }, requestId: input.requestId, dedupeKey: key,
      });
      if (input.event === 'resolve' && p.unlock === true && input.actor) {
        await unlockAccount(tx, input.actor, s.accountId, `Khiếu nại ${s.code}: ${note ?? ''}`, input.requestId);
      }
      const due = complaintDeadlines(s.filedAt);
      const footer = '\n\nThư này được gửi tự động từ Cổng Dịch vụ công quốc gia.';
      const messages: { to: { id: string; email: string }; subject: string; body: string }[] = [];
      const citizen = c.email ? { id: s.accountId, email: c.email } : null;
      const about = `khiếu nại ${s.code} (${COMPLAINT_KIND_LABELS[c.kind].toLowerCase()})`;
      if (citizen && input.event === 'file') {
        messages.push({ to: citizen, subject: `[DVC] Đã tiếp nhận ${about}`, body: `Kính gửi ${c.full_name},\nCổng đã tiếp nhận ${about}. Các bên liên quan được thông báo chậm nhất ${formatVnHuman(new Date(due.notifyDueAt))}; kết quả được trả lời chậm nhất ${formatVnHuman(new Date(due.outcomeDueAt))}.` });
      }
      if (citizen && input.event === 'notify_parties') messages.push({ to: citizen, subject: `[DVC] ${COMPLAINT_EVENT_LABELS.notify_parties}: ${s.code}`, body: `Kính gửi ${c.full_name},\nCác bên liên quan đến ${about} đã được thông báo: ${note ?? ''}` });
      if (citizen && input.event === 'resolve') {
        const verdict = p.outcome === 'upheld' ? 'Khiếu nại của bạn là đúng' : 'Khiếu nại của bạn không được chấp nhận';
        messages.push({ to: citizen, subject: `[DVC] Kết quả giải quyết ${about}`, body: `Kính gửi ${c.full_name},\n${verdict}. ${note ?? ''}${p.unlock === true ? '\nTài khoản của bạn đã được mở khóa.' : ''}` });
      }
      if (input.event === 'file' || input.event === 'notify_overdue' || input.event === 'outcome_overdue') {
        for (const op of await operatorRecipients(tx)) messages.push({ to: op, subject: `[DVC] ${COMPLAINT_EVENT_LABELS[input.event]}: ${s.code}`, body: `${COMPLAINT_EVENT_LABELS[input.event]}: ${about}.` });
      }
      await enqueueMessages(tx, messages.map((m) => ({ dedupeKey: `${key}:${m.to.id}`, recipient: m.to.email, subject: m.subject, body: `${m.body}${footer}` })));
    });
  }

  /** 2 working hours from the request, by a calendar read after `calendarChangedAt` when a change is being carried out. */
  async function computeAdminRequestDue(input: { requestedAt: string; calendarChangedAt?: string }): Promise<string> {
    return adminRequestDueAt(input.requestedAt, await deps.calendars.calendar(input.calendarChangedAt ? Date.parse(input.calendarChangedAt) : undefined));
  }

  /**
   * One step of a request for an administrator account: record, history, audit; on approval the account
   * itself, with the requested role group only (created once: a repeated attempt finds it); the system
   * administrators told of a request, the requester of the decision, operators and administrators of a miss.
   */
  async function recordAdminRequest(input: { after: AdminRequestState; event: AdminRequestEvent; actor: { id: string; role: string } | null; at: string; payload: Record<string, unknown>; requestId: string | null }): Promise<void> {
    const s = input.after;
    const key = `admin-request:${s.code}:${s.seq}`;
    await deps.orm.em.fork().transactional(async (tx) => {
      const [r] = await tx.execute<{ subject: string; full_name: string; email: string; role_groups: string[]; requester_email: string | null; requested_by: string }[]>(
        `select r.subject, r.full_name, r.email, r.role_groups, a.email as requester_email, r.requested_by
           from admin_account_request r join account a on a.id = r.requested_by where r.code = ?`, [s.code]);
      if (!r) throw permanentFailure(`admin account request ${s.code} has no record`);
      const p = input.payload;
      let accountId: string | null = null;
      if (input.event === 'approve') {
        await tx.execute(
          `insert into account (id, subject, kind, full_name, email, agency_code, roles) values (gen_random_uuid(), ?, 'officer', ?, ?, ?, ?::text[]) on conflict (subject) do nothing`,
          [r.subject, r.full_name, r.email, s.agencyCode, `{${r.role_groups.join(',')}}`]);
        const [a] = await tx.execute<{ id: string; roles: string[]; agency_code: string | null }[]>('select id, roles, agency_code from account where subject = ?', [r.subject]);
        accountId = a!.id;
        await appendAudit(tx, {
          at: input.at, actorId: input.actor?.id ?? null, actorRole: input.actor?.role ?? null, action: 'account.create', entityType: 'account', entityId: a!.id,
          before: null, after: { subject: r.subject, roles: a!.roles, agencyCode: a!.agency_code, request: s.code }, requestId: input.requestId, dedupeKey: `${key}:account`,
        });
      }
      await tx.execute(
        `update admin_account_request set status = ?, overdue = ?, due_at = coalesce(?::timestamptz, due_at), refusal_reason = coalesce(?, refusal_reason), account_id = coalesce(?::uuid, account_id),
                decided_at = case when ? <> 'pending' then coalesce(decided_at, ?::timestamptz) else decided_at end, seq = ?, updated_at = now()
          where code = ? and seq < ?`,
        [s.status, s.overdue, typeof p.dueAt === 'string' ? p.dueAt : null, typeof p.reason === 'string' ? p.reason : null, accountId, s.status, input.at, s.seq, s.code, s.seq]);
      await tx.execute(
        'insert into admin_account_request_history (request_code, seq, at, action, actor_id, actor_role, status, payload, request_id) values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?) on conflict do nothing',
        [s.code, s.seq, input.at, input.event, input.actor?.id ?? null, input.actor?.role ?? null, s.status, JSON.stringify(p), input.requestId]);
      await appendAudit(tx, {
        at: input.at, actorId: input.actor?.id ?? null, actorRole: input.actor?.role ?? null, action: `admin_request.${input.event}`, entityType: 'admin_account_request', entityId: s.code,
        before: null, after: { status: s.status, overdue: s.overdue }, requestId: input.requestId, dedupeKey: key,
      });
      const footer = '\n\nThư này được gửi tự động từ Cổng Dịch vụ công quốc gia.';
      const about = `đề nghị cấp tài khoản quản trị ${s.code} (${r.subject}, ${s.agencyCode})`;
      const messages: { to: { id: string; email: string }; subject: string; body: string }[] = [];
      const admins = await tx.execute<{ id: string; email: string }[]>("select id, email from account where roles && '{system_admin}' and email is not null and locked_at is null order by id");
      if (input.event === 'request') for (const a of admins) messages.push({ to: a, subject: `[DVC] Có ${about}`, body: `Hạn xử lý: ${formatVnHuman(new Date(String(p.dueAt)))} (2 giờ làm việc).` });
      if (input.event === 'overdue') for (const a of [...admins, ...(await operatorRecipients(tx))]) messages.push({ to: a, subject: `[DVC] Quá hạn xử lý ${about}`, body: `Hạn xử lý đã qua: ${formatVnHuman(new Date(String(p.dueAt)))}.` });
      if ((input.event === 'approve' || input.event === 'refuse') && r.requester_email) {
        messages.push({
          to: { id: r.requested_by, email: r.requester_email }, subject: `[DVC] Kết quả ${about}`,
          body: input.event === 'approve' ? `Tài khoản ${r.subject} đã được cấp với nhóm quyền ${r.role_groups.join(', ')}.` : `Đề nghị không được chấp nhận: ${String(p.reason ?? '')}`,
        });
      }
      await enqueueMessages(tx, messages.map((m) => ({ dedupeKey: `${key}:${m.to.id}`, recipient: m.to.email, subject: m.subject, body: `${m.body}${footer}` })));
    });
  }

  /** The support request's current clock, by a calendar read after `calendarChangedAt` when a change is being carried out. */
  async function computeSupportDue(input: { status: SupportStatus; clockFrom: string; expectedAt: string | null; calendarChangedAt?: string }): Promise<string> {
    return supportDueAt(input, await deps.calendars.calendar(input.calendarChangedAt ? Date.parse(input.calendarChangedAt) : undefined));
  }

  /** One step of a support or incident request: record, history, audit; the requester told of each answer, the operators of new work and of a missed clock. */
  async function recordSupport(input: { after: SupportState; event: SupportEvent; actor: { id: string; role: string } | null; at: string; dueAt: string | null; payload: Record<string, unknown>; requestId: string | null }): Promise<void> {
    const s = input.after;
    const key = `support:${s.code}:${s.seq}`;
    await deps.orm.em.fork().transactional(async (tx) => {
      const [r] = await tx.execute<{ title: string; email: string | null }[]>(
        'select r.title, a.email from support_request r join account a on a.id = r.requester_id where r.code = ?', [s.code]);
      if (!r) throw permanentFailure(`support request ${s.code} has no record`);
      const p = input.payload;
      await tx.execute(
        `update support_request set status = ?, complexity = ?, expected_at = ?, due_at = ?, escalated = ?, resolution = coalesce(?, resolution),
                closed_at = case when ? = 'closed' then coalesce(closed_at, ?::timestamptz) else null end, seq = ?, updated_at = now()
          where code = ? and seq < ?`,
        [s.status, s.complexity, s.expectedAt, input.dueAt, s.escalatedClock === s.clock, typeof p.resolution === 'string' ? p.resolution : null, s.status, input.at, s.seq, s.code, s.seq]);
      await tx.execute(
        'insert into support_request_history (request_code, seq, at, action, actor_id, actor_role, status, payload, request_id) values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?) on conflict do nothing',
        [s.code, s.seq, input.at, input.event, input.actor?.id ?? null, input.actor?.role ?? null, s.status, JSON.stringify(p), input.requestId]);
      await appendAudit(tx, {
        at: input.at, actorId: input.actor?.id ?? null, actorRole: input.actor?.role ?? null, action: `support.${input.event}`, entityType: 'support_request', entityId: s.code,
        before: null, after: { status: s.status, complexity: s.complexity, expectedAt: s.expectedAt, dueAt: input.dueAt }, requestId: input.requestId, dedupeKey: key,
      });
      const footer = '\n\nThư này được gửi tự động từ Cổng Dịch vụ công quốc gia.';
      const about = `yêu cầu ${s.code} (${r.title})`;
      const when = input.dueAt ? formatVnHuman(new Date(input.dueAt)) : '';
      const messages: { to: { id: string; email: string }; subject: string; body: string }[] = [];
      const requester = r.email ? { id: s.requesterId, email: r.email } : null;
      const toRequester: Partial<Record<SupportEvent, string>> = {
        submit: `Cổng đã tiếp nhận ${about}; hạn xử lý ${when} (8 giờ làm việc).`,
        classify: s.complexity === 'complex' ? `${about} là yêu cầu phức tạp; thời điểm dự kiến hoàn thành: ${when}.` : `${about} đang được xử lý; hạn ${when}.`,
        revise: `Thời điểm dự kiến hoàn thành ${about} được điều chỉnh thành ${when}. Lý do: ${String(p.reason ?? '')}`,
        resolve: `${about} đã được xử lý: ${String(p.resolution ?? '')}\nVui lòng xác nhận hoặc mở lại yêu cầu trước ${when}; sau đó yêu cầu tự động đóng.`,
        auto_close: `${about} đã tự động đóng do không có phản hồi sau 5 ngày làm việc.`,
      };
      const text = toRequester[input.event];
      if (requester && text) messages.push({ to: requester, subject: `[DVC] ${SUPPORT_EVENT_LABELS[input.event]}: ${s.code}`, body: text });
      if (input.event === 'submit' || input.event === 'reopen' || input.event === 'overdue') {
        for (const op of await operatorRecipients(tx)) messages.push({ to: op, subject: `[DVC] ${SUPPORT_EVENT_LABELS[input.event]}: ${s.code}`, body: `${SUPPORT_EVENT_LABELS[input.event]}: ${about}. Hạn: ${when}.` });
      }
      await enqueueMessages(tx, messages.map((m) => ({ dedupeKey: `${key}:${m.to.id}`, recipient: m.to.email, subject: m.subject, body: `${m.body}${footer}` })));
    });
  }

  return { recordMaintenance, recordComplaint, computeAdminRequestDue, recordAdminRequest, computeSupportDue, recordSupport };
}

export type ServiceDeskActivities = ReturnType<typeof createServiceDeskActivities>;
