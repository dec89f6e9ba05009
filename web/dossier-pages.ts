import { randomUUID } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { findProcedure } from '../api/catalogue';
import type { DossierDocuments } from '../api/dossiers/documents';
import { sendDocument } from '../api/dossiers/document-routes';
import { ActionBody } from '../api/dossiers/schemas';
import type { DossierService } from '../api/dossiers/service';
import type { PaymentService } from '../api/payments/service';
import type { RefundService } from '../api/payments/refunds';
import { apiError, Errors, parse } from '../api/errors';
import { OfficerRole } from '../domain/access/roles';
import { RefundRequestBody } from '../domain/payment/refund';
import type { DossierAction, DossierActionType } from '../domain/dossier/vocabulary';
import { ACTION_LABELS } from '../domain/dossier/vocabulary';
import { formDataFrom, problemsOf, readPortalUpload, storeChoiceFrom, UploadRefused, type FormProblems, type StoreChoice } from './forms';
import type { DataStoreService } from '../api/data-store/service';
import { ProcedureForm } from '../domain/dossier/form';
import { formatOf } from './public-pages';
import { feeText, renderPage } from './render';
import { assertFormFromPortal, signedIn } from './session';
import { anchorOf } from './submission-pages';

/** A deadline an announced calendar change moved (issue 15), as the citizen reads it. */
export interface DeadlineMove { label: string; from: string; to: string }

const MOVABLE_DEADLINES = [['legalDueAt', 'Hạn giải quyết'], ['acceptanceDueAt', 'Hạn tiếp nhận']] as const;

/** The deadlines a `deadline_moved` history entry moved (none for any other entry). */
export function movesOf(h: { action: string; details: Record<string, unknown> }): DeadlineMove[] {
  if (h.action !== 'deadline_moved') return [];
  const { from, to } = h.details as { from?: Record<string, string | null>; to?: Record<string, string | null> };
  return MOVABLE_DEADLINES.filter(([k]) => from?.[k] && to?.[k] && from[k] !== to[k]).map(([k, label]) => ({ label, from: from![k]!, to: to![k]! }));
}

/**
 * The latest calendar change that moved this dossier's deadlines, for the notice above its facts: a history
 * entry, or the move the change job wrote to the record before the process woke (issue 30).
 */
function lastMoveOf(history: { action: string; at: string; details: Record<string, unknown> }[], recorded: { at: string; date: string; from: unknown; to: unknown } | null) {
  const entry = [...history].reverse().find((x) => movesOf(x).length > 0);
  const job = recorded ? { action: 'deadline_moved', at: recorded.at, details: { date: recorded.date, from: recorded.from, to: recorded.to } } : null;
  // The process's own entry for the same move (written when it woke) names no day: the job's record does.
  const legalTo = (x: { details: Record<string, unknown> }) => Date.parse(String((x.details.to as Record<string, unknown> | undefined)?.legalDueAt));
  const h = job && movesOf(job).length > 0 && (!entry || Date.parse(job.at) > Date.parse(entry.at) || legalTo(job) === legalTo(entry)) ? job : entry;
  if (!h) return null;
  const date = typeof h.details.date === 'string' ? h.details.date.split('-').reverse().join('/') : null;
  return { at: h.at, date, moves: movesOf(h) };
}

const CODE = /^[A-Z]{2,10}-[A-Z]{2,12}-\d{6}-\d{6}$/;
/** What the consent form of the data store did (see data-store-pages). */
const CONSENT_DONE: Record<string, string> = { 'dong-y-luu-kho': 'Đồng ý lưu giữ thành phần hồ sơ vào Kho dữ liệu khi được tiếp nhận', 'khong-luu-kho': 'Không lưu giữ thành phần hồ sơ vào Kho dữ liệu' };
const PAGE_SIZE = 20;
/** The text fields each step's form has (the rest of the action is fixed by the page). */
const ACTION_FIELDS: Partial<Record<DossierActionType, readonly string[]>> = {
  accept: ['note'], request_supplement: ['guidance', 'items'], reject: ['reason'], confirm_payment: ['receiptNumber', 'amount'],
  submit_for_approval: ['summary'], approve: ['note'], return_for_rework: ['reason'], issue_result: ['title', 'content'], withdraw: ['reason'],
};

/** A refused step, shown again on the dossier page beside its form. */
interface StepProblem {
  type: DossierActionType | 'supplement' | 'revoke' | 'pay' | 'refund';
  problems: FormProblems;
  values: Record<string, unknown>;
  /** A supplement's components taken from the store, kept when the form comes back with its errors. */
  chosen?: StoreChoice;
}

/**
 * The dossier pages, for its citizen and the agency's officers alike: the list of one's dossiers, the
 * dossier with its timeline, deadlines, files and signed documents, and exactly the steps this account
 * may take now (asked of the process's own rule), each sent to the same service as the API.
 */
export function dossierPages(orm: MikroORM, services: { dossiers: DossierService; documents: DossierDocuments; payments: PaymentService; refunds: RefundService; store: DataStoreService }, opts: { maxUploadBytes: number; publicOrigin: string }): Router {
  const { dossiers, documents } = services;
  const router = Router();
  const urlencoded = express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 50 });
  const codeOf = (req: Request) => {
    const code = String(req.params.code);
    if (!CODE.test(code)) throw Errors.notFound('Hồ sơ');
    return code;
  };

  router.get('/ho-so', signedIn(['citizen']), async (req, res, next) => {
    try {
      const page = Math.max(1, Math.min(1000, Number.parseInt(String(req.query.trang ?? '1'), 10) || 1));
      const items = await dossiers.listOwn(req.actor!, { limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE });
      renderPage(req, res, 'my-dossiers', 'Hồ sơ của tôi', { items: items.slice(0, PAGE_SIZE), page, more: items.length > PAGE_SIZE });
    } catch (e) {
      next(e);
    }
  });

  async function showDossier(req: Request, res: Response, code: string, step: StepProblem | null) {
    const actor = req.actor!;
    const d = await dossiers.track(actor, code);
    const [versions, actions, procedure] = await Promise.all([
      documents.versions(actor, code).catch(() => null),
      dossiers.availableActions(actor, code).catch((e: unknown) => {
        req.log.warn({ err: e, code }, 'steps of the dossier not available');
        return null;
      }),
      findProcedure(orm, d.procedure.code),
    ]);
    const lastRequest = [...d.history].reverse().find((h) => h.action === 'request_supplement');
    const payment = d.feeAmount > 0 ? await services.payments.ofDossier(code) : null;
    const canRevoke = actor.roles.includes('unit_leader') && actor.agencyCode === d.agency.code;
    // A supplement may take components from the citizen's store, as a submission does (003 §16.4).
    const choices = actions?.includes('supplement') && procedure ? await services.store.choices(actor, ProcedureForm.parse(procedure.form), String(req.id)) : {};
    renderPage(req, res, 'dossier', `Hồ sơ ${d.code}`, {
      d, versions, actions: actions ?? [], actionsUnavailable: actions === null, step, canRevoke, choices, chosen: step?.chosen ?? { fromStore: {}, consent: false },
      form: procedure?.form ?? { fields: [], files: [] }, formatOf, anchorOf: anchorOf(procedure?.form ?? { fields: [] }),
      deadlineMove: lastMoveOf(d.history, d.calendarMove), movesOf,
      supplementRequest: d.status === 'supplement_requested' ? lastRequest : null,
      feeText: feeText(d.feeAmount), key: randomUUID(), labels: ACTION_LABELS,
      submitted: req.query['da-nop'] === '1', done: typeof req.query.xong === 'string' ? (ACTION_LABELS[req.query.xong as DossierActionType] ?? CONSENT_DONE[req.query.xong] ?? null) : null,
      isOwner: actor.roles.includes('citizen'),
      refund: payment?.status === 'paid' ? await services.refunds.ofPayment(payment.id) : null,
      refundAsked: req.query['hoan-tien'] === '1',
      payment, banks: await services.payments.banks(), canPay: actor.roles.includes('citizen') && d.status === 'awaiting_fee' && payment?.status !== 'paid',
    }, step ? 422 : 200);
  }

  router.get('/ho-so/:code', signedIn(), async (req, res, next) => {
    try {
      await showDossier(req, res, codeOf(req), null);
    } catch (e) {
      next(e);
    }
  });

  // A step (one form per step): the same action the API takes, with its idempotency key.
  router.post('/ho-so/:code/thao-tac', signedIn(['citizen', ...OfficerRole.options]), urlencoded, async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const type = String(body.type ?? '') as DossierActionType;
    const values: Record<string, unknown> = {};
    try {
      const code = codeOf(req);
      assertFormFromPortal(req, body._csrf, opts.publicOrigin);
      for (const f of ACTION_FIELDS[type] ?? []) if (typeof body[f] === 'string' && body[f].trim() !== '') values[f] = body[f];
      const action: Record<string, unknown> = { type, ...values };
      if (type === 'request_supplement' && typeof values.items === 'string') action.items = values.items.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
      if (type === 'confirm_payment' && typeof values.amount === 'string') action.amount = /^\d{1,12}$/.test(values.amount.replace(/[.\s]/g, '')) ? Number(values.amount.replace(/[.\s]/g, '')) : values.amount;
      const key = /^[\w-]{8,100}$/.test(body._key ?? '') ? `web-${body._key}` : null;
      await dossiers.act(req.actor!, code, parse(ActionBody, action) as DossierAction, String(req.id), key);
      res.redirect(303, `/ho-so/${code}?xong=${type}`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showDossier(req, res, String(req.params.code), { type, problems, values }).catch(next);
    }
  });

  router.post('/ho-so/:code/bo-sung', signedIn(['citizen']), async (req, res, next) => {
    let values: Record<string, unknown> = {};
    let chosen: StoreChoice = { fromStore: {}, consent: false };
    try {
      const code = codeOf(req);
      const d = await dossiers.track(req.actor!, code);
      const p = await findProcedure(orm, d.procedure.code);
      const form = p?.form ?? { fields: [], files: [] };
      let upload;
      try {
        upload = await readPortalUpload(req, dossiers.supplementComponents(req.actor!, code), opts.maxUploadBytes);
      } catch (e) {
        if (e instanceof UploadRefused) {
          values = formDataFrom(form, e.fields);
          chosen = storeChoiceFrom(e.fields);
          throw e.refusal;
        }
        throw e;
      }
      assertFormFromPortal(req, upload.fields._csrf, opts.publicOrigin);
      values = formDataFrom(form, upload.fields);
      chosen = storeChoiceFrom(upload.fields);
      await dossiers.supplement(req.actor!, code, values, upload.files, String(req.id), chosen.fromStore);
      res.redirect(303, `/ho-so/${code}?xong=supplement`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showDossier(req, res, String(req.params.code), { type: 'supplement', problems, values, chosen }).catch(next);
    }
  });

  router.post('/ho-so/:code/thu-hoi/:resultCode', signedIn(['unit_leader']), urlencoded, async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, string>;
    try {
      const code = codeOf(req);
      assertFormFromPortal(req, body._csrf, opts.publicOrigin);
      const resultCode = String(req.params.resultCode);
      if (!resultCode.startsWith(`${code}-KQ`)) throw Errors.notFound('Kết quả');
      const reason = String(body.reason ?? '').trim();
      if (reason.length < 10) throw apiError(422, 'VALIDATION_FAILED', 'Lý do thu hồi chưa hợp lệ.', [{ field: 'reason', code: 'too_small', message: 'Lý do thu hồi cần ít nhất 10 ký tự.' }]);
      await dossiers.revokeResult(req.actor!, resultCode, reason, String(req.id));
      res.redirect(303, `/ho-so/${code}?xong=revoke_result`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showDossier(req, res, String(req.params.code), { type: 'revoke', problems, values: { reason: body.reason } }).catch(next);
    }
  });

  // Online payment of the fee: the payment request, the bank chosen, then the bank's own page.
  router.post('/ho-so/:code/thanh-toan', signedIn(['citizen']), urlencoded, async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, string>;
    try {
      const code = codeOf(req);
      assertFormFromPortal(req, body._csrf, opts.publicOrigin);
      const { payment } = await services.payments.requestForDossier(req.actor!, code, String(req.id));
      const { payUrl } = await services.payments.chooseBank(req.actor!, payment.id, String(body.bankCode ?? ''));
      res.redirect(303, payUrl);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showDossier(req, res, String(req.params.code), { type: 'pay', problems, values: { bankCode: body.bankCode } }).catch(next);
    }
  });

  // A refund of the fee paid online: checked and routed by the same service as the API.
  router.post('/ho-so/:code/hoan-tien', signedIn(['citizen']), urlencoded, async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, string>;
    try {
      const code = codeOf(req);
      assertFormFromPortal(req, body._csrf, opts.publicOrigin);
      const payment = await services.payments.ofDossier(code);
      if (!payment) throw Errors.notFound('Giao dịch');
      await services.refunds.request(req.actor!, payment.id, parse(RefundRequestBody, { reason: body.reason ?? '' }).reason);
      res.redirect(303, `/ho-so/${code}?hoan-tien=1#nop-phi`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showDossier(req, res, String(req.params.code), { type: 'refund', problems, values: { reason: body.reason } }).catch(next);
    }
  });

  // Files and signed documents: the same access and content as the API's routes.
  router.get('/ho-so/:code/tep/:fileId', signedIn(), async (req, res, next) => {
    try {
      const fileId = String(req.params.fileId);
      if (!/^[0-9a-f-]{36}$/.test(fileId)) throw Errors.notFound('Tệp');
      sendDocument(res, await documents.file(req.actor!, codeOf(req), fileId, String(req.id)), req.query.xem === '1');
    } catch (e) {
      next(e);
    }
  });
  router.get('/ho-so/:code/bien-nhan.pdf', signedIn(), async (req, res, next) => {
    try {
      const code = codeOf(req);
      sendDocument(res, { content: await documents.receipt(req.actor!, code), mimeType: 'application/pdf', filename: `bien-nhan-${code}.pdf` }, false);
    } catch (e) {
      next(e);
    }
  });
  router.get('/ho-so/:code/ket-qua/:resultCode.pdf', signedIn(), async (req, res, next) => {
    try {
      const code = codeOf(req);
      const resultCode = String(req.params.resultCode);
      sendDocument(res, { content: await documents.result(req.actor!, code, resultCode), mimeType: 'application/pdf', filename: `ket-qua-${resultCode}.pdf` }, false);
    } catch (e) {
      next(e);
    }
  });
  return router;
}

