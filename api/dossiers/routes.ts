import { Router, type Request, type RequestHandler } from 'express';
import multer from 'multer';
import { OfficerRole } from '../../domain/access/roles';
import type { DossierAction } from '../../domain/dossier/vocabulary';
import { mount } from '../access';
import { apiError, assertNoNul, parse } from '../errors';
import { Page } from '../schemas';
import {
  ActionBody, DossierList, DossierParams, DossierTracking, IdempotencyHeaders, QueueQuery, ResultParams, Revocation, RevokeBody,
  StepResult, SubmissionReceipt, SubmitFields, SupplementFields,
} from './schemas';
import type { DossierService, UploadedFile } from './service';

const STEP_ROLES = ['receiving_officer', 'processing_officer', 'fee_officer', 'unit_leader', 'result_officer'] as const;

function multipartError(e: unknown): unknown {
  if (e && typeof e === 'object' && (e as { name?: string }).name === 'MulterError') return e;
  return apiError(400, 'BAD_MULTIPART', 'Biểu mẫu tải lên không đúng định dạng multipart/form-data.');
}

/** The multipart text fields, with the named JSON parts parsed. */
function multipartFields(req: Request, jsonFields: readonly string[]): Record<string, unknown> {
  const raw = { ...((req.body as Record<string, unknown> | undefined) ?? {}) };
  for (const name of jsonFields) {
    const v = raw[name];
    if (typeof v !== 'string') continue;
    try {
      raw[name] = JSON.parse(v);
    } catch {
      throw apiError(400, 'MALFORMED_JSON', `Trường "${name}" phải là JSON hợp lệ.`);
    }
  }
  // Characters escaped inside a JSON part (`\u0000`) are only visible once it is parsed.
  assertNoNul(raw, 'body');
  return raw;
}

export function dossierRoutes(service: DossierService, opts: { maxUploadBytes: number }): Router {
  const router = Router();
  const parseMultipart = multer({ storage: multer.memoryStorage(), limits: { fileSize: opts.maxUploadBytes, files: 20, fields: 20, fieldSize: 1024 * 1024 } }).any();
  // Whatever the multipart parser cannot read (no boundary, a truncated body) is the client's error.
  const upload: RequestHandler = (req, res, next) => parseMultipart(req, res, (e?: unknown) => next(e ? multipartError(e) : undefined));
  const files = (req: Request) => ((req.files as UploadedFile[] | undefined) ?? []);

  mount(router, {
    method: 'post', path: '/api/dossiers', tag: 'Hồ sơ', access: ['citizen'],
    multipart: { fields: SubmitFields, jsonFields: ['formData'], procedureField: 'procedureCode' }, headers: IdempotencyHeaders,
    responses: { 201: SubmissionReceipt, 200: SubmissionReceipt }, conflicts: true,
    summary: 'Nộp hồ sơ: multipart với procedureCode, formData (JSON) và mỗi tệp mang tên thành phần hồ sơ. Header Idempotency-Key chống nộp trùng (gửi lại: 200 với hồ sơ đã nộp).',
    handler: async (req, res) => {
      const headers = IdempotencyHeaders.safeParse(req.headers);
      if (!headers.success) throw apiError(400, 'BAD_IDEMPOTENCY_KEY', 'Idempotency-Key phải gồm 8–100 ký tự chữ, số, "-" hoặc "_".');
      const body = parse(SubmitFields, multipartFields(req, ['formData']));
      const r = await service.submit(req.actor!, { ...body, files: files(req), idempotencyKey: headers.data['idempotency-key'] ?? null, requestId: String(req.id) });
      res.status(r.created ? 201 : 200).json(r);
    },
  }, upload);

  mount(router, {
    method: 'get', path: '/api/dossiers', tag: 'Hồ sơ', access: ['citizen'], query: Page, responses: { 200: DossierList },
    summary: 'Danh sách hồ sơ của tôi (mới nhất trước).',
    handler: async (req, res) => void res.json({ items: await service.listOwn(req.actor!, parse(Page, req.query)) }),
  });

  mount(router, {
    method: 'get', path: '/api/dossiers/:code', tag: 'Hồ sơ', access: ['citizen', ...OfficerRole.options, 'system_admin', 'operator', 'integration'],
    params: DossierParams, responses: { 200: DossierTracking },
    summary: 'Tra cứu hồ sơ theo mã: trạng thái, lịch sử, cán bộ đang xử lý, thời gian làm việc đã dùng và còn lại.',
    handler: async (req, res) => void res.json(await service.track(req.actor!, String(req.params.code))),
  });

  mount(router, {
    method: 'post', path: '/api/dossiers/:code/supplement', tag: 'Hồ sơ', access: ['citizen'], params: DossierParams,
    multipart: { fields: SupplementFields, jsonFields: ['formData'], procedureField: null }, responses: { 200: StepResult }, conflicts: true,
    summary: 'Bổ sung hồ sơ theo yêu cầu: formData (JSON, toàn bộ tờ khai) và các tệp thay thế; thành phần không gửi lại giữ tệp cũ; mã hồ sơ không đổi.',
    handler: async (req, res) => {
      const body = parse(SupplementFields, multipartFields(req, ['formData']));
      res.json(await service.supplement(req.actor!, String(req.params.code), body.formData, files(req), String(req.id)));
    },
  }, upload);

  mount(router, {
    method: 'post', path: '/api/dossiers/:code/actions', tag: 'Hồ sơ', access: ['citizen', ...STEP_ROLES], params: DossierParams, body: ActionBody,
    responses: { 200: StepResult }, conflicts: true,
    summary: 'Thực hiện một bước: claim, accept, request_supplement, reject, confirm_payment, submit_for_approval, approve, return_for_rework, issue_result, withdraw.',
    handler: async (req, res) => void res.json(await service.act(req.actor!, String(req.params.code), parse(ActionBody, req.body) as DossierAction, String(req.id))),
  });

  mount(router, {
    method: 'get', path: '/api/work-queue', tag: 'Cán bộ', access: STEP_ROLES, query: QueueQuery, responses: { 200: DossierList },
    summary: 'Hàng đợi công việc của cán bộ: hồ sơ của cơ quan ở bước thuộc vai trò của mình; lọc theo bước, sắp đến hạn, quá hạn.',
    handler: async (req, res) => void res.json({ items: await service.queue(req.actor!, parse(QueueQuery, req.query)) }),
  });

  mount(router, {
    method: 'get', path: '/api/overdue', tag: 'Cán bộ', access: ['supervising_officer', 'unit_leader'], query: Page, responses: { 200: DossierList },
    summary: 'Danh sách hồ sơ quá hạn của cơ quan (giám sát).',
    handler: async (req, res) => void res.json({ items: await service.overdue(req.actor!, parse(Page, req.query)) }),
  });

  mount(router, {
    method: 'post', path: '/api/results/:resultCode/revoke', tag: 'Cán bộ', access: ['unit_leader'], params: ResultParams, body: RevokeBody,
    responses: { 200: Revocation }, conflicts: true,
    summary: 'Thu hồi kết quả giải quyết (ghi nhận thời điểm thu hồi; kết quả vẫn tra cứu được).',
    handler: async (req, res) => {
      const { reason } = parse(RevokeBody, req.body);
      res.json(await service.revokeResult(req.actor!, String(req.params.resultCode), reason, String(req.id)));
    },
  });
  return router;
}
