import express, { Router, type Request, type Response } from 'express';
import { parse } from '../api/errors';
import type { MaintenanceNotices } from '../api/service-desk/maintenance';
import { CancelMaintenance, MAINTENANCE_STATUS_LABELS, MaintenanceBody } from '../domain/service-desk/maintenance';
import { listFilter, problemsOf, type FormProblems } from './forms';
import { MaintenanceFilterQuery } from '../api/service-desk/routes';
import { renderPage } from './render';
import { assertFormFromPortal, signedIn } from './session';

const OPERATORS = ['operator', 'system_admin'] as const;
const CODE = /^BT-\d{6}$/;
const urlencoded = express.urlencoded({ extended: false, limit: '64kb' });
/** A `datetime-local` field is Vietnam's local time. */
const vnInstant = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00+07:00` : v);

/** Operators' page of planned maintenance (issue 17): announce (≥ 5 working days ahead, or an emergency), follow, cancel. */
export function maintenancePages(notices: MaintenanceNotices, opts: { publicOrigin: string }): Router {
  const router = Router();
  const show = async (req: Request, res: Response, problem: { form: string; problems: FormProblems; values: Record<string, string> } | null) => {
    const { filter, refused } = listFilter(MaintenanceFilterQuery, { trang_thai: 'status', khan_cap: 'emergency' }, req.query);
    renderPage(req, res, 'maintenance', 'Bảo trì hệ thống', { items: await notices.list({ limit: 50, offset: 0 }, filter), filter, filterRefused: refused, statuses: MAINTENANCE_STATUS_LABELS, problem, done: typeof req.query.xong === 'string' ? req.query.xong : null }, problem ? 422 : 200);
  };
  router.get('/van-hanh/bao-tri', signedIn([...OPERATORS]), (req, res, next) => void show(req, res, null).catch(next));
  router.post('/van-hanh/bao-tri', signedIn([...OPERATORS]), urlencoded, async (req, res, next) => {
    const f = (req.body ?? {}) as Record<string, string>;
    try {
      assertFormFromPortal(req, f._csrf, opts.publicOrigin);
      const body = parse(MaintenanceBody, {
        title: f.title ?? '', description: f.description ?? '', startsAt: vnInstant(f.startsAt), endsAt: vnInstant(f.endsAt),
        emergency: f.emergency === 'on', ...(f.emergencyReason?.trim() ? { emergencyReason: f.emergencyReason } : {}),
      });
      const n = await notices.announce(req.actor!, body, String(req.id));
      res.redirect(303, `/van-hanh/bao-tri?xong=${n.code}`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      show(req, res, { form: 'announce', problems, values: f }).catch(next);
    }
  });
  router.post('/van-hanh/bao-tri/:code/huy', signedIn([...OPERATORS]), urlencoded, async (req, res, next) => {
    const f = (req.body ?? {}) as Record<string, string>;
    const code = String(req.params.code);
    if (!CODE.test(code)) return next();
    try {
      assertFormFromPortal(req, f._csrf, opts.publicOrigin);
      await notices.cancel(req.actor!, code, parse(CancelMaintenance, { reason: f.reason ?? '' }).reason, String(req.id));
      res.redirect(303, `/van-hanh/bao-tri?xong=${code}`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      show(req, res, { form: code, problems, values: f }).catch(next);
    }
  });
  return router;
}
