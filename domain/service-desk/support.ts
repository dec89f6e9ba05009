import { z } from 'zod';
import type { Actor } from '../access/roles';
import { conflict, forbidden, invalid } from '../errors';
import { trimmedText } from '../text';
import type { WorkingCalendar } from '../working-time/calendar';

/**
 * Support and incident requests (yêu cầu hỗ trợ, sự cố; 002 §32.1–32.2): handled within 8 working hours;
 * a complex one gets an expected completion time, published to the requester and revisable with a reason.
 * Each missed clock escalates once; the requester confirms the resolution or reopens the request.
 */
export const SUPPORT_WORKING_HOURS = 8;
/** A resolution the requester neither confirms nor contests is closed after 5 working days. */
export const SUPPORT_CONFIRM_WORKING_DAYS = 5;

export const SupportKind = z.enum(['support', 'incident']);
export const SUPPORT_KIND_LABELS: Record<z.infer<typeof SupportKind>, string> = { support: 'Yêu cầu hỗ trợ', incident: 'Báo sự cố' };
export const SupportStatus = z.enum(['received', 'in_progress', 'resolved', 'closed']);
export type SupportStatus = z.infer<typeof SupportStatus>;
export const SUPPORT_STATUS_LABELS: Record<SupportStatus, string> = { received: 'Đã tiếp nhận', in_progress: 'Đang xử lý', resolved: 'Đã xử lý, chờ xác nhận', closed: 'Đã đóng' };

export const SupportBody = z.object({ kind: SupportKind, title: trimmedText(5, 200), description: trimmedText(10, 4000) }).strict();
const Moment = z.iso.datetime({ offset: true });
export const SupportAction = z.discriminatedUnion('type', [
  z.object({ type: z.literal('classify'), complexity: z.enum(['simple', 'complex']), expectedAt: Moment.optional().describe('Thời điểm dự kiến hoàn thành (yêu cầu phức tạp)') }).strict(),
  z.object({ type: z.literal('revise'), expectedAt: Moment, reason: trimmedText(10, 1000) }).strict(),
  z.object({ type: z.literal('resolve'), resolution: trimmedText(10, 4000) }).strict(),
  z.object({ type: z.literal('confirm') }).strict(),
  z.object({ type: z.literal('reopen'), reason: trimmedText(10, 1000) }).strict(),
]);
export type SupportAction = z.infer<typeof SupportAction>;
export type SupportEvent = 'submit' | SupportAction['type'] | 'overdue' | 'auto_close' | 'deadline_moved';
export const SUPPORT_EVENT_LABELS: Record<SupportEvent, string> = {
  submit: 'Tiếp nhận yêu cầu', classify: 'Phân loại', revise: 'Điều chỉnh thời điểm dự kiến hoàn thành', resolve: 'Đã xử lý', confirm: 'Người yêu cầu xác nhận',
  reopen: 'Người yêu cầu mở lại', overdue: 'Quá hạn xử lý', auto_close: 'Tự động đóng (không phản hồi)', deadline_moved: 'Điều chỉnh thời hạn theo lịch làm việc mới công bố',
};

export interface SupportState {
  code: string;
  requesterId: string;
  status: SupportStatus;
  complexity: 'simple' | 'complex' | null;
  /** When the current clock started (receipt, reopening) and the published expected completion, if complex. */
  clockFrom: string;
  expectedAt: string | null;
  /** The clocks are numbered; the last one that escalated (each escalates once). */
  clock: number;
  escalatedClock: number;
  seq: number;
}

const HANDLERS = ['operator', 'system_admin'] as const;

/** A step: the handlers classify, revise and resolve; the requester confirms or reopens. */
export function applySupportAction(state: SupportState, action: SupportAction, actor: Actor, at: string): { state: SupportState; role: string } {
  const handler = HANDLERS.find((r) => actor.roles.includes(r));
  const requester = actor.id === state.requesterId;
  const s = { ...state, seq: state.seq + 1 };
  switch (action.type) {
    case 'classify':
    case 'revise':
    case 'resolve':
      if (!handler) throw forbidden('ROLE_NOT_ALLOWED', 'Chỉ cán bộ vận hành hoặc quản trị hệ thống xử lý yêu cầu.');
      if (state.status === 'resolved' || state.status === 'closed') throw conflict('WRONG_STEP', 'Yêu cầu đã được xử lý.');
      if (action.type === 'classify') {
        if (state.complexity !== null && state.status !== 'received') throw conflict('WRONG_STEP', 'Yêu cầu đã được phân loại.');
        // A simple request's clock is the 8 working hours: an expected time given with it is not used.
        if (action.complexity === 'complex' && !action.expectedAt) throw invalid('EXPECTED_TIME_REQUIRED', 'Yêu cầu phức tạp phải có thời điểm dự kiến hoàn thành.');
        if (action.complexity === 'complex' && Date.parse(action.expectedAt!) <= Date.parse(at)) throw invalid('EXPECTED_TIME_PAST', 'Thời điểm dự kiến hoàn thành phải ở tương lai.');
        const expectedAt = action.complexity === 'complex' ? new Date(action.expectedAt!).toISOString() : null;
        return { state: { ...s, status: 'in_progress', complexity: action.complexity, expectedAt, clock: expectedAt ? state.clock + 1 : state.clock }, role: handler };
      }
      if (action.type === 'revise') {
        if (state.complexity !== 'complex') throw conflict('WRONG_STEP', 'Chỉ điều chỉnh thời điểm dự kiến của yêu cầu phức tạp.');
        if (Date.parse(action.expectedAt) <= Date.parse(at)) throw invalid('EXPECTED_TIME_PAST', 'Thời điểm dự kiến hoàn thành phải ở tương lai.');
        return { state: { ...s, expectedAt: new Date(action.expectedAt).toISOString(), clock: state.clock + 1 }, role: handler };
      }
      // The requester's 5 working days to confirm or reopen start now.
      return { state: { ...s, status: 'resolved', clockFrom: at, clock: state.clock + 1 }, role: handler };
    case 'confirm':
    case 'reopen':
      if (!requester) throw forbidden('NOT_THE_REQUESTER', 'Chỉ người gửi yêu cầu xác nhận hoặc mở lại yêu cầu.');
      if (state.status !== 'resolved') throw conflict('WRONG_STEP', 'Yêu cầu chưa được xử lý xong.');
      if (action.type === 'confirm') return { state: { ...s, status: 'closed' }, role: 'requester' };
      // Reopened: handled again within 8 working hours from now (a complex one keeps its published time if still ahead).
      return {
        state: { ...s, status: 'in_progress', clockFrom: at, expectedAt: state.expectedAt && Date.parse(state.expectedAt) > Date.parse(at) ? state.expectedAt : null, complexity: state.expectedAt && Date.parse(state.expectedAt) > Date.parse(at) ? 'complex' : 'simple', clock: state.clock + 1 },
        role: 'requester',
      };
  }
}

/**
 * The current clock's deadline: for a resolved request, the end of the requester's 5 working days; else the
 * published expected time of a complex request, or 8 working hours from the clock's start.
 */
export function supportDueAt(state: Pick<SupportState, 'status' | 'expectedAt' | 'clockFrom'>, calendar: WorkingCalendar): string {
  if (state.status === 'resolved') return calendar.addWorkingDays(new Date(state.clockFrom), SUPPORT_CONFIRM_WORKING_DAYS).toISOString();
  return state.expectedAt ?? calendar.addWorkingHours(new Date(state.clockFrom), SUPPORT_WORKING_HOURS).toISOString();
}
