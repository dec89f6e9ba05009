import { z } from 'zod';
import { conflict, invalid } from '../errors';
import { trimmedText } from '../text';
import type { WorkingCalendar } from '../working-time/calendar';

/** Planned maintenance is announced at least 5 working days ahead (002 §32.3: thông báo bảo trì theo kế hoạch). */
export const MAINTENANCE_NOTICE_WORKING_DAYS = 5;

/** A maintenance notice's status: announced, under way, over, or cancelled before its end. */
export const MaintenanceStatus = z.enum(['announced', 'in_progress', 'completed', 'cancelled']);
export type MaintenanceStatus = z.infer<typeof MaintenanceStatus>;
export const MAINTENANCE_STATUS_LABELS: Record<MaintenanceStatus, string> = {
  announced: 'Đã thông báo', in_progress: 'Đang bảo trì', completed: 'Đã hoàn thành', cancelled: 'Đã hủy',
};
export type MaintenanceEvent = 'announce' | 'start' | 'end' | 'cancel';
export const MAINTENANCE_EVENT_LABELS: Record<MaintenanceEvent, string> = {
  announce: 'Thông báo bảo trì', start: 'Bắt đầu bảo trì', end: 'Kết thúc bảo trì', cancel: 'Hủy bảo trì',
};

const Moment = z.iso.datetime({ offset: true }).describe('Thời điểm theo ISO 8601 kèm múi giờ');

export const MaintenanceBody = z.object({
  title: trimmedText(5, 200),
  description: trimmedText(10, 2000),
  startsAt: Moment,
  endsAt: Moment,
  /** An emergency may be announced at shorter notice; its reason is recorded. */
  emergency: z.boolean().default(false),
  emergencyReason: trimmedText(10, 1000).optional(),
}).strict();
export type MaintenanceBody = z.infer<typeof MaintenanceBody>;

export const CancelMaintenance = z.object({ reason: trimmedText(10, 1000) }).strict();

/**
 * The rule of a new notice: it ends after it starts, starts in the future, and — unless it is an emergency,
 * with its reason — at least 5 working days after it is announced (by the announced calendar).
 */
export function checkNotice(body: MaintenanceBody, announcedAt: Date, calendar: WorkingCalendar): { earliestStart: Date } {
  const starts = new Date(body.startsAt);
  const ends = new Date(body.endsAt);
  if (ends <= starts) throw invalid('MAINTENANCE_ENDS_BEFORE_START', 'Thời điểm kết thúc bảo trì phải sau thời điểm bắt đầu.');
  if (starts <= announcedAt) throw invalid('MAINTENANCE_IN_THE_PAST', 'Thời điểm bắt đầu bảo trì phải ở tương lai.');
  if (body.emergency && !body.emergencyReason) throw invalid('MAINTENANCE_EMERGENCY_REASON', 'Bảo trì khẩn cấp phải nêu lý do.');
  const earliestStart = calendar.addWorkingDays(announcedAt, MAINTENANCE_NOTICE_WORKING_DAYS);
  if (!body.emergency && starts < earliestStart) {
    throw invalid('MAINTENANCE_NOTICE_TOO_SHORT', `Bảo trì theo kế hoạch phải được thông báo trước ít nhất ${MAINTENANCE_NOTICE_WORKING_DAYS} ngày làm việc (bắt đầu từ ${earliestStart.toISOString()} trở đi), trừ trường hợp khẩn cấp.`);
  }
  return { earliestStart };
}

export interface MaintenanceState { code: string; status: MaintenanceStatus; seq: number }

/** Cancelling: possible until the maintenance has ended. */
export function cancelMaintenance(state: MaintenanceState): MaintenanceState {
  if (state.status === 'completed' || state.status === 'cancelled') throw conflict('MAINTENANCE_CLOSED', 'Đợt bảo trì đã kết thúc hoặc đã bị hủy.');
  return { ...state, status: 'cancelled', seq: state.seq + 1 };
}
