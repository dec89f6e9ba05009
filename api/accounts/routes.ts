import { Router } from 'express';
import { z } from 'zod';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Actor } from '../../domain/access/roles';
import { LockKind } from '../../domain/accounts/lifecycle';
import { lockAccount, unlockAccount } from '../../services/account-lifecycle';
import { appendAudit } from '../../services/records';
import { mount, Page } from '../access';
import { apiError, Errors, parse } from '../errors';

const AccountPage = Page.extend({ limit: z.coerce.number().int().min(1).max(500).default(100), offset: z.coerce.number().int().min(0).max(10_000_000).default(0) });
const ListQuery = AccountPage.extend({ agencyCode: z.string().max(50).optional(), locked: z.enum(['true', 'false']).optional() });
const LockBody = z.object({ kind: LockKind.exclude(['inactive']), note: z.string().trim().min(10).max(1000) }).strict();
const UnlockBody = z.object({ note: z.string().trim().min(10).max(1000) }).strict();
const Uuid = z.uuid();

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
    method: 'get', path: '/api/accounts', tag: 'Tài khoản', access: ['system_admin', 'unit_admin'], query: ListQuery,
    summary: 'Danh sách tài khoản: vai trò, lần đăng nhập cuối, hạn khóa do không hoạt động, trạng thái khóa.',
    handler: async (req, res) => {
      const q = parse(ListQuery, req.query);
      const actor = req.actor!;
      const agency = actor.roles.includes('system_admin') ? (q.agencyCode ?? null) : actor.agencyCode;
      const rows = await orm.em.fork().execute(
        `select id, subject, kind, full_name, agency_code, roles, last_sign_in_at, last_activity_at, inactivity_due_at, inactivity_stage, locked_at, lock_kind, lock_reason
           from account where (?::text is null or agency_code = ?) and (?::text is null or (locked_at is not null) = (?::text = 'true'))
          order by full_name limit ? offset ?`,
        [agency, agency, q.locked ?? null, q.locked ?? null, q.limit, q.offset],
      );
      res.json({ items: rows });
    },
  });

  mount(router, {
    method: 'post', path: '/api/accounts/:id/lock', tag: 'Tài khoản', access: ['system_admin', 'unit_admin'], body: LockBody,
    summary: 'Khóa tài khoản: chuyển công tác, vi phạm, theo yêu cầu của cơ quan có thẩm quyền, nghi ngờ bị xâm nhập (kèm lý do).',
    handler: async (req, res) => {
      const body = parse(LockBody, req.body);
      const a = await manageable(orm, req.actor!, String(req.params.id));
      if (a.id === req.actor!.id) throw apiError(409, 'SELF_LOCK', 'Không thể tự khóa tài khoản của mình.');
      const ok = await lockAccount(orm.em.fork(), { id: req.actor!.id, role: actingRole(req.actor!) }, a.id, body.kind, body.note, String(req.id));
      if (!ok) throw apiError(409, 'ALREADY_LOCKED', 'Tài khoản đã bị khóa.');
      res.json({ id: a.id, locked: true, kind: body.kind });
    },
  });

  mount(router, {
    method: 'post', path: '/api/accounts/:id/unlock', tag: 'Tài khoản', access: ['system_admin', 'unit_admin'], body: UnlockBody,
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
    method: 'get', path: '/api/account-reviews', tag: 'Tài khoản', access: ['system_admin', 'unit_admin'], query: AccountPage,
    summary: 'Các kỳ rà soát danh sách tài khoản 6 tháng (của đơn vị mình, hoặc tất cả với quản trị hệ thống).',
    handler: async (req, res) => {
      const q = parse(AccountPage, req.query);
      const agency = req.actor!.roles.includes('system_admin') ? null : req.actor!.agencyCode;
      const rows = await orm.em.fork().execute(
        `select id, agency_code, period, opened_at, due_at, confirmed_at, confirmed_by, escalated_at, jsonb_array_length(report) as accounts
           from account_review where (?::text is null or agency_code = ?) order by opened_at desc, agency_code limit ? offset ?`,
        [agency, agency, q.limit, q.offset],
      );
      res.json({ items: rows });
    },
  });

  mount(router, {
    method: 'get', path: '/api/account-reviews/:id', tag: 'Tài khoản', access: ['system_admin', 'unit_admin'],
    summary: 'Báo cáo rà soát: tài khoản của đơn vị, vai trò, lần đăng nhập cuối.',
    handler: async (req, res) => {
      const id = String(req.params.id);
      if (!Uuid.safeParse(id).success) throw Errors.notFound('Kỳ rà soát');
      const [r] = await orm.em.fork().execute<{ agency_code: string }[]>('select * from account_review where id = ?', [id]);
      if (!r || (!req.actor!.roles.includes('system_admin') && r.agency_code !== req.actor!.agencyCode)) throw Errors.notFound('Kỳ rà soát');
      res.json(r);
    },
  });

  mount(router, {
    method: 'post', path: '/api/account-reviews/:id/confirm', tag: 'Tài khoản', access: ['unit_admin'],
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
      res.json({ id, confirmedAt: new Date(confirmed).toISOString() });
    },
  });
  return router;
}
