import { Router } from 'express';
import type { z } from 'zod';
import { OfficerRole } from '../../domain/access/roles';
import type { DossierAction } from '../../domain/dossier/vocabulary';
import { mount } from '../access';
import { apiError, assertNoNul, parse } from '../errors';
import { Page } from '../schemas';
import { ConsentAnswer, ConsentBody } from '../data-store/schemas';
import {
  ActionBody, DossierList, DossierParams, DossierTracking, IdempotencyHeaders, QueueQuery, ResultParams, Revocation, RevokeBody,
  StepResult, SubmissionReceipt, SubmitFields, SupplementFields,
} from './schemas';
import type { DossierService } from './service';
import { boundedComponents, readUpload, type Components } from '../uploads';
import { ActionIdempotencyHeaders, idempotencyKeyOf } from '../idempotency';

const STEP_ROLES = ['receiving_officer', 'processing_officer', 'fee_officer', 'unit_leader', 'result_officer'] as const;

/** The multipart text fields, with the named JSON parts parsed; the parsed form is kept as sent (own keys only). */
function multipartFields<T extends z.ZodType<{ formData: Record<string, unknown> }>>(schema: T, fields: Record<string, string>, jsonFields: readonly string[]): z.infer<T> {
  const raw: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  Object.assign(raw, fields);
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
  const parsed = parse(schema, { ...raw });
  // The form as parsed from JSON, not a copy: a `__proto__` key stays a key, refused as an unknown field.
  return { ...parsed, formData: raw.formData as Record<string, unknown> };
}

export function dossierRoutes(service: DossierService, opts: { maxUploadBytes: number }): Router {
  const router = Router();
  // Each file part is checked as it starts against the procedure's components (see readUpload).
  const limits = { maxFields: 20, maxFieldBytes: 1024 * 1024, maxFiles: 20 };
  const bounded = (c: Components): Components => boundedComponents(c, opts.maxUploadBytes);

  mount(router, {
    method: 'post', path: '/api/dossiers', tag: 'Hồ sơ', access: ['citizen'], rateLimit: 'submissions',
    multipart: { fields: SubmitFields, jsonFields: ['formData', 'fromStore'], procedureField: 'procedureCode' }, headers: IdempotencyHeaders,
    responses: { 201: SubmissionReceipt, 200: SubmissionReceipt }, conflicts: true,
    summary: 'Nộp hồ sơ: multipart với procedureCode, formData (JSON) và mỗi tệp mang tên thành phần hồ sơ. Header Idempotency-Key chống nộp trùng (gửi lại: 200 với hồ sơ đã nộp).',
    handler: async (req, res) => {
      const headers = IdempotencyHeaders.safeParse(req.headers);
      if (!headers.success) throw apiError(400, 'BAD_IDEMPOTENCY_KEY', 'Idempotency-Key phải gồm 8–100 ký tự chữ, số, "-" hoặc "_".');
      const known = new Map<string | null, Promise<Components>>();
      const components = (procedureCode: string | null) => known.get(procedureCode) ?? known.set(procedureCode, service.uploadComponents(procedureCode).then(bounded)).get(procedureCode)!;
      const upload = await readUpload(req, { ...limits, components: (fields) => components(fields.procedureCode ?? null) });
      const body = multipartFields(SubmitFields, upload.fields, ['formData', 'fromStore']);
      const r = await service.submit(req.actor!, { ...body, files: upload.files, idempotencyKey: headers.data['idempotency-key'] ?? null, requestId: String(req.id) });
      res.status(r.created ? 201 : 200).json(r);
    },
  });

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
    method: 'post', path: '/api/dossiers/:code/supplement', tag: 'Hồ sơ', access: ['citizen'], rateLimit: 'submissions', params: DossierParams,
    multipart: { fields: SupplementFields, jsonFields: ['formData', 'fromStore'], procedureField: null }, responses: { 200: StepResult }, conflicts: true,
    summary: 'Bổ sung hồ sơ theo yêu cầu: formData (JSON, toàn bộ tờ khai), các tệp thay thế và fromStore (thành phần lấy từ Kho dữ liệu, như khi nộp); thành phần không gửi lại giữ tệp cũ; mã hồ sơ không đổi.',
    handler: async (req, res) => {
      const code = String(req.params.code);
      const components = service.supplementComponents(req.actor!, code).then(bounded);
      components.catch(() => undefined);
      const upload = await readUpload(req, { ...limits, components: () => components });
      const body = multipartFields(SupplementFields, upload.fields, ['formData', 'fromStore']);
      res.json(await service.supplement(req.actor!, code, body.formData, upload.files, String(req.id), body.fromStore));
    },
  });

  mount(router, {
    method: 'put', path: '/api/dossiers/:code/store-consent', tag: 'Hồ sơ', access: ['citizen'], params: DossierParams, body: ConsentBody,
    responses: { 200: ConsentAnswer }, conflicts: true,
    summary: 'Đồng ý (hoặc không) lưu giữ các thành phần hồ sơ vào Kho dữ liệu khi hồ sơ được tiếp nhận; đổi được đến khi hồ sơ được tiếp nhận (sau đó: 409).',
    handler: async (req, res) => void res.json(await service.setStoreConsent(req.actor!, String(req.params.code), parse(ConsentBody, req.body).consent, String(req.id))),
  });

  mount(router, {
    method: 'post', path: '/api/dossiers/:code/actions', tag: 'Hồ sơ', access: ['citizen', ...STEP_ROLES], params: DossierParams, body: ActionBody,
    headers: ActionIdempotencyHeaders, responses: { 200: StepResult }, conflicts: true,
    summary: 'Thực hiện một bước: claim, accept, request_supplement, reject, confirm_payment, submit_for_approval, approve, return_for_rework, issue_result, withdraw.',
    handler: async (req, res) => {
      const key = idempotencyKeyOf(req);
      res.json(await service.act(req.actor!, String(req.params.code), parse(ActionBody, req.body) as DossierAction, String(req.id), key));
    },
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
