import { Router, type Request } from 'express';
import { z } from 'zod';
import { OfficerRole } from '../../domain/access/roles';
import { EscalationReason, FeedbackChannel, FeedbackStatus } from '../../domain/feedback/vocabulary';
import { mount, Page } from '../access';
import { apiError, parse } from '../errors';
import type { FeedbackService } from './service';


/** Vietnamese letters with diacritics: feedback is written in Vietnamese (000 §39). */
const VIETNAMESE = /[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]/i;
const Contact = z.object({
  name: z.string().trim().min(2).max(200),
  address: z.string().trim().min(5).max(500),
  phone: z.string().trim().regex(/^(\+84|0)\d{9,10}$/, 'Số điện thoại không hợp lệ'),
  email: z.email().max(200),
});
const Content = z.object({
  title: z.string().trim().min(5).max(300),
  content: z.string().trim().min(20).max(10_000).refine((v) => VIETNAMESE.test(v), 'Nội dung phản ánh, kiến nghị phải viết bằng tiếng Việt có dấu'),
});
const SubmitBody = Content.extend({
  contact: Contact.partial().optional(),
  agencyCode: z.string().max(50).optional(),
  dossierCode: z.string().max(60).optional(),
  procedureCode: z.string().max(50).optional(),
  /** A published answer the citizen disagrees with: the feedback goes to the lead agency. */
  disagreesWith: z.string().max(60).optional(),
}).strict();
const KeyedBody = Content.extend({
  channel: FeedbackChannel.exclude(['portal']),
  receivedAt: z.iso.datetime({ offset: true }),
  contact: Contact.extend({ email: z.email().max(200).nullable().optional() }),
}).strict();
const text = z.string().trim().min(5).max(10_000);
const ActionBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('claim') }),
  z.object({ type: z.literal('not_accept'), text }),
  z.object({ type: z.literal('request_clarification'), text }),
  z.object({ type: z.literal('clarify'), text }),
  z.object({ type: z.literal('transfer'), toAgencyCode: z.string().min(1).max(50), text }),
  z.object({ type: z.literal('accept') }),
  z.object({ type: z.literal('escalate_to_lead'), reason: EscalationReason, text }),
  z.object({ type: z.literal('post_progress'), text }),
  z.object({ type: z.literal('reach_result') }),
  z.object({ type: z.literal('enter_result'), text }),
  z.object({ type: z.literal('approve_answer') }),
  z.object({ type: z.literal('return_answer'), text }),
  z.object({ type: z.literal('mark_confidential'), handedOverTo: z.string().trim().min(3).max(300), reference: z.string().trim().min(1).max(100) }),
]);
const QueueQuery = Page.extend({ status: FeedbackStatus.optional() });
const SearchQuery = Page.extend({ q: z.string().trim().min(1).max(200).optional() });

const FEEDBACK_ROLES = ['receiving_officer', 'processing_officer', 'unit_leader'] as const;

export function feedbackRoutes(service: FeedbackService): Router {
  const router = Router();
  const page = (req: Request) => parse(Page, req.query);

  mount(router, {
    method: 'post', path: '/api/feedback', tag: 'Phản ánh, kiến nghị', access: ['citizen'], body: SubmitBody,
    summary: 'Gửi phản ánh, kiến nghị (tiếng Việt); thông tin liên hệ lấy từ tài khoản, có thể sửa. Nêu hồ sơ, thủ tục hoặc cơ quan nhận.',
    handler: async (req, res) => {
      const body = parse(SubmitBody, req.body);
      const actor = req.actor!;
      const contact = parse(Contact, { ...(await service.contactOf(actor)), ...body.contact });
      const agencyCode = await service.resolveAgency(actor, body);
      res.status(201).json(await service.submit(actor, {
        citizenId: actor.id, channel: 'portal', title: body.title, content: body.content, contact, agencyCode,
        dossierCode: body.dossierCode ?? null, procedureCode: body.procedureCode ?? null, disagreesWith: body.disagreesWith ?? null,
        receivedAt: new Date(), keyedBy: null, requestId: String(req.id),
      }));
    },
  });

  mount(router, {
    method: 'post', path: '/api/feedback/keyed', tag: 'Phản ánh, kiến nghị', access: ['receiving_officer', 'clerk'], body: KeyedBody,
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
    method: 'get', path: '/api/feedback', tag: 'Phản ánh, kiến nghị', access: ['citizen'], query: Page,
    summary: 'Phản ánh, kiến nghị của tôi.',
    handler: async (req, res) => void res.json({ items: await service.listOwn(req.actor!, page(req)) }),
  });

  mount(router, {
    method: 'get', path: '/api/feedback/:code', tag: 'Phản ánh, kiến nghị', access: ['citizen', ...OfficerRole.options, 'system_admin', 'operator'],
    summary: 'Tra cứu phản ánh, kiến nghị: trạng thái, cơ quan đang xử lý, các thời hạn, lịch sử.',
    handler: async (req, res) => void res.json(await service.track(req.actor!, String(req.params.code))),
  });

  mount(router, {
    method: 'post', path: '/api/feedback/:code/actions', tag: 'Phản ánh, kiến nghị', access: ['citizen', ...FEEDBACK_ROLES], body: ActionBody,
    summary: 'Một bước xử lý: claim, not_accept, request_clarification, clarify (người dân), transfer, accept, escalate_to_lead, post_progress, reach_result, enter_result, approve_answer, return_answer, mark_confidential.',
    handler: async (req, res) => {
      const body = parse(ActionBody, req.body);
      const { text: t, ...action } = body as typeof body & { text?: string };
      res.json(await service.act(req.actor!, String(req.params.code), action, t ?? null, String(req.id)));
    },
  });

  mount(router, {
    method: 'get', path: '/api/feedback-queue', tag: 'Phản ánh, kiến nghị', access: FEEDBACK_ROLES, query: QueueQuery,
    summary: 'Hàng đợi phản ánh, kiến nghị của cơ quan theo bước thuộc vai trò của cán bộ.',
    handler: async (req, res) => void res.json({ items: await service.queue(req.actor!, parse(QueueQuery, req.query)) }),
  });

  mount(router, {
    method: 'get', path: '/api/feedback-overdue', tag: 'Phản ánh, kiến nghị', access: ['supervising_officer', 'unit_leader'], query: Page,
    summary: 'Phản ánh, kiến nghị quá hạn ở mọi bước (phân loại, trả lời 20 ngày, cập nhật 7 ngày, cập nhật kết quả).',
    handler: async (req, res) => void res.json({ items: await service.overdue(req.actor!, page(req)) }),
  });

  mount(router, {
    method: 'get', path: '/api/public/feedback-answers', tag: 'Phản ánh, kiến nghị', access: 'public', query: SearchQuery,
    summary: 'Kết quả trả lời đã công khai, tìm kiếm toàn văn; không có thông tin cá nhân.',
    handler: async (req, res) => {
      const q = parse(SearchQuery, req.query);
      res.json({ items: await service.published(q.q, q) });
    },
  });
  return router;
}
