import { permanentFailure } from './failures';
import type { MikroORM } from '@mikro-orm/postgresql';
import { log as activityLog } from '@temporalio/activity';
import { answerDueAt, feedbackSchedule, progressMark, workingDayDues, type FeedbackSchedule } from '../domain/feedback/deadlines';
import { feedbackCitizenMessage, feedbackOfficerMessage } from '../domain/feedback/messages';
import { FEEDBACK_STEP_ROLE, isFeedbackTerminal, type FeedbackState } from '../domain/feedback/state';
import type { FeedbackActionType, FeedbackSystemEvent } from '../domain/feedback/vocabulary';
import type { CalendarStore } from '../services/calendar-store';
import type { Notifier, OutboxMessage } from '../services/notifications';
import { agencyRecipients, appendAudit, enqueueMessages, named, SUPERVISORS } from '../services/records';
import type { ActorRef } from './dossier';

export interface FeedbackTransitionRecord {
  before: FeedbackState | null;
  after: FeedbackState;
  schedule: FeedbackSchedule;
  event: FeedbackActionType | FeedbackSystemEvent;
  actor: ActorRef | null;
  at: string;
  /** Metadata of the step (never free text). */
  payload: Record<string, unknown>;
  textId: string | null;
  requestId: string | null;
  /** The agency that reviews the answer (000 §45.2); absent in steps recorded before it was kept. */
  reviewAgencyCode?: string | null;
  /** The process checks its clocks against the calendar when it wakes (PATCHES.clocksRecheckedOnWake). */
  clocksRechecked?: boolean;
}

export interface FeedbackActivityDeps {
  orm: MikroORM;
  calendars: CalendarStore;
  notifier: Notifier;
  publicUrl: string;
}

function dueFields(s: FeedbackState, sched: FeedbackSchedule) {
  const answerClock = ['received', 'processing', 'result_reached', 'under_review'].includes(s.status);
  const { classificationDueAt, resultEntryDueAt } = workingDayDues(s, sched);
  return {
    classificationDueAt,
    answerDueAt: answerClock ? answerDueAt(s).toISOString() : null,
    nextUpdateBy: answerClock && s.answerOverdue ? progressMark(s, s.progressMarks + 1).toISOString() : null,
    resultEntryDueAt,
  };
}

/** Side effects of the feedback workflow; keyed writes, so that retries add nothing. */
export function createFeedbackActivities(deps: FeedbackActivityDeps) {
  const { orm } = deps;

  /** The feedback's clocks by the calendar; after an announced change, by a calendar read after it. */
  async function computeFeedbackSchedule(state: FeedbackState, opts: { calendarChangedAt?: string } = {}): Promise<FeedbackSchedule> {
    return feedbackSchedule(state, await deps.calendars.calendar(opts.calendarChangedAt ? Date.parse(opts.calendarChangedAt) : undefined));
  }

  async function recordFeedbackTransition(input: FeedbackTransitionRecord): Promise<string[]> {
    const s = input.after;
    const key = `feedback:${s.code}:${s.seq}`;
    const due = dueFields(s, input.schedule);
    const keys = await orm.em.fork().transactional(async (tx) => {
      // The engine carries ids, not names: the records name the people.
      const r = { ...input, actor: await named(tx, input.actor) };
      const handler = await named(tx, s.handler);
      await tx.execute(
        `update feedback set status = ?, agency_code = ?, step_role = ?, handler = ?::jsonb, classification_due_at = ?, answer_due_at = ?,
           next_update_by = ?, result_entry_due_at = ?, classification_level = ?, answer_overdue = ?, missed_updates = ?,
           result_entry_overdue = ?, escalated = ?, closed_at = ?, seq = ?, review_agency_code = coalesce(?, review_agency_code, origin_agency_code),
           clocks_rechecked = ?, clock_from = ?::jsonb, updated_at = now()
         where code = ? and seq < ?`,
        [
          s.status, s.agencyCode, FEEDBACK_STEP_ROLE[s.status] ?? (s.status === 'clarification_requested' ? 'citizen' : null),
          handler ? JSON.stringify(handler) : null, due.classificationDueAt, due.answerDueAt, due.nextUpdateBy, due.resultEntryDueAt,
          s.classificationLevel, s.answerOverdue, s.missedUpdates, s.resultEntryOverdue, s.escalated, s.closedAt, s.seq, r.reviewAgencyCode ?? null,
          input.clocksRechecked === true, JSON.stringify({ classificationFrom: s.classificationFrom, resultReachedAt: s.resultReachedAt }), s.code, s.seq,
        ],
      );
      await tx.execute(
        `insert into feedback_history (feedback_code, seq, at, action, actor_id, actor_name, actor_role, from_status, to_status, agency_code, text_id, payload, request_id)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?) on conflict do nothing`,
        [s.code, s.seq, r.at, r.event, r.actor?.id ?? null, r.actor?.name ?? null, r.actor?.role ?? null, r.before?.status ?? null, s.status, s.agencyCode, r.textId, JSON.stringify(r.payload), r.requestId],
      );
      await appendAudit(tx, {
        at: r.at, actorId: r.actor?.id ?? null, actorRole: r.actor?.role ?? null, action: `feedback.${r.event}`, entityType: 'feedback', entityId: s.code,
        before: r.before ? { status: r.before.status, agencyCode: r.before.agencyCode } : null, after: { status: s.status, agencyCode: s.agencyCode, ...r.payload },
        requestId: r.requestId, dedupeKey: key,
      });

      if (r.event === 'mark_confidential') {
        // State-secret content leaves the system: only the fact of the handover stays (000 §44.3).
        await tx.execute(`update feedback set title = null, content = null, contact = null, handover = ?::jsonb where code = ?`, [
          JSON.stringify({ to: r.payload.handedOverTo, reference: r.payload.reference, at: r.at, by: r.actor?.id ?? null }), s.code,
        ]);
        await tx.execute('update feedback_history set text_id = null where feedback_code = ?', [s.code]);
        await tx.execute('delete from feedback_text where feedback_code = ?', [s.code]);
        // Our copies of messages about it (sent or not) go too; nothing more is emailed.
        await tx.execute('delete from notification where dedupe_key like ?', [`feedback:${s.code}:%`]);
        return [];
      }

      const [info] = await tx.execute<{ title: string | null; contact: { name?: string; email?: string } | null; agency_name: string; handover: unknown }[]>(
        'select f.title, f.contact, a.name as agency_name, f.handover from feedback f join agency a on a.code = ? where f.code = ?',
        [s.agencyCode, s.code],
      );
      if (!info) throw permanentFailure(`feedback ${s.code} has no record`);
      if (info.handover) return [];
      const [text] = r.textId ? await tx.execute<{ body: string }[]>('select body from feedback_text where id = ?', [r.textId]) : [];

      if (r.event === 'approve_answer') {
        const [answer] = await tx.execute<{ body: string }[]>("select body from feedback_text where feedback_code = ? and kind = 'answer' order by created_at desc limit 1", [s.code]);
        await tx.execute(
          `insert into feedback_publication (code, agency_code, title, question, answer, received_at, published_at)
           select code, ?, title, content, ?, received_at, ? from feedback where code = ? on conflict do nothing`,
          [s.agencyCode, answer?.body ?? '', r.at, s.code],
        );
      }

      const outbox: OutboxMessage[] = [];
      const citizenEmail = info.contact?.email;
      const answerText = r.event === 'approve_answer'
        ? (await tx.execute<{ answer: string }[]>('select answer from feedback_publication where code = ?', [s.code]))[0]?.answer ?? null
        : (text?.body ?? null);
      const toCitizen = feedbackCitizenMessage(r.event, s, {
        title: info.title ?? '', agencyName: info.agency_name, citizenName: info.contact?.name ?? 'Quý ông/bà', text: answerText,
        trackingUrl: `${deps.publicUrl}/pakn/${encodeURIComponent(s.code)}`,
        endsAt: typeof r.payload.endsAt === 'string' ? r.payload.endsAt : null,
      });
      if (toCitizen && citizenEmail) outbox.push({ dedupeKey: `${key}:citizen`, recipient: citizenEmail, ...toCitizen });
      if (r.actor === null && r.event !== 'submit') {
        for (const { audience, message } of feedbackOfficerMessage(r.event as FeedbackSystemEvent, s, r.payload)) {
          const recipients = await agencyRecipients(tx, s.agencyCode, audience === 'supervisors' ? SUPERVISORS : ['processing_officer']);
          for (const p of recipients) outbox.push({ dedupeKey: `${key}:${audience}:${p.id}`, recipient: p.email, ...message });
        }
      }
      return enqueueMessages(tx, outbox);
    });
    activityLog.info('feedback transition recorded', { code: s.code, seq: s.seq, event: input.event, terminal: isFeedbackTerminal(s.status), requestId: input.requestId });
    return keys;
  }

  return { computeFeedbackSchedule, recordFeedbackTransition };
}

export type FeedbackActivities = ReturnType<typeof createFeedbackActivities>;
