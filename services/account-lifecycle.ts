import type { EntityManager } from '@mikro-orm/postgresql';
import { LOCK_LABELS, REVIEW_CONFIRM_DAYS, reviewPeriod, type LockKind } from '../domain/accounts/lifecycle';
import { formatVnTime } from '../domain/working-time/local-time';
import { agencyRecipients, appendAudit, enqueueMessages } from './records';

/**
 * Account lifecycle in the database (RULES.md §5.5): sign-in and activity restart the inactivity
 * countdown; the sweep advances it by an indexed due date, set-based, one batch per transaction.
 * Month arithmetic runs in Asia/Ho_Chi_Minh.
 */

const IN_VN = "set local timezone to 'Asia/Ho_Chi_Minh'";
const nextDue = (at: string) => `case kind when 'citizen' then ${at} + interval '2 years' when 'integration' then null else ${at} + interval '6 months' end`;

/** A sign-in: recorded, and the inactivity countdown starts again. Null when the account is locked or unknown. */
export async function touchSignIn(em: EntityManager, subject: string, at: Date = new Date()) {
  return em.transactional(async (tx) => {
    await tx.execute(IN_VN);
    const [row] = await tx.execute<{ id: string; kind: string; full_name: string; roles: string[]; agency_code: string | null }[]>(
      `update account set last_sign_in_at = ?::timestamptz, last_activity_at = ?::timestamptz, inactivity_stage = 0, inactivity_due_at = ${nextDue('?::timestamptz')}
        where subject = ? and locked_at is null returning id, kind, full_name, roles, agency_code`,
      [at.toISOString(), at.toISOString(), at.toISOString(), at.toISOString(), subject],
    );
    return row ?? null;
  });
}

/** Activity of a signed-in account, recorded at most once an hour; for citizens it restarts the countdown. */
export async function touchActivity(em: EntityManager, accountId: string): Promise<void> {
  await em.transactional(async (tx) => {
    await tx.execute(IN_VN);
    await tx.execute(
      `update account set last_activity_at = now(),
         inactivity_stage = case when kind = 'citizen' then 0 else inactivity_stage end,
         inactivity_due_at = case when kind = 'citizen' then now() + interval '2 years' else inactivity_due_at end
       where id = ? and locked_at is null and (last_activity_at is null or last_activity_at < now() - interval '1 hour')`,
      [accountId],
    );
  });
}

export interface SweepBatchResult {
  due: number;
  locked: number;
  noticed: number;
  /** Outbox keys of the notices (email and SMS) to deliver. */
  keys: string[];
}

/**
 * One batch of the inactivity sweep, as of `asOf`, in one transaction: officers and citizens past their
 * last notice are locked; citizens get their next notice (email and SMS) and a due date at least a month
 * later. Every write is keyed (notices by account, cycle and number), so a batch that is retried or a sweep
 * that is stopped and started again sends no notice twice and misses no lock.
 */
export async function sweepInactiveBatch(em: EntityManager, asOf: string, batchSize: number): Promise<SweepBatchResult> {
  return em.transactional(async (tx) => {
    await tx.execute(IN_VN);
    const [r] = await tx.execute<{ due: string; locked: string; noticed: string; keys: string[] | null }[]>(
      `with due as (
         select id, kind, inactivity_stage as stage, inactivity_due_at as due_at from account
          where locked_at is null and inactivity_due_at <= ?::timestamptz
          order by inactivity_due_at limit ? for update skip locked
       ),
       -- "id = any(array(...))" keeps each update on the primary key, whatever the planner estimates.
       locked_rows as (
         update account a set locked_at = ?::timestamptz, lock_kind = 'inactive', lock_reason = ?, inactivity_due_at = null
          where a.id = any(array(select id from due where kind <> 'citizen' or stage >= 2))
         returning a.id
       ),
       locked as (select l.id, d.due_at from locked_rows l join due d using (id)),
       noticed_rows as (
         update account a set inactivity_stage = a.inactivity_stage + 1, inactivity_due_at = greatest(a.inactivity_due_at, ?::timestamptz) + interval '1 month'
          where a.id = any(array(select id from due where kind = 'citizen' and stage < 2))
         returning a.id, a.full_name, a.email, a.phone, a.inactivity_stage as notice, a.inactivity_due_at as next_due
       ),
       noticed as (select n.*, d.due_at from noticed_rows n join due d using (id)),
       notice as (
         select *, 'inactivity:' || id || ':' || extract(epoch from due_at)::bigint || ':' || notice as key,
                to_char(case notice when 1 then next_due + interval '1 month' else next_due end, 'DD/MM/YYYY') as lock_on
           from noticed
       ),
       mails as (
         insert into notification (dedupe_key, channel, recipient, subject, body)
         select key || ':email', 'email', email, 'Thông báo khóa tài khoản Cổng Dịch vụ công quốc gia (lần ' || notice || '/2)',
                'Kính gửi ' || full_name || E',\\n\\nTài khoản của bạn trên Cổng Dịch vụ công quốc gia không phát sinh hoạt động trong 02 năm kể từ lần đăng nhập cuối cùng. '
                || 'Tài khoản sẽ bị khóa vào ngày ' || lock_on || E' nếu bạn không đăng nhập trước ngày đó (Điều 13 Quy chế quản lý, vận hành Cổng Dịch vụ công quốc gia).\\n\\nThư này được gửi tự động, vui lòng không trả lời.'
           from notice where email is not null
         on conflict (dedupe_key) do nothing returning dedupe_key
       ),
       sms as (
         insert into notification (dedupe_key, channel, recipient, subject, body)
         select key || ':sms', 'sms', phone, '', 'Cổng DVC quốc gia: tài khoản của bạn không hoạt động 2 năm và sẽ bị khóa ngày ' || lock_on || ' nếu không đăng nhập (thông báo lần ' || notice || '/2).'
           from notice where phone is not null
         on conflict (dedupe_key) do nothing returning dedupe_key
       ),
       audited as (
         insert into audit_log (at, actor_role, action, entity_type, entity_id, after, dedupe_key)
         select ?::timestamptz, 'system', 'account.lock', 'account', id::text, jsonb_build_object('lockKind', 'inactive'), 'account-lock:' || id || ':' || extract(epoch from due_at)::bigint from locked
         union all
         select ?::timestamptz, 'system', 'account.inactivity_notice', 'account', id::text, jsonb_build_object('notice', notice, 'lockOn', lock_on), key from notice
         on conflict (dedupe_key, at) do nothing
       )
       select (select count(*) from due) as due, (select count(*) from locked) as locked, (select count(*) from noticed) as noticed,
              (select array_agg(dedupe_key) from (select dedupe_key from mails union all select dedupe_key from sms) k) as keys`,
      [asOf, batchSize, asOf, `Không hoạt động trong thời gian quy định`, asOf, asOf, asOf],
    );
    return { due: Number(r!.due), locked: Number(r!.locked), noticed: Number(r!.noticed), keys: r!.keys ?? [] };
  });
}

/** Administrative lock (002 §11.1) with a reason; audit-logged. */
export async function lockAccount(em: EntityManager, by: { id: string; role: string }, accountId: string, kind: LockKind, note: string, requestId: string | null) {
  return em.transactional(async (tx) => {
    const [row] = await tx.execute<{ id: string }[]>(
      `update account set locked_at = now(), lock_kind = ?, lock_reason = ?, inactivity_due_at = null where id = ? and locked_at is null returning id`,
      [kind, note, accountId],
    );
    if (!row) return false;
    await tx.execute('delete from http_session where sess::jsonb #>> ? = ?', ['{passport,user,id}', accountId]);
    await appendAudit(tx, { at: new Date().toISOString(), actorId: by.id, actorRole: by.role, action: 'account.lock', entityType: 'account', entityId: accountId, before: { locked: false }, after: { locked: true, lockKind: kind, label: LOCK_LABELS[kind], note }, requestId, dedupeKey: null });
    return true;
  });
}

/** Unlock by an authorised administrator with a reason; the countdown starts again. */
export async function unlockAccount(em: EntityManager, by: { id: string; role: string }, accountId: string, note: string, requestId: string | null) {
  return em.transactional(async (tx) => {
    await tx.execute(IN_VN);
    const [row] = await tx.execute<{ lock_kind: string | null }[]>(
      `update account a set locked_at = null, unlocked_at = now(), inactivity_stage = 0, inactivity_due_at = ${nextDue('now()')}
         from (select id, lock_kind from account where id = ? and locked_at is not null for update) old where a.id = old.id returning old.lock_kind`,
      [accountId],
    );
    if (!row) return false;
    await appendAudit(tx, { at: new Date().toISOString(), actorId: by.id, actorRole: by.role, action: 'account.unlock', entityType: 'account', entityId: accountId, before: { locked: true, lockKind: row.lock_kind }, after: { locked: false, note }, requestId, dedupeKey: null });
    return true;
  });
}

/**
 * Opens the six-monthly review (002 §11.4) of each unit for the period containing `asOf`: a snapshot of
 * its accounts, roles and last sign-in, which the unit administrator confirms. Keyed by unit and period.
 */
export async function openAccountReviews(em: EntityManager, asOf: string): Promise<string[]> {
  const period = reviewPeriod(formatVnTime(new Date(asOf)).slice(0, 10));
  return em.transactional(async (tx) => {
    const opened = await tx.execute<{ id: string; agency_code: string }[]>(
      `insert into account_review (id, agency_code, period, opened_at, due_at, report)
       select gen_random_uuid(), ag.code, ?, ?::timestamptz, ?::timestamptz + ? * interval '1 day',
              coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'name', a.full_name, 'roles', a.roles, 'lastSignInAt', a.last_sign_in_at, 'locked', a.locked_at is not null) order by a.full_name)
                          from account a where a.agency_code = ag.code), '[]')
         from agency ag where exists (select 1 from account a where a.agency_code = ag.code)
       on conflict (agency_code, period) do nothing returning id, agency_code`,
      [period, asOf, asOf, REVIEW_CONFIRM_DAYS],
    );
    const out = [];
    for (const r of opened) {
      for (const admin of await agencyRecipients(tx, r.agency_code, ['unit_admin'])) {
        out.push({ dedupeKey: `review:${r.id}:${admin.id}`, recipient: admin.email, subject: `[DVC] Rà soát danh sách tài khoản kỳ ${period}`,
          body: `Đề nghị rà soát danh sách tài khoản của đơn vị (kỳ ${period}) và xác nhận trong ${REVIEW_CONFIRM_DAYS} ngày (002, Điều 11.4). Mã rà soát: ${r.id}.` });
      }
    }
    return enqueueMessages(tx, out);
  });
}

/** Reviews not confirmed in time escalate once, to system administrators and the unit's leaders. */
export async function escalateOverdueReviews(em: EntityManager, asOf: string): Promise<string[]> {
  return em.transactional(async (tx) => {
    const late = await tx.execute<{ id: string; agency_code: string; period: string }[]>(
      `update account_review set escalated_at = ?::timestamptz where confirmed_at is null and escalated_at is null and due_at <= ?::timestamptz returning id, agency_code, period`,
      [asOf, asOf],
    );
    const out = [];
    for (const r of late) {
      const admins = await tx.execute<{ id: string; email: string }[]>("select id, email from account where 'system_admin' = any(roles) and locked_at is null and email is not null");
      const leaders = await agencyRecipients(tx, r.agency_code, ['unit_leader']);
      for (const p of [...admins, ...leaders]) {
        out.push({ dedupeKey: `review-escalation:${r.id}:${p.id}`, recipient: p.email, subject: `[DVC][Cảnh báo] Đơn vị ${r.agency_code} chưa xác nhận rà soát tài khoản kỳ ${r.period}`,
          body: `Đơn vị ${r.agency_code} chưa xác nhận rà soát danh sách tài khoản kỳ ${r.period} trong thời hạn ${REVIEW_CONFIRM_DAYS} ngày. Mã rà soát: ${r.id}.` });
      }
      await appendAudit(tx, { at: asOf, actorId: null, actorRole: 'system', action: 'account_review.escalate', entityType: 'account_review', entityId: r.id, before: null, after: { agencyCode: r.agency_code, period: r.period }, requestId: null, dedupeKey: `review-escalation:${r.id}` });
    }
    return enqueueMessages(tx, out);
  });
}
