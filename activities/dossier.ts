import { permanentFailure } from './failures';
import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { log as activityLog } from '@temporalio/activity';
import { appointmentNoticeKey, citizenMessage, supervisorMessage, type MessageContext } from '../domain/dossier/messages';
import { scheduleOf, type DossierSchedule, type EscalationPolicy } from '../domain/dossier/deadlines';
import { currentRole, type DossierState } from '../domain/dossier/state';
import type { DossierActionType, DossierSystemEvent } from '../domain/dossier/vocabulary';
import type { CalendarStore } from '../services/calendar-store';
import type { Notifier, OutboxMessage } from '../services/notifications';
import { deliverResult, keepAcceptedDocuments } from '../services/data-store';
import { agencyRecipients, appendAudit, enqueueMessages, named, SUPERVISORS } from '../services/records';

export interface ActorRef {
  id: string;
  name: string;
  role: string;
}

export interface TransitionRecord {
  before: DossierState | null;
  after: DossierState;
  event: DossierActionType | DossierSystemEvent;
  actor: ActorRef | null;
  at: string;
  payload: Record<string, unknown>;
  resultCode: string | null;
  requestId: string | null;
  /** The process checks its clocks against the calendar when it wakes (PATCHES.clocksRecheckedOnWake). */
  clocksRechecked?: boolean;
}

export interface DossierActivityDeps {
  orm: MikroORM;
  calendars: CalendarStore;
  notifier: Notifier;
  policy: EscalationPolicy;
  publicUrl: string;
}

/** Public surface only: what the record keeps of the state for history (no form data). */
export function snapshot(s: DossierState | null) {
  if (!s) return null;
  const { code: _c, procedureCode: _p, agencyCode: _a, citizenId: _ci, ...rest } = s;
  return rest;
}

/** Side effects of the dossier workflow. Each is idempotent: keyed writes, so a retry adds nothing. */
export function createDossierActivities(deps: DossierActivityDeps) {
  const { orm } = deps;

  /** The dossier's deadlines by the calendar; after an announced change, by a calendar read after it. */
  async function computeSchedule(state: DossierState, opts: { calendarChangedAt?: string } = {}): Promise<DossierSchedule> {
    return scheduleOf(state, await deps.calendars.calendar(opts.calendarChangedAt ? Date.parse(opts.calendarChangedAt) : undefined), deps.policy);
  }

  /**
   * One transaction: the read model (only if this change is newer), the history entry, the audit
   * entry, the result, the form version, and the notifications to send. Returns their keys.
   */
  async function recordTransition(input: TransitionRecord): Promise<string[]> {
    const s = input.after;
    const key = `dossier:${s.code}:${s.seq}`;
    const keys = await orm.em.fork().transactional(async (tx) => {
      // The step's free text is in the records (the process carries its id); processes recorded before carried it.
      let r = input;
      if (typeof input.payload.textId === 'string') {
        const [t] = await tx.execute<{ body: Record<string, unknown> }[]>('select body from dossier_text where id = ? and dossier_code = ?', [input.payload.textId, s.code]);
        if (!t) throw permanentFailure(`text ${input.payload.textId} of ${s.code} has no record`);
        const { textId: _t, ...rest } = input.payload;
        r = { ...input, payload: { ...rest, ...t.body } };
      }
      // Without its record the process cannot go on; no retry can change that.
      const [info] = await tx.execute<{ procedure_name: string; agency_name: string; full_name: string; email: string | null }[]>(
        `select p.name as procedure_name, a.name as agency_name, c.full_name, c.email
           from dossier d join procedure p on p.code = d.procedure_code join agency a on a.code = d.agency_code
           join account c on c.id = d.citizen_id where d.code = ?`,
        [s.code],
      );
      if (!info) throw permanentFailure(`dossier ${s.code} has no record`);
      // The submission is the citizen's own step: the history names them (the engine carries only their id).
      let actor = r.actor;
      if (r.event === 'submit' && !actor?.name) {
        const [c] = await tx.execute<{ id: string; full_name: string }[]>('select a.id, a.full_name from dossier d join account a on a.id = d.citizen_id where d.code = ?', [s.code]);
        if (c) actor = { id: c.id, name: c.full_name, role: 'citizen' };
      }
      actor = await named(tx, actor);
      const handler = await named(tx, s.handler);
      await tx.execute(
        `update dossier set status = ?, accepted_at = ?, acceptance_due_at = ?, legal_due_at = ?, fee_paid_at = ?,
           pauses = ?::jsonb, acceptance_overdue = ?, overdue_level = ?, step_role = ?, handler = ?::jsonb,
           completed_at = ?, form_version = ?, seq = ?, clocks_rechecked = ?, updated_at = now()
         where code = ? and seq < ?`,
        [
          s.status, s.acceptedAt, s.acceptanceDueAt, s.legalDueAt, s.feePaidAt, JSON.stringify(s.pauses),
          s.acceptanceOverdue, s.overdueLevel, currentRole(s), handler ? JSON.stringify(handler) : null,
          s.completedAt, s.formVersion, s.seq, input.clocksRechecked === true, s.code, s.seq,
        ],
      );
      await tx.execute(
        `insert into dossier_history (dossier_code, seq, at, action, actor_id, actor_name, actor_role, from_status, to_status, before, after, payload, request_id)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?) on conflict do nothing`,
        [
          s.code, s.seq, r.at, r.event, actor?.id ?? null, actor?.name ?? null, actor?.role ?? null,
          r.before?.status ?? null, s.status, JSON.stringify(snapshot(r.before)), JSON.stringify(snapshot(s)),
          JSON.stringify(r.payload), r.requestId,
        ],
      );
      await appendAudit(tx, {
        at: r.at, actorId: actor?.id ?? null, actorRole: actor?.role ?? null, action: `dossier.${r.event}`, entityType: 'dossier',
        entityId: s.code, before: snapshot(r.before), after: snapshot(s), requestId: r.requestId, dedupeKey: key,
      });
      if (r.event === 'supplement') {
        // The form and files come from the records (draftId); processes recorded before carried them.
        const [draft] = typeof r.payload.draftId === 'string'
          ? await tx.execute<{ form_data: unknown; files: unknown }[]>('select form_data, files from dossier_supplement where id = ? and dossier_code = ?', [r.payload.draftId, s.code])
          : [{ form_data: r.payload.formData ?? {}, files: r.payload.files ?? [] }];
        if (!draft) throw permanentFailure(`supplement ${String(r.payload.draftId)} of ${s.code} has no record`);
        await tx.execute(
          `insert into dossier_version (dossier_code, version, form_data, files, submitted_at) values (?, ?, ?::jsonb, ?::jsonb, ?)
           on conflict do nothing`,
          [s.code, s.formVersion, JSON.stringify(draft.form_data), JSON.stringify(draft.files), r.at],
        );
        await tx.execute('update dossier set form_data = ?::jsonb where code = ? and form_version = ?', [JSON.stringify(draft.form_data), s.code, s.formVersion]);
      }
      if (r.resultCode && r.actor) {
        const title = String(r.payload.title);
        const content = String(r.payload.content);
        await tx.execute(
          `insert into dossier_result (code, dossier_code, n, title, content, sha256, issued_at, issued_by, valid_until) values (?, ?, ?, ?, ?, ?, ?, ?, ?)
           on conflict do nothing`,
          [r.resultCode, s.code, s.resultCount, title, content, createHash('sha256').update(content).digest('hex'), r.at, r.actor.id,
            typeof r.payload.validUntil === 'string' ? r.payload.validUntil : null],
        );
        await deliverResult(tx, r.resultCode, r.at);
      }
      // Accepted and confirmed by the agency: kept in the citizen's store when they consented (003 §11.5).
      if (r.event === 'accept') await keepAcceptedDocuments(tx, s.code, s.formVersion, r.at);

      const ctx: MessageContext = {
        procedureName: info.procedure_name,
        agencyName: info.agency_name,
        citizenName: info.full_name,
        // The portal's tracking page: readable without signing in (status and dates only).
        trackingUrl: `${deps.publicUrl}/ho-so/${encodeURIComponent(s.code)}`,
        payload: r.payload,
        resultCode: r.resultCode,
      };
      const outbox: OutboxMessage[] = [];
      const toCitizen = citizenMessage(r.event, s, ctx);
      // A new appointment date is told once, however it reached the records.
      const citizenKey = r.event === 'deadline_moved' && s.legalDueAt ? appointmentNoticeKey(s.code, s.legalDueAt) : `${key}:citizen`;
      if (toCitizen && info.email) outbox.push({ dedupeKey: citizenKey, recipient: info.email, ...toCitizen });
      if (r.event === 'acceptance_overdue' || r.event === 'overdue') {
        const supervisors = await agencyRecipients(tx, s.agencyCode, SUPERVISORS);
        const msg = supervisorMessage(r.event, s, ctx);
        for (const sup of supervisors) outbox.push({ dedupeKey: `${key}:supervisor:${sup.id}`, recipient: sup.email, ...msg });
      }
      return enqueueMessages(tx, outbox);
    });
    activityLog.info('dossier transition recorded', { code: s.code, seq: s.seq, event: input.event, requestId: input.requestId });
    return keys;
  }

  async function deliverNotifications(keys: string[]): Promise<number> {
    return deps.notifier.deliver(keys);
  }

  /** Messages left undelivered in the outbox (any process), for the nightly drain. */
  async function pendingNotifications(limit: number): Promise<string[]> {
    return deps.notifier.pendingKeys(limit);
  }

  return { computeSchedule, recordTransition, deliverNotifications, pendingNotifications };
}

export type DossierActivities = ReturnType<typeof createDossierActivities>;
