import { Router } from 'express';
import { z } from 'zod';
import type { MikroORM } from '@mikro-orm/postgresql';
import { CalendarOverride, Procedure } from '../db/entities';
import { mount } from './access';
import { apiError, Errors, parse } from './errors';
import type { CalendarStore } from '../services/calendar-store';
import { appendAudit } from '../services/records';
import { vietnamPublicHolidays } from '../domain/working-time';

const OverrideBody = z.object({ kind: z.enum(['day_off', 'working_day']), note: z.string().trim().min(3).max(500) });
const YearQuery = z.object({ year: z.coerce.number().int().min(2000).max(2100).optional() });
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d));

/** Public catalogue (procedures) and the working calendar an administrator maintains. */
export function catalogueRoutes(orm: MikroORM, calendars: CalendarStore): Router {
  const router = Router();

  mount(router, {
    method: 'get', path: '/api/procedures', tag: 'Thủ tục', access: 'public', summary: 'Danh mục thủ tục đang cung cấp trực tuyến, kèm biểu mẫu điện tử.',
    handler: async (_req, res) => {
      const items = await orm.em.fork().find(Procedure, {}, { orderBy: { code: 'asc' } });
      res.json({ items });
    },
  });

  mount(router, {
    method: 'get', path: '/api/procedures/:code', tag: 'Thủ tục', access: 'public', summary: 'Một thủ tục và biểu mẫu điện tử của nó.',
    handler: async (req, res) => {
      const p = await orm.em.fork().findOne(Procedure, { code: String(req.params.code) });
      if (!p) throw Errors.notFound('Thủ tục');
      res.json(p);
    },
  });

  mount(router, {
    method: 'get', path: '/api/calendar', tag: 'Lịch làm việc', access: 'public', query: YearQuery,
    summary: 'Ngày nghỉ lễ, Tết theo luật và các thay đổi đã công bố (ngày nghỉ thêm, ngày làm bù) của một năm.',
    handler: async (req, res) => {
      const year = parse(YearQuery, req.query).year ?? new Date().getUTCFullYear();
      const overrides = (await calendars.list()).filter((o) => o.date.startsWith(String(year)));
      res.json({ year, publicHolidays: [...vietnamPublicHolidays(year)], overrides });
    },
  });

  mount(router, {
    method: 'put', path: '/api/calendar/:date', tag: 'Lịch làm việc', access: ['system_admin'], body: OverrideBody,
    summary: 'Ghi một ngày nghỉ thêm hoặc ngày làm bù theo thông báo chính thức.',
    handler: async (req, res) => {
      const date = String(req.params.date);
      if (!IsoDate.safeParse(date).success) throw apiError(422, 'BAD_DATE', 'Ngày phải có dạng YYYY-MM-DD hợp lệ.');
      const body = parse(OverrideBody, req.body);
      const em = orm.em.fork();
      await em.transactional(async (tx) => {
        const before = await tx.findOne(CalendarOverride, { date });
        await tx.upsert(CalendarOverride, { date, kind: body.kind, note: body.note, updatedBy: req.actor!.id, updatedAt: new Date() });
        await appendAudit(tx, {
          at: new Date().toISOString(), actorId: req.actor!.id, actorRole: 'system_admin', action: 'calendar.set', entityType: 'calendar_override', entityId: date,
          before: before ? { kind: before.kind, note: before.note } : null, after: body, requestId: String(req.id), dedupeKey: null,
        });
      });
      calendars.invalidate();
      res.json({ date, ...body });
    },
  });

  mount(router, {
    method: 'delete', path: '/api/calendar/:date', tag: 'Lịch làm việc', access: ['system_admin'], summary: 'Bỏ một thay đổi lịch đã ghi.',
    handler: async (req, res) => {
      const date = String(req.params.date);
      if (!IsoDate.safeParse(date).success) throw apiError(422, 'BAD_DATE', 'Ngày phải có dạng YYYY-MM-DD hợp lệ.');
      const em = orm.em.fork();
      const removed = await em.transactional(async (tx) => {
        const before = await tx.findOne(CalendarOverride, { date });
        if (!before) return false;
        await tx.nativeDelete(CalendarOverride, { date });
        await appendAudit(tx, {
          at: new Date().toISOString(), actorId: req.actor!.id, actorRole: 'system_admin', action: 'calendar.remove', entityType: 'calendar_override', entityId: date,
          before: { kind: before.kind, note: before.note }, after: null, requestId: String(req.id), dedupeKey: null,
        });
        return true;
      });
      if (!removed) throw Errors.notFound('Ngày trong lịch');
      calendars.invalidate();
      res.status(204).end();
    },
  });
  return router;
}
