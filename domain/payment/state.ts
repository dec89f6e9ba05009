import type { Actor } from '../access/roles';
import { conflict, forbidden } from '../errors';
import type { BankResult, PaymentStatus } from './vocabulary';

/** How long a payment request stays payable. */
export const PAYMENT_VALID_HOURS = 24;
/** How long the portal waits for a bank's callback before asking the bank itself. */
export const CALLBACK_WAIT_MINUTES = 15;

/** What the payment process knows; plain JSON. */
export interface PaymentState {
  id: string;
  dossierCode: string | null;
  citizenId: string;
  agencyCode: string;
  amountVnd: number;
  transactionType: string;
  status: PaymentStatus;
  bankCode: string | null;
  bankTxnId: string | null;
  /** When the citizen was sent to the bank (the callback clock runs from here). */
  atBankSince: string | null;
  receiptNumber: string | null;
  paidAt: string | null;
  /** When the bank reported the money in the agency's account (T+1), and whether that came late. */
  settledAt?: string | null;
  settlementOverdue?: boolean;
  seq: number;
}

/** The citizen picks a connected bank (again after a failure or a cancellation). */
export function chooseBank(s: PaymentState, actor: Actor, bankCode: string, at: string): PaymentState {
  if (!actor.roles.includes('citizen') || actor.id !== s.citizenId) throw forbidden('NOT_OWNER', 'Chỉ người nộp hồ sơ mới thanh toán khoản này.');
  if (!['requested', 'failed', 'cancelled', 'at_bank'].includes(s.status)) {
    throw conflict('WRONG_STEP', s.status === 'paid' ? 'Khoản này đã được thanh toán.' : 'Yêu cầu thanh toán đã hết hạn.');
  }
  if (s.status === 'at_bank' && s.bankCode !== bankCode) throw conflict('PAYMENT_IN_PROGRESS', 'Giao dịch đang được xử lý tại một ngân hàng khác; vui lòng chờ kết quả.');
  return { ...s, status: 'at_bank', bankCode, atBankSince: at, seq: s.seq + 1 };
}

/**
 * What a verified bank result changes. A result already applied, a late one after success, or one of
 * another bank changes nothing (null): one payment, one receipt, however often and in whatever order
 * callbacks come.
 */
export function applyBankResult(s: PaymentState, r: BankResult): PaymentState | null {
  if (s.status === 'paid' || s.status === 'expired' || r.bankCode !== s.bankCode || r.portalPaymentId !== s.id || r.status === 'pending') return null;
  if (r.status === 'success') {
    if (r.amountVnd !== s.amountVnd || !r.receipt) return null;
    return { ...s, status: 'paid', bankTxnId: r.bankTxnId, receiptNumber: r.receipt.number, paidAt: r.debitedAt ?? r.receipt.issuedAt, seq: s.seq + 1 };
  }
  const status: PaymentStatus = r.status === 'cancelled' ? 'cancelled' : 'failed';
  if (s.status === status && s.bankTxnId === r.bankTxnId) return null;
  return { ...s, status, bankTxnId: r.bankTxnId, seq: s.seq + 1 };
}
