import { z } from 'zod';

/** A payment request's life (RULES.md §4; 000 §31): shared by the API, the workflow and the records. */
export const PaymentStatus = z.enum([
  'requested', // chờ chọn ngân hàng
  'at_bank', // đang thanh toán tại ngân hàng
  'paid', // đã thanh toán (biên lai điện tử đã nhận)
  'failed', // không thành công (có thể thanh toán lại)
  'cancelled', // người nộp hủy tại ngân hàng (có thể thanh toán lại)
  'expired', // hết hạn thanh toán
]);
export type PaymentStatus = z.infer<typeof PaymentStatus>;

export const PAYMENT_STATUS_LABELS: Record<PaymentStatus, string> = {
  requested: 'Chờ chọn ngân hàng',
  at_bank: 'Đang thanh toán tại ngân hàng',
  paid: 'Đã thanh toán',
  failed: 'Thanh toán không thành công',
  cancelled: 'Đã hủy tại ngân hàng',
  expired: 'Hết hạn thanh toán',
};

/** An amount as a letter says it: `200.000 đồng`. */
export const vnd = (n: number) => `${n.toLocaleString('vi-VN')} đồng`;

/** Transaction types, one catalogue (000 §34.1). */
export const TransactionType = z.enum(['LE_PHI_TTHC', 'PHI_TTHC']);
export type TransactionType = z.infer<typeof TransactionType>;
export const TRANSACTION_TYPE_LABELS: Record<TransactionType, string> = {
  LE_PHI_TTHC: 'Lệ phí giải quyết thủ tục hành chính',
  PHI_TTHC: 'Phí giải quyết thủ tục hành chính',
};

/** What a bank reports of a payment (its signed callback, or its answer when asked). */
export const BankResult = z.object({
  bankCode: z.string().min(1).max(50),
  bankTxnId: z.string().min(1).max(100),
  portalPaymentId: z.string().min(1).max(100),
  status: z.enum(['pending', 'success', 'failed', 'cancelled', 'refunded']),
  amountVnd: z.number().int().positive(),
  debitedAt: z.string().nullable(),
  /** When the money reached the beneficiary agency's account (T+1 settlement); absent or null while not yet. */
  settledAt: z.string().nullable().optional(),
  receipt: z.object({
    number: z.string().min(1).max(100), issuedAt: z.string(), amountVnd: z.number().int().positive(), agencyCode: z.string(), transactionType: z.string(), issuer: z.string(),
  }).nullable(),
});
export type BankResult = z.infer<typeof BankResult>;

/** A bank's settlement notice: a successful payment's money reached the beneficiary account (000 §33.4.a). */
export const BankSettlement = z.object({
  bankCode: z.string().min(1).max(50),
  bankTxnId: z.string().min(1).max(100),
  portalPaymentId: z.string().min(1).max(100),
  amountVnd: z.number().int().positive(),
  settledAt: z.iso.datetime({ offset: true }),
});
export type BankSettlement = z.infer<typeof BankSettlement>;

/** A bank's signed answer to a refund order (000 §34.6). */
export const BankRefund = z.object({
  bankCode: z.string().min(1).max(50),
  refundRef: z.string().min(1).max(100),
  bankTxnId: z.string().min(1).max(100),
  amountVnd: z.number().int().positive(),
  status: z.enum(['refunded', 'refused']),
  refundedAt: z.string().nullable(),
  reason: z.string().nullable(),
});
export type BankRefund = z.infer<typeof BankRefund>;
