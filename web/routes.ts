import express, { Router, type RequestHandler } from 'express';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { MikroORM } from '@mikro-orm/postgresql';
import { findProcedure, findProcedures } from '../api/catalogue';
import type { DossierService } from '../api/dossiers/service';
import type { FeedbackService } from '../api/feedback/service';
import type { RateLimits } from '../api/rate-limits';
import { formatVnHuman } from '../domain/working-time';

const here = fileURLToPath(new URL('.', import.meta.url));
const eta = new Eta({ views: `${here}views`, cache: process.env.NODE_ENV === 'production' });

const FORMATS: Record<string, string> = { 'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG' };
const feeText = (amount: number) => (amount === 0 ? 'Không thu phí' : `${amount.toLocaleString('vi-VN')} đồng`);

/** A page in the portal's layout (Vietnamese, escaped by the template engine). */
function page(view: string, title: string, data: Record<string, unknown>): string {
  return eta.render('./layout', { title, body: eta.render(`./${view}`, data) });
}

/**
 * The portal's pages, rendered on the server from the same services as the API (issue 11, first
 * part: the public catalogue). Plain HTML forms, no script.
 */
export function webRoutes(orm: MikroORM, services: { dossiers: DossierService; feedback: FeedbackService }): Router {
  const router = Router();
  // Public look-ups count against the same per-address limit as the API's public search.
  const limited: RequestHandler = (req, res, next) => {
    const limits = req.app.locals.rateLimits as RateLimits | undefined;
    if (limits) limits.count('publicSearch', req, res, next);
    else next();
  };
  router.use('/assets', express.static(`${here}assets`, { index: false, maxAge: '1h' }));

  router.get('/', async (req, res, next) => {
    try {
      const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 200) : '';
      const field = typeof req.query.field === 'string' ? req.query.field.slice(0, 200) : '';
      const all = await findProcedures(orm);
      const agencies = new Map((await orm.em.fork().execute<{ code: string; name: string }[]>('select code, name from agency')).map((a) => [a.code, a.name]));
      const found = await findProcedures(orm, { q, field: field || undefined });
      res.type('html').send(page('home', 'Tìm thủ tục hành chính', {
        q, field, fields: [...new Set(all.map((p) => p.field))].sort(),
        procedures: found.map((p) => ({ ...p, agencyName: agencies.get(p.agencyCode) ?? p.agencyCode, feeText: feeText(p.feeAmount) })),
      }));
    } catch (e) {
      next(e);
    }
  });

  router.get('/thu-tuc/:code', async (req, res, next) => {
    try {
      const p = await findProcedure(orm, String(req.params.code));
      if (!p) {
        res.status(404).type('html').send(page('error', 'Không tìm thấy thủ tục', { heading: 'Không tìm thấy thủ tục', message: 'Mã thủ tục không đúng hoặc thủ tục không còn được cung cấp.' }));
        return;
      }
      const [agency] = await orm.em.fork().execute<{ name: string }[]>('select name from agency where code = ?', [p.agencyCode]);
      res.type('html').send(page('procedure', p.name, { p, agencyName: agency?.name ?? p.agencyCode, feeText: feeText(p.feeAmount), formatOf: (m: string) => FORMATS[m] ?? m }));
    } catch (e) {
      next(e);
    }
  });
  router.get('/tra-cuu', limited, async (req, res, next) => {
    try {
      const code = typeof req.query.ma === 'string' ? req.query.ma.trim().toUpperCase().slice(0, 40) : '';
      let d = null;
      let error: string | null = null;
      if (code) {
        d = /^[A-Z]{2,10}-[A-Z]{2,12}-\d{6}-\d{6}$/.test(code) ? await services.dossiers.publicStatus(code) : null;
        if (!d) error = 'Không tìm thấy hồ sơ có mã này. Mã hồ sơ có dạng HNI-STP-261129-000001.';
      }
      res.status(error ? 404 : 200).type('html').send(page('track', 'Tra cứu hồ sơ', { code, d, error, when }));
    } catch (e) {
      next(e);
    }
  });

  router.get('/phan-anh', limited, async (req, res, next) => {
    try {
      const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 200) : '';
      const items = await services.feedback.published(q || undefined, { limit: 50, offset: 0 });
      res.type('html').send(page('answers', 'Kết quả trả lời phản ánh, kiến nghị', { q, items, when }));
    } catch (e) {
      next(e);
    }
  });
  return router;
}

/** `HH:mm ngày DD/MM/YYYY`, Vietnam time. */
const when = (instant: string) => formatVnHuman(new Date(instant));
