import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { vnTime } from '../../domain/working-time';
import { actor, finished, settled, startWorkflowEnv } from '../support/workflow-env';
import { cancelMaintenanceUpdate, MAINTENANCE_WORKFLOW, maintenanceViewQuery, type MaintenanceWorkflowInput } from '../../workflows/service-desk/maintenance';

/**
 * The service desk's processes on the time-skipping server (issue 17). Planned maintenance (002 §32.3):
 * announced, under way at its start, over at its end; cancellable until then; the parties told.
 */
let w: Awaited<ReturnType<typeof startWorkflowEnv>>;

beforeAll(async () => {
  w = await startWorkflowEnv('service-desk-test');
});
afterAll(async () => {
  await w?.stop();
});

async function announced(startsLocal: string, endsLocal: string, title: string) {
  const em = w.deps.orm.em.fork();
  const [{ n }] = (await em.execute<{ n: string }[]>("select nextval('maintenance_notice_number') as n")) as [{ n: string }];
  const code = `BT-${String(n).padStart(6, '0')}`;
  const startsAt = vnTime(startsLocal).toISOString();
  const endsAt = vnTime(endsLocal).toISOString();
  await em.execute(
    'insert into maintenance_notice (code, title, description, starts_at, ends_at, announced_by, announced_at) values (?, ?, ?, ?, ?, ?, ?)',
    [code, title, 'Nâng cấp cơ sở dữ liệu; các dịch vụ trực tuyến tạm dừng.', startsAt, endsAt, actor('vanhanh').id, await w.now()]);
  const input: MaintenanceWorkflowInput = { code, startsAt, endsAt, announcedBy: actor('vanhanh').id, emergency: false, requestId: null };
  const handle = await w.env.client.workflow.start(MAINTENANCE_WORKFLOW, { taskQueue: w.taskQueue, workflowId: code, args: [input] });
  const view = () => w.plain.workflow.getHandle(code).query(maintenanceViewQuery);
  const status = async () => {
    await settled(view);
    const [r] = await em.execute<{ status: string }[]>('select status from maintenance_notice where code = ?', [code]);
    return r!.status;
  };
  const history = async () => (await em.execute<{ action: string }[]>('select action from maintenance_notice_history where notice_code = ? order by seq', [code])).map((h) => h.action);
  await settled(view);
  return { code, handle, view, status, history };
}

describe('planned maintenance (time-skipping)', () => {
  it('announced, under way from its start, over at its end; agencies\' administrators and connected systems told once', async () => {
    await w.travelTo('2027-03-01 09:00'); // a Monday
    const title = 'Bảo trì định kỳ tháng 3';
    const s = await announced('2027-03-08 22:00', '2027-03-09 02:00', title);
    expect(await s.status()).toBe('announced');
    await w.outboxSettled();
    const told = w.smtp.mails.filter((m) => m.text.includes(title)).flatMap((m) => m.to);
    expect(told).toEqual(expect.arrayContaining(['quantri.hn@dichvucong.gov.vn', 'quantri.hcm@dichvucong.gov.vn', 'hethong.stp@hanoi.gov.vn']));
    expect(new Set(told).size).toBe(told.length);
    await w.travelTo('2027-03-08 21:59');
    expect(await s.status()).toBe('announced');
    await w.travelTo('2027-03-08 22:01');
    expect(await s.status()).toBe('in_progress');
    await w.travelTo('2027-03-09 02:01');
    const end = await finished(s.handle, s.view, 'maintenance');
    expect(end.state.status).toBe('completed');
    expect(await s.history()).toEqual(['announce', 'start', 'end']);
  });

  it('cancelled before its start with a reason: never under way, the process ends, the parties told', async () => {
    await w.travelTo('2027-03-10 09:00');
    const s = await announced('2027-03-17 22:00', '2027-03-18 01:00', 'Bảo trì đường truyền');
    const cancel = (reason: string) => w.plain.workflow.getHandle(s.code).executeUpdate(cancelMaintenanceUpdate, { args: [{ actor: actor('vanhanh'), reason, requestId: null }] });
    expect((await cancel('Nhà cung cấp đường truyền hoãn lịch nâng cấp.')).status).toBe('cancelled');
    await w.travelTo('2027-03-17 22:30');
    const end = await finished(s.handle, s.view, 'maintenance');
    expect(end.state.status).toBe('cancelled');
    expect(await s.history()).toEqual(['announce', 'cancel']);
    await w.outboxSettled();
    expect(w.smtp.mails.some((m) => m.subject.startsWith('[DVC] Hủy đợt bảo trì') && m.text.includes('hoãn lịch nâng cấp'))).toBe(true);
  });
});
