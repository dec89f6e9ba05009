import { z } from 'zod';
import type { Actor } from '../access/roles';
import { conflict, forbidden } from '../errors';
import { trimmedText } from '../text';

/**
 * Account complaints (khiếu nại về tài khoản, 000 §13.1): the parties concerned are notified within 24
 * hours and the outcome is given within 48 hours — hours of the clock, not working hours.
 */
export const COMPLAINT_NOTIFY_HOURS = 24;
export const COMPLAINT_OUTCOME_HOURS = 48;

export const ComplaintKind = z.enum(['wrongly_locked', 'wrong_data', 'misuse']);
export type ComplaintKind = z.infer<typeof ComplaintKind>;
export const COMPLAINT_KIND_LABELS: Record<ComplaintKind, string> = {
  wrongly_locked: 'Tài khoản bị khóa không đúng', wrong_data: 'Thông tin tài khoản sai', misuse: 'Tài khoản bị người khác sử dụng',
};
export const ComplaintStatus = z.enum(['received', 'parties_notified', 'resolved']);
export type ComplaintStatus = z.infer<typeof ComplaintStatus>;
export const COMPLAINT_STATUS_LABELS: Record<ComplaintStatus, string> = { received: 'Đã tiếp nhận', parties_notified: 'Đã thông báo các bên', resolved: 'Đã có kết quả' };

export const ComplaintBody = z.object({ kind: ComplaintKind, description: trimmedText(10, 2000) }).strict();
/** An operator recording a citizen's complaint (by telephone, at a desk): the citizen's user name and the complaint. */
export const ComplaintOnBehalfBody = ComplaintBody.extend({ account: trimmedText(1, 100).describe('Tên đăng nhập của công dân') }).strict();
/** How a complaint came in: its owner signed in, its owner with a locked account, an operator on the owner's behalf. */
export const ComplaintChannel = z.enum(['portal', 'locked_account', 'operator']);
export type ComplaintChannel = z.infer<typeof ComplaintChannel>;
export const COMPLAINT_CHANNEL_LABELS: Record<ComplaintChannel, string> = {
  portal: 'Công dân gửi trên Cổng', locked_account: 'Công dân gửi khi tài khoản đang bị khóa', operator: 'Cán bộ vận hành ghi nhận thay công dân',
};
export const ComplaintAction = z.discriminatedUnion('type', [
  z.object({ type: z.literal('notify_parties'), note: trimmedText(10, 1000).describe('Đã thông báo cho ai, bằng cách nào') }).strict(),
  z.object({
    type: z.literal('resolve'), outcome: z.enum(['upheld', 'rejected']).describe('Khiếu nại đúng (upheld) hoặc không đúng (rejected)'), note: trimmedText(10, 2000),
    unlock: z.boolean().default(false).describe('Mở khóa tài khoản (qua thao tác mở khóa có ghi nhật ký)'),
  }).strict(),
]);
export type ComplaintAction = z.infer<typeof ComplaintAction>;
export type ComplaintEvent = 'file' | ComplaintAction['type'] | 'notify_overdue' | 'outcome_overdue';
export const COMPLAINT_EVENT_LABELS: Record<ComplaintEvent, string> = {
  file: 'Tiếp nhận khiếu nại', notify_parties: 'Thông báo các bên liên quan', resolve: 'Trả lời kết quả',
  notify_overdue: 'Quá 24 giờ chưa thông báo các bên', outcome_overdue: 'Quá 48 giờ chưa có kết quả',
};

export interface ComplaintState {
  code: string;
  accountId: string;
  status: ComplaintStatus;
  filedAt: string;
  notifyOverdue: boolean;
  outcomeOverdue: boolean;
  seq: number;
}

/** The two clocks, from the moment the complaint is received. */
export function complaintDeadlines(filedAt: string): { notifyDueAt: string; outcomeDueAt: string } {
  const t = Date.parse(filedAt);
  return { notifyDueAt: new Date(t + COMPLAINT_NOTIFY_HOURS * 3_600_000).toISOString(), outcomeDueAt: new Date(t + COMPLAINT_OUTCOME_HOURS * 3_600_000).toISOString() };
}

/** Who handles account complaints: the portal's operators and system administrators. */
const HANDLERS = ['operator', 'system_admin'] as const;

export function applyComplaintAction(state: ComplaintState, action: ComplaintAction, actor: Actor): { state: ComplaintState; role: string } {
  const role = HANDLERS.find((r) => actor.roles.includes(r));
  if (!role) throw forbidden('ROLE_NOT_ALLOWED', 'Chỉ cán bộ vận hành hoặc quản trị hệ thống xử lý khiếu nại về tài khoản.');
  if (state.status === 'resolved') throw conflict('COMPLAINT_RESOLVED', 'Khiếu nại đã có kết quả.');
  if (action.type === 'notify_parties' && state.status !== 'received') throw conflict('WRONG_STEP', 'Các bên liên quan đã được thông báo.');
  // Giving the outcome tells the parties too, if that was not done before.
  return { state: { ...state, status: action.type === 'notify_parties' ? 'parties_notified' : 'resolved', seq: state.seq + 1 }, role };
}

/** The next clock of an open complaint (null when none is left to watch). */
export function nextComplaintDeadline(state: ComplaintState): { at: string; kind: 'notify_overdue' | 'outcome_overdue' } | null {
  const due = complaintDeadlines(state.filedAt);
  if (state.status === 'received' && !state.notifyOverdue) return { at: due.notifyDueAt, kind: 'notify_overdue' };
  if (state.status !== 'resolved' && !state.outcomeOverdue) return { at: due.outcomeDueAt, kind: 'outcome_overdue' };
  return null;
}
