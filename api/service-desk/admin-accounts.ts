import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Actor } from '../../domain/access/roles';
import { ADMIN_REQUEST_STATUS_LABELS, type AdminAccountRequestBody, type AdminRequestDecision, type AdminRequestStatus } from '../../domain/service-desk/admin-accounts';
import { AgencyTree } from '../../services/statistics/scope';
import { adminRequestDecisionUpdate, ADMIN_REQUEST_WORKFLOW, type AdminRequestWorkflowInput } from '../../workflows/service-desk/admin-account';
import { instant, iso } from '../../domain/working-time/local-time';
import { apiError, Errors, fromTemporal } from '../errors';
import { equalTo, nextCode } from '../../services/records';

interface Row {
  code: string; agency_code: string; subject: string; full_name: string; email: string; role_groups: string[]; justification: string; status: AdminRequestStatus;
  requested_at: string; due_at: string | null; overdue: boolean; refusal_reason: string | null; account_id: string | null; decided_at: string | null; requested_by: string;
}
const COLUMNS = 'code, agency_code, subject, full_name, email, role_groups, justification, status, requested_at, due_at, overdue, refusal_reason, account_id, decided_at, requested_by';
const view = (r: Row) => ({
  code: r.code, agencyCode: r.agency_code, subject: r.subject, fullName: r.full_name, email: r.email, roleGroups: r.role_groups, justification: r.justification,
  status: r.status, statusLabel: ADMIN_REQUEST_STATUS_LABELS[r.status], requestedAt: instant(r.requested_at), dueAt: iso(r.due_at), overdue: r.overdue,
  refusalReason: r.refusal_reason, accountId: r.account_id, decidedAt: iso(r.decided_at),
});

/** Which requests a list shows: by status, agency, or only the pending ones past their 2 working hours. */
export interface AdminRequestFilter { status?: AdminRequestStatus; agencyCode?: string; overdue?: boolean }

/**
 * Requests for administrator accounts (issue 17, 002 §10.4): a unit's leader or administrator asks for
 * one in their unit or a unit under it; system administrators create it (the requested role group only)
 * or refuse it within 2 working hours.
 */
export class AdminAccountRequests {
  constructor(private readonly deps: { orm: MikroORM; temporal: Client; taskQueue: string }) {}

  async request(actor: Actor, body: AdminAccountRequestBody, requestId: string) {
    const tree = await AgencyTree.load(this.deps.orm);
    if (!tree.get(body.agencyCode)) throw apiError(404, 'AGENCY_NOT_FOUND', `Không có cơ quan ${body.agencyCode}.`);
    if (!actor.agencyCode || !tree.subtree(actor.agencyCode).includes(body.agencyCode)) {
      throw apiError(403, 'ADMIN_REQUEST_OUT_OF_SCOPE', 'Chỉ đề nghị cấp tài khoản quản trị cho đơn vị mình hoặc đơn vị trực thuộc.');
    }
    const em = this.deps.orm.em.fork();
    const [taken] = await em.execute('select 1 from account where subject = ?', [body.subject]);
    if (taken) throw apiError(409, 'ACCOUNT_EXISTS', `Tên đăng nhập ${body.subject} đã có tài khoản.`);
    const code = await nextCode(em, 'admin_account_request_number', 'QT');
    const requestedAt = new Date().toISOString();
    const [row] = await em.execute<Row[]>(
      `insert into admin_account_request (code, agency_code, subject, full_name, email, role_groups, justification, requested_by, requested_at)
       values (?, ?, ?, ?, ?, ?::text[], ?, ?, ?) returning ${COLUMNS}`,
      [code, body.agencyCode, body.subject, body.fullName, body.email, `{${body.roleGroups.join(',')}}`, body.justification, actor.id, requestedAt]);
    const input: AdminRequestWorkflowInput = { code, agencyCode: body.agencyCode, requestedAt, requestedBy: actor.id, requestId };
    await this.deps.temporal.workflow.start(ADMIN_REQUEST_WORKFLOW, { taskQueue: this.deps.taskQueue, workflowId: code, args: [input] });
    return view(row!);
  }

  async decide(actor: Actor, code: string, decision: AdminRequestDecision, requestId: string) {
    const r = await this.get(actor, code);
    if (r.status !== 'pending') throw apiError(409, 'ADMIN_REQUEST_DECIDED', `Đề nghị đã ở trạng thái "${r.statusLabel}".`);
    if (decision.type === 'approve') {
      const [taken] = await this.deps.orm.em.fork().execute('select 1 from account where subject = ?', [r.subject]);
      if (taken) throw apiError(409, 'ACCOUNT_EXISTS', `Tên đăng nhập ${r.subject} đã có tài khoản; hãy từ chối đề nghị kèm lý do.`);
    }
    try {
      await this.deps.temporal.workflow.getHandle(code).executeUpdate(adminRequestDecisionUpdate, { args: [{ decision, actor: { ...actor, name: '' }, requestId }] });
    } catch (e) {
      throw fromTemporal(e);
    }
    return this.get(actor, code);
  }

  /** A request: for system administrators and operators any, for a unit's requesters those of their tree. */
  async get(actor: Actor, code: string) {
    const [row] = await this.deps.orm.em.fork().execute<Row[]>(`select ${COLUMNS} from admin_account_request where code = ?`, [code]);
    if (!row || !(await this.sees(actor, row.agency_code))) throw Errors.notFound('Đề nghị');
    return view(row);
  }

  async list(actor: Actor, page: { limit: number; offset: number }, f: AdminRequestFilter = {}) {
    const national = actor.roles.includes('system_admin') || actor.roles.includes('operator');
    const tree = await AgencyTree.load(this.deps.orm);
    const codes = national ? null : tree.subtree(actor.agencyCode ?? '');
    const eq = equalTo([['status', f.status], ['agency_code', f.agencyCode]]);
    const where = (codes ? ' and agency_code = any(?::text[])' : '') + eq.sql + (f.overdue ? " and overdue and status = 'pending'" : '');
    const rows = await this.deps.orm.em.fork().execute<Row[]>(
      `select ${COLUMNS} from admin_account_request where true${where} order by (status <> 'pending'), due_at, code limit ? offset ?`,
      [...(codes ? [`{${codes.join(',')}}`] : []), ...eq.params, page.limit, page.offset]);
    return rows.map(view);
  }

  private async sees(actor: Actor, agencyCode: string): Promise<boolean> {
    if (actor.roles.includes('system_admin') || actor.roles.includes('operator')) return true;
    return !!actor.agencyCode && (await AgencyTree.load(this.deps.orm)).subtree(actor.agencyCode).includes(agencyCode);
  }
}
