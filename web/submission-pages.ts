import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { findProcedure } from '../api/catalogue';
import type { DossierService } from '../api/dossiers/service';
import type { RateLimits } from '../api/rate-limits';
import { Errors } from '../api/errors';
import { formDataFrom, problemsOf, readPortalUpload, storeChoiceFrom, UploadRefused, type FormProblems, type StoreChoice } from './forms';
import { formatOf } from './public-pages';
import { feeText, renderPage } from './render';
import { assertFormFromPortal, signedIn } from './session';
import type { DataStoreService } from '../api/data-store/service';
import { currentForm } from '../api/data-store/routes';

/** Where the summary of errors links to: the field's input (a form field or a file component). */
export const anchorOf = (form: { fields: { name: string }[] }) => (name: string) => (form.fields.some((f) => f.name === name) ? `f-${name}` : `c-${name}`);

/**
 * Online submission (nộp hồ sơ trực tuyến): the form generated from the procedure's form definition,
 * sent to the same service as the API's submission; a refusal shows each error beside its field and
 * keeps what was typed.
 */
export function submissionPages(orm: MikroORM, services: { dossiers: DossierService; store: DataStoreService }, opts: { maxUploadBytes: number; publicOrigin: string }): Router {
  const { dossiers, store } = services;
  const router = Router();
  const limited = (req: Request, res: Response, next: (e?: unknown) => void) => {
    const limits = req.app.locals.rateLimits as RateLimits | undefined;
    if (limits) limits.count('submissions', req, res, next);
    else next();
  };

  async function procedureOr404(code: string) {
    const p = await findProcedure(orm, code);
    if (!p || p.status !== 'active') throw Errors.notFound('Thủ tục đang tiếp nhận hồ sơ');
    const [agency] = await orm.em.fork().execute<{ name: string }[]>('select name from agency where code = ?', [p.agencyCode]);
    return { p, agencyName: agency?.name ?? p.agencyCode };
  }

  const showForm = async (req: Request, res: Response, values: Record<string, unknown>, problems: FormProblems | null, key: string, chosen: StoreChoice = { fromStore: {}, consent: false }) => {
    const { p, agencyName } = await procedureOr404(String(req.params.code));
    // "Choose from my store" (003 §16.4): the items that may stand for each component, as the API lists them.
    const choices = await store.choices(req.actor!, await currentForm(orm, p.code).catch(() => p.form), String(req.id));
    renderPage(req, res, 'submit', `Nộp hồ sơ: ${p.name}`, {
      p, agencyName, feeText: feeText(p.feeAmount), values, problems, key, formatOf, anchorOf: anchorOf(p.form), choices, chosen,
    }, problems ? 422 : 200);
  };

  router.get('/thu-tuc/:code/nop', signedIn(['citizen']), async (req, res, next) => {
    try {
      await showForm(req, res, {}, null, randomUUID());
    } catch (e) {
      next(e);
    }
  });

  router.post('/thu-tuc/:code/nop', signedIn(['citizen']), limited, async (req, res, next) => {
    const code = String(req.params.code);
    let values: Record<string, unknown> = {};
    let chosen: StoreChoice = { fromStore: {}, consent: false };
    let key: string = randomUUID();
    try {
      const { p } = await procedureOr404(code);
      const upload = await readPortalUpload(req, dossiers.uploadComponents(code), opts.maxUploadBytes).catch(async (e: unknown) => {
        // Refused while the files streamed (too large, a component twice): the form again with what was typed.
        if (!(e instanceof UploadRefused) || !problemsOf(e.refusal)) throw e instanceof UploadRefused ? e.refusal : e;
        assertFormFromPortal(req, e.fields._csrf, opts.publicOrigin);
        await showForm(req, res, formDataFrom(p.form, e.fields), problemsOf(e.refusal), e.fields._key ?? key, storeChoiceFrom(e.fields));
        return null;
      });
      if (!upload) return;
      assertFormFromPortal(req, upload.fields._csrf, opts.publicOrigin);
      if (/^[\w-]{8,100}$/.test(upload.fields._key ?? '')) key = upload.fields._key!;
      const formData = formDataFrom(p.form, upload.fields);
      values = formData;
      chosen = storeChoiceFrom(upload.fields);
      const r = await dossiers.submit(req.actor!, {
        procedureCode: code, formData, files: upload.files, fromStore: chosen.fromStore, storeConsent: chosen.consent, idempotencyKey: `web-${key}`, requestId: String(req.id),
      });
      res.redirect(303, `/ho-so/${encodeURIComponent(r.code)}?da-nop=1`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems || res.headersSent) return next(e);
      try {
        await showForm(req, res, values, problems, key, chosen);
      } catch (e2) {
        next(e2);
      }
    }
  });
  return router;
}
