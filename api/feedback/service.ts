import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Actor } from '../../domain/access/roles';
import { availableFeedbackActions, CURRENT_FEEDBACK_RULES, DEFAULT_CLARIFICATION_WAIT } from '../../domain/feedback/state';
import { isOfficerRole } from '../../domain/access/roles';
import { FEEDBACK_ACTION_LABELS, FEEDBACK_CHANNEL_LABELS, FEEDBACK_STATUS_LABELS, type FeedbackAction, type FeedbackChannel, type FeedbackStatus } from '../../domain/feedback/vocabulary';
import { recordFeedback } from '../../services/feedback-intake';
import { FEEDBACK_WORKFLOW, feedbackActionUpdate, feedbackViewQuery, type FeedbackWorkflowInput } from '../../workflows/feedback/definitions';
import { instant, iso } from '../../domain/working-time/local-time';
import { actorRef, withRoleLabel } from '../schemas';
import { ROLE_LABELS, type Role } from '../../domain/access/roles';
import { apiError, certainlyRefused, Errors, fromTemporal, parse } from '../errors';
import type { z } from 'zod';
import { Contact as ContactSchema, type SubmitBody } from './schemas';
import { derivedUuid, updateIdOf } from '../idempotency';
import { cachedSearch, SEARCH_CANDIDATES, searchText, textMatch } from '../../services/search';

export interface Contact {
  name: string;
  address: string;
  phone: string;
  email: string | null;
}

interface FeedbackRow {
  code: string;
  citizen_id: string | null;
  channel: FeedbackChannel;
  title: string | null;
  content: string | null;
  contact: Contact | null;
  origin_agency_code: string;
  review_agency_code: string | null;
  agency_code: string;
  agency_name: string;
  dossier_code: string | null;
  procedure_code: string | null;
  disagrees_with: string | null;
  status: FeedbackStatus;
  received_at: string;
  classification_due_at: string | null;
  answer_due_at: string | null;
  next_update_by: string | null;
  result_entry_due_at: string | null;
  classification_level: number;
  answer_overdue: boolean;
  missed_updates: number;
  result_entry_overdue: boolean;
  escalated: boolean;
  step_role: Role | null;
  handler: { id: string; name: string; role: Role } | null;
  handover: unknown;
  closed_at: string | null;
}

const SELECT = 'select f.*, a.name as agency_name from feedback f join agency a on a.code = f.agency_code';

/** Text a step carries (kept outside the workflow engine), by action type. */
export const TEXT_KIND: Partial<Record<FeedbackAction['type'], string>> = {
  not_accept: 'reason',
  request_clarification: 'question',
  clarify: 'clarification',
  transfer: 'reason',
  escalate_to_lead: 'reason',
  post_progress: 'progress',
  enter_result: 'answer',
  return_answer: 'review',
};

export class FeedbackService {
  constructor(private readonly deps: { orm: MikroORM; temporal: Client; taskQueue: string; leadAgencyCode: string; clarificationDays?: number; log: Logger }) {}

  private em() {
    return this.deps.orm.em.fork();
  }

  private visible(actor: Actor, row: FeedbackRow): boolean {
    if (actor.roles.includes('system_admin') || actor.roles.includes('operator')) return true;
    if (actor.roles.includes('citizen') && row.citizen_id === actor.id) return true;
    return actor.roles.some(isOfficerRole) && [row.agency_code, row.origin_agency_code, row.review_agency_code].includes(actor.agencyCode ?? '');
  }

  private async load(actor: Actor, code: string): Promise<FeedbackRow> {
    const [row] = await this.em().execute<FeedbackRow[]>(`${SELECT} where f.code = ?`, [code]);
    if (!row || !this.visible(actor, row)) throw Errors.notFound('Phản ánh, kiến nghị');
    return row;
  }

  /** Where feedback goes: the dossier's agency, the procedure's agency, or the one chosen. */
  async resolveAgency(actor: Actor, target: { agencyCode?: string; dossierCode?: string; procedureCode?: string }): Promise<string> {
    const em = this.em();
    if (target.dossierCode) {
      const [d] = await em.execute<{ agency_code: string; citizen_id: string }[]>('select agency_code, citizen_id from dossier where code = ?', [target.dossierCode]);
      if (!d || d.citizen_id !== actor.id) throw apiError(404, 'UNKNOWN_DOSSIER', 'Không tìm thấy hồ sơ của bạn với mã đã nêu.', [{ field: 'dossierCode', code: 'UNKNOWN_DOSSIER', message: 'Mã hồ sơ không đúng.' }]);
      return d.agency_code;
    }
    if (target.procedureCode) {
      const [p] = await em.execute<{ agency_code: string }[]>('select agency_code from procedure where code = ?', [target.procedureCode]);
      if (!p) throw apiError(404, 'UNKNOWN_PROCEDURE', 'Thủ tục đã nêu không tồn tại.', [{ field: 'procedureCode', code: 'UNKNOWN_PROCEDURE', message: 'Mã thủ tục không đúng.' }]);
      return p.agency_code;
    }
    if (!target.agencyCode) throw apiError(422, 'AGENCY_REQUIRED', 'Vui lòng chọn cơ quan nhận phản ánh, kiến nghị (hoặc nêu hồ sơ, thủ tục liên quan).', [{ field: 'agencyCode', code: 'REQUIRED', message: 'Chọn cơ quan.' }]);
    await this.requireAgency(target.agencyCode, 'agencyCode');
    return target.agencyCode;
  }

  async requireAgency(code: string, field: string): Promise<void> {
    const [a] = await this.em().execute('select code from agency where code = ?', [code]);
    if (!a) throw apiError(404, 'UNKNOWN_AGENCY', `Cơ quan "${code}" không tồn tại.`, [{ field, code: 'UNKNOWN_AGENCY', message: 'Mã cơ quan không đúng.' }]);
  }

  /** The account holder's contact details, to prefill the form (000 §39). */
  async contactOf(actor: Actor): Promise<Contact> {
    const [a] = await this.em().execute<{ full_name: string; address: string | null; phone: string | null; email: string | null }[]>('select full_name, address, phone, email from account where id = ?', [actor.id]);
    return { name: a?.full_name ?? '', address: a?.address ?? '', phone: a?.phone ?? '', email: a?.email ?? null };
  }

  /**
   * A citizen's feedback sent online (the API and the portal's form): contact details from the account
   * unless changed, the agency from the dossier, the procedure or the choice made.
   */
  async submitOnline(actor: Actor, body: z.infer<typeof SubmitBody>, requestId: string) {
    const contact = parse(ContactSchema, { ...(await this.contactOf(actor)), ...body.contact });
    const agencyCode = await this.resolveAgency(actor, body);
    return this.submit(actor, {
      citizenId: actor.id, channel: 'portal', title: body.title, content: body.content, contact, agencyCode,
      dossierCode: body.dossierCode ?? null, procedureCode: body.procedureCode ?? null, disagreesWith: body.disagreesWith ?? null,
      receivedAt: new Date(), keyedBy: null, requestId,
    });
  }

  async submit(actor: Actor | null, input: { citizenId: string | null; channel: FeedbackChannel; title: string; content: string; contact: Contact; agencyCode: string; dossierCode: string | null; procedureCode: string | null; disagreesWith: string | null; receivedAt: Date; keyedBy: string | null; requestId: string }) {
    if (input.disagreesWith) {
      const [prev] = await this.em().execute<{ citizen_id: string | null; status: string }[]>('select citizen_id, status from feedback where code = ?', [input.disagreesWith]);
      if (!prev || prev.citizen_id !== input.citizenId) {
        throw apiError(404, 'UNKNOWN_FEEDBACK', 'Không tìm thấy phản ánh, kiến nghị của bạn với mã đã nêu.', [{ field: 'disagreesWith', code: 'UNKNOWN_FEEDBACK', message: 'Mã phản ánh, kiến nghị không đúng.' }]);
      }
      if (prev.status !== 'published') {
        throw apiError(409, 'NOT_A_PUBLISHED_ANSWER', 'Chỉ có thể gửi lại khi không nhất trí với một kết quả trả lời đã công khai của chính bạn.', [{ field: 'disagreesWith', code: 'NOT_A_PUBLISHED_ANSWER', message: 'Mã phản ánh, kiến nghị không hợp lệ.' }]);
      }
    }
    const code = await this.em().transactional((tx) => recordFeedback(tx, input));
    const wf: FeedbackWorkflowInput = {
      code, citizenId: input.citizenId, agencyCode: input.agencyCode, receivedAt: input.receivedAt.toISOString(),
      leadAgencyCode: this.deps.leadAgencyCode, escalated: input.disagreesWith !== null, requestId: input.requestId,
      clarificationWait: this.deps.clarificationDays ? { ...DEFAULT_CLARIFICATION_WAIT, days: this.deps.clarificationDays } : null,
    };
    try {
      await this.deps.temporal.workflow.start(FEEDBACK_WORKFLOW, { taskQueue: this.deps.taskQueue, workflowId: code, args: [wf] });
    } catch (e) {
      this.deps.log.error({ err: e, code }, 'feedback workflow start failed; recovery will start it');
    }
    void actor;
    return { code, receivedAt: instant(input.receivedAt), message: `Phản ánh, kiến nghị đã được gửi. Mã: ${code}.` };
  }

  /** The steps this actor may take now on this feedback (what the pages offer); none once closed or handed over. */
  async availableActions(actor: Actor, code: string): Promise<FeedbackAction['type'][]> {
    const row = await this.load(actor, code);
    if (row.closed_at || row.handover) return [];
    try {
      const view = await this.deps.temporal.workflow.getHandle(code).query(feedbackViewQuery);
      return availableFeedbackActions(view.state, actor, new Date().toISOString(), view.rules ?? CURRENT_FEEDBACK_RULES);
    } catch (e) {
      throw fromTemporal(e);
    }
  }

  /** One step; its text (if any) is stored first and removed again if the step is refused. */
  async act(actor: Actor, code: string, action: { type: FeedbackAction['type']; toAgencyCode?: string } & Record<string, unknown>, text: string | null, requestId: string, idempotencyKey: string | null = null) {
    const row = await this.load(actor, code);
    if (row.handover) throw apiError(409, 'CONFIDENTIAL', 'Phản ánh, kiến nghị đã được chuyển xử lý theo chế độ mật.');
    if (action.type === 'transfer' && action.toAgencyCode) await this.requireAgency(action.toAgencyCode, 'toAgencyCode');
    // A retried request (same key and content) is the same update, with the same text.
    const updateId = updateIdOf(actor.id, idempotencyKey, { code, action, text });
    const kind = TEXT_KIND[action.type];
    let textId: string | null = null;
    if (kind) {
      textId = updateId ? derivedUuid(updateId, 'feedback-text') : randomUUID();
      await this.em().execute('insert into feedback_text (id, feedback_code, kind, body, author_id) values (?, ?, ?, ?, ?) on conflict (id) do nothing', [textId, code, kind, text, actor.id]);
    }
    try {
      const r = await this.deps.temporal.workflow.getHandle(code).executeUpdate(feedbackActionUpdate, {
        args: [{ action: (textId ? { ...action, textId } : action) as unknown as FeedbackAction, actor: { ...actor, name: '' }, requestId }],
        ...(updateId ? { updateId } : {}),
      });
      return { code: r.code, status: r.status, statusLabel: FEEDBACK_STATUS_LABELS[r.status], agencyCode: r.agencyCode, seq: r.seq };
    } catch (e) {
      // Only a certain refusal removes the text: after a timeout the step may have been applied and refer to it.
      if (textId && certainlyRefused(e)) await this.em().execute('delete from feedback_text where id = ?', [textId]);
      throw fromTemporal(e);
    }
  }

  async track(actor: Actor, code: string) {
    const row = await this.load(actor, code);
    const em = this.em();
    const history = await em.execute<{ seq: number; at: string; action: string; actor_id: string | null; actor_name: string | null; actor_role: string | null; to_status: FeedbackStatus; agency_code: string; body: string | null }[]>(
      `select h.seq, h.at, h.action, h.actor_id, h.actor_name, h.actor_role, h.to_status, h.agency_code, t.body
         from feedback_history h left join feedback_text t on t.id = h.text_id where h.feedback_code = ? order by h.seq`,
      [code],
    );
    const [publication] = await em.execute<{ answer: string; published_at: string }[]>('select answer, published_at from feedback_publication where code = ?', [code]);
    const handover = row.handover as { to: string; reference: string; at: string } | null;
    return {
      ...summary(row),
      content: row.content,
      contact: row.contact,
      channel: row.channel,
      channelLabel: FEEDBACK_CHANNEL_LABELS[row.channel],
      dossierCode: row.dossier_code,
      procedureCode: row.procedure_code,
      disagreesWith: row.disagrees_with,
      handover: handover ? { to: handover.to, reference: handover.reference, at: instant(handover.at) } : null,
      publication: publication ? { answer: publication.answer, publishedAt: instant(publication.published_at) } : null,
      history: history.map((h) => ({
        seq: h.seq,
        at: instant(h.at),
        action: h.action,
        actionLabel: FEEDBACK_ACTION_LABELS[h.action as keyof typeof FEEDBACK_ACTION_LABELS] ?? h.action,
        actor: actorRef(h),
        toStatus: h.to_status,
        toStatusLabel: FEEDBACK_STATUS_LABELS[h.to_status],
        agencyCode: h.agency_code,
        text: h.body,
      })),
    };
  }

  async listOwn(actor: Actor, page: { limit: number; offset: number }) {
    const rows = await this.em().execute<FeedbackRow[]>(`${SELECT} where f.citizen_id = ? order by f.received_at desc limit ? offset ?`, [actor.id, page.limit, page.offset]);
    return rows.map(summary);
  }

  async queue(actor: Actor, f: { status?: FeedbackStatus; limit: number; offset: number }) {
    const roles = actor.roles.filter(isOfficerRole);
    const role = roles.length === 1 ? 'f.step_role = ?' : 'f.step_role = any(?::text[])';
    const roleParam = roles.length === 1 ? roles[0] : `{${roles.join(',')}}`;
    const status = f.status ? ' and f.status = ?' : '';
    const statusParams = f.status ? [f.status] : [];
    // Answers under review wait in the receiving agency's queue (000 §45.2), every other step in the processing
    // agency's. Two branches, each read in deadline order from its own index a page deep, then merged: one
    // condition with "or" would sort every open feedback of the agency.
    const order = 'order by least(f.classification_due_at, f.next_update_by, f.answer_due_at, f.result_entry_due_at), f.received_at';
    const depth = f.limit + f.offset;
    const rows = await this.em().execute<FeedbackRow[]>(
      `select * from (
         (${SELECT} where f.agency_code = ? and ${role} and f.closed_at is null and f.status <> 'under_review'${status} ${order} limit ?)
         union all
         (${SELECT} where f.status = 'under_review' and f.review_agency_code = ? and ${role} and f.closed_at is null${status} ${order} limit ?)
       ) f ${order} limit ? offset ?`,
      [actor.agencyCode, roleParam, ...statusParams, depth, actor.agencyCode, roleParam, ...statusParams, depth, f.limit, f.offset],
    );
    return rows.map(summary);
  }

  /** Supervisors: the agency's feedback past any deadline, across all stages. */
  async overdue(actor: Actor, page: { limit: number; offset: number }) {
    const rows = await this.em().execute<FeedbackRow[]>(
      `${SELECT} where f.agency_code = ? and (f.classification_level > 0 or f.answer_overdue or f.result_entry_overdue) and f.closed_at is null
       order by f.received_at limit ? offset ?`,
      [actor.agencyCode, page.limit, page.offset],
    );
    return rows.map(summary);
  }

  /**
   * Published answers for everyone: no names, addresses, phones or emails. Searched with or without
   * diacritics and ranked (services/search.ts); among a frequent word's matches the newest
   * SEARCH_CANDIDATES are ranked, so a page costs the same over a million answers as over a thousand.
   */
  async published(q: string | undefined, page: { limit: number; offset: number }) {
    const text = searchText(q);
    return cachedSearch(this.deps.orm, ['answers', text, page.limit, page.offset], () => this.publishedPage(text, page));
  }

  private async publishedPage(text: string | null, page: { limit: number; offset: number }) {
    const { sql, params } = publishedAnswersQuery(text, page);
    const rows = await this.em().execute<{ code: string; title: string; question: string; answer: string; agency_code: string; agency_name: string; received_at: string; published_at: string }[]>(sql, params);
    return rows.map((r) => ({
      code: r.code, title: r.title, question: r.question, answer: r.answer, agency: { code: r.agency_code, name: r.agency_name },
      receivedAt: instant(r.received_at), publishedAt: instant(r.published_at),
    }));
  }
}

/** The published answers' page for a search text (or the newest, without one); the benchmark runs the same SQL. */
export function publishedAnswersQuery(text: string | null, page: { limit: number; offset: number }) {
  const columns = 'p.code, p.title, p.question, p.answer, p.agency_code, a.name as agency_name, p.received_at, p.published_at';
  if (!text) {
    return {
      sql: `select ${columns} from feedback_publication p join agency a on a.code = p.agency_code order by p.published_at desc, p.code limit ? offset ?`,
      params: [page.limit, page.offset],
    };
  }
  const m = textMatch('p', text);
  return {
    // The candidates carry only what ranking needs; the page's rows are read once ranked.
    // Newest period first (migration 030): each period's newest matches, periods in turn until enough are
    // held; the nested loop keeps the periods' order, so the candidates are the newest matches overall.
    sql: `with c as materialized (
            select m.* from generate_series((select max(published_bucket) from feedback_publication), (select min(published_bucket) from feedback_publication), -1) b(bucket),
              lateral (select p.code, p.published_at, p.search, p.search_folded from feedback_publication p where p.published_bucket = b.bucket and ${m.where}
                        order by p.published_at desc limit ${SEARCH_CANDIDATES}) m
             limit ${SEARCH_CANDIDATES}),
          best as (select p.code, p.published_at, ${m.rank} as rank from c p order by rank desc, p.published_at desc, p.code limit ? offset ?)
          select ${columns} from best b join feedback_publication p using (code) join agency a on a.code = p.agency_code
           order by b.rank desc, b.published_at desc, p.code`,
    params: [...m.whereParams, ...m.rankParams, page.limit, page.offset],
  };
}

function summary(row: FeedbackRow) {
  return {
    code: row.code,
    title: row.title,
    status: row.status,
    statusLabel: FEEDBACK_STATUS_LABELS[row.status],
    agency: { code: row.agency_code, name: row.agency_name },
    originAgencyCode: row.origin_agency_code,
    escalated: row.escalated,
    receivedAt: instant(row.received_at),
    classificationDueAt: iso(row.classification_due_at),
    answerDueAt: iso(row.answer_due_at),
    nextUpdateBy: iso(row.next_update_by),
    resultEntryDueAt: iso(row.result_entry_due_at),
    overdue: { classificationLevel: row.classification_level, answer: row.answer_overdue, missedUpdates: row.missed_updates, resultEntry: row.result_entry_overdue },
    currentRole: row.step_role,
    currentRoleLabel: row.step_role ? ROLE_LABELS[row.step_role] : null,
    handler: withRoleLabel(row.handler),
    closedAt: iso(row.closed_at),
  };
}
