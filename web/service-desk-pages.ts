import express, { Router, type Request, type Response } from 'express';
import { parse } from '../api/errors';
import type { AdminAccountRequests } from '../api/service-desk/admin-accounts';
import type { SupportRequests } from '../api/service-desk/support';
import { OfficerRole } from '../domain/access/roles';
import { ADMIN_REQUESTERS, AdminAccountRequestBody, AdminRequestDecision } from '../domain/service-desk/admin-accounts';
import { SUPPORT_KIND_LABELS, SupportAction, SupportBody } from '../domain/service-desk/support';
import { listFilter, problemsOf, type FormProblems } from './forms';
import { AdminRequestFilterQuery, SupportFilterQuery } from '../api/service-desk/routes';
import { SUPPORT_STATUS_LABELS } from '../domain/service-desk/support';
import { ADMIN_REQUEST_STATUS_LABELS } from '../domain/service-desk/admin-accounts';
import { renderPage } from './render';
import { assertFormFromPortal, signedIn } from './session';

const HANDLERS = ['operator', 'system_admin'] as const;
const urlencoded = express.urlencoded({ extended: false, limit: '64kb' });
type Problem = { form: string; problems: FormProblems; values: Record<string, string> } | null;
/** A `datetime-local` field is Vietnam's local time. */
const vnInstant = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00+07:00` : v);

/**
 * The service desk's pages (issue 17): support and incident requests (officers ask and confirm or reopen;
 * operators classify, revise, resolve) and requests for administrator accounts (units ask, system
 * administrators decide). The same services as the API.
 */
export function serviceDeskPages(services: { support: SupportRequests; adminRequests: AdminAccountRequests }, opts: { publicOrigin: string }): Router {
  const router = Router();
  const { support, adminRequests } = services;

  const supportPage = async (req: Request, res: Response, problem: Problem) => {
    const handler = req.actor!.roles.some((r) => (HANDLERS as readonly string[]).includes(r));
    // Operators filter the list (trang_thai, loai, co_quan, qua_han=true); a refused value is said and the list left unfiltered.
    const { filter, refused } = handler ? listFilter(SupportFilterQuery, { trang_thai: 'status', loai: 'kind', co_quan: 'agencyCode', qua_han: 'overdue' }, req.query) : { filter: {}, refused: false };
    renderPage(req, res, 'support', 'Hỗ trợ, sự cố', {
      items: await support.list(req.actor!, { limit: 100, offset: 0 }, filter), kinds: SUPPORT_KIND_LABELS, statuses: SUPPORT_STATUS_LABELS, handler, actorId: req.actor!.id, problem, done: req.query.xong ?? null,
      filter, filterRefused: refused,
    }, problem ? 422 : 200);
  };
  const supportParties = signedIn([...OfficerRole.options, ...HANDLERS]);
  router.get('/ho-tro', supportParties, (req, res, next) => void supportPage(req, res, null).catch(next));
  router.post('/ho-tro', signedIn([...OfficerRole.options]), urlencoded, async (req, res, next) => {
    const f = (req.body ?? {}) as Record<string, string>;
    try {
      assertFormFromPortal(req, f._csrf, opts.publicOrigin);
      const r = await support.submit(req.actor!, parse(SupportBody, { kind: f.kind ?? '', title: f.title ?? '', description: f.description ?? '' }), String(req.id));
      res.redirect(303, `/ho-tro?xong=${r.code}`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      supportPage(req, res, { form: 'submit', problems, values: f }).catch(next);
    }
  });
  router.post('/ho-tro/:code', supportParties, urlencoded, async (req, res, next) => {
    const f = (req.body ?? {}) as Record<string, string>;
    const code = String(req.params.code);
    if (!/^HT-\d{6}$/.test(code)) return next();
    try {
      assertFormFromPortal(req, f._csrf, opts.publicOrigin);
      const fields: Record<string, unknown> = { type: f.type };
      if (f.type === 'classify') Object.assign(fields, { complexity: f.complexity, ...(f.complexity === 'complex' && f.expectedAt ? { expectedAt: vnInstant(f.expectedAt) } : {}) });
      if (f.type === 'revise') Object.assign(fields, { expectedAt: vnInstant(f.expectedAt), reason: f.reason ?? '' });
      if (f.type === 'resolve') fields.resolution = f.resolution ?? '';
      if (f.type === 'reopen') fields.reason = f.reason ?? '';
      await support.act(req.actor!, code, parse(SupportAction, fields), String(req.id));
      res.redirect(303, `/ho-tro?xong=${code}`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      supportPage(req, res, { form: `${code}:${f.type}`, problems, values: f }).catch(next);
    }
  });

  const adminPage = async (req: Request, res: Response, problem: Problem) => {
    const { filter, refused } = listFilter(AdminRequestFilterQuery, { trang_thai: 'status', co_quan: 'agencyCode', qua_han: 'overdue' }, req.query);
    renderPage(req, res, 'admin-requests', 'Đề nghị cấp tài khoản quản trị', {
      items: await adminRequests.list(req.actor!, { limit: 100, offset: 0 }, filter), filter, filterRefused: refused, statuses: ADMIN_REQUEST_STATUS_LABELS, decider: req.actor!.roles.includes('system_admin'),
      requester: req.actor!.roles.some((r) => (ADMIN_REQUESTERS as readonly string[]).includes(r)), agencyCode: req.actor!.agencyCode, problem, done: req.query.xong ?? null,
    }, problem ? 422 : 200);
  };
  router.get('/quan-tri/de-nghi', signedIn([...ADMIN_REQUESTERS, 'system_admin', 'operator']), (req, res, next) => void adminPage(req, res, null).catch(next));
  router.post('/quan-tri/de-nghi', signedIn([...ADMIN_REQUESTERS]), urlencoded, async (req, res, next) => {
    const f = (req.body ?? {}) as Record<string, string>;
    try {
      assertFormFromPortal(req, f._csrf, opts.publicOrigin);
      const body = parse(AdminAccountRequestBody, {
        subject: (f.subject ?? '').trim(), fullName: f.fullName ?? '', email: (f.email ?? '').trim(), agencyCode: (f.agencyCode ?? '').trim(), roleGroups: ['unit_admin'], justification: f.justification ?? '',
      });
      const r = await adminRequests.request(req.actor!, body, String(req.id));
      res.redirect(303, `/quan-tri/de-nghi?xong=${r.code}`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      adminPage(req, res, { form: 'request', problems, values: f }).catch(next);
    }
  });
  router.post('/quan-tri/de-nghi/:code', signedIn(['system_admin']), urlencoded, async (req, res, next) => {
    const f = (req.body ?? {}) as Record<string, string>;
    const code = String(req.params.code);
    if (!/^QT-\d{6}$/.test(code)) return next();
    try {
      assertFormFromPortal(req, f._csrf, opts.publicOrigin);
      await adminRequests.decide(req.actor!, code, parse(AdminRequestDecision, f.type === 'refuse' ? { type: 'refuse', reason: f.reason ?? '' } : { type: 'approve' }), String(req.id));
      res.redirect(303, `/quan-tri/de-nghi?xong=${code}`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      adminPage(req, res, { form: code, problems, values: f }).catch(next);
    }
  });
  return router;
}
