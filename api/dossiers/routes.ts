import { Router, type Request } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { OfficerRole } from '../../domain/access/roles';
import { DossierAction, DossierStatus } from '../../domain/dossier/vocabulary';
import { mount, Page } from '../access';
import { apiError, parse } from '../errors';
import type { DossierService, UploadedFile } from './service';

const QueueQuery = Page.extend({
  step: DossierStatus.optional(),
  dueWithinHours: z.coerce.number().min(0).max(24 * 365).optional(),
  overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
const SubmitBody = z.object({
  procedureCode: z.string().min(1).max(50),
  formData: z.record(z.string(), z.unknown()),
});
const SupplementBody = z.object({ formData: z.record(z.string(), z.unknown()) });
const RevokeBody = z.object({ reason: z.string().trim().min(10).max(2000) });
/** Actions taken through the JSON route; the supplement has its own (it carries files). */
const ActionBody = DossierAction.refine((a) => a.type !== 'supplement', { message: 'Dùng POST /api/dossiers/{code}/supplement để bổ sung hồ sơ.' });

const STEP_ROLES = ['receiving_officer', 'processing_officer', 'fee_officer', 'unit_leader', 'result_officer'] as const;

function jsonField(req: Request, name: string): unknown {
  const raw = (req.body as Record<string, unknown> | undefined)?.[name];
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw apiError(400, 'MALFORMED_JSON', `Trường "${name}" phải là JSON hợp lệ.`);
  }
}

export function dossierRoutes(service: DossierService, opts: { maxUploadBytes: number }): Router {
  const router = Router();
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: opts.maxUploadBytes, files: 20, fields: 20, fieldSize: 1024 * 1024 } }).any();
  const files = (req: Request) => ((req.files as UploadedFile[] | undefined) ?? []);
  const page = (req: Request) => parse(Page, req.query);

  mount(router, {
    method: 'post', path: '/api/dossiers', tag: 'Hồ sơ', access: ['citizen'], multipart: true, body: SubmitBody,
    summary: 'Nộp hồ sơ: multipart với procedureCode, formData (JSON) và mỗi tệp mang tên thành phần hồ sơ. Header Idempotency-Key chống nộp trùng.',
    handler: async (req, res) => {
      const body = parse(SubmitBody, { procedureCode: (req.body as Record<string, unknown> | undefined)?.procedureCode, formData: jsonField(req, 'formData') });
      const key = req.header('idempotency-key') ?? null;
      if (key !== null && !/^[\w-]{8,100}$/.test(key)) throw apiError(400, 'BAD_IDEMPOTENCY_KEY', 'Idempotency-Key phải gồm 8–100 ký tự chữ, số, "-" hoặc "_".');
      const r = await service.submit(req.actor!, { ...body, files: files(req), idempotencyKey: key, requestId: String(req.id) });
      res.status(r.created ? 201 : 200).json(r);
    },
  }, upload);

  mount(router, {
    method: 'get', path: '/api/dossiers', tag: 'Hồ sơ', access: ['citizen'], query: Page,
    summary: 'Danh sách hồ sơ của tôi (mới nhất trước).',
    handler: async (req, res) => void res.json({ items: await service.listOwn(req.actor!, page(req)) }),
  });

  mount(router, {
    method: 'get', path: '/api/dossiers/:code', tag: 'Hồ sơ', access: ['citizen', ...OfficerRole.options, 'system_admin', 'operator', 'integration'],
    summary: 'Tra cứu hồ sơ theo mã: trạng thái, lịch sử, cán bộ đang xử lý, thời gian làm việc đã dùng và còn lại.',
    handler: async (req, res) => void res.json(await service.track(req.actor!, String(req.params.code))),
  });

  mount(router, {
    method: 'post', path: '/api/dossiers/:code/supplement', tag: 'Hồ sơ', access: ['citizen'], multipart: true, body: SupplementBody,
    summary: 'Bổ sung hồ sơ theo yêu cầu: formData (JSON) và các tệp thay thế; mã hồ sơ không đổi.',
    handler: async (req, res) => {
      const body = parse(SupplementBody, { formData: jsonField(req, 'formData') });
      res.json(await service.supplement(req.actor!, String(req.params.code), body.formData, files(req), String(req.id)));
    },
  }, upload);

  mount(router, {
    method: 'post', path: '/api/dossiers/:code/actions', tag: 'Hồ sơ', access: ['citizen', ...STEP_ROLES], body: ActionBody,
    summary: 'Thực hiện một bước: claim, accept, request_supplement, reject, confirm_payment, submit_for_approval, approve, return_for_rework, issue_result, withdraw.',
    handler: async (req, res) => {
      const action = parse(ActionBody, req.body);
      res.json(await service.act(req.actor!, String(req.params.code), action, String(req.id)));
    },
  });

  mount(router, {
    method: 'get', path: '/api/work-queue', tag: 'Cán bộ', access: STEP_ROLES, query: QueueQuery,
    summary: 'Hàng đợi công việc của cán bộ: hồ sơ của cơ quan ở bước thuộc vai trò của mình; lọc theo bước, sắp đến hạn, quá hạn.',
    handler: async (req, res) => void res.json({ items: await service.queue(req.actor!, parse(QueueQuery, req.query)) }),
  });

  mount(router, {
    method: 'get', path: '/api/overdue', tag: 'Cán bộ', access: ['supervising_officer', 'unit_leader'], query: Page,
    summary: 'Danh sách hồ sơ quá hạn của cơ quan (giám sát).',
    handler: async (req, res) => void res.json({ items: await service.overdue(req.actor!, page(req)) }),
  });

  mount(router, {
    method: 'post', path: '/api/results/:resultCode/revoke', tag: 'Cán bộ', access: ['unit_leader'], body: RevokeBody,
    summary: 'Thu hồi kết quả giải quyết (ghi nhận thời điểm thu hồi; kết quả vẫn tra cứu được).',
    handler: async (req, res) => {
      const { reason } = parse(RevokeBody, req.body);
      res.json(await service.revokeResult(req.actor!, String(req.params.resultCode), reason, String(req.id)));
    },
  });
  return router;
}
