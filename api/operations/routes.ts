import { Router } from 'express';
import { z } from 'zod';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { openHistories, replayHistories } from '../../services/operations/replay';
import { appendAudit } from '../../services/records';
import { OUTBOX_CHANNEL } from '../../services/notification-relay';
import { mount } from '../access';
import { instant, iso } from '../dates';
import { apiError, Errors, parse } from '../errors';
import { Instant, Items, Page } from '../schemas';

/** What the outbox holds: messages given up (dead letters), or waiting to be sent again after a failure. */
const OutboxState = z.enum(['dead', 'waiting']);
const OutboxQuery = Page.extend({ state: OutboxState.default('dead') }).strict();
const MessageParams = z.object({ id: z.string().regex(/^[1-9]\d{0,17}$/) });
const CHANNEL_LABELS = { email: 'Thư điện tử', sms: 'Tin nhắn SMS' } as const;
const STATE_LABELS = { dead: 'Đã ngừng gửi (lỗi không khắc phục được hoặc quá số lần thử)', waiting: 'Chờ gửi lại sau lỗi' } as const;

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
});
const Requeued = z.object({ id: z.string(), state: OutboxState, stateLabel: z.string(), nextAttemptAt: Instant });

interface Row {
  id: string; dedupe_key: string; channel: 'email' | 'sms'; recipient: string; subject: string; attempts: number; last_error: string | null;
  created_at: string; next_attempt_at: string; dead_at: string | null;
}

const message = (r: Row) => {
  const state = r.dead_at ? 'dead' : 'waiting';
  return {
    id: String(r.id), dedupeKey: r.dedupe_key, channel: r.channel, channelLabel: CHANNEL_LABELS[r.channel], recipient: r.recipient, subject: r.subject,
    attempts: r.attempts, lastError: r.last_error, createdAt: instant(r.created_at), nextAttemptAt: instant(r.next_attempt_at), deadAt: iso(r.dead_at),
    state, stateLabel: STATE_LABELS[state],
  } as const;
};

/** Operators see what the outbox relay could not send, and send a dead letter again once its cause is fixed. */
export function operationsRoutes(orm: MikroORM, temporal: Client): Router {
  const router = Router();

  const ReplayBody = z.object({ workflowId: z.string().min(1).max(200).regex(/^[\w.:-]+$/).optional() }).strict();
  mount(router, {
    method: 'post', path: '/api/operations/replay', tag: 'Vận hành', access: ['operator', 'system_admin'], body: ReplayBody,
    responses: { 200: z.object({ replayed: z.number().int().min(0), failures: z.array(z.object({ workflowId: z.string(), error: z.string() })) }) },
    summary: 'Chạy lại (replay) lịch sử của một quy trình, hoặc của mọi quy trình đang mở (tối đa 1.000), với mã quy trình hiện tại; báo các quy trình mà mã mới không tái tạo được (lỗi tất định) — chạy trước khi triển khai.',
    handler: async (req, res) => {
      const { workflowId } = parse(ReplayBody, req.body);
      if (workflowId) {
        await temporal.workflow.getHandle(workflowId).describe().catch(() => {
          throw Errors.notFound('Quy trình');
        });
      }
      const outcome = await replayHistories(openHistories(temporal, { workflowId, limit: 1000 }), { payloadCodecs: [...temporal.options.loadedDataConverter.payloadCodecs] });
      await orm.em.fork().transactional((tx) => appendAudit(tx, {
        at: new Date().toISOString(), actorId: req.actor!.id, actorRole: req.actor!.roles.includes('operator') ? 'operator' : 'system_admin', action: 'operations.replay',
        entityType: 'workflow', entityId: workflowId ?? '*', before: null, after: { replayed: outcome.replayed, failed: outcome.failures.length }, requestId: String(req.id), dedupeKey: null,
      }));
      res.json(outcome);
    },
  });

  mount(router, {
    method: 'get', path: '/api/operations/notifications', tag: 'Vận hành', access: ['operator', 'system_admin'], query: OutboxQuery,
    responses: { 200: Items(OutboxMessage) },
    summary: 'Thư, tin nhắn chưa gửi được: đã ngừng gửi (dead) hoặc đang chờ gửi lại (waiting), kèm số lần thử và lỗi gần nhất.',
    handler: async (req, res) => {
      const q = parse(OutboxQuery, req.query);
      const rows = await orm.em.fork().execute<Row[]>(
        q.state === 'dead'
          ? 'select * from notification where dead_at is not null order by dead_at desc limit ? offset ?'
          : 'select * from notification where sent_at is null and dead_at is null and attempts > 0 order by next_attempt_at limit ? offset ?',
        [q.limit, q.offset],
      );
      res.json({ items: rows.map(message) });
    },
  });

  mount(router, {
    method: 'post', path: '/api/operations/notifications/:id/retry', tag: 'Vận hành', access: ['operator', 'system_admin'], params: MessageParams,
    responses: { 200: Requeued }, conflicts: true,
    summary: 'Gửi lại một thư, tin nhắn đã ngừng gửi (sau khi đã khắc phục nguyên nhân, ví dụ sửa địa chỉ).',
    handler: async (req, res) => {
      const { id } = MessageParams.parse(req.params);
      const actor = req.actor!;
      const out = await orm.em.fork().transactional(async (tx) => {
        const [row] = await tx.execute<Row[]>('select * from notification where id = ? for update', [id]);
        if (!row) throw Errors.notFound('Thư, tin nhắn');
        if (!row.dead_at) throw apiError(409, 'NOT_DEAD_LETTER', 'Chỉ gửi lại được thư, tin nhắn đã ngừng gửi.');
        const [u] = await tx.execute<{ next_attempt_at: string }[]>(
          'update notification set dead_at = null, next_attempt_at = now() where id = ? returning next_attempt_at', [id]);
        await appendAudit(tx, {
          at: new Date().toISOString(), actorId: actor.id, actorRole: actor.roles.includes('operator') ? 'operator' : 'system_admin', action: 'notification.retry',
          entityType: 'notification', entityId: String(id), before: { deadAt: row.dead_at, lastError: row.last_error }, after: { deadAt: null }, requestId: String(req.id), dedupeKey: null,
        });
        await tx.execute(`select pg_notify('${OUTBOX_CHANNEL}', '')`);
        return { id: String(id), state: 'waiting' as const, stateLabel: STATE_LABELS.waiting, nextAttemptAt: instant(u!.next_attempt_at) };
      });
      res.json(out);
    },
  });
  return router;
}
