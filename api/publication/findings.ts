import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Actor } from '../../domain/access/roles';
import { FINDING_EVENT_LABELS, FINDING_STATUS_LABELS, type FindingAction, type FindingStatus } from '../../domain/publication/findings';
import { FINDING_WORKFLOW, findingActionUpdate, type FindingWorkflowInput } from '../../workflows/publication/finding';
import { instant, iso } from '../../domain/working-time/local-time';
import { apiError, Errors, fromTemporal } from '../errors';
import { nextCode } from '../../services/records';

interface FindingRow { code: string; procedure_code: string; agency_code: string; description: string; status: FindingStatus; raised_at: string; due_at: string | null; escalated: boolean; resolution: string | null; closed_at: string | null }

/** Data-quality findings on the catalogue (000 §24.2.a): raised by operators, fixed by the procedure's agency. */
export class DataQualityFindings {
  constructor(private readonly deps: { orm: MikroORM; temporal: Client; taskQueue: string }) {}

  async raise(actor: Actor, input: { procedureCode: string; description: string }, requestId: string) {
    const em = this.deps.orm.em.fork();
    const [p] = await em.execute<{ agency_code: string }[]>('select agency_code from procedure where code = ?', [input.procedureCode]);
    if (!p) throw apiError(404, 'UNKNOWN_PROCEDURE', `Thủ tục "${input.procedureCode}" không tồn tại.`, [{ field: 'procedureCode', code: 'UNKNOWN_PROCEDURE', message: 'Mã thủ tục không đúng.' }]);
    const code = await nextCode(em, 'data_quality_finding_number', 'DQ');
    const raisedAt = new Date();
    await em.execute('insert into data_quality_finding (code, procedure_code, agency_code, description, raised_by, raised_at) values (?, ?, ?, ?, ?, ?)', [
      code, input.procedureCode, p.agency_code, input.description, actor.id, raisedAt,
    ]);
    const wf: FindingWorkflowInput = { code, procedureCode: input.procedureCode, agencyCode: p.agency_code, raisedAt: raisedAt.toISOString(), raisedBy: actor.id, requestId };
    await this.deps.temporal.workflow.start(FINDING_WORKFLOW, { taskQueue: this.deps.taskQueue, workflowId: code, args: [wf] });
    return { code, status: 'open' as const, statusLabel: FINDING_STATUS_LABELS.open };
  }

  async act(actor: Actor, code: string, action: FindingAction, requestId: string) {
    const [f] = await this.deps.orm.em.fork().execute<{ code: string; status: FindingStatus }[]>('select code, status from data_quality_finding where code = ?', [code]);
    if (!f) throw Errors.notFound('Phát hiện');
    // A closed finding's process has ended: the records answer.
    if (f.status !== 'open') throw apiError(409, 'WRONG_STEP', `Phát hiện đã ở trạng thái "${FINDING_STATUS_LABELS[f.status]}".`);
    try {
      const r = await this.deps.temporal.workflow.getHandle(code).executeUpdate(findingActionUpdate, { args: [{ action, actor: { ...actor, name: '' }, requestId }] });
      return { code: r.code, status: r.status, statusLabel: FINDING_STATUS_LABELS[r.status] };
    } catch (e) {
      throw fromTemporal(e);
    }
  }

  /** Open findings first (the nearest deadline first), for the operators or one agency. */
  async list(actor: Actor, f: { status?: FindingStatus; limit: number; offset: number }) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (!actor.roles.includes('operator') && !actor.roles.includes('system_admin')) {
      where.push('f.agency_code = ?');
      params.push(actor.agencyCode);
    }
    if (f.status) {
      where.push('f.status = ?');
      params.push(f.status);
    }
    params.push(f.limit, f.offset);
    const rows = await this.deps.orm.em.fork().execute<FindingRow[]>(
      `select * from data_quality_finding f${where.length ? ` where ${where.join(' and ')}` : ''} order by (f.status = 'open') desc, f.due_at, f.code limit ? offset ?`, params);
    const history = rows.length === 0 ? [] : await this.deps.orm.em.fork().execute<{ finding_code: string; action: string; at: string }[]>(
      'select finding_code, action, at from data_quality_finding_history where finding_code = any(?::text[]) order by seq', [`{${rows.map((r) => r.code).join(',')}}`]);
    return rows.map((r) => ({
      code: r.code, procedureCode: r.procedure_code, agencyCode: r.agency_code, description: r.description, status: r.status, statusLabel: FINDING_STATUS_LABELS[r.status],
      raisedAt: instant(r.raised_at), dueAt: iso(r.due_at), escalated: r.escalated, resolution: r.resolution, closedAt: iso(r.closed_at),
      history: history.filter((h) => h.finding_code === r.code).map((h) => ({ action: h.action, actionLabel: FINDING_EVENT_LABELS[h.action as keyof typeof FINDING_EVENT_LABELS] ?? h.action, at: instant(h.at) })),
    }));
  }
}
