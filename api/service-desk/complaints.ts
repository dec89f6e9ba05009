import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Actor } from '../../domain/access/roles';
import { COMPLAINT_CHANNEL_LABELS, COMPLAINT_KIND_LABELS, COMPLAINT_STATUS_LABELS, complaintDeadlines, type ComplaintAction, type ComplaintChannel, type ComplaintKind, type ComplaintStatus } from '../../domain/service-desk/complaints';
import { complaintActionUpdate, COMPLAINT_WORKFLOW, type ComplaintWorkflowInput } from '../../workflows/service-desk/complaint';
import { instant, iso } from '../../domain/working-time/local-time';
import { apiError, Errors, fromTemporal } from '../errors';
import { appendAudit, equalTo, nextCode } from '../../services/records';

interface Row {
  code: string; account_id: string; kind: ComplaintKind; description: string; status: ComplaintStatus; filed_at: string; notify_due_at: string; outcome_due_at: string;
  notify_overdue: boolean; outcome_overdue: boolean; outcome: 'upheld' | 'rejected' | null; outcome_note: string | null; resolved_at: string | null; channel: ComplaintChannel;
}
const COLUMNS = 'code, account_id, kind, description, status, filed_at, notify_due_at, outcome_due_at, notify_overdue, outcome_overdue, outcome, outcome_note, resolved_at, channel';
const view = (r: Row) => ({
  code: r.code, accountId: r.account_id, kind: r.kind, kindLabel: COMPLAINT_KIND_LABELS[r.kind], description: r.description, status: r.status, statusLabel: COMPLAINT_STATUS_LABELS[r.status],
  filedAt: instant(r.filed_at), notifyDueAt: instant(r.notify_due_at), outcomeDueAt: instant(r.outcome_due_at), notifyOverdue: r.notify_overdue, outcomeOverdue: r.outcome_overdue,
  outcome: r.outcome, outcomeNote: r.outcome_note, resolvedAt: iso(r.resolved_at), channel: r.channel, channelLabel: COMPLAINT_CHANNEL_LABELS[r.channel],
});
/** Which complaints a list shows: by status, kind, channel, or only those past a clock and not resolved. */
export interface ComplaintFilter { status?: ComplaintStatus; kind?: ComplaintKind; channel?: ComplaintChannel; overdue?: boolean }

/** Who a complaint is filed for, and through which door. */
export type ComplaintFiler =
  | { channel: 'portal'; actor: Actor }
  | { channel: 'locked_account'; accountId: string }
  | { channel: 'operator'; actor: Actor; accountSubject: string };

const handles = (actor: Actor) => actor.roles.includes('operator') || actor.roles.includes('system_admin');

/** Account complaints (issue 17, 000 §13.1): a citizen files one; operators notify the parties and give the outcome. */
export class AccountComplaints {
  constructor(private readonly deps: { orm: MikroORM; temporal: Client; taskQueue: string }) {}

  /**
   * Files a complaint for an account through one of three doors (000 §13.1): its signed-in owner; an owner
   * whose account is locked, identified by the identity provider and let through to this form only; or an
   * operator recording it on a citizen's behalf (by the citizen's user name). Record and audit entry are
   * written together; the process then keeps the 24- and 48-hour clocks.
   */
  async file(filer: ComplaintFiler, body: { kind: ComplaintKind; description: string }, requestId: string) {
    const em = this.deps.orm.em.fork();
    const accountId = filer.channel === 'operator' ? await this.citizenBySubject(filer.accountSubject) : filer.channel === 'portal' ? filer.actor.id : filer.accountId;
    const filedBy = filer.channel === 'operator' ? filer.actor.id : null;
    const filedAt = new Date().toISOString();
    const due = complaintDeadlines(filedAt);
    const row = await em.transactional(async (tx) => {
      const code = await nextCode(tx, 'account_complaint_number', 'KN');
      const [r] = await tx.execute<Row[]>(
        `insert into account_complaint (code, account_id, kind, description, filed_at, notify_due_at, outcome_due_at, channel, filed_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning ${COLUMNS}`,
        [code, accountId, body.kind, body.description, filedAt, due.notifyDueAt, due.outcomeDueAt, filer.channel, filedBy]);
      // The two doors other than the owner's own session are each audited by name.
      if (filer.channel !== 'portal') {
        await appendAudit(tx, {
          at: filedAt, actorId: filedBy ?? accountId, actorRole: filer.channel === 'operator' ? (filer.actor.roles.includes('operator') ? 'operator' : 'system_admin') : 'locked_account', action: `complaint.filed_${filer.channel}`,
          entityType: 'account_complaint', entityId: code, before: null, after: { accountId, kind: body.kind }, requestId, dedupeKey: `complaint:${code}:channel`,
        });
      }
      return r!;
    });
    const input: ComplaintWorkflowInput = { code: row.code, accountId, filedAt, requestId };
    await this.deps.temporal.workflow.start(COMPLAINT_WORKFLOW, { taskQueue: this.deps.taskQueue, workflowId: row.code, args: [input] });
    return view(row);
  }

  private async citizenBySubject(subject: string): Promise<string> {
    const [a] = await this.deps.orm.em.fork().execute<{ id: string }[]>("select id from account where subject = ? and kind = 'citizen'", [subject]);
    // A well-formed name that names no one: 404, as for any entity a body names (the page puts it beside the field).
    if (!a) throw apiError(404, 'UNKNOWN_ACCOUNT', 'Không có tài khoản công dân với tên đăng nhập này.', [{ field: 'account', code: 'UNKNOWN_ACCOUNT', message: 'Không có tài khoản công dân với tên đăng nhập này.' }]);
    return a.id;
  }

  async act(actor: Actor, code: string, action: ComplaintAction, requestId: string) {
    const c = await this.get(actor, code);
    if (c.status === 'resolved') throw apiError(409, 'COMPLAINT_RESOLVED', 'Khiếu nại đã có kết quả.');
    try {
      await this.deps.temporal.workflow.getHandle(code).executeUpdate(complaintActionUpdate, { args: [{ action, actor: { ...actor, name: '' }, requestId }] });
    } catch (e) {
      throw fromTemporal(e);
    }
    return this.get(actor, code);
  }

  /** One complaint with its history: the citizen's own, or any for those who handle them. */
  async get(actor: Actor, code: string) {
    const em = this.deps.orm.em.fork();
    const [row] = await em.execute<Row[]>(`select ${COLUMNS} from account_complaint where code = ?`, [code]);
    if (!row || (!handles(actor) && row.account_id !== actor.id)) throw Errors.notFound('Khiếu nại');
    const history = await em.execute<{ action: string; at: string; status: ComplaintStatus }[]>('select action, at, status from account_complaint_history where complaint_code = ? order by seq', [code]);
    return { ...view(row), history: history.map((h) => ({ action: h.action, at: instant(h.at), status: h.status })) };
  }

  /** The citizen's own complaints; for those who handle them, the open ones first, the nearest outcome deadline first. */
  async list(actor: Actor, page: { limit: number; offset: number }, f: ComplaintFilter = {}) {
    const eq = equalTo([['status', f.status], ['kind', f.kind], ['channel', f.channel]]);
    const where = eq.sql + (f.overdue ? " and (notify_overdue or outcome_overdue) and status <> 'resolved'" : '');
    const rows = handles(actor)
      ? await this.deps.orm.em.fork().execute<Row[]>(`select ${COLUMNS} from account_complaint where true${where} order by (status = 'resolved'), outcome_due_at, code limit ? offset ?`, [...eq.params, page.limit, page.offset])
      : await this.deps.orm.em.fork().execute<Row[]>(`select ${COLUMNS} from account_complaint where account_id = ?${where} order by filed_at desc limit ? offset ?`, [actor.id, ...eq.params, page.limit, page.offset]);
    return rows.map(view);
  }
}
