import { Router, type Request } from 'express';
import { OfficerRole } from '../../domain/access/roles';
import { mount } from '../access';
import { ActionIdempotencyHeaders, idempotencyKeyOf } from '../idempotency';
import { apiError, parse } from '../errors';
import { Page } from '../schemas';
import {
  ActionBody, FeedbackList, FeedbackParams, FeedbackReceipt, FeedbackStepResult, FeedbackTracking, KeyedBody, PublishedAnswerList,
  QueueQuery, SearchQuery, SubmitBody,
} from './schemas';
import type { FeedbackService } from './service';


const FEEDBACK_ROLES = ['receiving_officer', 'processing_officer', 'unit_leader'] as const;

export function feedbackRoutes(service: FeedbackService): Router {
  const router = Router();
  const page = (req: Request) => parse(Page, req.query);

  mount(router, {
    method: 'post', path: '/api/feedback', tag: 'Phản ánh, kiến nghị', access: ['citizen'], rateLimit: 'feedback', body: SubmitBody, responses: { 201: FeedbackReceipt },
    summary: 'Gửi phản ánh, kiến nghị (tiếng Việt); thông tin liên hệ lấy từ tài khoản, có thể sửa. Nêu hồ sơ, thủ tục hoặc cơ quan nhận.',
    handler: async (req, res) => void res.status(201).json(await service.submitOnline(req.actor!, parse(SubmitBody, req.body), String(req.id))),
  });

  mount(router, {
    method: 'post', path: '/api/feedback/keyed', tag: 'Phản ánh, kiến nghị', access: ['receiving_officer', 'clerk'], body: KeyedBody, responses: { 201: FeedbackReceipt },
    summary: 'Cán bộ cập nhật phản ánh, kiến nghị nhận bằng văn bản, điện thoại, fax, thư điện tử, với ngày nhận gốc.',
    handler: async (req, res) => {
      const body = parse(KeyedBody, req.body);
      const receivedAt = new Date(body.receivedAt);
      if (receivedAt.getTime() > Date.now() + 60_000) throw apiError(422, 'RECEIVED_IN_FUTURE', 'Ngày nhận không thể ở tương lai.', [{ field: 'receivedAt', code: 'IN_FUTURE', message: 'Ngày nhận không hợp lệ.' }]);
      if (receivedAt.getTime() < Date.now() - 366 * 86_400_000) throw apiError(422, 'RECEIVED_TOO_LONG_AGO', 'Ngày nhận quá một năm trước.', [{ field: 'receivedAt', code: 'TOO_OLD', message: 'Ngày nhận không hợp lệ.' }]);
      const actor = req.actor!;
      res.status(201).json(await service.submit(actor, {
        citizenId: null, channel: body.channel, title: body.title, content: body.content, contact: { ...body.contact, email: body.contact.email ?? null },
        agencyCode: actor.agencyCode!, dossierCode: null, procedureCode: null, disagreesWith: null, receivedAt, keyedBy: actor.id, requestId: String(req.id),
      }));
    },
  });

  mount(router, {
    method: 'get', path: '/api/feedback', tag: 'Phản ánh, kiến nghị', access: ['citizen'], query: Page, responses: { 200: FeedbackList },
    summary: 'Phản ánh, kiến nghị của tôi.',
    handler: async (req, res) => void res.json({ items: await service.listOwn(req.actor!, page(req)) }),
  });

  mount(router, {
    method: 'get', path: '/api/feedback/:code', tag: 'Phản ánh, kiến nghị', access: ['citizen', ...OfficerRole.options, 'system_admin', 'operator'], params: FeedbackParams, responses: { 200: FeedbackTracking },
    summary: 'Tra cứu phản ánh, kiến nghị: trạng thái, cơ quan đang xử lý, các thời hạn, lịch sử.',
    handler: async (req, res) => void res.json(await service.track(req.actor!, String(req.params.code))),
  });

  mount(router, {
    method: 'post', path: '/api/feedback/:code/actions', tag: 'Phản ánh, kiến nghị', access: ['citizen', ...FEEDBACK_ROLES], params: FeedbackParams, body: ActionBody,
    headers: ActionIdempotencyHeaders, responses: { 200: FeedbackStepResult }, conflicts: true,
    summary: 'Một bước xử lý: claim, not_accept, request_clarification, clarify (người dân), transfer, accept, escalate_to_lead, post_progress, reach_result, enter_result, approve_answer, return_answer, mark_confidential.',
    handler: async (req, res) => {
      const key = idempotencyKeyOf(req);
      const body = parse(ActionBody, req.body);
      const { text: t, ...action } = body as typeof body & { text?: string };
      res.json(await service.act(req.actor!, String(req.params.code), action, t ?? null, String(req.id), key));
    },
  });

  mount(router, {
    method: 'get', path: '/api/feedback-queue', tag: 'Phản ánh, kiến nghị', access: FEEDBACK_ROLES, query: QueueQuery, responses: { 200: FeedbackList },
    summary: 'Hàng đợi phản ánh, kiến nghị của cơ quan theo bước thuộc vai trò của cán bộ.',
    handler: async (req, res) => void res.json({ items: await service.queue(req.actor!, parse(QueueQuery, req.query)) }),
  });

  mount(router, {
    method: 'get', path: '/api/feedback-overdue', tag: 'Phản ánh, kiến nghị', access: ['supervising_officer', 'unit_leader'], query: Page, responses: { 200: FeedbackList },
    summary: 'Phản ánh, kiến nghị quá hạn ở mọi bước (phân loại, trả lời 20 ngày, cập nhật 7 ngày, cập nhật kết quả).',
    handler: async (req, res) => void res.json({ items: await service.overdue(req.actor!, page(req)) }),
  });

  mount(router, {
    method: 'get', path: '/api/public/feedback-answers', tag: 'Phản ánh, kiến nghị', access: 'public', rateLimit: 'publicSearch', query: SearchQuery, responses: { 200: PublishedAnswerList },
    summary: 'Kết quả trả lời đã công khai, tìm kiếm toàn văn; không có thông tin cá nhân.',
    handler: async (req, res) => {
      const q = parse(SearchQuery, req.query);
      res.json({ items: await service.published(q.q, q) });
    },
  });
  return router;
}
