import type { EntityManager } from '@mikro-orm/postgresql';
import type { OutboxMessage } from './notifications';
import { OUTBOX_CHANNEL } from './notification-relay';

/** Shared record-keeping for every process: append-only audit entries, the outbox, recipients. */

export interface AuditEntry {
  at: string;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
  /** Makes a retried write a no-op. */
  dedupeKey: string | null;
}

export async function appendAudit(tx: EntityManager, e: AuditEntry): Promise<void> {
  await tx.execute(
    `insert into audit_log (at, actor_id, actor_role, action, entity_type, entity_id, before, after, request_id, dedupe_key)
     values (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?) on conflict (dedupe_key, at) do nothing`,
    [e.at, e.actorId, e.actorRole, e.action, e.entityType, e.entityId, JSON.stringify(e.before), JSON.stringify(e.after), e.requestId, e.dedupeKey],
  );
}

/**
 * Queues messages in the caller's transaction (a message already queued under its key is kept as it
 * is) and wakes the relays when it commits; the relays send them, never the caller.
 */
export async function enqueueMessages(tx: EntityManager, messages: OutboxMessage[]): Promise<string[]> {
  for (const m of messages) {
    await tx.execute('insert into notification (dedupe_key, channel, recipient, subject, body) values (?, ?, ?, ?, ?) on conflict (dedupe_key) do nothing', [
      m.dedupeKey, m.channel ?? 'email', m.recipient, m.subject, m.body,
    ]);
  }
  if (messages.length > 0) await tx.execute(`select pg_notify('${OUTBOX_CHANNEL}', '')`);
  return messages.map((m) => m.dedupeKey);
}

/** Active accounts of an agency holding one of the roles, with an email address. */
export async function agencyRecipients(tx: EntityManager, agencyCode: string, roles: readonly string[]): Promise<{ id: string; email: string }[]> {
  return tx.execute<{ id: string; email: string }[]>(
    `select id, email from account where agency_code = ? and roles && ?::text[] and email is not null and locked_at is null order by id`,
    [agencyCode, `{${roles.join(',')}}`],
  );
}

/** The portal's operators (vận hành) with an email address. */
export async function operatorRecipients(tx: EntityManager): Promise<{ id: string; email: string }[]> {
  return tx.execute<{ id: string; email: string }[]>("select id, email from account where roles && '{operator}' and email is not null and locked_at is null order by id");
}

export const SUPERVISORS = ['supervising_officer', 'unit_leader'] as const;

/**
 * The name of an account the engine knows only by id: processes carry no personal names (their
 * histories must hold none), the records name people. A name already given is kept (older processes).
 */
export async function named<T extends { id: string; name: string }>(tx: EntityManager, who: T | null): Promise<T | null> {
  if (!who || who.name) return who;
  const [a] = await tx.execute<{ full_name: string }[]>('select full_name from account where id = ?', [who.id]);
  return { ...who, name: a?.full_name ?? '' };
}

/** The next code of a numbered record: its sequence's next value after a prefix, six digits (`BT-000001`). */
export async function nextCode(em: EntityManager, sequence: string, prefix: string): Promise<string> {
  const [{ n }] = (await em.execute<{ n: string }[]>(`select nextval('${sequence}') as n`)) as [{ n: string }];
  return `${prefix}-${String(n).padStart(6, '0')}`;
}

/**
 * The ` and column = ?` conditions of a list's filter, for the values given (operators' lists filter by
 * status, kind, agency…). The columns are the caller's constants, never the request's; the values are bound.
 */
export function equalTo(pairs: readonly (readonly [column: string, value: unknown])[]): { sql: string; params: unknown[] } {
  const given = pairs.filter(([, v]) => v !== undefined && v !== null && v !== '');
  return { sql: given.map(([c]) => ` and ${c} = ?`).join(''), params: given.map(([, v]) => v) };
}
