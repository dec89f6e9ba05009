import type { MikroORM } from '@mikro-orm/postgresql';
import { permanentFailure } from './failures';
import { pilotEndsAt, publicationSchedule, STEP_CLOCKS, type PublicationSchedule } from '../domain/publication/deadlines';
import type { PublicationState } from '../domain/publication/state';
import { FINDING_EVENT_LABELS, fixDueAt, type FindingEvent, type FindingState } from '../domain/publication/findings';
import { PUBLICATION_ACTION_LABELS, SERVICE_STATUS_LABELS, type PublicationActionType, type PublicationSystemEvent } from '../domain/publication/vocabulary';
import { formatVnHuman } from '../domain/working-time';
import type { CalendarStore } from '../services/calendar-store';
import type { OutboxMessage } from '../services/notifications';
import { agencyRecipients, appendAudit, enqueueMessages, named, operatorRecipients } from '../services/records';
import type { ActorRef } from './dossier';

export interface PublicationTransitionRecord {
  before: PublicationState | null;
  after: PublicationState;
  schedule: PublicationSchedule;
  event: PublicationActionType | PublicationSystemEvent;
  actor: ActorRef | null;
  at: string;
  /** The step's fields (reasons, the test report). */
  payload: Record<string, unknown>;
  requestId: string | null;
}

export interface PublicationActivityDeps {
  orm: MikroORM;
  calendars: CalendarStore;
  publicUrl: string;
}

/** Who hears of each step: the agency's unit administrators, the portal's operators, or escalation. */
const AUDIENCE: Partial<Record<PublicationActionType | PublicationSystemEvent, 'agency' | 'operators' | 'escalation'>> = {
  request_test_publication: 'operators', submit_test_report: 'operators',
  publish_for_testing: 'agency', return_for_completion: 'agency', confirm_test: 'agency', suspend: 'agency', resume: 'agency', stop: 'agency', pilot_completed: 'agency',
  review_overdue: 'escalation', testing_overdue: 'escalation', report_review_overdue: 'escalation',
};

/** Side effects of the publication process; keyed writes, so that retries add nothing. */
export function createPublicationActivities(deps: PublicationActivityDeps) {
  const { orm } = deps;

  /** The step's clock by the calendar; after an announced change, by a calendar read after it. */
  async function computePublicationSchedule(state: PublicationState, opts: { calendarChangedAt?: string } = {}): Promise<PublicationSchedule> {
    return publicationSchedule(state, await deps.calendars.calendar(opts.calendarChangedAt ? Date.parse(opts.calendarChangedAt) : undefined));
  }

  async function recordPublicationTransition(input: PublicationTransitionRecord): Promise<void> {
    const s = input.after;
    const key = `publication:${s.code}:${s.seq}`;
    await orm.em.fork().transactional(async (tx) => {
      const actor = await named(tx, input.actor);
      const [svc] = await tx.execute<{ name: string; agency_code: string }[]>('select name, agency_code from online_service where code = ?', [s.code]);
      if (!svc) throw permanentFailure(`online service ${s.code} has no record`);
      const reason = typeof input.payload.reason === 'string' ? input.payload.reason : null;
      const report = input.event === 'submit_test_report' ? JSON.stringify(input.payload) : null;
      await tx.execute(
        `update online_service set status = ?, since = ?, step_due_at = ?, escalated = ?, pilot_started_at = ?, pilot_ends_at = ?,
                test_report = coalesce(?::jsonb, test_report), status_reason = case when ? then ? else status_reason end, seq = ?
          where code = ? and seq < ?`,
        [s.status, s.since, input.schedule.stepDueAt, s.escalated, s.pilotStartedAt, s.status === 'pilot' ? pilotEndsAt(s) : null,
          report, reason !== null || ['resume', 'pilot_completed', 'publish_for_testing'].includes(input.event), reason, s.seq, s.code, s.seq],
      );
      await tx.execute(
        `insert into online_service_history (service_code, seq, at, action, actor_id, actor_name, actor_role, from_status, to_status, payload, request_id)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?) on conflict do nothing`,
        [s.code, s.seq, input.at, input.event, actor?.id ?? null, actor?.name ?? null, actor?.role ?? null, input.before?.status ?? null, s.status, JSON.stringify(input.payload), input.requestId],
      );
      await appendAudit(tx, {
        at: input.at, actorId: actor?.id ?? null, actorRole: actor?.role ?? null, action: `service.${input.event}`, entityType: 'online_service', entityId: s.code,
        before: input.before ? { status: input.before.status } : null, after: { status: s.status, escalated: s.escalated }, requestId: input.requestId, dedupeKey: key,
      });
      const audience = AUDIENCE[input.event];
      if (!audience) return;
      const recipients = audience === 'agency'
        ? await agencyRecipients(tx, svc.agency_code, ['unit_admin'])
        : audience === 'operators'
          ? await operatorRecipients(tx)
          : STEP_CLOCKS[input.before?.status ?? s.status]?.escalateTo === 'agency_leaders'
            // The agency missed its testing clock: its leaders; the operators missed theirs: their supervisors (system administrators).
            ? await agencyRecipients(tx, svc.agency_code, ['unit_leader'])
            : await tx.execute<{ id: string; email: string }[]>("select id, email from account where roles && '{system_admin}' and email is not null and locked_at is null order by id");
      const due = input.schedule.stepDueAt ? ` Hạn của bước này: ${formatVnHuman(new Date(input.schedule.stepDueAt))}.` : '';
      const subject = `${PUBLICATION_ACTION_LABELS[input.event]}: ${svc.name}`;
      const body = `Dịch vụ công trực tuyến "${svc.name}" (${s.code}): ${PUBLICATION_ACTION_LABELS[input.event].toLowerCase()}. Trạng thái: ${SERVICE_STATUS_LABELS[s.status]}.${due}`
        + `${reason ? `\nLý do: ${reason}` : ''}\n\nXem tại: ${deps.publicUrl}/api/services/${encodeURIComponent(s.code)}\n\nThư này được gửi tự động từ Cổng Dịch vụ công quốc gia.`;
      const messages: OutboxMessage[] = recipients.map((r) => ({ dedupeKey: `${key}:${r.id}`, recipient: r.email, subject, body }));
      await enqueueMessages(tx, messages);
    });
  }

  async function computeFindingDue(state: FindingState, opts: { calendarChangedAt?: string } = {}): Promise<string> {
    return fixDueAt(state, await deps.calendars.calendar(opts.calendarChangedAt ? Date.parse(opts.calendarChangedAt) : undefined));
  }

  /** A finding's step: its read model, its history, the audit; the agency is told of the finding, its leaders of a missed clock. */
  async function recordFindingTransition(input: { after: FindingState; event: FindingEvent; actor: { id: string; role: string } | null; at: string; payload: Record<string, unknown>; requestId: string | null }): Promise<void> {
    const s = input.after;
    const key = `finding:${s.code}:${s.seq}`;
    await orm.em.fork().transactional(async (tx) => {
      const [f] = await tx.execute<{ description: string; procedure_code: string }[]>('select description, procedure_code from data_quality_finding where code = ?', [s.code]);
      if (!f) throw permanentFailure(`finding ${s.code} has no record`);
      const text = typeof input.payload.note === 'string' ? input.payload.note : typeof input.payload.reason === 'string' ? input.payload.reason : null;
      await tx.execute(
        `update data_quality_finding set status = ?, escalated = ?, due_at = coalesce(?, due_at), resolution = coalesce(?, resolution),
                closed_at = case when ? <> 'open' then ? else closed_at end, seq = ? where code = ? and seq < ?`,
        [s.status, s.escalated, typeof input.payload.dueAt === 'string' ? input.payload.dueAt : null, text, s.status, input.at, s.seq, s.code, s.seq],
      );
      await tx.execute(
        `insert into data_quality_finding_history (finding_code, seq, at, action, actor_id, actor_role, status, payload, request_id) values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?) on conflict do nothing`,
        [s.code, s.seq, input.at, input.event, input.actor?.id ?? null, input.actor?.role ?? null, s.status, JSON.stringify(input.payload), input.requestId],
      );
      await appendAudit(tx, {
        at: input.at, actorId: input.actor?.id ?? null, actorRole: input.actor?.role ?? null, action: `finding.${input.event}`, entityType: 'data_quality_finding', entityId: s.code,
        before: null, after: { status: s.status, escalated: s.escalated }, requestId: input.requestId, dedupeKey: key,
      });
      const audience = input.event === 'raise' ? ['unit_admin'] : input.event === 'fix_overdue' ? ['unit_leader', 'unit_admin'] : [];
      if (audience.length === 0) return;
      const recipients = await agencyRecipients(tx, s.agencyCode, audience);
      const subject = `${FINDING_EVENT_LABELS[input.event]}: thủ tục ${f.procedure_code}`;
      const due = typeof input.payload.dueAt === 'string' ? formatVnHuman(new Date(input.payload.dueAt)) : '';
      const body = `Phát hiện ${s.code} về dữ liệu thủ tục ${f.procedure_code}: ${f.description}\nHạn khắc phục: ${due} (10 ngày làm việc).`
        + `\n\nThư này được gửi tự động từ Cổng Dịch vụ công quốc gia.`;
      await enqueueMessages(tx, recipients.map((r) => ({ dedupeKey: `${key}:${r.id}`, recipient: r.email, subject, body })));
    });
  }

  return { computePublicationSchedule, recordPublicationTransition, computeFindingDue, recordFindingTransition };
}

export type PublicationActivities = ReturnType<typeof createPublicationActivities>;
