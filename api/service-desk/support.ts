import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Actor } from '../../domain/access/roles';
import { SUPPORT_KIND_LABELS, SUPPORT_STATUS_LABELS, type SupportAction, type SupportStatus } from '../../domain/service-desk/support';
import { supportActionUpdate, SUPPORT_WORKFLOW, type SupportWorkflowInput } from '../../workflows/service-desk/support';
import { instant, iso } from '../../domain/working-time/local-time';
import { apiError, Errors, fromTemporal } from '../errors';
import { equalTo, nextCode } from '../../services/records';

interface Row {
  code: string; requester_id: string; agency_code: string | null; kind: 'support' | 'incident'; title: string; description: string; status: SupportStatus; complexity: 'simple' | 'complex' | null;
  received_at: string; expected_at: string | null; due_at: string | null; escalated: boolean; resolution: string | null; closed_at: string | null;
}
const COLUMNS = 'code, requester_id, agency_code, kind, title, description, status, complexity, received_at, expected_at, due_at, escalated, resolution, closed_at';
const view = (r: Row) => ({
  code: r.code, requesterId: r.requester_id, agencyCode: r.agency_code, kind: r.kind, kindLabel: SUPPORT_KIND_LABELS[r.kind], title: r.title, description: r.description,
  status: r.status, statusLabel: SUPPORT_STATUS_LABELS[r.status], complexity: r.complexity, receivedAt: instant(r.received_at), expectedAt: iso(r.expected_at), dueAt: iso(r.due_at),
  escalated: r.escalated, resolution: r.resolution, closedAt: iso(r.closed_at),
});
/** Which requests an operators' list shows: by status, kind, agency, or only those past their clock and open. */
export interface SupportFilter { status?: SupportStatus; kind?: keyof typeof SUPPORT_KIND_LABELS; agencyCode?: string; overdue?: boolean }
const handles = (actor: Actor) => actor.roles.includes('operator') || actor.roles.includes('system_admin');

/** Support and incident requests (issue 17, 002 §32.1–32.2) from agencies' officers and connected systems. */
export class SupportRequests {
  constructor(private readonly deps: { orm: MikroORM; temporal: Client; taskQueue: string }) {}

  async submit(actor: Actor, body: { kind: 'support' | 'incident'; title: string; description: string }, requestId: string) {
    const em = this.deps.orm.em.fork();
    const code = await nextCode(em, 'support_request_number', 'HT');
    const receivedAt = new Date().toISOString();
    const [row] = await em.execute<Row[]>(
      `insert into support_request (code, requester_id, agency_code, kind, title, description, received_at) values (?, ?, ?, ?, ?, ?, ?) returning ${COLUMNS}`,
      [code, actor.id, actor.agencyCode, body.kind, body.title, body.description, receivedAt]);
    const input: SupportWorkflowInput = { code, requesterId: actor.id, agencyCode: actor.agencyCode, receivedAt, requestId };
    await this.deps.temporal.workflow.start(SUPPORT_WORKFLOW, { taskQueue: this.deps.taskQueue, workflowId: code, args: [input] });
    return view(row!);
  }

  async act(actor: Actor, code: string, action: SupportAction, requestId: string) {
    const r = await this.get(actor, code);
    if (r.status === 'closed') throw apiError(409, 'SUPPORT_CLOSED', 'Yêu cầu đã đóng.');
    try {
      await this.deps.temporal.workflow.getHandle(code).executeUpdate(supportActionUpdate, { args: [{ action, actor: { ...actor, name: '' }, requestId }] });
    } catch (e) {
      throw fromTemporal(e);
    }
    return this.get(actor, code);
  }

  async get(actor: Actor, code: string) {
    const em = this.deps.orm.em.fork();
    const [row] = await em.execute<Row[]>(`select ${COLUMNS} from support_request where code = ?`, [code]);
    if (!row || (!handles(actor) && row.requester_id !== actor.id)) throw Errors.notFound('Yêu cầu');
    const history = await em.execute<{ action: string; at: string; status: SupportStatus }[]>('select action, at, status from support_request_history where request_code = ? order by seq', [code]);
    return { ...view(row), history: history.map((h) => ({ action: h.action, at: instant(h.at), status: h.status })) };
  }

  async list(actor: Actor, page: { limit: number; offset: number }, f: SupportFilter = {}) {
    const eq = equalTo([['status', f.status], ['kind', f.kind], ['agency_code', f.agencyCode]]);
    const where = eq.sql + (f.overdue ? " and escalated and status <> 'closed'" : '');
    const rows = handles(actor)
      ? await this.deps.orm.em.fork().execute<Row[]>(`select ${COLUMNS} from support_request where true${where} order by (status = 'closed'), due_at, code limit ? offset ?`, [...eq.params, page.limit, page.offset])
      : await this.deps.orm.em.fork().execute<Row[]>(`select ${COLUMNS} from support_request where requester_id = ?${where} order by received_at desc limit ? offset ?`, [actor.id, ...eq.params, page.limit, page.offset]);
    return rows.map(view);
  }
}
