import express, { Router, type Request, type Response } from 'express';
import { parse } from '../api/errors';
import { DomainError } from '../domain/errors';
import type { AccountComplaints } from '../api/service-desk/complaints';
import { ComplaintAction, ComplaintBody, ComplaintOnBehalfBody, COMPLAINT_CHANNEL_LABELS, COMPLAINT_KIND_LABELS, COMPLAINT_STATUS_LABELS } from '../domain/service-desk/complaints';
import { ComplaintFilterQuery } from '../api/service-desk/routes';
import { lockedMessage } from '../domain/accounts/lifecycle';
import { lockedComplaintGrant } from '../api/auth';
import type { CsrfTokens } from './render';
import { listFilter, problemsOf, type FormProblems } from './forms';
import { renderPage } from './render';
import { assertFormFromPortal, signedIn } from './session';

const HANDLERS = ['operator', 'system_admin'] as const;
const CODE = /^KN-\d{6}$/;
const urlencoded = express.urlencoded({ extended: false, limit: '64kb' });
type Problem = { form: string; problems: FormProblems; values: Record<string, string> } | null;

/** Account complaints in the portal (issue 17): the citizen's form and list; the operators' queue with its two steps. */
export function complaintPages(complaints: AccountComplaints, opts: { publicOrigin: string }): Router {
  const router = Router();
  const mine = async (req: Request, res: Response, problem: Problem) =>
    renderPage(req, res, 'complaints', 'Khiếu nại về tài khoản', { items: await complaints.list(req.actor!, { limit: 50, offset: 0 }), kinds: COMPLAINT_KIND_LABELS, problem, handler: false, done: req.query.xong ?? null }, problem ? 422 : 200);
  // The operators' list, filtered by the query (trang_thai, loai, kenh, qua_han=1); with a bad value the page says so and lists unfiltered.
  const queue = async (req: Request, res: Response, problem: Problem) => {
    const q = req.query as Record<string, unknown>;
    const { filter, refused } = listFilter(ComplaintFilterQuery, { trang_thai: 'status', loai: 'kind', kenh: 'channel', qua_han: 'overdue' }, { ...q, qua_han: q.qua_han === '1' ? 'true' : q.qua_han });
    renderPage(req, res, 'complaints', 'Khiếu nại về tài khoản', {
      items: await complaints.list(req.actor!, { limit: 100, offset: 0 }, filter), kinds: COMPLAINT_KIND_LABELS, problem, handler: true, done: req.query.xong ?? null,
      filter, filterRefused: refused, statuses: COMPLAINT_STATUS_LABELS, channels: COMPLAINT_CHANNEL_LABELS,
    }, problem ? 422 : 200);
  };

  router.get('/tai-khoan/khieu-nai', signedIn(['citizen']), (req, res, next) => void mine(req, res, null).catch(next));
  router.post('/tai-khoan/khieu-nai', signedIn(['citizen']), urlencoded, async (req, res, next) => {
    const f = (req.body ?? {}) as Record<string, string>;
    try {
      assertFormFromPortal(req, f._csrf, opts.publicOrigin);
      const c = await complaints.file({ channel: 'portal', actor: req.actor! }, parse(ComplaintBody, { kind: f.kind ?? '', description: f.description ?? '' }), String(req.id));
      res.redirect(303, `/tai-khoan/khieu-nai?xong=${c.code}`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      mine(req, res, { form: 'file', problems, values: f }).catch(next);
    }
  });

  // A locked account's one door (000 §13.1): reached from its refused sign-in, for LOCKED_COMPLAINT_MINUTES,
  // one complaint; nothing else of the portal opens to it.
  const locked = (req: Request, res: Response, problem: Problem, filed: unknown = null) => {
    const grant = lockedComplaintGrant(req);
    const csrf = grant ? (req.app.locals.csrf as CsrfTokens).token(req) : '';
    renderPage(req, res, 'locked-account', 'Tài khoản đã bị khóa', { grant, message: grant ? lockedMessage(grant.lockKind) : null, kinds: COMPLAINT_KIND_LABELS, problem, filed, csrf }, problem ? 422 : 200);
  };
  router.get('/tai-khoan/bi-khoa', (req, res) => locked(req, res, null));
  router.post('/tai-khoan/bi-khoa', urlencoded, async (req, res, next) => {
    const f = (req.body ?? {}) as Record<string, string>;
    try {
      assertFormFromPortal(req, f._csrf, opts.publicOrigin);
      const grant = lockedComplaintGrant(req);
      if (!grant) return locked(req, res, null);
      const c = await complaints.file({ channel: 'locked_account', accountId: grant.accountId }, parse(ComplaintBody, { kind: f.kind ?? '', description: f.description ?? '' }), String(req.id));
      delete req.session.lockedComplaint;
      req.session.save(() => locked(req, res, null, c));
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      locked(req, res, { form: 'file', problems, values: f });
    }
  });

  router.get('/van-hanh/khieu-nai', signedIn([...HANDLERS]), (req, res, next) => void queue(req, res, null).catch(next));
  // An operator records a citizen's complaint received by telephone or at a desk.
  router.post('/van-hanh/khieu-nai/thay-cong-dan', signedIn([...HANDLERS]), urlencoded, async (req, res, next) => {
    const f = (req.body ?? {}) as Record<string, string>;
    try {
      assertFormFromPortal(req, f._csrf, opts.publicOrigin);
      const { account, ...body } = parse(ComplaintOnBehalfBody, { account: f.account ?? '', kind: f.kind ?? '', description: f.description ?? '' });
      const c = await complaints.file({ channel: 'operator', actor: req.actor!, accountSubject: account }, body, String(req.id));
      res.redirect(303, `/van-hanh/khieu-nai?xong=${c.code}`);
    } catch (e) {
      const unknown = e instanceof DomainError && e.code === 'UNKNOWN_ACCOUNT' ? { message: 'Dữ liệu chưa hợp lệ; vui lòng sửa mục được chỉ ra.', fields: { account: [e.message] } } : null;
      const problems = unknown ?? problemsOf(e);
      if (!problems) return next(e);
      queue(req, res, { form: 'on-behalf', problems, values: f }).catch(next);
    }
  });
  router.post('/van-hanh/khieu-nai/:code', signedIn([...HANDLERS]), urlencoded, async (req, res, next) => {
    const f = (req.body ?? {}) as Record<string, string>;
    const code = String(req.params.code);
    if (!CODE.test(code)) return next();
    try {
      assertFormFromPortal(req, f._csrf, opts.publicOrigin);
      const action = parse(ComplaintAction, f.type === 'resolve'
        ? { type: 'resolve', outcome: f.outcome ?? '', note: f.note ?? '', unlock: f.unlock === 'on' }
        : { type: 'notify_parties', note: f.note ?? '' });
      await complaints.act(req.actor!, code, action, String(req.id));
      res.redirect(303, `/van-hanh/khieu-nai?xong=${code}`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      queue(req, res, { form: `${code}:${f.type}`, problems, values: f }).catch(next);
    }
  });
  return router;
}
