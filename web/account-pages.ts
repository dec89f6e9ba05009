import express, { Router } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { renderPage } from './render';
import { assertFormFromPortal, signedIn } from './session';

/** Who am I (name, roles by their Vietnamese labels, agency), sign out, and switching accounts. */
export function accountPages(orm: MikroORM, opts: { publicOrigin: string }): Router {
  const router = Router();
  router.get('/tai-khoan', signedIn(), async (req, res, next) => {
    try {
      const code = req.actor!.agencyCode;
      const [agency] = code ? await orm.em.fork().execute<{ name: string }[]>('select name from agency where code = ?', [code]) : [];
      renderPage(req, res, 'account', 'Tài khoản', { agencyName: agency?.name ?? null });
    } catch (e) {
      next(e);
    }
  });
  router.post('/dang-xuat', express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 5 }), (req, res, next) => {
    try {
      if (!req.actor) return void res.redirect(303, '/');
      assertFormFromPortal(req, (req.body as Record<string, unknown> | undefined)?._csrf, opts.publicOrigin);
      req.logOut((e) => {
        if (e) return next(e);
        req.session.destroy(() => {
          res.clearCookie('dvc.sid');
          res.redirect(303, '/');
        });
      });
    } catch (e) {
      next(e);
    }
  });
  return router;
}
