import { randomUUID } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { DossierService } from '../api/dossiers/service';
import { Errors, parse } from '../api/errors';
import { ActionBody, SubmitBody } from '../api/feedback/schemas';
import type { FeedbackService } from '../api/feedback/service';
import type { RateLimits } from '../api/rate-limits';
import { FEEDBACK_ACTION_LABELS, FeedbackStatus, type FeedbackActionType } from '../domain/feedback/vocabulary';
import { FEEDBACK_STEP_ROLE } from '../domain/feedback/state';
import { isOfficerRole } from '../domain/access/roles';
import { problemsOf, type FormProblems } from './forms';
import { renderPage } from './render';
import { assertFormFromPortal, signedIn } from './session';

const CODE = /^PAKN-\d{6}-\d{6}$/;
const FEEDBACK_ROLES = ['receiving_officer', 'processing_officer', 'unit_leader'] as const;
const PAGE_SIZE = 20;
/** The fields each step's form has. */
const STEP_FIELDS: Partial<Record<FeedbackActionType, readonly string[]>> = {
  not_accept: ['text'], request_clarification: ['text'], clarify: ['text'], transfer: ['toAgencyCode', 'text'], escalate_to_lead: ['reason', 'text'],
  post_progress: ['text'], enter_result: ['text'], return_answer: ['text'], mark_confidential: ['handedOverTo', 'reference'],
};

interface StepProblem {
  type: FeedbackActionType;
  problems: FormProblems;
  values: Record<string, string>;
}

const pageOf = (v: unknown) => Math.max(1, Math.min(1000, Number.parseInt(String(v ?? '1'), 10) || 1));

/**
 * Feedback pages (phản ánh, kiến nghị — PAKN): the citizen's list, a new feedback (about a dossier, a
 * procedure or an agency; contact details from the account), the feedback with its timeline and answer,
 * the clarification the agency asks for; the officers' feedback queue and the steps they may take now.
 */
export function feedbackPages(orm: MikroORM, services: { feedback: FeedbackService; dossiers: DossierService }, opts: { publicOrigin: string }): Router {
  const { feedback } = services;
  const router = Router();
  const urlencoded = express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 50 });
  const agencies = () => orm.em.fork().execute<{ code: string; name: string }[]>('select code, name from agency order by name');
  const limited = (req: Request, res: Response, next: (e?: unknown) => void) => {
    const limits = req.app.locals.rateLimits as RateLimits | undefined;
    if (limits) limits.count('feedback', req, res, next);
    else next();
  };

  router.get('/pakn', signedIn(['citizen']), async (req, res, next) => {
    try {
      const page = pageOf(req.query.trang);
      const items = await feedback.listOwn(req.actor!, { limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE });
      renderPage(req, res, 'my-feedback', 'Phản ánh, kiến nghị của tôi', { items: items.slice(0, PAGE_SIZE), page, more: items.length > PAGE_SIZE });
    } catch (e) {
      next(e);
    }
  });

  const showNew = async (req: Request, res: Response, values: Record<string, string>, problems: FormProblems | null) => {
    const contact = await feedback.contactOf(req.actor!);
    const mine = await services.dossiers.listOwn(req.actor!, { limit: 50, offset: 0 });
    renderPage(req, res, 'feedback-new', 'Gửi phản ánh, kiến nghị', {
      values: { ...Object.fromEntries(Object.entries(contact).map(([k, v]) => [`contact.${k}`, v ?? ''])), ...values },
      problems, dossiers: mine, agencies: await agencies(), key: randomUUID(),
    }, problems ? 422 : 200);
  };

  router.get('/pakn/gui', signedIn(['citizen']), async (req, res, next) => {
    try {
      const dossierCode = typeof req.query['ho-so'] === 'string' ? req.query['ho-so'] : '';
      await showNew(req, res, dossierCode ? { dossierCode } : {}, null);
    } catch (e) {
      next(e);
    }
  });

  router.post('/pakn/gui', signedIn(['citizen']), limited, urlencoded, async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const values = Object.fromEntries(Object.entries(body).filter(([k, v]) => !k.startsWith('_') && typeof v === 'string')) as Record<string, string>;
    try {
      assertFormFromPortal(req, body._csrf, opts.publicOrigin);
      const contact = Object.fromEntries(['name', 'address', 'phone', 'email'].map((k) => [k, values[`contact.${k}`]?.trim()]).filter(([, v]) => v));
      const input = parse(SubmitBody, {
        title: values.title, content: values.content, contact,
        ...(values.dossierCode ? { dossierCode: values.dossierCode } : values.agencyCode ? { agencyCode: values.agencyCode } : {}),
      });
      const r = await feedback.submitOnline(req.actor!, input, String(req.id));
      res.redirect(303, `/pakn/${r.code}?da-gui=1`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showNew(req, res, values, problems).catch(next);
    }
  });

  async function showFeedback(req: Request, res: Response, code: string, step: StepProblem | null) {
    const f = await feedback.track(req.actor!, code);
    const actions = await feedback.availableActions(req.actor!, code).catch((e: unknown) => {
      req.log.warn({ err: e, code }, 'steps of the feedback not available');
      return null;
    });
    const lastQuestion = [...f.history].reverse().find((h) => h.action === 'request_clarification');
    renderPage(req, res, 'feedback', `Phản ánh, kiến nghị ${f.code}`, {
      f, actions: actions ?? [], actionsUnavailable: actions === null, step, key: randomUUID(), labels: FEEDBACK_ACTION_LABELS,
      agencies: actions?.includes('transfer') ? (await agencies()).filter((a) => a.code !== f.agency.code) : [],
      question: f.status === 'clarification_requested' ? lastQuestion : null,
      sent: req.query['da-gui'] === '1', done: typeof req.query.xong === 'string' ? FEEDBACK_ACTION_LABELS[req.query.xong as FeedbackActionType] ?? null : null,
      isOwner: req.actor!.roles.includes('citizen'),
    }, step ? 422 : 200);
  }

  router.get('/pakn/:code', signedIn(), async (req, res, next) => {
    try {
      const code = String(req.params.code);
      if (!CODE.test(code)) throw Errors.notFound('Phản ánh, kiến nghị');
      await showFeedback(req, res, code, null);
    } catch (e) {
      next(e);
    }
  });

  router.post('/pakn/:code/thao-tac', signedIn(['citizen', ...FEEDBACK_ROLES]), urlencoded, async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const type = String(body.type ?? '') as FeedbackActionType;
    const values: Record<string, string> = {};
    const code = String(req.params.code);
    try {
      if (!CODE.test(code)) throw Errors.notFound('Phản ánh, kiến nghị');
      assertFormFromPortal(req, body._csrf, opts.publicOrigin);
      for (const f of STEP_FIELDS[type] ?? []) if (typeof body[f] === 'string' && body[f].trim() !== '') values[f] = body[f];
      const { text, ...action } = parse(ActionBody, { type, ...values }) as { type: FeedbackActionType; text?: string } & Record<string, unknown>;
      const key = /^[\w-]{8,100}$/.test(body._key ?? '') ? `web-${body._key}` : null;
      await feedback.act(req.actor!, code, action, text ?? null, String(req.id), key);
      res.redirect(303, `/pakn/${code}?xong=${type}`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showFeedback(req, res, code, { type, problems, values }).catch(next);
    }
  });

  router.get('/can-bo/pakn', signedIn(FEEDBACK_ROLES), async (req, res, next) => {
    try {
      const actor = req.actor!;
      const roles = actor.roles.filter(isOfficerRole);
      const statuses = FeedbackStatus.options.filter((s) => roles.includes(FEEDBACK_STEP_ROLE[s] as never));
      const status = statuses.includes(req.query.buoc as FeedbackStatus) ? (req.query.buoc as FeedbackStatus) : undefined;
      const page = pageOf(req.query.trang);
      const items = await feedback.queue(actor, { status, limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE });
      renderPage(req, res, 'feedback-queue', 'Phản ánh, kiến nghị cần xử lý', {
        items: items.slice(0, PAGE_SIZE), statuses, status, page, more: items.length > PAGE_SIZE,
      });
    } catch (e) {
      next(e);
    }
  });
  return router;
}
