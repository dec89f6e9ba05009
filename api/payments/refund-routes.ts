import { Router } from 'express';
import { z } from 'zod';
import { OfficerRole } from '../../domain/access/roles';
import { RefundDecision, RefundRequestBody, RefundStatus } from '../../domain/payment/refund';
import { mount } from '../access';
import { parse } from '../errors';
import { Instant } from '../schemas';
import type { RefundService } from './refunds';

const PaymentId = z.string().regex(/^TT-[0-9A-F]{12}$/);
const RefundCode = z.string().regex(/^HT-[0-9A-F]{12}$/).describe('Mã yêu cầu hoàn tiền, ví dụ HT-0A1B2C3D4E5F');
const Refund = z.object({
  code: RefundCode, paymentId: PaymentId, origin: z.enum(['citizen', 'reconciliation']), reason: z.string(), responsible: z.enum(['bank', 'agency']).nullable(),
  amountVnd: z.number().int().nullable(), status: z.union([RefundStatus, z.literal('routing')]), statusLabel: z.string(), outcomeNote: z.string().nullable(), createdAt: Instant, decidedAt: Instant.nullable(),
});

/** Refunds (000 §34.6). */
export function refundRoutes(refunds: RefundService): Router {
  const router = Router();
  mount(router, {
    method: 'post', path: '/api/payments/:id/refund-requests', tag: 'Thanh toán', access: ['citizen'], params: z.object({ id: PaymentId }), body: RefundRequestBody,
    responses: { 201: z.object({ created: z.boolean(), refund: Refund }), 200: z.object({ created: z.boolean(), refund: Refund }) }, conflicts: true,
    summary: 'Người nộp yêu cầu hoàn tiền một giao dịch đã thanh toán: đối chiếu với dữ liệu, chuyển ngân hàng (thu trùng, thu thừa) hoặc cơ quan thu xử lý; kết quả được báo cho người nộp.',
    handler: async (req, res) => {
      const r = await refunds.request(req.actor!, String(req.params.id), parse(RefundRequestBody, req.body).reason);
      res.status(r.created ? 201 : 200).json(r);
    },
  });
  mount(router, {
    method: 'get', path: '/api/refunds/:code', tag: 'Thanh toán', access: ['citizen', 'operator', 'integration', ...OfficerRole.options], params: z.object({ code: RefundCode }), responses: { 200: Refund },
    summary: 'Một yêu cầu hoàn tiền: bên chịu trách nhiệm, số tiền, trạng thái, kết quả.',
    handler: async (req, res) => void res.json(await refunds.get(req.actor!, String(req.params.code))),
  });
  mount(router, {
    method: 'post', path: '/api/refunds/:code/decision', tag: 'Thanh toán', access: ['fee_officer', 'unit_leader'], params: z.object({ code: RefundCode }), body: RefundDecision,
    responses: { 200: z.object({ code: RefundCode, status: RefundStatus, statusLabel: z.string() }) }, conflicts: true,
    summary: 'Cơ quan thu quyết định yêu cầu hoàn tiền được chuyển tới mình (chấp nhận và hoàn, hoặc từ chối kèm lý do).',
    handler: async (req, res) => void res.json(await refunds.decide(req.actor!, String(req.params.code), parse(RefundDecision, req.body), String(req.id))),
  });
  return router;
}
