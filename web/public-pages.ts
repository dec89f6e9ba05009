import { Router, type RequestHandler } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { findProcedure, findProcedures, procedureFields } from '../api/catalogue';
import type { DossierService } from '../api/dossiers/service';
import type { FeedbackService } from '../api/feedback/service';
import type { RateLimits } from '../api/rate-limits';
import { feeText, renderPage } from './render';

const FORMATS: Record<string, string> = { 'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG' };
export const formatOf = (m: string) => FORMATS[m] ?? m;

/** Public pages: the procedure catalogue, tracking by code, published feedback answers. */
export function publicPages(orm: MikroORM, services: { dossiers: DossierService; feedback: FeedbackService }): Router {
  const router = Router();
  // Public look-ups count against the same per-address limit as the API's public search.
  const limited: RequestHandler = (req, res, next) => {
    const limits = req.app.locals.rateLimits as RateLimits | undefined;
    if (limits) limits.count('publicSearch', req, res, next);
    else next();
  };

  router.get('/', async (req, res, next) => {
    try {
      const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 200) : '';
      const field = typeof req.query.field === 'string' ? req.query.field.slice(0, 200) : '';
      const agencies = new Map((await orm.em.fork().execute<{ code: string; name: string }[]>('select code, name from agency')).map((a) => [a.code, a.name]));
      const found = await findProcedures(orm, { q, field: field || undefined });
      renderPage(req, res, 'home', 'Tìm thủ tục hành chính', {
        q, field, fields: await procedureFields(orm), pageSize: 100,
        procedures: found.map((p) => ({ ...p, agencyName: agencies.get(p.agencyCode) ?? p.agencyCode, feeText: feeText(p.feeAmount) })),
      });
    } catch (e) {
      next(e);
    }
  });

  router.get('/thu-tuc/:code', async (req, res, next) => {
    try {
      const p = await findProcedure(orm, String(req.params.code));
      if (!p) {
        renderPage(req, res, 'error', 'Không tìm thấy thủ tục', { heading: 'Không tìm thấy thủ tục', message: 'Mã thủ tục không đúng hoặc thủ tục không còn được cung cấp.' }, 404);
        return;
      }
      const [agency] = await orm.em.fork().execute<{ name: string }[]>('select name from agency where code = ?', [p.agencyCode]);
      renderPage(req, res, 'procedure', p.name, { p, agencyName: agency?.name ?? p.agencyCode, feeText: feeText(p.feeAmount), formatOf });
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
      renderPage(req, res, 'track', 'Tra cứu hồ sơ', { code, d, error }, error ? 404 : 200);
    } catch (e) {
      next(e);
    }
  });

  router.get('/phan-anh', limited, async (req, res, next) => {
    try {
      const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 200) : '';
      const items = await services.feedback.published(q || undefined, { limit: 50, offset: 0 });
      renderPage(req, res, 'answers', 'Kết quả trả lời phản ánh, kiến nghị', { q, items });
    } catch (e) {
      next(e);
    }
  });
  return router;
}
