import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { ACCOUNT_SWEEP_SCHEDULE, ACCOUNT_SWEEP_WORKFLOW } from '../workflows/accounts/sweep';

/** Registers the platform's Temporal Schedules; an existing one is left as it is. */
export async function ensureSchedules(client: Client, taskQueue: string, log: Logger): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: ACCOUNT_SWEEP_SCHEDULE,
      // Every night at 01:30 Vietnam time; a missed run is caught up within a day, never run twice at once.
      spec: { calendars: [{ hour: 1, minute: 30 }], timezone: 'Asia/Ho_Chi_Minh' },
      action: { type: 'startWorkflow', workflowType: ACCOUNT_SWEEP_WORKFLOW, taskQueue, args: [{}] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      memo: { purpose: 'Khóa tài khoản không hoạt động, thông báo trước khi khóa, rà soát tài khoản 6 tháng' },
    });
    log.info({ scheduleId: ACCOUNT_SWEEP_SCHEDULE }, 'schedule created');
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
  }
}
