import { Router } from 'express';
import { z } from 'zod';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { openHistories, replayHistories } from '../../services/operations/replay';
import { appendAudit } from '../../services/records';
import { operationsAlerts, resendBatch, resendMessage, RESEND_BATCH_LIMIT, stuckMessages } from '../../services/operations/outbox';
import { Code, operatorAct, Reason } from './process-routes';
import { mount } from '../access';
import { Errors, parse } from '../errors';
import { Instant, Items, Page } from '../schemas';

/** What the outbox holds: messages given up (dead letters), or waiting to be sent again after a failure. */
const OutboxState = z.enum(['dead', 'waiting']);
/** Which stuck messages: the process kind of their key, its agency, a minimum age, words of the last error. */
const messageFilterFields = {
  kind: z.string().regex(/^[a-z][a-z-]{0,39}$/).optional().describe('Loại quy trình của thư (dossier, feedback, payment, complaint…)'),
  agencyCode: Code.optional(),
  error: z.string().trim().min(1).max(200).optional().describe('Một phần nội dung lỗi gần nhất'),
};
const Hours = z.number().int().min(0).max(24 * 366).describe('Chỉ các thư đã tạo từ ít nhất ngần này giờ');
export const MessageFilter = z.object({ ...messageFilterFields, olderThanHours: Hours.optional() }).strict();
/** The same filter in a query string or a page's form (the hours as text). */
export const MessageFilterQuery = z.object({ ...messageFilterFields, olderThanHours: z.coerce.number().int().min(0).max(24 * 366).optional().describe(Hours.description!) }).strict();
const OutboxQuery = Page.extend({ state: OutboxState.default('dead') }).extend(MessageFilterQuery.shape).strict();
export const ResendBatchBody = z.object({ filter: MessageFilter.default({}), dryRun: z.boolean(), reason: Reason }).strict();
const MessageParams = z.object({ id: z.string().regex(/^[1-9]\d{0,17}$/) });

const OutboxMessage = z.object({
  id: z.string(),
  dedupeKey: z.string(),
  channel: z.enum(['email', 'sms']),
  channelLabel: z.string(),
  recipient: z.string(),
  subject: z.string(),
  attempts: z.number().int().min(0),
  lastError: z.string().nullable(),
  createdAt: Instant,
  nextAttemptAt: Instant,
  deadAt: Instant.nullable(),
  state: OutboxState,
  stateLabel: z.string(),
  /** The process the message belongs to (from its key `kind:code:seq:…`), with its agency and procedure. */
  process: z.object({ kind: z.string(), code: z.string(), agencyCode: z.string().nullable(), procedureCode: z.string().nullable() }).nullable(),
});
const Requeued = z.object({ id: z.string(), state: OutboxState, stateLabel: z.string(), nextAttemptAt: Instant });

/** Operators see what the outbox relay could not send, and send a dead letter again once its cause is fixed. */
export function operationsRoutes(orm: MikroORM, temporal: Client): Router {
  const router = Router();

  const ReplayBody = z.object({
    workflowId: z.string().min(1).max(200).regex(/^[\w.:-]+$/).optional(),
    limit: z.number().int().min(1).max(1000).default(200).describe('Số quy trình đang mở được chạy lại (mặc định 200, tối đa 1.000)'),
  }).strict();
  mount(router, {
    method: 'post', path: '/api/operations/replay', tag: 'Vận hành', access: ['operator', 'system_admin'], body: ReplayBody,
    responses: { 200: z.object({ replayed: z.number().int().min(0), failures: z.array(z.object({ workflowId: z.string(), error: z.string() })) }) },
    summary: 'Chạy lại (replay) lịch sử của một quy trình, hoặc của các quy trình đang mở (mặc định 200, tối đa 1.000), với mã quy trình hiện tại; báo các quy trình mà mã mới không tái tạo được (lỗi tất định) — chạy trước khi triển khai.',
    handler: async (req, res) => {
      const { workflowId, limit } = parse(ReplayBody, req.body);
      if (workflowId) {
        await temporal.workflow.getHandle(workflowId).describe().catch(() => {
          throw Errors.notFound('Quy trình');
        });
      }
      const outcome = await replayHistories(openHistories(temporal, { workflowId, limit }), { payloadCodecs: [...temporal.options.loadedDataConverter.payloadCodecs] });
      const act = operatorAct(req, '');
      await orm.em.fork().transactional((tx) => appendAudit(tx, {
        at: new Date().toISOString(), actorId: act.actorId, actorRole: act.actorRole, action: 'operations.replay',
        entityType: 'workflow', entityId: workflowId ?? '*', before: null, after: { replayed: outcome.replayed, failed: outcome.failures.length }, requestId: act.requestId, dedupeKey: null,
      }));
      res.json(outcome);
    },
  });

  const AlertQuery = z.object({ state: z.enum(['open', 'cleared']).default('open') }).strict();
  mount(router, {
    method: 'get', path: '/api/operations/alerts', tag: 'Vận hành', access: ['operator', 'system_admin'], query: AlertQuery,
    responses: { 200: Items(z.object({ id: z.string(), kind: z.enum(['integration_silent', 'integration_failing']), kindLabel: z.string(), subject: z.string(), detail: z.record(z.string(), z.unknown()), raisedAt: Instant, clearedAt: Instant.nullable() })) },
    summary: 'Cảnh báo vận hành (Điều 52): hệ thống kết nối (tài khoản tích hợp) không gọi đến Cổng quá thời gian cấu hình, hoặc gọi lỗi liên tục; đang mở (open) hoặc đã hết (cleared).',
    handler: async (req, res) => {
      res.json({ items: await operationsAlerts(orm, parse(AlertQuery, req.query).state) });
    },
  });

  mount(router, {
    method: 'get', path: '/api/operations/notifications', tag: 'Vận hành', access: ['operator', 'system_admin'], query: OutboxQuery,
    responses: { 200: Items(OutboxMessage) },
    summary: 'Thư, tin nhắn chưa gửi được: đã ngừng gửi (dead) hoặc đang chờ gửi lại (waiting), kèm số lần thử và lỗi gần nhất.',
    handler: async (req, res) => {
      const { state, limit, offset, ...filter } = parse(OutboxQuery, req.query);
      res.json({ items: await stuckMessages(orm, state, { limit, offset }, filter) });
    },
  });

  mount(router, {
    method: 'post', path: '/api/operations/notifications/:id/retry', tag: 'Vận hành', access: ['operator', 'system_admin'], params: MessageParams,
    responses: { 200: Requeued }, conflicts: true,
    summary: 'Gửi lại ngay một thư, tin nhắn đã ngừng gửi hoặc đang chờ gửi lại (sau khi đã khắc phục nguyên nhân: máy chủ thư hoạt động lại, địa chỉ đã sửa).',
    handler: async (req, res) => {
      const { id } = MessageParams.parse(req.params);
      res.json(await resendMessage(orm, id, operatorAct(req, '')));
    },
  });
  mount(router, {
    method: 'post', path: '/api/operations/notifications/retry', tag: 'Vận hành', access: ['operator', 'system_admin'], body: ResendBatchBody,
    responses: { 200: z.object({ dryRun: z.boolean(), targets: z.array(OutboxMessage), sent: z.array(z.string()) }) },
    summary: `Gửi lại hàng loạt thư, tin nhắn chưa gửi được theo bộ lọc (tối đa ${RESEND_BATCH_LIMIT}), kèm lý do; dryRun: true chỉ liệt kê các thư sẽ được gửi lại, không thay đổi gì.`,
    handler: async (req, res) => {
      const b = parse(ResendBatchBody, req.body);
      res.json(await resendBatch(orm, b.filter, b.dryRun, operatorAct(req, b.reason)));
    },
  });
  return router;
}
