import { z } from 'zod';
import type { Actor, Role } from '../access/roles';
import { conflict, forbidden } from '../errors';
import { trimmedText } from '../text';

/**
 * Refunds (hoàn trả, RULES.md §4.5; 000 §34.6): money paid twice or over the amount is refunded by the
 * bank; any other request is the agency's to decide (the fee it collected). A request is checked against
 * the records and routed to whoever is responsible; the citizen is told the outcome.
 */
/** A refund as it is asked for (its workflow's input). */
export interface RefundRequest {
  code: string;
  paymentId: string;
  agencyCode: string;
  /** Who asked: the citizen (their account), or reconciliation (the discrepancy case). */
  citizenId: string | null;
  discrepancyCode: string | null;
  reason: string;
}

export const RefundStatus = z.enum(['at_bank', 'at_agency', 'refunded', 'refused']);
export type RefundStatus = z.infer<typeof RefundStatus>;
export const REFUND_STATUS_LABELS: Record<RefundStatus, string> = {
  at_bank: 'Ngân hàng đang hoàn tiền', at_agency: 'Chờ cơ quan thu xem xét', refunded: 'Đã hoàn tiền', refused: 'Không chấp nhận hoàn tiền',
};
export const RefundRequestBody = z.object({ reason: trimmedText(10, 2000) }).strict();
export const RefundDecision = z.object({ approve: z.boolean(), note: trimmedText(5, 2000) }).strict();
export type RefundDecision = z.infer<typeof RefundDecision>;

export interface RefundRoute {
  responsible: 'bank' | 'agency';
  amountVnd: number;
  /** For the bank: the debit to refund (the second one of a duplicate, or the overpaid one). */
  bankTxnId: string | null;
}

/**
 * Whose responsibility a refund is, from what reconciliation found of the payment: money taken twice or
 * over the amount is the bank's to return (that excess only); otherwise the agency decides on the fee.
 */
export function routeRefund(found: { duplicateTxnIds: string[]; bankAmountVnd: number | null; portalAmountVnd: number; portalTxnId: string | null }): RefundRoute {
  const duplicate = found.duplicateTxnIds.find((t) => t !== found.portalTxnId);
  if (duplicate) return { responsible: 'bank', amountVnd: found.portalAmountVnd, bankTxnId: duplicate };
  if (found.bankAmountVnd !== null && found.bankAmountVnd > found.portalAmountVnd) {
    return { responsible: 'bank', amountVnd: found.bankAmountVnd - found.portalAmountVnd, bankTxnId: found.portalTxnId };
  }
  return { responsible: 'agency', amountVnd: found.portalAmountVnd, bankTxnId: null };
}

export interface RefundState {
  code: string;
  paymentId: string;
  agencyCode: string;
  status: RefundStatus;
  amountVnd: number;
  seq: number;
}

/** The agency's fee officer or leader decides a request routed to it. */
export function decideRefund(s: RefundState, actor: Actor, d: RefundDecision): { state: RefundState; role: Role } {
  if (s.status !== 'at_agency') throw conflict('WRONG_STEP', `Yêu cầu hoàn tiền đang ở trạng thái "${REFUND_STATUS_LABELS[s.status]}".`);
  const role = (['fee_officer', 'unit_leader'] as const).find((r) => actor.roles.includes(r));
  if (!role) throw forbidden('ROLE_NOT_ALLOWED', 'Chỉ cán bộ thu phí hoặc lãnh đạo cơ quan thu mới quyết định hoàn tiền.');
  if (actor.agencyCode !== s.agencyCode) throw forbidden('OUTSIDE_AGENCY', 'Yêu cầu hoàn tiền này thuộc cơ quan khác.');
  return { state: { ...s, status: d.approve ? 'refunded' : 'refused', seq: s.seq + 1 }, role };
}
