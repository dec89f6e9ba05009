import { Router } from 'express';
import express from 'express';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { MikroORM } from '@mikro-orm/postgresql';
import { findProcedure, findProcedures } from '../api/catalogue';

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
export function webRoutes(orm: MikroORM): Router {
  const router = Router();
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
  return router;
}
