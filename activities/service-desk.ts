import type { MikroORM } from '@mikro-orm/postgresql';
import { permanentFailure } from './failures';
import { MAINTENANCE_EVENT_LABELS, type MaintenanceEvent, type MaintenanceState } from '../domain/service-desk/maintenance';
import { COMPLAINT_EVENT_LABELS, COMPLAINT_KIND_LABELS, complaintDeadlines, type ComplaintEvent, type ComplaintKind, type ComplaintState } from '../domain/service-desk/complaints';
import { formatVnHuman } from '../domain/working-time/local-time';
import { unlockAccount } from '../services/account-lifecycle';
import { appendAudit, enqueueMessages, operatorRecipients } from '../services/records';

/** Who is told of planned maintenance: every agency's administrators and every connected system's contact (002 §32.3). */
const MAINTENANCE_AUDIENCE = `select id, email from account
  where email is not null and locked_at is null and (roles && '{unit_admin}' or kind = 'integration') order by id`;

/** The service desk's side effects: each step's record, history, audit and messages, in one transaction. */
export function createServiceDeskActivities(deps: { orm: MikroORM }) {
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
        'insert into maintenance_notice_history (notice_code, seq, at, action, actor_id, status, payload, request_id) values (?, ?, ?, ?, ?, ?, ?::jsonb, ?) on conflict do nothing',
        [s.code, s.seq, input.at, input.event, input.actor?.id ?? null, s.status, JSON.stringify(input.payload), input.requestId]);
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

  return { recordMaintenance, recordComplaint };
}

export type ServiceDeskActivities = ReturnType<typeof createServiceDeskActivities>;
