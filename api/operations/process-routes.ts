import { Router, type Request } from 'express';
import { z } from 'zod';
import type { OperationsConsole, OperatorAct } from '../../services/operations/console';
import { PROCESS_KINDS } from '../../workflows/search-attributes';
import { mount } from '../access';
import { parse } from '../errors';
import { Instant, Items } from '../schemas';

const OPERATORS = ['operator', 'system_admin'] as const;
const Kind = z.enum(Object.keys(PROCESS_KINDS) as [keyof typeof PROCESS_KINDS, ...(keyof typeof PROCESS_KINDS)[]]);
export const Code = z.string().regex(/^[A-Za-z0-9][\w.-]{0,63}$/);
const WorkflowId = z.string().regex(/^[\w.:-]{1,200}$/);
const RunId = z.string().regex(/^[0-9a-f-]{36}$/);
const EventId = z.string().regex(/^[1-9]\d{0,11}$/);
/** Why the operator acts: kept in the audit log and in the engine's history. */
export const Reason = z.string().trim().min(5, 'Nêu lý do (ít nhất 5 ký tự).').max(500);

export const ProcessFilter = z.object({ kind: Kind.optional(), agencyCode: Code.optional(), procedureCode: Code.optional() }).strict();
export const PROBLEMS = ['stalled_activities', 'failing_tasks', 'closed_abnormally'] as const;
const ListQuery = ProcessFilter.extend({ problem: z.enum(PROBLEMS), minAttempt: z.coerce.number().int().min(1).max(1000).optional() }).strict();

const Identity = z.object({
  workflowId: z.string(), runId: z.string(), workflowType: z.string(), kind: z.string().nullable(), agencyCode: z.string().nullable(),
  procedureCode: z.string().nullable(), status: z.string().nullable(), engineStatus: z.string(),
});
const Listed = Identity.extend({
  activityId: z.string().optional(), activityType: z.string().optional(), attempt: z.number().int().optional(), lastFailure: z.string().nullable().optional(),
  nextAttemptAt: Instant.nullable().optional(), problems: z.array(z.string()).optional(), closedAt: Instant.nullable().optional(),
});
const Inspection = z.object({
  process: Identity,
  pendingActivities: z.array(z.object({ activityId: z.string(), activityType: z.string(), attempt: z.number().int(), lastFailure: z.string().nullable(), nextAttemptAt: Instant.nullable() })),
  workflowTaskAttempt: z.number().int(),
  problems: z.array(z.string()),
  lastGoodEventId: z.string().nullable(),
  engineEvents: z.array(z.object({ eventId: z.string(), type: z.string(), at: Instant.nullable(), detail: z.string().nullable() })),
  businessHistory: z.array(z.object({ at: Instant, action: z.string(), actorRole: z.string().nullable(), after: z.unknown() })),
});
const Params = z.object({ workflowId: WorkflowId });
export const RetryBody = z.object({ activityId: z.string().regex(/^[\w.:-]{1,100}$/), reason: Reason }).strict();
export const ResetBody = z.object({ runId: RunId.optional(), eventId: EventId.optional(), reason: Reason }).strict();
export const TerminateBody = z.object({ reason: Reason }).strict();
export const BatchBody = z.object({ action: z.enum(['retry_activities', 'reset']), filter: ProcessFilter.default({}), dryRun: z.boolean(), reason: Reason }).strict();
const BatchResult = z.object({
  action: z.string(), dryRun: z.boolean(),
  targets: z.array(z.object({ workflowId: z.string(), runId: z.string(), kind: z.string().nullable(), agencyCode: z.string().nullable(), procedureCode: z.string().nullable(), target: z.string(), detail: z.string() })),
  done: z.array(z.string()), failures: z.array(z.object({ workflowId: z.string(), error: z.string() })),
});

export function operatorAct(req: Request, reason: string): OperatorAct {
  const actor = req.actor!;
  return { actorId: actor.id, actorRole: actor.roles.includes('operator') ? 'operator' : 'system_admin', requestId: String(req.id), reason };
}

/** The operators' console over the engine: find stalled processes, inspect one, repair it (issue 14). */
export function processRoutes(console: OperationsConsole): Router {
  const router = Router();
  mount(router, {
    method: 'get', path: '/api/operations/processes', tag: 'Vận hành', access: OPERATORS, query: ListQuery, responses: { 200: Items(Listed) },
    summary: 'Quy trình gặp sự cố: bước đang thử lại nhiều lần (stalled_activities, từ lần thử minAttempt), bước xử lý (workflow task) lỗi liên tục (failing_tasks), quy trình kết thúc bất thường (closed_abnormally); lọc theo loại, cơ quan, thủ tục.',
    handler: async (req, res) => {
      const { problem, minAttempt, ...filter } = parse(ListQuery, req.query);
      const items = problem === 'stalled_activities' ? await console.stalledActivities(filter, minAttempt)
        : problem === 'failing_tasks' ? await console.failingWorkflowTasks(filter) : await console.closedAbnormally(filter);
      res.json({ items });
    },
  });
  mount(router, {
    method: 'get', path: '/api/operations/processes/:workflowId', tag: 'Vận hành', access: OPERATORS, params: Params, responses: { 200: Inspection },
    summary: 'Xem một quy trình: lịch sử nghiệp vụ bên cạnh các sự kiện của máy quy trình, bước đang thử lại, điểm đặt lại gần nhất.',
    handler: async (req, res) => {
      res.json(await console.inspect(Params.parse(req.params).workflowId));
    },
  });
  mount(router, {
    method: 'post', path: '/api/operations/processes/:workflowId/retry-activity', tag: 'Vận hành', access: OPERATORS, params: Params, body: RetryBody, conflicts: true,
    responses: { 200: z.object({ workflowId: z.string(), runId: z.string(), activityId: z.string(), activityType: z.string() }) },
    summary: 'Chạy lại ngay một bước đang thử lại (sau khi đã khắc phục nguyên nhân); số lần thử tính lại từ 1.',
    handler: async (req, res) => {
      const body = parse(RetryBody, req.body);
      res.json(await console.retryActivity(Params.parse(req.params).workflowId, body.activityId, operatorAct(req, body.reason)));
    },
  });
  mount(router, {
    method: 'post', path: '/api/operations/processes/:workflowId/reset', tag: 'Vận hành', access: OPERATORS, params: Params, body: ResetBody, conflicts: true,
    responses: { 200: z.object({ workflowId: z.string(), previousRunId: z.string(), runId: z.string(), eventId: z.string() }) },
    summary: 'Đặt lại quy trình về bước xử lý hoàn thành gần nhất (hoặc eventId đã chọn) để mã hiện tại chạy lại từ đó; gửi runId đang xem để lặp lại yêu cầu không đặt lại hai lần.',
    handler: async (req, res) => {
      const body = parse(ResetBody, req.body);
      res.json(await console.reset(Params.parse(req.params).workflowId, body.runId, body.eventId, operatorAct(req, body.reason)));
    },
  });
  mount(router, {
    method: 'post', path: '/api/operations/processes/:workflowId/terminate', tag: 'Vận hành', access: OPERATORS, params: Params, body: TerminateBody, conflicts: true,
    responses: { 200: z.object({ workflowId: z.string(), runId: z.string() }) },
    summary: 'Chấm dứt một quy trình, kèm lý do (hồ sơ giữ nguyên trạng thái đã ghi).',
    handler: async (req, res) => {
      const body = parse(TerminateBody, req.body);
      res.json(await console.terminate(Params.parse(req.params).workflowId, operatorAct(req, body.reason)));
    },
  });
  mount(router, {
    method: 'post', path: '/api/operations/processes/batch', tag: 'Vận hành', access: OPERATORS, body: BatchBody, responses: { 200: BatchResult },
    summary: 'Chạy lại hàng loạt các bước đang thử lại, hoặc đặt lại hàng loạt các quy trình lỗi bước xử lý, theo bộ lọc (tối đa 100); dryRun chỉ liệt kê các quy trình sẽ bị tác động.',
    handler: async (req, res) => {
      const body = parse(BatchBody, req.body);
      res.json(await console.batch(body.action, body.filter, body.dryRun, operatorAct(req, body.reason)));
    },
  });
  return router;
}
