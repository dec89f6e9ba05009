import type { MikroORM } from '@mikro-orm/postgresql';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Actor } from '../../domain/access/roles';
import { availablePublicationActions } from '../../domain/publication/state';
import { ACCEPTING_STATUSES, PUBLICATION_ACTION_LABELS, SERVICE_STATUS_LABELS, type PublicationAction, type ServiceStatus } from '../../domain/publication/vocabulary';
import { PUBLICATION_WORKFLOW, publicationActionUpdate, publicationViewQuery, type PublicationWorkflowInput } from '../../workflows/publication/definitions';
import { instant, iso } from '../../domain/working-time/local-time';
import { apiError, Errors, fromTemporal } from '../errors';
import { updateIdOf } from '../idempotency';
import { actorRef } from '../schemas';

interface ServiceRow {
  code: string; name: string; procedure_code: string; procedure_name: string; agency_code: string; agency_name: string; status: ServiceStatus;
  since: string; step_due_at: string | null; escalated: boolean; pilot_ends_at: string | null; status_reason: string | null; test_report: Record<string, unknown> | null; seq: number;
}

const SELECT = `select s.*, p.name as procedure_name, a.name as agency_name
  from online_service s join procedure p on p.code = s.procedure_code join agency a on a.code = s.agency_code`;

/**
 * Online services and their publication (RULES.md §3): declaration, the publication process's steps,
 * suspension and stop, and what anyone may know of a service. Reads PostgreSQL; steps go to the process.
 */
export class PublicationService {
  constructor(private readonly deps: { orm: MikroORM; temporal: Client; taskQueue: string; log: Logger }) {}

  private em() {
    return this.deps.orm.em.fork();
  }

  private async row(code: string): Promise<ServiceRow> {
    const [r] = await this.em().execute<ServiceRow[]>(`${SELECT} where s.code = ?`, [code]);
    if (!r) throw Errors.notFound('Dịch vụ công trực tuyến');
    return r;
  }

  /** The agency declares an online service for a procedure it handles (one per procedure and agency). */
  async declare(actor: Actor, input: { procedureCode: string; name: string }, requestId: string) {
    const em = this.em();
    const [p] = await em.execute<{ code: string; abolished_at: string | null; agency_code: string }[]>('select code, abolished_at, agency_code from procedure where code = ?', [input.procedureCode]);
    // An agency declares services for the procedures it handles (its own, or its local copies).
    if (!p || p.agency_code !== actor.agencyCode) {
      throw apiError(404, 'UNKNOWN_PROCEDURE', `Thủ tục "${input.procedureCode}" không có trong danh mục thủ tục của cơ quan.`, [{ field: 'procedureCode', code: 'UNKNOWN_PROCEDURE', message: 'Mã thủ tục không đúng.' }]);
    }
    if (p.abolished_at) throw apiError(409, 'PROCEDURE_ABOLISHED', 'Thủ tục đã bị bãi bỏ; không thể khai báo dịch vụ công trực tuyến.');
    const code = `DV-${input.procedureCode}-${actor.agencyCode}`;
    const declaredAt = new Date();
    const [inserted] = await em.execute<{ code: string }[]>(
      `insert into online_service (code, procedure_code, agency_code, name, status, since, declared_by) values (?, ?, ?, ?, 'declared', ?, ?)
       on conflict do nothing returning code`,
      [code, input.procedureCode, actor.agencyCode, input.name, declaredAt, actor.id],
    );
    if (!inserted) throw apiError(409, 'SERVICE_EXISTS', 'Cơ quan đã khai báo dịch vụ công trực tuyến cho thủ tục này.');
    await this.start({ code, procedureCode: input.procedureCode, agencyCode: actor.agencyCode!, declaredAt: declaredAt.toISOString(), declaredBy: { id: actor.id, role: 'unit_admin' }, requestId })
      .catch((e: unknown) => this.deps.log.error({ err: e, code }, 'publication process not started; the next step starts it'));
    return { code, status: 'declared' as const, statusLabel: SERVICE_STATUS_LABELS.declared, seq: 1 };
  }

  private async start(input: PublicationWorkflowInput) {
    await this.deps.temporal.workflow.start(PUBLICATION_WORKFLOW, {
      taskQueue: this.deps.taskQueue, workflowId: input.code, args: [input], workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }

  /**
   * A service no process has recorded yet (in operation before publication was a process, or whose start
   * failed) gets its process, starting from its recorded status.
   */
  private async ensureProcess(r: ServiceRow) {
    if (r.seq > 0) return;
    await this.start({ code: r.code, procedureCode: r.procedure_code, agencyCode: r.agency_code, declaredAt: new Date(r.since).toISOString(), declaredBy: null, adoptedStatus: r.status, requestId: null });
  }

  /** A step; a test report's dossiers are checked first: test dossiers of this service that reached a result. */
  async act(actor: Actor, code: string, action: PublicationAction, requestId: string, idempotencyKey: string | null) {
    const r = await this.row(code);
    // A stopped service's process has ended: the records answer.
    if (r.status === 'stopped') throw apiError(409, 'SERVICE_STOPPED', 'Dịch vụ đã dừng cung cấp; không thực hiện thêm bước nào.');
    if (action.type === 'submit_test_report') await this.checkTestDossiers(code, action.dossierCodes);
    await this.ensureProcess(r);
    const updateId = updateIdOf(actor.id, idempotencyKey, { code, action });
    try {
      const res = await this.deps.temporal.workflow.getHandle(code).executeUpdate(publicationActionUpdate, {
        args: [{ action, actor: { ...actor, name: '' }, requestId }], ...(updateId ? { updateId } : {}),
      });
      return { ...res, statusLabel: SERVICE_STATUS_LABELS[res.status] };
    } catch (e) {
      throw fromTemporal(e);
    }
  }

  private async checkTestDossiers(code: string, codes: string[]) {
    const rows = await this.em().execute<{ code: string; service_code: string | null; is_test: boolean; status: string }[]>(
      'select code, service_code, is_test, status from dossier where code = any(?::text[])', [`{${codes.join(',')}}`],
    );
    const found = new Map(rows.map((d) => [d.code, d]));
    // A code naming no dossier names nothing (404); a dossier that does not qualify conflicts with the report (409).
    const missing = codes.flatMap((c, i) => (found.has(c) ? [] : [{ field: `dossierCodes.${i}`, code: 'UNKNOWN_DOSSIER', message: `Không có hồ sơ mã ${c}.` }]));
    if (missing.length > 0) throw apiError(404, 'UNKNOWN_DOSSIER', 'Báo cáo thử nghiệm nêu mã hồ sơ không tồn tại.', missing);
    const errors = codes.flatMap((c, i) => {
      const d = found.get(c)!;
      const problem = d.service_code !== code ? 'không phải hồ sơ của dịch vụ này'
        : !d.is_test ? 'không phải hồ sơ thử nghiệm'
          : d.status !== 'completed' ? 'chưa có kết quả giải quyết' : null;
      return problem ? [{ field: `dossierCodes.${i}`, code: 'NOT_A_COMPLETED_TEST_DOSSIER', message: `Hồ sơ ${c} ${problem}.` }] : [];
    });
    if (errors.length > 0) throw apiError(409, 'TEST_REPORT_INVALID', 'Báo cáo thử nghiệm chỉ nêu các hồ sơ thử nghiệm của dịch vụ này đã có kết quả.', errors);
  }

  async list(f: { status?: ServiceStatus; agencyCode?: string; limit: number; offset: number }) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.status) {
      where.push('s.status = ?');
      params.push(f.status);
    }
    if (f.agencyCode) {
      where.push('s.agency_code = ?');
      params.push(f.agencyCode);
    }
    params.push(f.limit, f.offset);
    const rows = await this.em().execute<ServiceRow[]>(`${SELECT}${where.length ? ` where ${where.join(' and ')}` : ''} order by s.code limit ? offset ?`, params);
    return rows.map(summary);
  }

  async track(code: string) {
    const r = await this.row(code);
    const history = await this.em().execute<{ seq: number; at: string; action: string; actor_id: string | null; actor_name: string | null; actor_role: string | null; from_status: ServiceStatus | null; to_status: ServiceStatus; payload: Record<string, unknown> }[]>(
      'select * from online_service_history where service_code = ? order by seq', [code],
    );
    return {
      ...summary(r),
      statusReason: r.status_reason,
      testReport: r.test_report,
      history: history.map((h) => ({
        seq: h.seq, at: instant(h.at), action: h.action, actionLabel: PUBLICATION_ACTION_LABELS[h.action as keyof typeof PUBLICATION_ACTION_LABELS] ?? h.action,
        actor: actorRef(h), fromStatus: h.from_status, toStatus: h.to_status, toStatusLabel: SERVICE_STATUS_LABELS[h.to_status], details: h.payload,
      })),
    };
  }

  /** The steps this actor may take now (what pages offer); null while the service has no process yet (adopted on its first step). */
  async availableActions(actor: Actor, code: string): Promise<PublicationAction['type'][] | null> {
    await this.row(code);
    try {
      const view = await this.deps.temporal.workflow.getHandle(code).query(publicationViewQuery);
      return availablePublicationActions(view.state, actor, new Date().toISOString());
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return null;
      throw fromTemporal(e);
    }
  }
}

function summary(r: ServiceRow) {
  return {
    code: r.code, name: r.name, procedure: { code: r.procedure_code, name: r.procedure_name }, agency: { code: r.agency_code, name: r.agency_name },
    status: r.status, statusLabel: SERVICE_STATUS_LABELS[r.status], since: instant(r.since), stepDueAt: iso(r.step_due_at), escalated: r.escalated,
    pilotEndsAt: iso(r.pilot_ends_at), acceptsDossiers: ACCEPTING_STATUSES.includes(r.status),
  };
}
