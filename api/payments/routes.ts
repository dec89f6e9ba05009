import { Router } from 'express';
import { z } from 'zod';
import { OfficerRole } from '../../domain/access/roles';
import { PaymentStatus } from '../../domain/payment/vocabulary';
import { mount } from '../access';
import { parse } from '../errors';
import { DossierCode, Instant } from '../schemas';
import { trimmedText } from '../../domain/text';
import type { PaymentService } from './service';

const PaymentId = z.string().regex(/^TT-[0-9A-F]{12}$/).describe('Mã giao dịch thanh toán, ví dụ TT-0A1B2C3D4E5F');
const Payment = z.object({
  id: PaymentId, dossierCode: DossierCode.nullable(), agencyCode: z.string(), amountVnd: z.number().int().positive(), transactionType: z.string(), transactionTypeLabel: z.string(),
  status: PaymentStatus, statusLabel: z.string(), bankCode: z.string().nullable(), receiptNumber: z.string().nullable(), paidAt: Instant.nullable(), requestedAt: Instant,
});
const PaymentRequest = z.object({ created: z.boolean(), payment: Payment, banks: z.array(z.object({ code: z.string(), name: z.string() })) });
const ChooseBankBody = z.object({ bankCode: z.string().regex(/^[A-Z][A-Z0-9-]{1,30}$/) }).strict();
const BankCallbackParams = z.object({ bankCode: z.string().regex(/^[A-Z][A-Z0-9-]{1,30}$/) });

/** Online payment of a dossier's fee, and the banks' signed callbacks. */
export function paymentRoutes(payments: PaymentService): Router {
  const router = Router();
  mount(router, {
    method: 'post', path: '/api/dossiers/:code/payments', tag: 'Thanh toán', access: ['citizen'], params: z.object({ code: DossierCode }), responses: { 201: PaymentRequest, 200: PaymentRequest }, conflicts: true,
    summary: 'Yêu cầu thanh toán phí, lệ phí của hồ sơ đang chờ nộp phí (trả về yêu cầu đang mở nếu đã có) và danh sách ngân hàng kết nối.',
    handler: async (req, res) => {
      const r = await payments.requestForDossier(req.actor!, String(req.params.code), String(req.id));
      res.status(r.created ? 201 : 200).json({ ...r, banks: await payments.banks() });
    },
  });
  mount(router, {
    method: 'post', path: '/api/payments/:id/bank', tag: 'Thanh toán', access: ['citizen'], params: z.object({ id: PaymentId }), body: ChooseBankBody,
    responses: { 200: z.object({ payUrl: z.url(), bankTxnId: z.string() }) }, conflicts: true,
    summary: 'Chọn ngân hàng: giao dịch được đăng ký tại ngân hàng; trả về trang thanh toán của ngân hàng để chuyển người nộp tới.',
    handler: async (req, res) => void res.json(await payments.chooseBank(req.actor!, String(req.params.id), parse(ChooseBankBody, req.body).bankCode)),
  });
  mount(router, {
    method: 'get', path: '/api/payments/:id', tag: 'Thanh toán', access: ['citizen', ...OfficerRole.options], params: z.object({ id: PaymentId }), responses: { 200: Payment },
    summary: 'Một giao dịch thanh toán: trạng thái, ngân hàng, số biên lai điện tử.',
    handler: async (req, res) => void res.json(await payments.get(req.actor!, String(req.params.id))),
  });
  mount(router, {
    method: 'post', path: '/api/payments/callback/:bankCode', tag: 'Thanh toán', access: 'public', params: BankCallbackParams,
    signedBody: { description: 'Kết quả giao dịch của ngân hàng (JSON), ký Ed25519 trên đúng các byte của nội dung' },
    responses: { 200: z.object({ status: PaymentStatus, applied: z.boolean() }) }, conflicts: true,
    summary: 'Ngân hàng báo kết quả giao dịch (máy chủ tới máy chủ), ký Ed25519 trên nội dung (header X-Bank-Signature); kết quả gửi lại nhiều lần chỉ được ghi nhận một lần.',
    handler: async (req, res) => {
      const raw = (req as unknown as { rawBody?: Buffer }).rawBody;
      res.json(await payments.bankCallback(String(req.params.bankCode), raw, req.headers['x-bank-signature'] as string | undefined));
    },
  });
  mount(router, {
    method: 'post', path: '/api/payments/settlement/:bankCode', tag: 'Thanh toán', access: 'public', params: BankCallbackParams,
    signedBody: { description: 'Thông báo đã chuyển tiền vào tài khoản thụ hưởng (JSON), ký Ed25519 trên đúng các byte của nội dung' },
    responses: { 200: z.object({ settled: z.boolean(), applied: z.boolean() }) }, conflicts: true,
    summary: 'Ngân hàng báo đã chuyển tiền của giao dịch vào tài khoản thụ hưởng của cơ quan (T+1), ký Ed25519 (header X-Bank-Signature); gửi lại nhiều lần chỉ ghi nhận một lần.',
    handler: async (req, res) => {
      const raw = (req as unknown as { rawBody?: Buffer }).rawBody;
      res.json(await payments.bankSettlement(String(req.params.bankCode), raw, req.headers['x-bank-signature'] as string | undefined));
    },
  });
  const BankStatus = z.object({ code: z.string(), name: z.string(), suspended: z.boolean(), reason: z.string().nullable(), suspendedAt: Instant.nullable() });
  const BankParams = z.object({ code: z.string().regex(/^[A-Z][A-Z0-9-]{1,30}$/) });
  const SuspendBody = z.object({ reason: trimmedText(10, 2000) }).strict();
  mount(router, {
    method: 'get', path: '/api/banks', tag: 'Thanh toán', access: 'public', responses: { 200: z.object({ items: z.array(BankStatus) }) },
    summary: 'Các ngân hàng, trung gian thanh toán kết nối và trạng thái (tạm dừng hay không).',
    handler: async (_req, res) => void res.json({ items: await payments.bankStatuses() }),
  });
  mount(router, {
    method: 'post', path: '/api/banks/:code/suspend', tag: 'Thanh toán', access: ['operator'], params: BankParams, body: SuspendBody, responses: { 200: BankStatus }, conflicts: true,
    summary: 'Tạm dừng một ngân hàng do chất lượng dịch vụ: không còn được đề xuất cho người nộp; giao dịch đang thực hiện vẫn hoàn tất.',
    handler: async (req, res) => void res.json(await payments.suspendBank(req.actor!, String(req.params.code), parse(SuspendBody, req.body).reason, String(req.id))),
  });
  mount(router, {
    method: 'post', path: '/api/banks/:code/resume', tag: 'Thanh toán', access: ['operator'], params: BankParams, responses: { 200: BankStatus }, conflicts: true,
    summary: 'Cho ngân hàng đã tạm dừng hoạt động trở lại.',
    handler: async (req, res) => void res.json(await payments.resumeBank(req.actor!, String(req.params.code), String(req.id))),
  });
  return router;
}
