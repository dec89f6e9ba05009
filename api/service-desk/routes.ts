import { Router } from 'express';
import { z } from 'zod';
import { CancelMaintenance, MaintenanceBody, MaintenanceStatus } from '../../domain/service-desk/maintenance';
import { mount } from '../access';
import { parse } from '../errors';
import { Instant, Items, Page } from '../schemas';
import type { MaintenanceNotices } from './maintenance';

export const MaintenanceCode = z.string().regex(/^BT-\d{6}$/).describe('Mã thông báo bảo trì, ví dụ BT-000001');
const Notice = z.object({
  code: MaintenanceCode, title: z.string(), description: z.string(), startsAt: Instant, endsAt: Instant, emergency: z.boolean(), emergencyReason: z.string().nullable(),
  status: MaintenanceStatus, statusLabel: z.string(), announcedAt: Instant, cancelReason: z.string().nullable(),
});
const OPERATORS = ['operator', 'system_admin'] as const;

/** The service desk's routes (issue 17): planned maintenance notices. */
export function serviceDeskRoutes(maintenance: MaintenanceNotices): Router {
  const router = Router();
  const TAG = 'Vận hành';
  mount(router, {
    method: 'get', path: '/api/maintenance', tag: TAG, access: 'public', responses: { 200: Items(Notice) },
    summary: 'Các đợt bảo trì đã thông báo hoặc đang diễn ra (chưa kết thúc), sớm nhất trước.',
    handler: async (_req, res) => void res.json({ items: await maintenance.current() }),
  });
  mount(router, {
    method: 'get', path: '/api/maintenance/all', tag: TAG, access: OPERATORS, query: Page, responses: { 200: Items(Notice) },
    summary: 'Mọi thông báo bảo trì, mới nhất trước.',
    handler: async (req, res) => void res.json({ items: await maintenance.list(parse(Page, req.query)) }),
  });
  mount(router, {
    method: 'post', path: '/api/maintenance', tag: TAG, access: OPERATORS, body: MaintenanceBody, responses: { 201: Notice }, conflicts: true,
    summary: 'Thông báo bảo trì theo kế hoạch: trước ít nhất 5 ngày làm việc (khẩn cấp thì ít hơn, phải nêu lý do); các cơ quan và hệ thống kết nối được báo qua thư, Cổng hiện thông báo đến khi kết thúc.',
    handler: async (req, res) => void res.status(201).json(await maintenance.announce(req.actor!, parse(MaintenanceBody, req.body), String(req.id))),
  });
  mount(router, {
    method: 'post', path: '/api/maintenance/:code/cancel', tag: TAG, access: OPERATORS, params: z.object({ code: MaintenanceCode }), body: CancelMaintenance, responses: { 200: Notice }, conflicts: true,
    summary: 'Hủy đợt bảo trì (trước khi kết thúc), kèm lý do; các bên đã được báo nhận thư hủy.',
    handler: async (req, res) => void res.json(await maintenance.cancel(req.actor!, String(req.params.code), parse(CancelMaintenance, req.body).reason, String(req.id))),
  });
  return router;
}
