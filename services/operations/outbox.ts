import type { MikroORM } from '@mikro-orm/postgresql';
import { instant, iso } from '../../domain/working-time/local-time';
import { DomainError } from '../../domain/errors';
import { ALERT_LABELS, type AlertKind } from '../../domain/operations/alerts';
import { OUTBOX_CHANNEL } from '../notification-relay';
import { appendAudit } from '../records';
import type { OperatorAct } from './console';

/** What the outbox holds for operators: messages given up (dead letters), or waiting to be sent again after a failure. */
export type OutboxState = 'dead' | 'waiting';
const CHANNEL_LABELS = { email: 'Thư điện tử', sms: 'Tin nhắn SMS' } as const;
export const OUTBOX_STATE_LABELS = { dead: 'Đã ngừng gửi (lỗi không khắc phục được hoặc quá số lần thử)', waiting: 'Chờ gửi lại sau lỗi' } as const;

interface Row {
  id: string; dedupe_key: string; channel: 'email' | 'sms'; recipient: string; subject: string; attempts: number; last_error: string | null;
  created_at: string; next_attempt_at: string; dead_at: string | null; process_kind: string; process_code: string; agency_code: string | null; procedure_code: string | null;
}

/** The outbox's messages with the process each belongs to (key `kind:code:seq:…`): a dossier's, a feedback's or a payment's agency and procedure. */
const WITH_PROCESS = `select n.*, split_part(n.dedupe_key, ':', 1) as process_kind, split_part(n.dedupe_key, ':', 2) as process_code,
    coalesce(d.agency_code, f.agency_code, p.agency_code) as agency_code, d.procedure_code
  from notification n
  left join dossier d on split_part(n.dedupe_key, ':', 1) = 'dossier' and d.code = split_part(n.dedupe_key, ':', 2)
  left join feedback f on split_part(n.dedupe_key, ':', 1) = 'feedback' and f.code = split_part(n.dedupe_key, ':', 2)
  left join payment p on split_part(n.dedupe_key, ':', 1) = 'payment' and p.id = split_part(n.dedupe_key, ':', 2)`;

const message = (r: Row) => {
  const state: OutboxState = r.dead_at ? 'dead' : 'waiting';
  return {
    id: String(r.id), dedupeKey: r.dedupe_key, channel: r.channel, channelLabel: CHANNEL_LABELS[r.channel], recipient: r.recipient, subject: r.subject,
    attempts: r.attempts, lastError: r.last_error, createdAt: instant(r.created_at), nextAttemptAt: instant(r.next_attempt_at), deadAt: iso(r.dead_at),
    state, stateLabel: OUTBOX_STATE_LABELS[state],
    process: r.process_code ? { kind: r.process_kind, code: r.process_code, agencyCode: r.agency_code, procedureCode: r.procedure_code } : null,
  };
};
export type StuckMessage = ReturnType<typeof message>;

/**
 * Which stuck messages an operator looks at or sends again: the process kind and agency they belong to, how
 * long ago they were made (at least `olderThanHours`), and words of their last error.
 */
export interface MessageFilter { kind?: string; agencyCode?: string; olderThanHours?: number; error?: string }

function filterSql(f: MessageFilter): { where: string; params: unknown[] } {
  const parts: [string, unknown][] = [];
  if (f.kind) parts.push(["split_part(n.dedupe_key, ':', 1) = ?", f.kind]);
  if (f.agencyCode) parts.push(['coalesce(d.agency_code, f.agency_code, p.agency_code) = ?', f.agencyCode]);
  if (f.olderThanHours !== undefined) parts.push(['n.created_at <= now() - make_interval(hours => ?)', f.olderThanHours]);
  // The error's words as typed: LIKE's own characters match themselves.
  if (f.error) parts.push(["n.last_error ilike '%' || ? || '%'", f.error.replace(/[\\%_]/g, (c) => `\\${c}`)]);
  return { where: parts.map(([w]) => ` and ${w}`).join(''), params: parts.map(([, v]) => v) };
}
const STATE_SQL: Record<OutboxState, string> = {
  dead: 'n.dead_at is not null',
  waiting: 'n.sent_at is null and n.dead_at is null and n.attempts > 0',
};

/** Messages the relay could not send: given up, or waiting for their next attempt after a failure. */
export async function stuckMessages(orm: MikroORM, state: OutboxState, page: { limit: number; offset: number }, f: MessageFilter = {}): Promise<StuckMessage[]> {
  const { where, params } = filterSql(f);
  const rows = await orm.em.fork().execute<Row[]>(
    `${WITH_PROCESS} where ${STATE_SQL[state]}${where} order by ${state === 'dead' ? 'n.dead_at desc' : 'n.next_attempt_at'} limit ? offset ?`,
    [...params, page.limit, page.offset],
  );
  return rows.map(message);
}

/** At most this many messages are sent again by one batch. */
export const RESEND_BATCH_LIMIT = 100;

/**
 * Sends again every stuck message (given up or waiting) that the filter selects, at most RESEND_BATCH_LIMIT;
 * a dry run lists them and changes nothing. Each message sent again is audited with the batch's reason.
 */
export async function resendBatch(orm: MikroORM, f: MessageFilter, dryRun: boolean, act: OperatorAct) {
  const { where, params } = filterSql(f);
  return orm.em.fork().transactional(async (tx) => {
    const rows = await tx.execute<Row[]>(
      `${WITH_PROCESS} where n.sent_at is null and (${STATE_SQL.dead} or ${STATE_SQL.waiting})${where} order by n.created_at, n.id limit ${RESEND_BATCH_LIMIT} for update of n skip locked`,
      params,
    );
    const targets = rows.map(message);
    if (dryRun || rows.length === 0) return { dryRun, targets, sent: [] as string[] };
    const at = new Date().toISOString();
    await tx.execute(`update notification set dead_at = null, next_attempt_at = now() where id in (${rows.map(() => '?').join(', ')})`, rows.map((r) => r.id));
    for (const r of rows) {
      await appendAudit(tx, {
        at, actorId: act.actorId, actorRole: act.actorRole, action: 'notification.retry_batch', entityType: 'notification', entityId: String(r.id),
        before: { deadAt: r.dead_at, lastError: r.last_error }, after: { deadAt: null, reason: act.reason }, requestId: act.requestId, dedupeKey: null,
      });
    }
    await tx.execute(`select pg_notify('${OUTBOX_CHANNEL}', '')`);
    return { dryRun, targets, sent: targets.map((t) => t.id) };
  });
}

/** Sends a message again now (its cause fixed); one already sent is refused, so repeating sends nothing twice. */
export async function resendMessage(orm: MikroORM, id: string, act: Omit<OperatorAct, 'reason'>) {
  return orm.em.fork().transactional(async (tx) => {
    const [row] = await tx.execute<{ dead_at: string | null; sent_at: string | null; last_error: string | null }[]>('select dead_at, sent_at, last_error from notification where id = ? for update', [id]);
    if (!row) throw new DomainError('NOT_FOUND', 'Không tìm thấy thư, tin nhắn.', 404);
    if (row.sent_at) throw new DomainError('ALREADY_SENT', 'Thư, tin nhắn này đã được gửi.', 409);
    const [u] = await tx.execute<{ next_attempt_at: string }[]>('update notification set dead_at = null, next_attempt_at = now() where id = ? returning next_attempt_at', [id]);
    await appendAudit(tx, {
      at: new Date().toISOString(), actorId: act.actorId, actorRole: act.actorRole, action: 'notification.retry',
      entityType: 'notification', entityId: String(id), before: { deadAt: row.dead_at, lastError: row.last_error }, after: { deadAt: null }, requestId: act.requestId, dedupeKey: null,
    });
    await tx.execute(`select pg_notify('${OUTBOX_CHANNEL}', '')`);
    return { id: String(id), state: 'waiting' as const, stateLabel: OUTBOX_STATE_LABELS.waiting, nextAttemptAt: instant(u!.next_attempt_at) };
  });
}

/** Alerts raised to the operators by the watch (open or cleared), newest first. */
export async function operationsAlerts(orm: MikroORM, state: 'open' | 'cleared') {
  const rows = await orm.em.fork().execute<{ id: string; kind: AlertKind; subject: string; detail: Record<string, unknown>; raised_at: string; cleared_at: string | null }[]>(
    `select * from operations_alert where cleared_at is ${state === 'open' ? '' : 'not '}null order by raised_at desc limit 200`);
  return rows.map((r) => ({ id: String(r.id), kind: r.kind, kindLabel: ALERT_LABELS[r.kind], subject: r.subject, detail: r.detail, raisedAt: instant(r.raised_at), clearedAt: iso(r.cleared_at) }));
}
