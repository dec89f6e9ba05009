import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { ACCOUNT_SWEEP_SCHEDULE, ACCOUNT_SWEEP_WORKFLOW } from '../workflows/accounts/sweep';
import { DAILY_RECONCILIATION_WORKFLOW, RECONCILIATION_SCHEDULE } from '../workflows/payment/reconciliation';
import { OPERATIONS_WATCH_SCHEDULE, OPERATIONS_WATCH_WORKFLOW } from '../workflows/operations/watch';

/** Registers the platform's Temporal Schedules; an existing one is left as it is. */
export async function ensureSchedules(client: Client, taskQueue: string, log: Logger): Promise<void> {
  const schedules = [
    {
      scheduleId: ACCOUNT_SWEEP_SCHEDULE,
      // Every night at 01:30 Vietnam time; a missed run is caught up within a day, never run twice at once.
      spec: { calendars: [{ hour: 1, minute: 30 }], timezone: 'Asia/Ho_Chi_Minh' },
      action: { type: 'startWorkflow' as const, workflowType: ACCOUNT_SWEEP_WORKFLOW, taskQueue, args: [{}] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      memo: { purpose: 'Khóa tài khoản không hoạt động, thông báo trước khi khóa, rà soát tài khoản 6 tháng' },
    },
    {
      scheduleId: RECONCILIATION_SCHEDULE,
      // Every morning at 06:00 Vietnam time, for yesterday; the workflow itself catches up days missed.
      spec: { calendars: [{ hour: 6, minute: 0 }], timezone: 'Asia/Ho_Chi_Minh' },
      action: { type: 'startWorkflow' as const, workflowType: DAILY_RECONCILIATION_WORKFLOW, taskQueue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      memo: { purpose: 'Đối soát thanh toán hằng ngày giữa Cổng, ngân hàng và cơ quan thu (Điều 34)' },
    },
    {
      scheduleId: OPERATIONS_WATCH_SCHEDULE,
      // Every five minutes: alerts about connected systems reach the operators within minutes.
      spec: { intervals: [{ every: '5 minutes' }] },
      action: { type: 'startWorkflow' as const, workflowType: OPERATIONS_WATCH_WORKFLOW, taskQueue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
      memo: { purpose: 'Cảnh báo vận hành: hệ thống kết nối không gọi đến hoặc gọi lỗi liên tục (Điều 52)' },
    },
  ];
  for (const schedule of schedules) {
    try {
      await client.schedule.create(schedule);
      log.info({ scheduleId: schedule.scheduleId }, 'schedule created');
    } catch (e) {
      if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    }
  }
}
