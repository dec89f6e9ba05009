import { Router } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ROLE_LABELS, type Actor, type Role } from '../../domain/access/roles';
import { LOCK_LABELS, type LockKind } from '../../domain/accounts/lifecycle';
import { lockAccount, unlockAccount } from '../../services/account-lifecycle';
import { appendAudit } from '../../services/records';
import { mount } from '../access';
import { instant, iso } from '../../domain/working-time/local-time';
import { apiError, Errors, parse } from '../errors';
import { Uuid } from '../schemas';
import {
  AccountList, AccountPage, AccountParams, ListQuery, LockBody, LockResult, Review, ReviewConfirmation, ReviewList, UnlockBody, type AccountKind,
} from './schemas';

const KIND_LABELS: Record<AccountKind, string> = { citizen: 'Công dân', officer: 'Cán bộ', admin: 'Quản trị', operator: 'Vận hành', integration: 'Tài khoản tích hợp' };

interface AccountDbRow {
  id: string; subject: string; kind: AccountKind; full_name: string; agency_code: string | null; roles: Role[]; last_sign_in_at: string | null;
  last_activity_at: string | null; inactivity_due_at: string | null; inactivity_stage: number; locked_at: string | null; lock_kind: LockKind | null; lock_reason: string | null;
}

interface ReviewDbRow {
  id: string; agency_code: string; period: string; opened_at: string; due_at: string; confirmed_at: string | null; confirmed_by: string | null;
  escalated_at: string | null; accounts: number;
}

const account = (r: AccountDbRow) => ({
  id: r.id, subject: r.subject, kind: r.kind, kindLabel: KIND_LABELS[r.kind], fullName: r.full_name, agencyCode: r.agency_code,
  roles: r.roles, roleLabels: r.roles.map((x) => ROLE_LABELS[x]), lastSignInAt: iso(r.last_sign_in_at), lastActivityAt: iso(r.last_activity_at),
  inactivityDueAt: iso(r.inactivity_due_at), inactivityStage: r.inactivity_stage, lockedAt: iso(r.locked_at), lockKind: r.lock_kind,
  lockKindLabel: r.lock_kind ? LOCK_LABELS[r.lock_kind] : null, lockReason: r.lock_reason,
});

const review = (r: ReviewDbRow) => ({
  id: r.id, agencyCode: r.agency_code, period: r.period, openedAt: instant(r.opened_at), dueAt: instant(r.due_at), confirmedAt: iso(r.confirmed_at),
  confirmedBy: r.confirmed_by, escalatedAt: iso(r.escalated_at), accounts: r.accounts,
});

/** A system administrator manages every account; a unit administrator the officers of their unit. */
async function manageable(orm: MikroORM, actor: Actor, accountId: string): Promise<{ id: string; kind: string; agency_code: string | null }> {
  if (!Uuid.safeParse(accountId).success) throw Errors.notFound('Tài khoản');
  const [a] = await orm.em.fork().execute<{ id: string; kind: string; agency_code: string | null }[]>('select id, kind, agency_code from account where id = ?', [accountId]);
  if (!a) throw Errors.notFound('Tài khoản');
  if (actor.roles.includes('system_admin')) return a;
  if (a.kind !== 'officer' || a.agency_code !== actor.agencyCode) throw Errors.notFound('Tài khoản');
  return a;
}

const actingRole = (actor: Actor) => (actor.roles.includes('system_admin') ? 'system_admin' : 'unit_admin');

export function accountRoutes(orm: MikroORM): Router {
  const router = Router();

  mount(router, {
    method: 'get', path: '/api/accounts', tag: 'Tài khoản', access: ['system_admin', 'unit_admin'], query: ListQuery, responses: { 200: AccountList },
    summary: 'Danh sách tài khoản: vai trò, lần đăng nhập cuối, hạn khóa do không hoạt động, trạng thái khóa.',
    handler: async (req, res) => {
      const q = parse(ListQuery, req.query);
      const actor = req.actor!;
      const agency = actor.roles.includes('system_admin') ? (q.agencyCode ?? null) : actor.agencyCode;
      const rows = await orm.em.fork().execute<AccountDbRow[]>(
        `select id, subject, kind, full_name, agency_code, roles, last_sign_in_at, last_activity_at, inactivity_due_at, inactivity_stage, locked_at, lock_kind, lock_reason
           from account where (?::text is null or agency_code = ?) and (?::text is null or (locked_at is not null) = (?::text = 'true'))
          order by full_name limit ? offset ?`,
        [agency, agency, q.locked ?? null, q.locked ?? null, q.limit, q.offset],
      );
      res.json({ items: rows.map(account) });
    },
  });

  mount(router, {
    method: 'post', path: '/api/accounts/:id/lock', tag: 'Tài khoản', access: ['system_admin', 'unit_admin'], params: AccountParams, body: LockBody, responses: { 200: LockResult }, conflicts: true,
    summary: 'Khóa tài khoản: chuyển công tác, vi phạm, theo yêu cầu của cơ quan có thẩm quyền, nghi ngờ bị xâm nhập (kèm lý do).',
    handler: async (req, res) => {
      const body = parse(LockBody, req.body);
      const a = await manageable(orm, req.actor!, String(req.params.id));
      if (a.id === req.actor!.id) throw apiError(409, 'SELF_LOCK', 'Không thể tự khóa tài khoản của mình.');
      const ok = await lockAccount(orm.em.fork(), { id: req.actor!.id, role: actingRole(req.actor!) }, a.id, body.kind, body.note, String(req.id));
      if (!ok) throw apiError(409, 'ALREADY_LOCKED', 'Tài khoản đã bị khóa.');
      res.json({ id: a.id, locked: true, kind: body.kind, kindLabel: LOCK_LABELS[body.kind] });
    },
  });

  mount(router, {
    method: 'post', path: '/api/accounts/:id/unlock', tag: 'Tài khoản', access: ['system_admin', 'unit_admin'], params: AccountParams, body: UnlockBody, responses: { 200: LockResult }, conflicts: true,
    summary: 'Mở khóa tài khoản (kèm lý do); thời gian tính không hoạt động bắt đầu lại.',
    handler: async (req, res) => {
      const body = parse(UnlockBody, req.body);
      const a = await manageable(orm, req.actor!, String(req.params.id));
      const ok = await unlockAccount(orm.em.fork(), { id: req.actor!.id, role: actingRole(req.actor!) }, a.id, body.note, String(req.id));
      if (!ok) throw apiError(409, 'NOT_LOCKED', 'Tài khoản không bị khóa.');
      res.json({ id: a.id, locked: false });
    },
  });

  mount(router, {
    method: 'get', path: '/api/account-reviews', tag: 'Tài khoản', access: ['system_admin', 'unit_admin'], query: AccountPage, responses: { 200: ReviewList },
    summary: 'Các kỳ rà soát danh sách tài khoản 6 tháng (của đơn vị mình, hoặc tất cả với quản trị hệ thống).',
    handler: async (req, res) => {
      const q = parse(AccountPage, req.query);
      const agency = req.actor!.roles.includes('system_admin') ? null : req.actor!.agencyCode;
      const rows = await orm.em.fork().execute<ReviewDbRow[]>(
        `select id, agency_code, period, opened_at, due_at, confirmed_at, confirmed_by, escalated_at, jsonb_array_length(report) as accounts
           from account_review where (?::text is null or agency_code = ?) order by opened_at desc, agency_code limit ? offset ?`,
        [agency, agency, q.limit, q.offset],
      );
      res.json({ items: rows.map(review) });
    },
  });

  mount(router, {
    method: 'get', path: '/api/account-reviews/:id', tag: 'Tài khoản', access: ['system_admin', 'unit_admin'], params: AccountParams, responses: { 200: Review },
    summary: 'Báo cáo rà soát: tài khoản của đơn vị, vai trò, lần đăng nhập cuối.',
    handler: async (req, res) => {
      const id = String(req.params.id);
      if (!Uuid.safeParse(id).success) throw Errors.notFound('Kỳ rà soát');
      const [r] = await orm.em.fork().execute<(ReviewDbRow & { report: { id: string; name: string; roles: Role[]; lastSignInAt: string | null; locked: boolean }[] })[]>(
        'select *, jsonb_array_length(report) as accounts from account_review where id = ?',
        [id],
      );
      if (!r || (!req.actor!.roles.includes('system_admin') && r.agency_code !== req.actor!.agencyCode)) throw Errors.notFound('Kỳ rà soát');
      res.json({
        ...review(r),
        report: r.report.map((a) => ({ id: a.id, name: a.name, roles: a.roles, roleLabels: a.roles.map((x) => ROLE_LABELS[x]), lastSignInAt: iso(a.lastSignInAt), locked: a.locked })),
      });
    },
  });

  mount(router, {
    method: 'post', path: '/api/account-reviews/:id/confirm', tag: 'Tài khoản', access: ['unit_admin'], params: AccountParams, responses: { 200: ReviewConfirmation }, conflicts: true,
    summary: 'Quản trị đơn vị xác nhận đã rà soát danh sách tài khoản của kỳ.',
    handler: async (req, res) => {
      const id = String(req.params.id);
      if (!Uuid.safeParse(id).success) throw Errors.notFound('Kỳ rà soát');
      const actor = req.actor!;
      const confirmed = await orm.em.fork().transactional(async (tx) => {
        const [r] = await tx.execute<{ agency_code: string; confirmed_at: string | null }[]>('select agency_code, confirmed_at from account_review where id = ? for update', [id]);
        if (!r || r.agency_code !== actor.agencyCode) throw Errors.notFound('Kỳ rà soát');
        if (r.confirmed_at) throw apiError(409, 'ALREADY_CONFIRMED', 'Kỳ rà soát này đã được xác nhận.');
        const [u] = await tx.execute<{ confirmed_at: string }[]>('update account_review set confirmed_at = now(), confirmed_by = ? where id = ? returning confirmed_at', [actor.id, id]);
        await appendAudit(tx, { at: new Date().toISOString(), actorId: actor.id, actorRole: 'unit_admin', action: 'account_review.confirm', entityType: 'account_review', entityId: id, before: null, after: { confirmedAt: u!.confirmed_at }, requestId: String(req.id), dedupeKey: null });
        return u!.confirmed_at;
      });
      res.json({ id, confirmedAt: instant(confirmed) });
    },
  });
  return router;
}
