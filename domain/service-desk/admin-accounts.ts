import { z } from 'zod';
import type { Actor } from '../access/roles';
import { conflict, forbidden } from '../errors';
import { trimmedText } from '../text';
import type { WorkingCalendar } from '../working-time/calendar';

/** A unit's request for an administrator account is handled within 2 working hours (002 §10.4: cấp tài khoản quản trị). */
export const ADMIN_REQUEST_WORKING_HOURS = 2;

/** The role groups an administrator account may be given: a unit's administrator only (least privilege). */
export const AdminRoleGroup = z.enum(['unit_admin']);

export const AdminAccountRequestBody = z.object({
  subject: z.string().regex(/^[a-z0-9][a-z0-9._-]{2,63}$/).describe('Tên đăng nhập tại hệ thống định danh (chữ thường, số, . _ -)'),
  fullName: trimmedText(3, 200),
  email: z.email().max(200),
  agencyCode: z.string().regex(/^[A-Z]{2,10}-[A-Z]{2,12}$/).describe('Đơn vị của tài khoản: đơn vị người đề nghị hoặc đơn vị trực thuộc'),
  roleGroups: z.array(AdminRoleGroup).min(1).max(1),
  justification: trimmedText(10, 2000),
}).strict();
export type AdminAccountRequestBody = z.infer<typeof AdminAccountRequestBody>;

export const AdminRequestDecision = z.discriminatedUnion('type', [
  z.object({ type: z.literal('approve') }).strict(),
  z.object({ type: z.literal('refuse'), reason: trimmedText(10, 1000) }).strict(),
]);
export type AdminRequestDecision = z.infer<typeof AdminRequestDecision>;

export const AdminRequestStatus = z.enum(['pending', 'approved', 'refused']);
export type AdminRequestStatus = z.infer<typeof AdminRequestStatus>;
export const ADMIN_REQUEST_STATUS_LABELS: Record<AdminRequestStatus, string> = { pending: 'Chờ xử lý', approved: 'Đã cấp tài khoản', refused: 'Từ chối' };
export type AdminRequestEvent = 'request' | AdminRequestDecision['type'] | 'overdue' | 'deadline_moved';

/** Who may ask: the unit's leaders and administrators. */
export const ADMIN_REQUESTERS = ['unit_leader', 'unit_admin'] as const;

export interface AdminRequestState { code: string; agencyCode: string; status: AdminRequestStatus; overdue: boolean; seq: number }

/** The deadline: 2 working hours from the request, by the announced calendar. */
export function adminRequestDueAt(requestedAt: string, calendar: WorkingCalendar): string {
  return calendar.addWorkingHours(new Date(requestedAt), ADMIN_REQUEST_WORKING_HOURS).toISOString();
}

/** Deciding: system administrators only, once. */
export function decideAdminRequest(state: AdminRequestState, decision: AdminRequestDecision, actor: Actor): AdminRequestState {
  if (!actor.roles.includes('system_admin')) throw forbidden('ROLE_NOT_ALLOWED', 'Chỉ quản trị hệ thống cấp tài khoản quản trị.');
  if (state.status !== 'pending') throw conflict('ADMIN_REQUEST_DECIDED', 'Đề nghị đã được xử lý.');
  return { ...state, status: decision.type === 'approve' ? 'approved' : 'refused', seq: state.seq + 1 };
}
