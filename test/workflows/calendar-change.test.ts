import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_PROCEDURES } from '../../db/demo-data';
import type { Actor } from '../../domain/access/roles';
import type { DossierAction } from '../../domain/dossier/vocabulary';
import { vnTime } from '../../domain/working-time';
import { newCalendarChangeId, startCalendarChange } from '../../services/calendar-changes';
import { recordSubmission } from '../../services/dossier-intake';
import { recordFeedback } from '../../services/feedback-intake';
import { DOSSIER_WORKFLOW, dossierViewQuery, performActionUpdate, type DossierWorkflowInput } from '../../workflows/dossier/definitions';
import { FEEDBACK_WORKFLOW, feedbackViewQuery, type FeedbackWorkflowInput } from '../../workflows/feedback/definitions';
import { FINDING_WORKFLOW, findingViewQuery } from '../../workflows/publication/finding';
import { discrepancyViewQuery } from '../../workflows/payment/discrepancy';
import { PUBLICATION_WORKFLOW, publicationActionUpdate, publicationViewQuery, type PublicationWorkflowInput } from '../../workflows/publication/definitions';
import { actor, settled, startWorkflowEnv } from '../support/workflow-env';

/**
 * Announced calendar changes reach every open clock (issue 15), on the time-skipping server: the change
 * job signals the open processes a change can affect; each takes the deadline the new calendar gives,
 * its read model and history follow, and a timer armed for the old instant does not escalate.
 * (Dates in 2031: the test database is shared, and no other test has deadlines then.)
 */
let w: Awaited<ReturnType<typeof startWorkflowEnv>>;
const TASK_QUEUE = 'calendar-change-test';
const citizen = actor('congdan1');
const receiving = actor('tiepnhan.hn');
const DAYS = ['2031-03-12', '2031-03-25', '2031-03-29', '2031-04-10', '2031-04-29', '2031-05-07', '2031-05-14', '2031-06-02'];

beforeAll(async () => {
  w = await startWorkflowEnv(TASK_QUEUE);
  await clearDays();
});
afterAll(async () => {
  await clearDays().catch(() => undefined);
  await w?.stop();
});

async function clearDays() {
  await w.deps.orm.em.fork().execute('delete from calendar_override where date in (?)', [DAYS]);
  w.deps.calendars.invalidate();
}

/** An administrator's announcement as the API makes it: the override, then the job (awaited to its end). */
async function announce(date: string, kind: 'day_off' | 'working_day' | null) {
  const em = w.deps.orm.em.fork();
  if (kind) await em.execute('insert into calendar_override (date, kind, note, updated_at) values (?, ?, ?, now()) on conflict (date) do update set kind = excluded.kind', [date, kind, 'Thông báo thử nghiệm']);
  else await em.execute('delete from calendar_override where date = ?', [date]);
  const changeId = newCalendarChangeId(date);
  const job = await startCalendarChange(w.env.client, TASK_QUEUE, { changeId, date, changedAt: new Date().toISOString() });
  // Through the plain client: awaiting a result on the test client would skip time.
  return w.plain.workflow.getHandle(job.workflowId).result() as Promise<{ signalled: number; moved?: number; done: boolean }>;
}

async function dossier() {
  const proc = DEMO_PROCEDURES.find((p) => p.code === 'STP-KS')!;
  const receivedAt = new Date(await w.env.currentTimeMs());
  const { code } = await recordSubmission(w.deps.orm.em.fork(), {
    procedureCode: proc.code, agencyCode: proc.agencyCode, citizenId: citizen.id, processingDays: 5, feeAmount: 0,
    formData: { note: 'lịch' }, files: [], receivedAt, idempotencyKey: null,
  });
  const input: DossierWorkflowInput = { code, procedureCode: proc.code, agencyCode: proc.agencyCode, citizenId: citizen.id, processingDays: 5, feeAmount: 0, receivedAt: receivedAt.toISOString(), requestId: randomUUID(), waiting: null };
  const handle: WorkflowHandle = await w.env.client.workflow.start(DOSSIER_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: code, args: [input] });
  const view = () => handle.query(dossierViewQuery);
  const act = (a: Actor, action: DossierAction) => handle.executeUpdate(performActionUpdate, { args: [{ action, actor: a, requestId: randomUUID() }] });
  await settled(view);
  const row = async () => (await w.deps.orm.em.fork().execute<{ legal_due_at: string; overdue_level: number }[]>('select legal_due_at, overdue_level from dossier where code = ?', [code]))[0]!;
  const actions = async () => (await w.deps.orm.em.fork().execute<{ action: string }[]>('select action from dossier_history where dossier_code = ? order by seq', [code])).map((r) => r.action);
  const signals = async () => (await handle.fetchHistory()).events!.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'calendarChanged').length;
  return { code, view, act, row, actions, signals };
}

/** An instant to the minute (the clocks run from the acceptance's own instant, to the millisecond). */
const at = (iso: string | null | undefined) => (iso ? new Date(iso).toISOString().slice(0, 16) : null);
const local = (t: string) => vnTime(t).toISOString().slice(0, 16);

describe('announced calendar changes (time-skipping)', () => {
  it('a day off announced for the Wednesday of a 5-working-day dossier moves its deadline one working day in the records without waking the process; a step meanwhile keeps it; at the old instant the process takes it, escalating nothing', async () => {
    await w.travelTo('2031-03-10 09:00');
    // Two dossiers with the same deadline: one gets a step after the change, the other waits for its old timer.
    const d = await dossier();
    const e = await dossier();
    for (const x of [d, e]) {
      await x.act(receiving, { type: 'accept' });
      await settled(x.view);
    }
    const before = (await d.view()).state.legalDueAt!;
    expect(at(before)).toBe(local('2031-03-17 09:00'));

    const job = await announce('2031-03-12', 'day_off');
    expect(job.done).toBe(true);
    expect(job.moved).toBeGreaterThanOrEqual(2);
    const em = w.deps.orm.em.fork();
    for (const x of [d, e]) {
      // Moved in the records in bulk (issue 30): the process was not signalled and still holds the old instant.
      expect(await x.signals()).toBe(0);
      expect(at((await x.view()).state.legalDueAt)).toBe(at(before));
      // The read model (lists, tracking) has the new date, with the change that moved it; audited once; the citizen told once.
      expect(at((await x.row()).legal_due_at)).toBe(local('2031-03-18 09:00'));
      const [move] = await em.execute<{ calendar_move: { date: string } }[]>('select calendar_move from dossier where code = ?', [x.code]);
      expect(move!.calendar_move.date).toBe('2031-03-12');
      expect(await x.actions()).toEqual(['submit', 'accept']);
      expect(await em.execute("select 1 from audit_log where entity_id = ? and action = 'dossier.deadline_moved'", [x.code])).toHaveLength(1);
      const mail = await w.smtp.waitFor((m) => m.subject.includes(`Thay đổi ngày hẹn trả kết quả hồ sơ ${x.code}`));
      expect(mail.text).toContain('18/03/2031');
    }

    // A step recorded meanwhile carries the new deadline (the process checks the calendar when it records).
    await d.act(actor('xuly.hn'), { type: 'claim' });
    await settled(d.view);
    expect(at((await d.row()).legal_due_at)).toBe(local('2031-03-18 09:00'));
    expect(at((await d.view()).state.legalDueAt)).toBe(local('2031-03-18 09:00'));

    // The old instant passes: the other process checks the calendar and takes the new deadline (its history
    // says why); neither escalates; no second message.
    await w.travelTo('2031-03-17 10:00');
    for (const x of [d, e]) {
      await settled(x.view);
      expect((await x.row()).overdue_level).toBe(0);
      expect(at((await x.view()).state.legalDueAt)).toBe(local('2031-03-18 09:00'));
      expect(at((await x.row()).legal_due_at)).toBe(local('2031-03-18 09:00'));
    }
    expect(await d.actions()).toEqual(['submit', 'accept', 'claim']);
    expect(await e.actions()).toEqual(['submit', 'accept', 'deadline_moved']);
    await new Promise((r) => setTimeout(r, 500));
    for (const x of [d, e]) expect(w.smtp.mails.filter((m) => m.subject.includes(`Thay đổi ngày hẹn trả kết quả hồ sơ ${x.code}`))).toHaveLength(1);

    // The new instant escalates once.
    await w.travelTo('2031-03-18 10:00');
    for (const x of [d, e]) {
      await settled(x.view);
      expect((await x.row()).overdue_level).toBe(1);
      expect((await x.actions()).filter((a) => a === 'overdue')).toHaveLength(1);
    }
  });

  it('a make-up Saturday moves a deadline earlier, removing it moves it back; a feedback classification clock moves with a day off; a change after every deadline touches nothing', async () => {
    await w.travelTo('2031-03-24 09:00');
    const d = await dossier();
    await d.act(receiving, { type: 'accept' });
    await settled(d.view);
    expect(at((await d.view()).state.legalDueAt)).toBe(local('2031-03-31 09:00'));

    await announce('2031-03-29', 'working_day');
    await settled(d.view);
    expect(at((await d.view()).state.legalDueAt)).toBe(local('2031-03-29 09:00'));
    // Back to a Saturday off: the deadline moves later, in the records only; the process takes it when it wakes.
    await announce('2031-03-29', null);
    await settled(d.view);
    expect(at((await d.row()).legal_due_at)).toBe(local('2031-03-31 09:00'));
    expect(at((await d.view()).state.legalDueAt)).toBe(local('2031-03-29 09:00'));

    // Feedback received on the Monday: its classification clock (working days) moves past a Tuesday off.
    const receivedAt = new Date(await w.env.currentTimeMs());
    const code = await recordFeedback(w.deps.orm.em.fork(), {
      citizenId: citizen.id, channel: 'portal', title: 'Lịch làm việc', content: 'Nội dung phản ánh để thử lịch làm việc mới công bố.',
      contact: { name: 'Nguyễn Văn An', address: '12 Hàng Bài, Hà Nội', phone: '0912000001', email: 'an.nguyen@example.vn' },
      agencyCode: 'HNI-STP', dossierCode: null, procedureCode: null, disagreesWith: null, receivedAt, keyedBy: null,
    });
    const input: FeedbackWorkflowInput = { code, citizenId: citizen.id, agencyCode: 'HNI-STP', receivedAt: receivedAt.toISOString(), leadAgencyCode: 'BTP-CKSTTHC', escalated: false, requestId: null };
    const fh = await w.env.client.workflow.start(FEEDBACK_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: code, args: [input] });
    const fview = () => fh.query(feedbackViewQuery);
    await settled(fview);
    const classificationDue = async () => (await w.deps.orm.em.fork().execute<{ classification_due_at: string }[]>('select classification_due_at from feedback where code = ?', [code]))[0]!.classification_due_at;
    const firstDue = new Date(await classificationDue()).toISOString();
    await announce('2031-03-25', 'day_off');
    await settled(fview);
    const secondDue = new Date(await classificationDue()).toISOString();
    expect(Date.parse(secondDue) - Date.parse(firstDue)).toBe(86_400_000);
    const fEvents = async () => (await w.deps.orm.em.fork().execute<{ action: string }[]>('select action from feedback_history where feedback_code = ? order by seq', [code])).map((r) => r.action);
    // Moved in the records only (issue 30): no signal, no history entry yet.
    const feedbackSignals = async () => (await fh.fetchHistory()).events!.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'calendarChanged').length;
    expect(await feedbackSignals()).toBe(0);
    expect(await fEvents()).toEqual(['submit']);

    // A day off after every deadline of these processes: none of them is touched.
    const dossierBefore = await d.actions();
    const signalsBefore = await d.signals();
    const feedbackSignalsBefore = await feedbackSignals();
    await announce('2031-06-02', 'day_off');
    await settled(d.view);
    await settled(fview);
    expect(await d.signals()).toBe(signalsBefore);
    expect(await feedbackSignals()).toBe(feedbackSignalsBefore);
    expect(await d.actions()).toEqual(dossierBefore);
    expect(await fEvents()).toEqual(['submit']);

    // The feedback's old classification instant (Wednesday 09:00) passes: its process takes the new one
    // (Thursday), escalating nothing; the new instant escalates once.
    await w.travelTo('2031-03-26 10:00');
    await settled(fview);
    expect(await fEvents()).toEqual(['submit', 'deadlines_moved']);
    expect((await fview()).state.classificationLevel).toBe(0);
    expect(Date.parse((await fview()).schedule.classification[0]!)).toBe(Date.parse(secondDue));
    await w.travelTo('2031-03-27 10:00');
    await settled(fview);
    expect(await fEvents()).toEqual(['submit', 'deadlines_moved', 'classification_overdue']);
  });

  it('a data-quality finding\'s 10 working days move with a day off: no escalation at the old instant, one at the new', async () => {
    await w.travelTo('2031-04-07 09:00'); // a Monday
    const em = w.deps.orm.em.fork();
    const code = `DQ-${String(Math.floor(Math.random() * 900000) + 100000)}`;
    const raisedAt = new Date(await w.env.currentTimeMs());
    await em.execute("insert into data_quality_finding (code, procedure_code, agency_code, description, raised_by, raised_at) values (?, 'STP-KS', 'HNI-STP', 'Thời hạn ghi sai (thử lịch).', ?, ?)", [code, actor('vanhanh').id, raisedAt]);
    await w.env.client.workflow.start(FINDING_WORKFLOW, {
      taskQueue: TASK_QUEUE, workflowId: code, args: [{ code, procedureCode: 'STP-KS', agencyCode: 'HNI-STP', raisedAt: raisedAt.toISOString(), raisedBy: actor('vanhanh').id, requestId: null }],
    });
    const view = async () => { const v = await w.plain.workflow.getHandle(code).query(findingViewQuery); return { ...v, recordedSeq: v.recordedSeq, state: v.state }; };
    await settled(view);
    expect(at((await view()).dueAt)).toBe(local('2031-04-21 09:00'));
    await announce('2031-04-10', 'day_off');
    await settled(view);
    expect(at((await view()).dueAt)).toBe(local('2031-04-22 09:00'));
    const [row] = await em.execute<{ due_at: string }[]>('select due_at from data_quality_finding where code = ?', [code]);
    expect(at(row!.due_at)).toBe(local('2031-04-22 09:00'));
    await w.travelTo('2031-04-21 10:00');
    await settled(view);
    expect((await view()).state.escalated).toBe(false);
    await w.travelTo('2031-04-22 10:00');
    await settled(view);
    expect((await view()).state.escalated).toBe(true);
    const events = await em.execute<{ action: string }[]>('select action from data_quality_finding_history where finding_code = ? order by seq', [code]);
    expect(events.map((e) => e.action)).toEqual(['raise', 'deadline_moved', 'fix_overdue']);
  });

  it('a reconciliation discrepancy due by the end of the next working day moves past a day off', async () => {
    await w.travelTo('2031-04-28 10:00'); // a Monday
    const em = w.deps.orm.em.fork();
    const code = `CL-${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
    const detectedAt = new Date(await w.env.currentTimeMs()).toISOString();
    const dueAt = vnTime('2031-04-29 17:00').toISOString();
    await em.execute(`insert into payment_discrepancy (code, business_day, kind, responsible, agency_code, detail, detected_at, due_at)
      values (?, '2031-04-27', 'missing_at_agency', 'agency', 'HNI-STP', 'Thử lịch làm việc', ?, ?)`, [code, detectedAt, dueAt]);
    const handle = await w.env.client.workflow.start('discrepancyWorkflow', {
      taskQueue: TASK_QUEUE, workflowId: code, args: [{ code, kind: 'missing_at_agency', responsible: 'agency', agencyCode: 'HNI-STP', bankCode: null, detectedAt, dueAt }],
    });
    const view = async () => { const v = await handle.query(discrepancyViewQuery); return { ...v, recordedSeq: v.recordedSeq, state: v.state }; };
    await settled(view);
    await announce('2031-04-29', 'day_off');
    await settled(view);
    expect(at((await view()).dueAt)).toBe(local('2031-05-02 17:00'));
    const [row] = await em.execute<{ due_at: string }[]>('select due_at from payment_discrepancy where code = ?', [code]);
    expect(at(row!.due_at)).toBe(local('2031-05-02 17:00'));
    await w.travelTo('2031-04-29 18:00');
    await settled(view);
    expect((await view()).state.escalated).toBe(false);
    await w.travelTo('2031-05-02 18:00');
    await settled(view);
    expect((await view()).state.escalated).toBe(true);
  });

  it('a service publication step clock (2 working days for the operators\' review) moves past a day off', async () => {
    await w.travelTo('2031-05-05 09:00'); // a Monday
    const em = w.deps.orm.em.fork();
    // Letters only: procedure codes are `AAA-BBB` in every list of the shared database.
    const procedureCode = `TN-L${Array.from({ length: 6 }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))).join('')}`;
    const code = `DV-${procedureCode}-HNI-STP`;
    await em.execute(`insert into procedure (code, name, agency_code, field, processing_days, fee_amount, form) values (?, 'Thủ tục thử lịch', 'HNI-STP', 'Thử nghiệm', 5, 0, '{"fields":[],"files":[]}')`, [procedureCode]);
    const declaredAt = new Date(await w.env.currentTimeMs());
    await em.execute(`insert into online_service (code, procedure_code, agency_code, name, status, since) values (?, ?, 'HNI-STP', 'Dịch vụ thử lịch', 'declared', ?)`, [code, procedureCode, declaredAt]);
    const input: PublicationWorkflowInput = { code, procedureCode, agencyCode: 'HNI-STP', declaredAt: declaredAt.toISOString(), declaredBy: { id: actor('quantri.hn').id, role: 'unit_admin' }, requestId: null };
    await w.env.client.workflow.start(PUBLICATION_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: code, args: [input] });
    const view = () => w.plain.workflow.getHandle(code).query(publicationViewQuery);
    await settled(view);
    await w.plain.workflow.getHandle(code).executeUpdate(publicationActionUpdate, { args: [{ action: { type: 'request_test_publication' }, actor: actor('quantri.hn'), requestId: null }] });
    await settled(view);
    expect(at((await view()).schedule.stepDueAt)).toBe(local('2031-05-07 09:00'));
    await announce('2031-05-07', 'day_off');
    await settled(view);
    expect(at((await view()).schedule.stepDueAt)).toBe(local('2031-05-08 09:00'));
    const [row] = await em.execute<{ step_due_at: string }[]>('select step_due_at from online_service where code = ?', [code]);
    expect(at(row!.step_due_at)).toBe(local('2031-05-08 09:00'));
    await w.travelTo('2031-05-07 10:00');
    await settled(view);
    expect((await view()).state.escalated).toBe(false);
    await w.travelTo('2031-05-08 10:00');
    await settled(view);
    expect((await view()).state.escalated).toBe(true);
  });

  it('a day off moved in the records only, then withdrawn: the records go back to the first date (the process, holding it all along, records nothing), the citizen is told, the first instant escalates once', async () => {
    await w.travelTo('2031-05-12 09:00'); // a Monday
    const d = await dossier();
    await d.act(receiving, { type: 'accept' });
    await settled(d.view);
    expect(at((await d.view()).state.legalDueAt)).toBe(local('2031-05-19 09:00'));
    await announce('2031-05-14', 'day_off');
    expect(at((await d.row()).legal_due_at)).toBe(local('2031-05-20 09:00'));
    expect(await d.signals()).toBe(0);

    // Withdrawn (a working Wednesday again): a deadline moving earlier — written by the job and the process signalled.
    const job = await announce('2031-05-14', null);
    expect(job.signalled).toBeGreaterThanOrEqual(1);
    await settled(d.view);
    expect(await d.signals()).toBe(1);
    expect(at((await d.row()).legal_due_at)).toBe(local('2031-05-19 09:00'));
    expect(at((await d.view()).state.legalDueAt)).toBe(local('2031-05-19 09:00'));
    expect(await d.actions()).toEqual(['submit', 'accept']);
    const told = await w.smtp.waitFor((m) => m.subject.includes(`Thay đổi ngày hẹn trả kết quả hồ sơ ${d.code}`) && m.text.includes('thành 09:00 ngày 19/05/2031'));
    expect(told.text).toContain('20/05/2031');

    await w.travelTo('2031-05-19 10:00');
    await settled(d.view);
    expect((await d.row()).overdue_level).toBe(1);
    expect((await d.actions()).filter((a) => a === 'overdue')).toHaveLength(1);
  });
});
