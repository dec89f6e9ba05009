import express, { Router, type Request, type Response } from 'express';
import { parse } from '../api/errors';
import { BatchBody, operatorAct, ProcessFilter, ResetBody, RetryBody, TerminateBody } from '../api/operations/process-routes';
import type { OperationsConsole } from '../services/operations/console';
import { operationsAlerts, resendBatch, resendMessage, stuckMessages, type MessageFilter as MessageFilterValue } from '../services/operations/outbox';
import { MessageFilterQuery, ResendBatchBody } from '../api/operations/routes';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { PROCESS_KINDS } from '../workflows/search-attributes';
import { STATUS_LABELS } from '../domain/dossier/vocabulary';
import { FEEDBACK_STATUS_LABELS } from '../domain/feedback/vocabulary';
import { DISCREPANCY_STATUS_LABELS } from '../domain/payment/discrepancy';
import { REFUND_STATUS_LABELS } from '../domain/payment/refund';
import { PAYMENT_STATUS_LABELS } from '../domain/payment/vocabulary';
import { FINDING_STATUS_LABELS } from '../domain/publication/findings';
import { SERVICE_STATUS_LABELS } from '../domain/publication/vocabulary';
import { MAINTENANCE_STATUS_LABELS } from '../domain/service-desk/maintenance';
import { COMPLAINT_STATUS_LABELS } from '../domain/service-desk/complaints';
import { ADMIN_REQUEST_STATUS_LABELS } from '../domain/service-desk/admin-accounts';
import { SUPPORT_STATUS_LABELS } from '../domain/service-desk/support';
import { problemsOf, type FormProblems } from './forms';
import { renderPage } from './render';
import { assertFormFromPortal, signedIn } from './session';

const OPERATORS = ['operator', 'system_admin'] as const;
const WORKFLOW_ID = /^[\w.:-]{1,200}$/;
const MESSAGE_ID = /^[1-9]\d{0,17}$/;

/** The console's sections, by the `su-co` query value. */
const SECTIONS = {
  'thu-lai': { label: 'Bước đang thử lại nhiều lần', problem: 'stalled_activities' },
  'loi-xu-ly': { label: 'Bước xử lý (workflow task) lỗi liên tục', problem: 'failing_tasks' },
  'ket-thuc': { label: 'Kết thúc bất thường (lỗi, bị chấm dứt, quá thời gian)', problem: 'closed_abnormally' },
  'thu-chua-gui': { label: 'Thư, tin nhắn chưa gửi được', problem: null },
  'canh-bao': { label: 'Cảnh báo hệ thống kết nối', problem: null },
} as const;
type Section = keyof typeof SECTIONS;

export const KIND_LABELS: Record<keyof typeof PROCESS_KINDS, string> = {
  dossier: 'Hồ sơ', feedback: 'Phản ánh, kiến nghị', payment: 'Thanh toán', refund: 'Hoàn tiền', discrepancy: 'Chênh lệch đối soát', publication: 'Công bố dịch vụ', finding: 'Sai sót dữ liệu thủ tục', maintenance: 'Thông báo bảo trì', complaint: 'Khiếu nại tài khoản', admin_request: 'Đề nghị cấp tài khoản quản trị', support: 'Yêu cầu hỗ trợ, sự cố',
};

/** Each kind's business statuses in words; the engine's own states in words. */
const STATUS_WORDS: Record<keyof typeof PROCESS_KINDS, Record<string, string>> = {
  dossier: STATUS_LABELS, feedback: FEEDBACK_STATUS_LABELS, payment: PAYMENT_STATUS_LABELS, refund: REFUND_STATUS_LABELS,
  discrepancy: DISCREPANCY_STATUS_LABELS, publication: SERVICE_STATUS_LABELS, finding: FINDING_STATUS_LABELS, maintenance: MAINTENANCE_STATUS_LABELS, complaint: COMPLAINT_STATUS_LABELS, admin_request: ADMIN_REQUEST_STATUS_LABELS, support: SUPPORT_STATUS_LABELS,
};
const ENGINE_WORDS: Record<string, string> = {
  RUNNING: 'Đang chạy', COMPLETED: 'Đã hoàn thành', FAILED: 'Lỗi', TERMINATED: 'Bị chấm dứt', TIMED_OUT: 'Quá thời gian', CANCELLED: 'Đã hủy', CONTINUED_AS_NEW: 'Chạy tiếp ở lượt mới',
};
const words = { status: (kind: string | null, s: string | null) => (s ? STATUS_WORDS[kind as keyof typeof PROCESS_KINDS]?.[s] ?? s : '—'), engine: (s: string) => ENGINE_WORDS[s] ?? s };

interface Problem { form: string; problems: FormProblems; values: Record<string, string> }

/**
 * The operators' console pages (issue 14): the processes that stall, each with its business identity,
 * the outbox's stuck messages and the open alerts; a process's business history beside the engine's
 * events; retry, reset, terminate, re-send and batch actions with a dry run. The same services as the API.
 */
export function operationsPages(orm: MikroORM, console: OperationsConsole, opts: { publicOrigin: string }): Router {
  const router = Router();
  const urlencoded = express.urlencoded({ extended: false, limit: '10kb', parameterLimit: 20 });

  function filterOf(q: Record<string, unknown>) {
    const raw = { kind: q.loai || undefined, agencyCode: q.co_quan || undefined, procedureCode: q.thu_tuc || undefined };
    const parsed = ProcessFilter.safeParse(raw);
    return parsed.success ? parsed.data : {};
  }

  /**
   * The messages' filter from the page's query (loai_thu, co_quan, tuoi in hours, loi). A bad value is left
   * out of the filter and named (`refused`), so the page says so instead of silently listing more.
   */
  const MESSAGE_FILTER_LABELS = { kind: 'Loại quy trình', agencyCode: 'Cơ quan (mã)', olderThanHours: 'Tạo cách đây ít nhất (giờ)', error: 'Lỗi có chứa' } as const;
  function messageFilterOf(q: Record<string, unknown>): MessageFilterValue & { refused?: string[] } {
    const raw = { kind: q.loai_thu || undefined, agencyCode: q.co_quan || undefined, olderThanHours: q.tuoi || undefined, error: q.loi || undefined };
    const out: Record<string, unknown> = {};
    const refused: string[] = [];
    for (const [k, v] of Object.entries(raw)) {
      if (v === undefined) continue;
      const one = MessageFilterQuery.safeParse({ [k]: v });
      if (one.success) out[k] = (one.data as Record<string, unknown>)[k];
      else refused.push(MESSAGE_FILTER_LABELS[k as keyof typeof MESSAGE_FILTER_LABELS]);
    }
    return { ...(out as MessageFilterValue), ...(refused.length ? { refused } : {}) };
  }

  const mfOnly = ({ refused: _r, ...f }: ReturnType<typeof messageFilterOf>): MessageFilterValue => f;

  async function showConsole(req: Request, res: Response, q: Record<string, string | undefined>, extra: { problem?: Problem | null; batch?: Awaited<ReturnType<OperationsConsole['batch']>> | null; resent?: Awaited<ReturnType<typeof resendBatch>> | null } = {}) {
    const section: Section = q.su_co && q.su_co in SECTIONS ? (q.su_co as Section) : 'thu-lai';
    const f = filterOf(q);
    const problem = SECTIONS[section].problem;
    const items = problem === 'stalled_activities' ? await console.stalledActivities(f)
      : problem === 'failing_tasks' ? await console.failingWorkflowTasks(f)
        : problem === 'closed_abnormally' ? await console.closedAbnormally(f) : [];
    const mf = messageFilterOf(q);
    const messages = section === 'thu-chua-gui'
      ? [...(await stuckMessages(orm, 'waiting', { limit: 100, offset: 0 }, mfOnly(mf))), ...(await stuckMessages(orm, 'dead', { limit: 100, offset: 0 }, mfOnly(mf)))] : [];
    const alerts = section === 'canh-bao' ? await operationsAlerts(orm, 'open') : [];
    const query = new URLSearchParams(Object.entries({ su_co: section, loai: f.kind, co_quan: f.agencyCode, thu_tuc: f.procedureCode }).filter((e): e is [string, string] => typeof e[1] === 'string')).toString();
    renderPage(req, res, 'operations', 'Vận hành quy trình', {
      section, sections: Object.entries(SECTIONS).map(([key, s]) => ({ key, label: s.label })), f, items, messages, alerts, query,
      kinds: Object.entries(KIND_LABELS).map(([value, label]) => ({ value, label })), kindLabel: (k: string | null) => (k && k in KIND_LABELS ? KIND_LABELS[k as keyof typeof KIND_LABELS] : k ?? '—'),
      mf, messageKinds: Object.entries(KIND_LABELS).map(([value, label]) => ({ value: value.replace('_', '-'), label })), resent: extra.resent ?? null,
      words, problem: extra.problem ?? null, batch: extra.batch ?? null, done: typeof q.xong === 'string' ? q.xong : null,
    }, extra.problem ? 422 : 200);
  }

  async function showProcess(req: Request, res: Response, workflowId: string, problem: Problem | null) {
    const p = await console.inspect(workflowId);
    renderPage(req, res, 'operations-process', `Quy trình ${workflowId}`, {
      p, problem, words, done: typeof req.query.xong === 'string' ? req.query.xong : null,
      kindLabel: p.process.kind && p.process.kind in KIND_LABELS ? KIND_LABELS[p.process.kind as keyof typeof KIND_LABELS] : p.process.workflowType,
    }, problem ? 422 : 200);
  }

  router.get('/van-hanh', signedIn(OPERATORS), (req, res, next) => void showConsole(req, res, req.query as Record<string, string | undefined>).catch(next));

  router.get('/van-hanh/quy-trinh/:id', signedIn(OPERATORS), (req, res, next) => {
    const id = String(req.params.id);
    if (!WORKFLOW_ID.test(id)) return next();
    showProcess(req, res, id, null).catch(next);
  });

  /** A form on a process's page: parsed with the API's schema, applied by the console, back to the page. */
  const processAction = (path: string, form: string, act: (id: string, body: Record<string, string>, req: Request) => Promise<string>) =>
    router.post(`/van-hanh/quy-trinh/:id/${path}`, signedIn(OPERATORS), urlencoded, async (req, res, next) => {
      const id = String(req.params.id);
      const body = (req.body ?? {}) as Record<string, string>;
      if (!WORKFLOW_ID.test(id)) return next();
      try {
        assertFormFromPortal(req, body._csrf, opts.publicOrigin);
        const done = await act(id, body, req);
        res.redirect(303, `/van-hanh/quy-trinh/${encodeURIComponent(id)}?xong=${encodeURIComponent(done)}`);
      } catch (e) {
        const problems = problemsOf(e);
        if (!problems) return next(e);
        showProcess(req, res, id, { form, problems, values: { reason: body.reason ?? '' } }).catch(next);
      }
    });

  processAction('chay-lai', 'retry', async (id, body, req) => {
    const b = parse(RetryBody, { activityId: body.activityId ?? '', reason: body.reason ?? '' });
    const r = await console.retryActivity(id, b.activityId, operatorAct(req, b.reason));
    return `Đã chạy lại bước ${r.activityType}.`;
  });
  processAction('dat-lai', 'reset', async (id, body, req) => {
    const b = parse(ResetBody, { runId: body.runId || undefined, eventId: body.eventId || undefined, reason: body.reason ?? '' });
    const r = await console.reset(id, b.runId, b.eventId, operatorAct(req, b.reason));
    return `Đã đặt lại về sự kiện ${r.eventId}; lượt chạy mới ${r.runId}.`;
  });
  processAction('cham-dut', 'terminate', async (id, body, req) => {
    const b = parse(TerminateBody, { reason: body.reason ?? '' });
    await console.terminate(id, operatorAct(req, b.reason));
    return 'Đã chấm dứt quy trình.';
  });

  router.post('/van-hanh/hang-loat', signedIn(OPERATORS), urlencoded, async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, string>;
    try {
      assertFormFromPortal(req, body._csrf, opts.publicOrigin);
      const b = parse(BatchBody, { action: body.action, filter: filterOf(body), dryRun: body.dryRun === '1', reason: body.reason ?? '' });
      const batch = await console.batch(b.action, b.filter, b.dryRun, operatorAct(req, b.reason));
      await showConsole(req, res, { su_co: b.action === 'reset' ? 'loi-xu-ly' : 'thu-lai', loai: body.loai, co_quan: body.co_quan, thu_tuc: body.thu_tuc }, { batch });
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showConsole(req, res, { su_co: body.action === 'reset' ? 'loi-xu-ly' : 'thu-lai', loai: body.loai, co_quan: body.co_quan, thu_tuc: body.thu_tuc }, { problem: { form: 'batch', problems, values: { reason: body.reason ?? '' } } }).catch(next);
    }
  });

  // Stuck messages sent again in a batch, by the list's filter, after a dry run that lists them.
  router.post('/van-hanh/thu/hang-loat', signedIn(OPERATORS), urlencoded, async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const back = { su_co: 'thu-chua-gui', loai_thu: body.loai_thu, co_quan: body.co_quan, tuoi: body.tuoi, loi: body.loi };
    try {
      assertFormFromPortal(req, body._csrf, opts.publicOrigin);
      const { refused: _refused, ...filter } = messageFilterOf(body);
      const b = parse(ResendBatchBody, { filter, dryRun: body.dryRun === '1', reason: body.reason ?? '' });
      const resent = await resendBatch(orm, b.filter, b.dryRun, operatorAct(req, b.reason));
      await showConsole(req, res, back, { resent });
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showConsole(req, res, back, { problem: { form: 'message-batch', problems, values: { reason: body.reason ?? '' } } }).catch(next);
    }
  });

  router.post('/van-hanh/thu/:id/gui-lai', signedIn(OPERATORS), urlencoded, async (req, res, next) => {
    const id = String(req.params.id);
    const body = (req.body ?? {}) as Record<string, string>;
    if (!MESSAGE_ID.test(id)) return next();
    try {
      assertFormFromPortal(req, body._csrf, opts.publicOrigin);
      await resendMessage(orm, id, operatorAct(req, ''));
      res.redirect(303, `/van-hanh?su_co=thu-chua-gui&xong=${encodeURIComponent('Đã đưa thư, tin nhắn vào hàng gửi ngay.')}`);
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) return next(e);
      showConsole(req, res, { su_co: 'thu-chua-gui' }, { problem: { form: `message-${id}`, problems, values: {} } }).catch(next);
    }
  });
  return router;
}
