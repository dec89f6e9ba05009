import type { Actor, Role } from '../access/roles';
import { conflict, forbidden } from '../errors';
import type { WorkingCalendar } from '../working-time';
import { trimmedText } from '../text';
import { z } from 'zod';

/**
 * A data-quality finding on a procedure of the catalogue (000 §24.2.a): raised by an operator, fixed by
 * the procedure's agency within 10 working days; a missed clock escalates once to the agency's leaders.
 */
export const FIX_WORKING_DAYS = 10;

export const FindingStatus = z.enum(['open', 'resolved', 'dismissed']);
export type FindingStatus = z.infer<typeof FindingStatus>;
export const FINDING_STATUS_LABELS: Record<FindingStatus, string> = { open: 'Chờ cơ quan khắc phục', resolved: 'Đã khắc phục', dismissed: 'Đã hủy phát hiện' };

export const FindingAction = z.discriminatedUnion('type', [
  /** The agency reports the fix (đã khắc phục). */
  z.object({ type: z.literal('resolve'), note: trimmedText(5, 2000) }),
  /** The operator withdraws a finding raised in error. */
  z.object({ type: z.literal('dismiss'), reason: trimmedText(5, 2000) }),
]);
export type FindingAction = z.infer<typeof FindingAction>;
export type FindingEvent = FindingAction['type'] | 'raise' | 'fix_overdue' | 'deadline_moved';
export const FINDING_EVENT_LABELS: Record<FindingEvent, string> = {
  raise: 'Phát hiện sai sót dữ liệu thủ tục', resolve: 'Cơ quan đã khắc phục', dismiss: 'Hủy phát hiện', fix_overdue: 'Quá hạn khắc phục (10 ngày làm việc)', deadline_moved: 'Điều chỉnh thời hạn theo lịch làm việc mới công bố',
};

export interface FindingState {
  code: string;
  procedureCode: string;
  agencyCode: string;
  status: FindingStatus;
  raisedAt: string;
  escalated: boolean;
  seq: number;
}

export function applyFindingAction(s: FindingState, action: FindingAction, actor: Actor): { state: FindingState; role: Role } {
  if (s.status !== 'open') throw conflict('WRONG_STEP', `Phát hiện đã ở trạng thái "${FINDING_STATUS_LABELS[s.status]}".`);
  if (action.type === 'resolve') {
    if (!actor.roles.includes('unit_admin')) throw forbidden('ROLE_NOT_ALLOWED', 'Chỉ quản trị đơn vị của cơ quan mới báo cáo khắc phục.');
    if (actor.agencyCode !== s.agencyCode) throw forbidden('OUTSIDE_AGENCY', 'Chỉ cơ quan có thủ tục mới báo cáo khắc phục.');
    return { state: { ...s, status: 'resolved', seq: s.seq + 1 }, role: 'unit_admin' };
  }
  if (!actor.roles.includes('operator')) throw forbidden('ROLE_NOT_ALLOWED', 'Chỉ cán bộ vận hành mới hủy phát hiện.');
  return { state: { ...s, status: 'dismissed', seq: s.seq + 1 }, role: 'operator' };
}

/** The fix deadline: 10 working days from the finding. */
export const fixDueAt = (s: Pick<FindingState, 'raisedAt'>, cal: WorkingCalendar) => cal.addWorkingDays(new Date(s.raisedAt), FIX_WORKING_DAYS).toISOString();
