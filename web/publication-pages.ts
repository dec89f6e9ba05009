import { randomUUID } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse } from '../api/errors';
import { DeclareBody, ServiceActionBody } from '../api/publication/schemas';
import type { PublicationService } from '../api/publication/service';
import { PUBLICATION_ACTION_LABELS, ServiceStatus, SERVICE_STATUS_LABELS, type PublicationAction, type PublicationActionType } from '../domain/publication/vocabulary';
import { problemsOf, type FormProblems } from './forms';
import { renderPage } from './render';
import { assertFormFromPortal, signedIn } from './session';

const CODE = /^DV-[A-Z]{2,10}-[A-Z]{2,12}(-[A-Z]{2,10}-[A-Z]{2,12})?$/;
const ROLES = ['operator', 'system_admin', 'unit_admin', 'unit_leader'] as const;

interface StepProblem {
  type: PublicationActionType | 'declare';
  problems: FormProblems;
  values: Record<string, string>;
}

/**
 * Pages of service publication (RULES.md §3) for the agencies' unit administrators and the portal's
 * operators: the services with their status and deadlines, the declaration of a new one, a service's
 * page with its history and exactly the steps this account may take now — the API's own service.
 */
export function publicationPages(orm: MikroORM, services: PublicationService, opts: { publicOrigin: string }): Router {
  const router = Router();
  const urlencoded = express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 50 });

  async function showList(req: Request, res: Response, step: StepProblem | null) {
    const actor = req.actor!;
    const status = ServiceStatus.safeParse(req.query.trang_thai).success ? (req.query.trang_thai as ServiceStatus) : undefined;
    const mineOnly = actor.roles.includes('unit_admin') || actor.roles.includes('unit_leader');
    const items = await services.list({ status, agencyCode: mineOnly ? actor.agencyCode ?? undefined : undefined, limit: 200, offset: 0 });
    // Procedures of the agency without a service yet, for the declaration form.
    const declarable = actor.roles.includes('unit_admin')
      ? await orm.em.fork().execute<{ code: string; name: string }[]>(
          `select p.code, p.name from procedure p where p.agency_code = ? and p.abolished_at is null
             and not exists (select 1 from online_service s where s.procedure_code = p.code and s.agency_code = ?) order by p.name`,
          [actor.agencyCode, actor.agencyCode])
      : [];
    renderPage(req, res, 'services', 'Dịch vụ công trực tuyến', {
      items, status, statuses: ServiceStatus.options.map((s) => ({ value: s, label: SERVICE_STATUS_LABELS[s] })), declarable, step, key: randomUUID(),
    }, step ? 422 : 200);
  }

  router.get('/dich-vu', signedIn(ROLES), (req, res, next) => void showList(req, res, null).catch(next));

  router.post('/dich-vu', signedIn(['unit_admin']), urlencoded, async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const values = { procedureCode: String(body.procedureCode ?? ''), name: String(body.name ?? '') };
    try {
      assertFormFromPortal(req, body._csrf, opts.publicOrigin);
      const r = await services.declare(req.actor!, parse(DeclareBody, values), String(req.id));
      res.redirect(303, `/dich-vu/${r.code}?xong=declare`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showList(req, res, { type: 'declare', problems, values }).catch(next);
    }
  });

  async function showService(req: Request, res: Response, code: string, step: StepProblem | null) {
    const s = await services.track(code);
    const actions = await services.availableActions(req.actor!, code);
    const done = typeof req.query.xong === 'string' ? (PUBLICATION_ACTION_LABELS as Record<string, string>)[req.query.xong] ?? null : null;
    renderPage(req, res, 'service', s.name, { s, actions: actions ?? [], adopted: actions === null, step, key: randomUUID(), labels: PUBLICATION_ACTION_LABELS, done }, step ? 422 : 200);
  }

  router.get('/dich-vu/:code', signedIn(ROLES), async (req, res, next) => {
    try {
      const code = String(req.params.code);
      if (!CODE.test(code)) return next();
      await showService(req, res, code, null);
    } catch (e) {
      next(e);
    }
  });

  router.post('/dich-vu/:code/thao-tac', signedIn(['unit_admin', 'operator']), urlencoded, async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const type = String(body.type ?? '') as PublicationActionType;
    const code = String(req.params.code);
    const values = Object.fromEntries(['note', 'reason', 'procedureName', 'serviceName', 'dossierCodes', 'passed'].filter((k) => typeof body[k] === 'string' && body[k].trim() !== '').map((k) => [k, body[k]!]));
    try {
      if (!CODE.test(code)) return next();
      assertFormFromPortal(req, body._csrf, opts.publicOrigin);
      const action: Record<string, unknown> = { type, ...values };
      if (typeof values.dossierCodes === 'string') action.dossierCodes = values.dossierCodes.split(/[\s,;]+/).map((c) => c.trim().toUpperCase()).filter(Boolean);
      if (type === 'confirm_test') action.passed = values.passed === 'true';
      const key = /^[\w-]{8,100}$/.test(body._key ?? '') ? `web-${body._key}` : null;
      await services.act(req.actor!, code, parse(ServiceActionBody, action) as PublicationAction, String(req.id), key);
      res.redirect(303, `/dich-vu/${code}?xong=${type}`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showService(req, res, code, { type, problems, values }).catch(next);
    }
  });
  return router;
}
