import type { MikroORM } from '@mikro-orm/postgresql';
import { permanentFailure } from './failures';
import { MAINTENANCE_EVENT_LABELS, type MaintenanceEvent, type MaintenanceState } from '../domain/service-desk/maintenance';
import { formatVnHuman } from '../domain/working-time/local-time';
import { appendAudit, enqueueMessages } from '../services/records';

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
  return { recordMaintenance };
}

export type ServiceDeskActivities = ReturnType<typeof createServiceDeskActivities>;
