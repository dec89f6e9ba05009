import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client, WorkflowExecutionDescription, WorkflowExecutionInfo } from '@temporalio/client';
import { instant } from '../../domain/working-time/local-time';
import { DomainError } from '../../domain/errors';
import { AgencyCode, ProcedureCode, ProcessKind, ProcessStatus, PROCESS_KINDS } from '../../workflows/search-attributes';
import { appendAudit } from '../records';
import { engineEvents, lastGoodWorkflowTask, type EngineEvent } from './engine-history';

/** Which processes a list or a batch takes (the same filters as the Web UI's search attributes). */
export interface ProcessFilter {
  kind?: keyof typeof PROCESS_KINDS;
  agencyCode?: string;
  procedureCode?: string;
}

/** A process as an operator recognises it: its dossier/feedback/payment code, agency and procedure. */
export interface ProcessIdentity {
  workflowId: string;
  runId: string;
  workflowType: string;
  kind: string | null;
  agencyCode: string | null;
  procedureCode: string | null;
  status: string | null;
  engineStatus: string;
}

export interface StalledActivity extends ProcessIdentity {
  activityId: string;
  activityType: string;
  attempt: number;
  lastFailure: string | null;
  nextAttemptAt: string | null;
}

export interface FailingTask extends ProcessIdentity {
  attempt: number;
  problems: string[];
}

export interface ClosedProcess extends ProcessIdentity {
  closedAt: string | null;
}

export interface OperatorAct {
  actorId: string;
  actorRole: 'operator' | 'system_admin';
  requestId: string;
  reason: string;
}

const KIND_BY_TYPE = Object.fromEntries(Object.entries(PROCESS_KINDS).map(([k, t]) => [t, k]));
const LIST_LIMIT = 100;

/** The engine's calls refuse like the API: a code and a Vietnamese message. */
const notFound = () => new DomainError('NOT_FOUND', 'Không tìm thấy quy trình.', 404);
const notRunning = () => new DomainError('PROCESS_NOT_RUNNING', 'Quy trình không còn chạy.', 409);

function identityOf(info: Omit<WorkflowExecutionInfo, 'raw'>): ProcessIdentity {
  const sa = info.typedSearchAttributes;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    workflowType: info.type,
    kind: sa.get(ProcessKind) ?? KIND_BY_TYPE[info.type] ?? null,
    agencyCode: sa.get(AgencyCode) ?? null,
    procedureCode: sa.get(ProcedureCode) ?? null,
    status: sa.get(ProcessStatus) ?? null,
    engineStatus: info.status.name,
  };
}

function visibilityQuery(base: string, f: ProcessFilter): string {
  const parts = [base];
  // The values were validated by the routes' schemas (codes of letters, digits and dashes).
  if (f.kind) parts.push(`WorkflowType = '${PROCESS_KINDS[f.kind]}'`);
  if (f.agencyCode) parts.push(`AgencyCode = '${f.agencyCode}'`);
  if (f.procedureCode) parts.push(`ProcedureCode = '${f.procedureCode}'`);
  return parts.join(' AND ');
}

const matches = (p: ProcessIdentity, f: ProcessFilter) =>
  (!f.kind || p.workflowType === PROCESS_KINDS[f.kind]) && (!f.agencyCode || p.agencyCode === f.agencyCode) && (!f.procedureCode || p.procedureCode === f.procedureCode);

const stamp = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t?.seconds != null ? instant(new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6))) : null);

/**
 * The operators' console (issue 14): finds the processes that stall — an activity retrying, a workflow
 * task failing, an execution ended abnormally — with their business identity, and repairs them through
 * the engine's own operations (reset activity, reset, terminate), each audited and safe to repeat.
 */
export class OperationsConsole {
  constructor(private readonly deps: { orm: MikroORM; temporal: Client; namespace: string; stalledFromAttempt: number }) {}

  private async describe(workflowId: string, runId?: string): Promise<WorkflowExecutionDescription> {
    try {
      return await this.deps.temporal.workflow.getHandle(workflowId, runId).describe();
    } catch (e) {
      if ((e as Error).name === 'WorkflowNotFoundError') throw notFound();
      throw e;
    }
  }

  /** (a) Activities at attempt ≥ N, from the worker's notes, confirmed against the engine (stale notes are dropped). */
  async stalledActivities(f: ProcessFilter, minAttempt = this.deps.stalledFromAttempt): Promise<StalledActivity[]> {
    const em = this.deps.orm.em.fork();
    const notes = await em.execute<{ workflow_id: string; activity_id: string }[]>(
      'select workflow_id, activity_id from stalled_activity where attempt >= ? order by failed_at desc limit 1000', [Math.max(1, minAttempt - 1)]);
    const out: StalledActivity[] = [];
    const byWorkflow = new Map<string, string[]>();
    for (const n of notes) byWorkflow.set(n.workflow_id, [...(byWorkflow.get(n.workflow_id) ?? []), n.activity_id]);
    for (const [workflowId, activityIds] of byWorkflow) {
      const d = await this.describe(workflowId).catch((e: unknown) => (e instanceof DomainError ? null : undefined));
      // The engine unreachable for this one: its notes are kept for the next look.
      if (d === undefined) continue;
      const pending = d?.status.name === 'RUNNING' ? (d.raw.pendingActivities ?? []) : [];
      for (const id of activityIds) {
        const a = pending.find((p) => p.activityId === id);
        if (!a) {
          await em.execute('delete from stalled_activity where workflow_id = ? and activity_id = ?', [workflowId, id]);
          continue;
        }
        const identity = identityOf(d!);
        // The engine counts the attempt now running or waiting; the note, the last one that failed.
        if ((a.attempt ?? 1) < minAttempt || !matches(identity, f)) continue;
        out.push({
          ...identity, activityId: id, activityType: a.activityType?.name ?? '', attempt: a.attempt ?? 1,
          lastFailure: a.lastFailure?.message ?? null, nextAttemptAt: stamp(a.nextAttemptScheduleTime),
        });
      }
      if (out.length >= LIST_LIMIT) break;
    }
    return out;
  }

  /** (b) Running processes whose workflow task keeps failing (the engine's TemporalReportedProblems). */
  async failingWorkflowTasks(f: ProcessFilter): Promise<FailingTask[]> {
    const out: FailingTask[] = [];
    for await (const info of this.deps.temporal.workflow.list({ query: visibilityQuery("ExecutionStatus = 'Running' AND TemporalReportedProblems IS NOT NULL", f), pageSize: LIST_LIMIT })) {
      const d = await this.describe(info.workflowId, info.runId).catch(() => null);
      const attempt = d?.raw.pendingWorkflowTask?.attempt ?? 0;
      const problems = (info.searchAttributes.TemporalReportedProblems as string[] | undefined) ?? [];
      // The last good point is found when the process is inspected or reset, not for every listed process.
      out.push({ ...identityOf(info), attempt, problems });
      if (out.length >= LIST_LIMIT) break;
    }
    return out;
  }

  /** (c) Executions that failed, were terminated or timed out. */
  async closedAbnormally(f: ProcessFilter): Promise<ClosedProcess[]> {
    const out: ClosedProcess[] = [];
    for await (const info of this.deps.temporal.workflow.list({ query: visibilityQuery("ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut')", f), pageSize: LIST_LIMIT })) {
      out.push({ ...identityOf(info), closedAt: info.closeTime ? instant(info.closeTime) : null });
      if (out.length >= LIST_LIMIT) break;
    }
    return out;
  }

  /** A process's business history (the audit log) beside the engine's events. */
  async inspect(workflowId: string) {
    const d = await this.describe(workflowId);
    const history = await this.deps.temporal.workflow.getHandle(workflowId, d.runId).fetchHistory();
    const business = await this.deps.orm.em.fork().execute<{ at: string; action: string; actor_role: string | null; after: unknown }[]>(
      'select at, action, actor_role, after from audit_log where entity_id = ? order by id desc limit 200', [workflowId]);
    return {
      process: identityOf(d),
      pendingActivities: (d.raw.pendingActivities ?? []).map((a) => ({
        activityId: a.activityId ?? '', activityType: a.activityType?.name ?? '', attempt: a.attempt ?? 1,
        lastFailure: a.lastFailure?.message ?? null, nextAttemptAt: stamp(a.nextAttemptScheduleTime),
      })),
      workflowTaskAttempt: d.raw.pendingWorkflowTask?.attempt ?? 0,
      problems: (d.searchAttributes.TemporalReportedProblems as string[] | undefined) ?? [],
      lastGoodEventId: lastGoodWorkflowTask(history),
      engineEvents: engineEvents(history).slice(-300).map((e): EngineEvent => ({ ...e, at: e.at ? instant(e.at) : null })),
      businessHistory: business.reverse().map((b) => ({ at: instant(b.at), action: b.action, actorRole: b.actor_role, after: b.after })),
    };
  }

  /** Runs a stalled activity again now (its attempts start again from 1). Repeating it just runs it again. */
  async retryActivity(workflowId: string, activityId: string, act: OperatorAct) {
    const d = await this.describe(workflowId);
    if (d.status.name !== 'RUNNING') throw notRunning();
    const pending = (d.raw.pendingActivities ?? []).find((a) => a.activityId === activityId);
    if (!pending) throw new DomainError('ACTIVITY_NOT_PENDING', 'Bước này không còn đang chờ chạy lại.', 409);
    await this.deps.temporal.connection.workflowService.resetActivity({
      namespace: this.deps.namespace, execution: { workflowId, runId: d.runId }, id: activityId, identity: `operator:${act.actorId}`, resetHeartbeat: true,
    });
    await this.audit(act, 'operations.retry_activity', workflowId, { activityId, activityType: pending.activityType?.name, attempt: pending.attempt, lastFailure: pending.lastFailure?.message ?? null }, { activityId });
    return { workflowId, runId: d.runId, activityId, activityType: pending.activityType?.name ?? '' };
  }

  /**
   * Resets the run to a workflow task (by default the last one that completed) so that the current code
   * runs it again; signals and updates received after it are applied again. Keyed by run and point, so
   * a repeated request returns the same new run; a run already reset is refused with the current one.
   */
  async reset(workflowId: string, runId: string | undefined, eventId: string | undefined, act: OperatorAct) {
    const d = await this.describe(workflowId);
    if (runId && runId !== d.runId) throw new DomainError('RUN_NOT_CURRENT', `Quy trình đã được đặt lại hoặc chạy tiếp ở lượt ${d.runId}.`, 409);
    if (d.status.name !== 'RUNNING') throw notRunning();
    const history = await this.deps.temporal.workflow.getHandle(workflowId, d.runId).fetchHistory();
    const point = eventId ?? lastGoodWorkflowTask(history);
    const events = engineEvents(history);
    if (!point || !events.some((e) => e.eventId === point && e.type === 'WorkflowTaskCompleted')) {
      throw new DomainError('NOT_A_WORKFLOW_TASK', 'Chỉ đặt lại được về một bước xử lý (workflow task) đã hoàn thành.', 409);
    }
    const requestId = uuidFrom(`${d.runId}:${point}`);
    const { runId: newRunId } = (await this.deps.temporal.connection.workflowService.resetWorkflowExecution({
      namespace: this.deps.namespace, workflowExecution: { workflowId, runId: d.runId }, reason: `${act.reason} (operator ${act.actorId})`,
      // A Long in the typings; the encoder takes a number.
      workflowTaskFinishEventId: Number(point) as never, requestId,
    })) as { runId?: string | null };
    await this.audit(act, 'operations.reset', workflowId, { runId: d.runId, eventId: point }, { runId: newRunId });
    return { workflowId, previousRunId: d.runId, runId: newRunId ?? '', eventId: point };
  }

  /** Ends the process for good, with the reason; its business record stays as it was. */
  async terminate(workflowId: string, act: OperatorAct) {
    const d = await this.describe(workflowId);
    if (d.status.name !== 'RUNNING') throw notRunning();
    await this.deps.temporal.workflow.getHandle(workflowId, d.runId).terminate(`${act.reason} (operator ${act.actorId})`);
    await this.audit(act, 'operations.terminate', workflowId, { runId: d.runId, status: identityOf(d).status }, { engineStatus: 'TERMINATED' });
    return { workflowId, runId: d.runId };
  }

  /** Retry every stalled activity, or reset every process with a failing task, over a filter; a dry run only lists them. */
  async batch(action: 'retry_activities' | 'reset', f: ProcessFilter, dryRun: boolean, act: OperatorAct) {
    const targets = action === 'retry_activities'
      ? (await this.stalledActivities(f)).map((s) => ({ workflowId: s.workflowId, runId: s.runId, kind: s.kind, agencyCode: s.agencyCode, procedureCode: s.procedureCode, target: s.activityId, detail: `${s.activityType} (lần thử ${s.attempt})` }))
      : (await this.failingWorkflowTasks(f)).map((t) => ({ workflowId: t.workflowId, runId: t.runId, kind: t.kind, agencyCode: t.agencyCode, procedureCode: t.procedureCode, target: '', detail: t.problems.join(', ') }));
    if (dryRun) return { action, dryRun, targets, done: [] as string[], failures: [] as { workflowId: string; error: string }[] };
    const done: string[] = [];
    const failures: { workflowId: string; error: string }[] = [];
    for (const t of targets) {
      try {
        if (action === 'retry_activities') await this.retryActivity(t.workflowId, t.target, act);
        else await this.reset(t.workflowId, t.runId, t.target || undefined, act);
        done.push(t.workflowId);
      } catch (e) {
        failures.push({ workflowId: t.workflowId, error: (e as Error).message });
      }
    }
    return { action, dryRun, targets, done, failures };
  }

  private audit(act: OperatorAct, action: string, workflowId: string, before: unknown, after: Record<string, unknown>) {
    return this.deps.orm.em.fork().transactional((tx) => appendAudit(tx, {
      at: new Date().toISOString(), actorId: act.actorId, actorRole: act.actorRole, action, entityType: 'workflow', entityId: workflowId,
      before, after: { ...after, reason: act.reason }, requestId: act.requestId, dedupeKey: null,
    }));
  }
}

/** A UUID derived from a key (the engine's request id, which makes a reset idempotent). */
function uuidFrom(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
