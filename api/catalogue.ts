import { Router } from 'express';
import { z } from 'zod';
import type { MikroORM } from '@mikro-orm/postgresql';
import { CalendarOverride, Procedure } from '../db/entities';
import { ProcedureForm } from '../domain/dossier/form';
import { trimmedText } from '../domain/text';
import { mount } from './access';
import { AgencyCode, IsoDate, Items, ProcedureCode } from './schemas';
import { Errors, parse } from './errors';
import type { CalendarStore } from '../services/calendar-store';
import { appendAudit } from '../services/records';
import { cachedSearch, searchText, textMatch } from '../services/search';
import { isoDateOfDay, localDayNumber, vietnamPublicHolidays } from '../domain/working-time';
import type { Client } from '@temporalio/client';
import { calendarChangeJobs, newCalendarChangeId, startCalendarChange } from '../services/calendar-changes';

const OverrideKind = z.enum(['day_off', 'working_day']);
const KIND_LABELS = { day_off: 'Ngày nghỉ (theo thông báo)', working_day: 'Ngày làm việc bù' } as const;
const OverrideBody = z.object({ kind: OverrideKind, note: trimmedText(3, 500) }).strict();
const YearQuery = z.object({ year: z.coerce.number().int().min(2000).max(2099).optional() });
/** A day of the working calendar: years 2000–2099 (the calendar's range). */
const DateParams = z.object({ date: IsoDate.regex(/^20\d{2}-/) });
const ProcedureParams = z.object({ code: ProcedureCode });
const CatalogueQuery = z.object({
  q: trimmedText(1, 200).optional().describe('Từ cần tìm trong tên, lĩnh vực hoặc mã thủ tục; gõ có dấu hoặc không dấu đều được'),
  field: trimmedText(1, 200).optional().describe('Lĩnh vực'),
  agencyCode: AgencyCode.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

const PROCEDURE_STATUS_LABELS: Record<string, string> = { active: 'Đang cung cấp', suspended: 'Tạm dừng tiếp nhận' };
const ProcedureView = z.object({
  code: ProcedureCode,
  name: z.string(),
  agencyCode: AgencyCode,
  field: z.string(),
  processingDays: z.number().int().min(0).describe('Thời hạn giải quyết (ngày làm việc)'),
  feeAmount: z.number().int().min(0).describe('Phí, lệ phí (đồng)'),
  form: ProcedureForm,
  status: z.string(),
  statusLabel: z.string(),
});
const Override = z.object({ date: IsoDate, kind: OverrideKind, kindLabel: z.string(), note: z.string() });
const CalendarYear = z.object({ year: z.number().int(), publicHolidays: z.array(IsoDate), overrides: z.array(Override) });

type ProcedureEntity = { code: string; name: string; agencyCode: string; field: string; processingDays: number; feeAmount: number; form: unknown; status: string };
const procedureView = (p: ProcedureEntity) => ({ ...p, form: ProcedureForm.parse(p.form), statusLabel: PROCEDURE_STATUS_LABELS[p.status] ?? p.status });
const override = (o: { date: string; kind: string; note: string }) => {
  const kind = OverrideKind.parse(o.kind);
  return { date: o.date, kind, kindLabel: KIND_LABELS[kind], note: o.note };
};

/**
 * The catalogue's procedures, optionally searched by words of their name, field or code with or without
 * diacritics, best match first (services/search.ts); otherwise in code order. One page (100 by default).
 * The API and the pages read it here.
 */
export async function findProcedures(orm: MikroORM, filter: { q?: string; field?: string; agencyCode?: string; limit?: number; offset?: number } = {}) {
  const text = searchText(filter.q);
  const f = { text, field: filter.field, agencyCode: filter.agencyCode, limit: filter.limit ?? 100, offset: filter.offset ?? 0 };
  return cachedSearch(orm, ['procedures', f.text, f.field, f.agencyCode, f.limit, f.offset], () => procedurePage(orm, f));
}

async function procedurePage(orm: MikroORM, filter: { text: string | null; field?: string; agencyCode?: string; limit: number; offset: number }) {
  const em = orm.em.fork();
  const where = ['true'];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    where.push(sql);
    params.push(value);
  };
  const m = filter.text ? textMatch('p', filter.text) : null;
  if (m) add(m.where, m.whereParams[0]);
  if (filter.field) add('p.field = ?', filter.field);
  if (filter.agencyCode) add('p.agency_code = ?', filter.agencyCode);
  const order = m ? `${m.rank} desc, p.code` : 'p.code';
  if (m) params.push(...m.rankParams);
  const page = await em.execute<{ code: string }[]>(
    `select p.code from procedure p where ${where.join(' and ')} order by ${order} limit ? offset ?`,
    [...params, filter.limit, filter.offset],
  );
  const byCode = new Map((await em.find(Procedure, { code: { $in: page.map((r) => r.code) } })).map((p) => [p.code, p]));
  return page.flatMap((r) => (byCode.has(r.code) ? [procedureView(byCode.get(r.code)!)] : []));
}

/** The catalogue's fields (lĩnh vực), for choosing one. */
export async function procedureFields(orm: MikroORM) {
  return (await orm.em.fork().execute<{ field: string }[]>('select distinct field from procedure order by field')).map((r) => r.field);
}

export async function findProcedure(orm: MikroORM, code: string) {
  const p = await orm.em.fork().findOne(Procedure, { code });
  return p ? procedureView(p) : null;
}

/** Public catalogue (procedures) and the working calendar an administrator maintains. */
export function catalogueRoutes(orm: MikroORM, calendars: CalendarStore, engine: { temporal: Client; taskQueue: string }): Router {
  const router = Router();

  mount(router, {
    method: 'get', path: '/api/procedures', tag: 'Thủ tục', access: 'public', query: CatalogueQuery, responses: { 200: Items(ProcedureView) },
    summary: 'Danh mục thủ tục, kèm biểu mẫu điện tử; tìm theo từ (có dấu hoặc không dấu), phù hợp nhất trước.',
    handler: async (req, res) => void res.json({ items: await findProcedures(orm, parse(CatalogueQuery, req.query)) }),
  });

  mount(router, {
    method: 'get', path: '/api/procedures/:code', tag: 'Thủ tục', access: 'public', params: ProcedureParams, responses: { 200: ProcedureView }, summary: 'Một thủ tục và biểu mẫu điện tử của nó.',
    handler: async (req, res) => {
      const p = await findProcedure(orm, String(req.params.code));
      if (!p) throw Errors.notFound('Thủ tục');
      res.json(p);
    },
  });

  mount(router, {
    method: 'get', path: '/api/calendar', tag: 'Lịch làm việc', access: 'public', query: YearQuery, responses: { 200: CalendarYear },
    summary: 'Ngày nghỉ lễ, Tết theo luật và các thay đổi đã công bố (ngày nghỉ thêm, ngày làm bù) của một năm.',
    handler: async (req, res) => {
      const year = parse(YearQuery, req.query).year ?? new Date().getUTCFullYear();
      const overrides = (await calendars.list()).filter((o) => o.date.startsWith(String(year)));
      res.json({ year, publicHolidays: [...vietnamPublicHolidays(year)].sort(), overrides: overrides.map(override) });
    },
  });

  mount(router, {
    method: 'put', path: '/api/calendar/:date', tag: 'Lịch làm việc', access: ['system_admin'], params: DateParams, body: OverrideBody, responses: { 200: Override.extend({ changeId: z.string() }) },
    summary: 'Ghi một ngày nghỉ thêm hoặc ngày làm bù theo thông báo chính thức; mọi hồ sơ, phản ánh đang mở có thời hạn bị ảnh hưởng được tính lại thời hạn (theo dõi tại /api/calendar/changes).',
    handler: async (req, res) => {
      const date = String(req.params.date);
      const body = parse(OverrideBody, req.body);
      const changeId = newCalendarChangeId(date);
      const em = orm.em.fork();
      await em.transactional(async (tx) => {
        const before = await tx.findOne(CalendarOverride, { date });
        await tx.upsert(CalendarOverride, { date, kind: body.kind, note: body.note, updatedBy: req.actor!.id, updatedAt: new Date() });
        await appendAudit(tx, {
          at: new Date().toISOString(), actorId: req.actor!.id, actorRole: 'system_admin', action: 'calendar.set', entityType: 'calendar_override', entityId: date,
          before: before ? { kind: before.kind, note: before.note } : null, after: { ...body, changeId }, requestId: String(req.id), dedupeKey: null,
        });
      });
      calendars.invalidate();
      await startCalendarChange(engine.temporal, engine.taskQueue, { changeId, date, changedAt: new Date().toISOString() }, 2 * calendars.ttlMs);
      res.json({ ...override({ date, ...body }), changeId });
    },
  });

  mount(router, {
    method: 'delete', path: '/api/calendar/:date', tag: 'Lịch làm việc', access: ['system_admin'], params: DateParams, responses: { 204: null }, summary: 'Bỏ một thay đổi lịch đã ghi.',
    handler: async (req, res) => {
      const date = String(req.params.date);
      const changeId = newCalendarChangeId(date);
      const em = orm.em.fork();
      const removed = await em.transactional(async (tx) => {
        const before = await tx.findOne(CalendarOverride, { date });
        if (!before) return false;
        await tx.nativeDelete(CalendarOverride, { date });
        await appendAudit(tx, {
          at: new Date().toISOString(), actorId: req.actor!.id, actorRole: 'system_admin', action: 'calendar.remove', entityType: 'calendar_override', entityId: date,
          before: { kind: before.kind, note: before.note }, after: { changeId }, requestId: String(req.id), dedupeKey: null,
        });
        return true;
      });
      if (!removed) throw Errors.notFound('Ngày trong lịch');
      calendars.invalidate();
      await startCalendarChange(engine.temporal, engine.taskQueue, { changeId, date, changedAt: new Date().toISOString() }, 2 * calendars.ttlMs);
      res.status(204).end();
    },
  });

  const RecomputeBody = z.object({ reason: trimmedText(5, 500) }).strict();
  mount(router, {
    method: 'post', path: '/api/calendar/recompute', tag: 'Lịch làm việc', access: ['system_admin'], body: RecomputeBody,
    responses: { 200: z.object({ changeId: z.string() }) },
    summary: 'Tính lại thời hạn của mọi hồ sơ, phản ánh, quy trình đang mở có thời hạn từ hôm nay (sau khi đổi giờ làm việc WORKING_SESSIONS và khởi động lại).',
    handler: async (req, res) => {
      const { reason } = parse(RecomputeBody, req.body);
      const today = isoDateOfDay(localDayNumber(Date.now()));
      const changeId = newCalendarChangeId(today);
      await orm.em.fork().transactional((tx) => appendAudit(tx, {
        at: new Date().toISOString(), actorId: req.actor!.id, actorRole: 'system_admin', action: 'calendar.recompute', entityType: 'calendar_override', entityId: today,
        before: null, after: { reason, changeId }, requestId: String(req.id), dedupeKey: null,
      }));
      await startCalendarChange(engine.temporal, engine.taskQueue, { changeId, date: today, changedAt: new Date().toISOString(), sessionsChanged: true }, 2 * calendars.ttlMs);
      res.json({ changeId });
    },
  });

  mount(router, {
    method: 'get', path: '/api/calendar/changes', tag: 'Lịch làm việc', access: ['system_admin', 'operator'],
    responses: { 200: Items(z.object({ changeId: z.string(), date: IsoDate.nullable(), startedAt: z.string(), status: z.string(), signalled: z.number().int(), moved: z.number().int().describe('Hồ sơ, phản ánh được dời thời hạn trong dữ liệu mà không phải đánh thức quy trình'), batches: z.number().int(), done: z.boolean() })) },
    summary: 'Các lượt tính lại thời hạn sau thay đổi lịch: số hồ sơ, phản ánh đã được báo, đã xong hay chưa.',
    handler: async (_req, res) => {
      res.json({ items: await calendarChangeJobs(engine.temporal) });
    },
  });
  return router;
}
