import express, { Router, type Request, type Response } from 'express';
import { sendDocument } from '../api/dossiers/document-routes';
import type { DossierService } from '../api/dossiers/service';
import type { DataStoreService } from '../api/data-store/service';
import { Errors } from '../api/errors';
import { STORE_KIND_LABELS, StoreItemKind } from '../domain/data-store/vocabulary';
import { renderPage } from './render';
import { assertFormFromPortal, signedIn } from './session';

const PAGE_SIZE = 50;
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CODE = /^[A-Z]{2,10}-[A-Z]{2,12}-\d{6}-\d{6}$/;
const urlencoded = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });

/**
 * The citizen's data store in the portal (Kho quản lý dữ liệu điện tử): the list with its filters, each
 * item's download, hiding a result, deleting a document (which withdraws the consent to keep it); and the
 * consent of a dossier not yet accepted. Each calls the same service as the API.
 */
export function dataStorePages(services: { store: DataStoreService; dossiers: DossierService }, opts: { publicOrigin: string }): Router {
  const { store, dossiers } = services;
  const router = Router();
  const idOf = (req: Request) => {
    const id = String(req.params.id);
    if (!ID.test(id)) throw Errors.notFound('Mục trong Kho dữ liệu');
    return id;
  };
  const back = (req: Request, res: Response, done: string) => {
    const from = typeof req.body?._back === 'string' && req.body._back.startsWith('/kho-du-lieu') ? req.body._back as string : '/kho-du-lieu';
    res.redirect(303, `${from}${from.includes('?') ? '&' : '?'}xong=${done}`);
  };

  router.get('/kho-du-lieu', signedIn(['citizen']), async (req, res, next) => {
    try {
      const kind = StoreItemKind.safeParse(req.query.loai);
      const hidden = req.query.an === '1';
      const page = Math.max(1, Math.min(20_000, Number.parseInt(String(req.query.trang ?? '1'), 10) || 1));
      const list = await store.list(req.actor!, { kind: kind.success ? kind.data : undefined, hidden, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }, String(req.id));
      const query = (p: number) => `/kho-du-lieu?${new URLSearchParams({ ...(kind.success ? { loai: kind.data } : {}), ...(hidden ? { an: '1' } : {}), trang: String(p) }).toString()}`;
      renderPage(req, res, 'data-store', 'Kho dữ liệu điện tử của tôi', {
        ...list, page, pages: Math.max(1, Math.ceil(list.total / PAGE_SIZE)), kind: kind.success ? kind.data : '', hidden, kinds: STORE_KIND_LABELS, query,
        here: req.originalUrl.replace(/[?&]xong=[^&]*/, ''), done: typeof req.query.xong === 'string' ? req.query.xong : null,
      });
    } catch (e) {
      next(e);
    }
  });

  router.get('/kho-du-lieu/:id/tai-ve', signedIn(['citizen']), async (req, res, next) => {
    try {
      sendDocument(res, await store.content(req.actor!, idOf(req), String(req.id)), false);
    } catch (e) {
      next(e);
    }
  });

  router.post('/kho-du-lieu/:id/an', signedIn(['citizen']), urlencoded, async (req, res, next) => {
    try {
      assertFormFromPortal(req, req.body?._csrf, opts.publicOrigin);
      const hidden = req.body?.hidden === 'true';
      await store.setHidden(req.actor!, idOf(req), hidden, String(req.id));
      back(req, res, hidden ? 'an' : 'hien');
    } catch (e) {
      next(e);
    }
  });

  router.post('/kho-du-lieu/:id/xoa', signedIn(['citizen']), urlencoded, async (req, res, next) => {
    try {
      assertFormFromPortal(req, req.body?._csrf, opts.publicOrigin);
      await store.remove(req.actor!, idOf(req), String(req.id));
      back(req, res, 'xoa');
    } catch (e) {
      next(e);
    }
  });

  router.post('/ho-so/:code/luu-kho', signedIn(['citizen']), urlencoded, async (req, res, next) => {
    try {
      assertFormFromPortal(req, req.body?._csrf, opts.publicOrigin);
      const code = String(req.params.code);
      if (!CODE.test(code)) throw Errors.notFound('Hồ sơ');
      const r = await dossiers.setStoreConsent(req.actor!, code, req.body?.consent === 'true', String(req.id));
      res.redirect(303, `/ho-so/${encodeURIComponent(code)}?xong=${r.storeConsent ? 'dong-y-luu-kho' : 'khong-luu-kho'}`);
    } catch (e) {
      next(e);
    }
  });
  return router;
}
