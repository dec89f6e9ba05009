import { z } from 'zod';
import type { Actor, Role } from '../access/roles';
import { conflict, forbidden } from '../errors';
import { trimmedText } from '../text';
import type { WorkingCalendar } from '../working-time';

/**
 * Daily reconciliation (đối soát, RULES.md §4.3–4.4; 000 §34.4–34.5): each mismatch between the portal,
 * a bank and an agency is a discrepancy case (chênh lệch) that the responsible party resolves by the end
 * of the next working day; a missed clock escalates to the operators and the party's contacts.
 */
export const DiscrepancyKind = z.enum([
  'missing_at_bank', // portal paid, not in the bank's statement
  'missing_at_portal', // in the bank's statement or the agency's list, not paid at the portal
  'missing_at_agency', // paid (portal or bank), not in the agency's receipt list
  'amount_differs',
  'status_differs', // the bank's status is not the portal's
  'duplicate_payment', // the bank debited the same payment twice
  'settled_late', // not in the beneficiary account by T+1
]);
export type DiscrepancyKind = z.infer<typeof DiscrepancyKind>;
export const DISCREPANCY_KIND_LABELS: Record<DiscrepancyKind, string> = {
  missing_at_bank: 'Cổng có, ngân hàng không có',
  missing_at_portal: 'Ngân hàng hoặc cơ quan có, Cổng không có',
  missing_at_agency: 'Đã thanh toán, cơ quan chưa ghi nhận',
  amount_differs: 'Chênh lệch số tiền',
  status_differs: 'Chênh lệch trạng thái',
  duplicate_payment: 'Thanh toán trùng',
  settled_late: 'Chuyển tiền chậm quá T+1',
};

/** Who must explain and resolve a case. */
export const Responsible = z.enum(['bank', 'agency', 'portal']);
export type Responsible = z.infer<typeof Responsible>;
export const RESPONSIBLE_LABELS: Record<Responsible, string> = { bank: 'Ngân hàng', agency: 'Cơ quan thu', portal: 'Cổng Dịch vụ công (vận hành)' };

export const DiscrepancyStatus = z.enum(['open', 'closed', 'cleared']);
export type DiscrepancyStatus = z.infer<typeof DiscrepancyStatus>;
export const DISCREPANCY_STATUS_LABELS: Record<DiscrepancyStatus, string> = {
  open: 'Chờ xử lý', closed: 'Đã xử lý', cleared: 'Không còn chênh lệch (dữ liệu đã được sửa)',
};

/** The close of a case: the responsible party's explanation of what was done. */
export const CloseDiscrepancy = z.object({ note: trimmedText(10, 2000) }).strict();

/** A discrepancy case as a reconciliation run opens it (its workflow's input). */
export interface DiscrepancyCase {
  code: string;
  kind: DiscrepancyKind;
  responsible: Responsible;
  agencyCode: string | null;
  bankCode: string | null;
  detectedAt: string;
  dueAt: string;
}

export interface DiscrepancyState {
  code: string;
  kind: DiscrepancyKind;
  responsible: Responsible;
  agencyCode: string | null;
  bankCode: string | null;
  status: DiscrepancyStatus;
  escalated: boolean;
  seq: number;
}

/** The clock (000 §34.5): by the end of the working day after the one it was found on. */
export const discrepancyDueAt = (detectedAt: string, cal: WorkingCalendar) => cal.endOfNextWorkingDay(new Date(detectedAt)).toISOString();

/**
 * Closing a case with a note. An agency's case is closed by that agency's fee officer, leader or
 * integration account; a bank's by that bank's integration account or an operator (for a bank that
 * answers by other means); the portal's by an operator.
 */
export function closeDiscrepancy(s: DiscrepancyState, actor: Actor): { state: DiscrepancyState; role: Role } {
  if (s.status !== 'open') throw conflict('WRONG_STEP', `Chênh lệch đã ở trạng thái "${DISCREPANCY_STATUS_LABELS[s.status]}".`);
  if (s.responsible === 'agency') {
    const role = (['fee_officer', 'unit_leader', 'integration'] as const).find((r) => actor.roles.includes(r));
    if (!role) throw forbidden('ROLE_NOT_ALLOWED', 'Chỉ cán bộ thu phí, lãnh đạo hoặc tài khoản tích hợp của cơ quan mới xử lý chênh lệch này.');
    if (actor.agencyCode !== s.agencyCode) throw forbidden('OUTSIDE_AGENCY', 'Chênh lệch này thuộc trách nhiệm của cơ quan khác.');
    return { state: { ...s, status: 'closed', seq: s.seq + 1 }, role };
  }
  if (s.responsible === 'bank' && actor.roles.includes('bank')) {
    if (!actor.bankCode || actor.bankCode !== s.bankCode) throw forbidden('OUTSIDE_BANK', 'Chênh lệch này thuộc trách nhiệm của ngân hàng khác.');
    return { state: { ...s, status: 'closed', seq: s.seq + 1 }, role: 'bank' };
  }
  if (!actor.roles.includes('operator')) throw forbidden('ROLE_NOT_ALLOWED', 'Chỉ ngân hàng chịu trách nhiệm hoặc cán bộ vận hành mới xử lý chênh lệch với ngân hàng; chênh lệch của Cổng do cán bộ vận hành xử lý.');
  return { state: { ...s, status: 'closed', seq: s.seq + 1 }, role: 'operator' };
}

/** A later run no longer finds the mismatch (a corrected file was uploaded): the case clears itself. */
export function clearDiscrepancy(s: DiscrepancyState): DiscrepancyState | null {
  return s.status === 'open' ? { ...s, status: 'cleared', seq: s.seq + 1 } : null;
}
