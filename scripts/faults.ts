/**
 * Fault run: 1,000 dossiers (FAULT_DOSSIERS) in flight while the worker is killed with SIGKILL and restarted,
 * the Temporal dev server is restarted (its SQLite file kept), and PostgreSQL is restarted. Afterwards every
 * dossier must have reached its expected state (completed with one result): none lost, none duplicated (no
 * duplicate history rows, results or emails).   npm run faults
 * Results: bench/results/faults.json and .md.
 */
import { writeFile } from 'node:fs/promises';
import { DEMO_PROCEDURES, demoUser } from '../db/demo-data';
import { recordSubmission } from '../services/dossier-intake';
import { randomUUID } from 'node:crypto';
import type { FeedbackAction } from '../domain/feedback/vocabulary';
import { recordFeedback } from '../services/feedback-intake';
import { DOSSIER_WORKFLOW, dossierViewQuery, type DossierWorkflowInput } from '../workflows/dossier/definitions';
import { FEEDBACK_WORKFLOW, feedbackActionUpdate, feedbackViewQuery, type FeedbackWorkflowInput } from '../workflows/feedback/definitions';
import { startBenchStack } from '../bench/support/stack';

const N = Number(process.env.FAULT_DOSSIERS ?? 1000);
const F = Number(process.env.FAULT_FEEDBACK ?? 200);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 25);
const stack = await startBenchStack('faults');
await stack.startWorker();
const log = (m: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const proc = DEMO_PROCEDURES.find((p) => p.code === 'STP-KS')!;
const citizenId = demoUser('congdan1').id;
const retries: Record<string, number> = {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries an operation through outages; counts what it had to retry. */
async function persist<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      retries[what] = (retries[what] ?? 0) + 1;
      if (attempt > 600) throw e;
      await sleep(500);
    }
  }
}

/** One dossier, driven as a client would: idempotent submission, then each step unless already done. */
async function drive(i: number): Promise<string> {
  const key = `fault-run-${i}`;
  const receivedAt = new Date();
  const { code } = await persist('submit', () =>
    recordSubmission(stack.orm.em.fork(), {
      procedureCode: proc.code, agencyCode: proc.agencyCode, citizenId, processingDays: proc.processingDays, feeAmount: 0,
      formData: { n: i }, files: [], receivedAt, idempotencyKey: key,
    }),
  );
  const [row] = await persist('read', () => stack.orm.em.fork().execute<{ received_at: string }[]>('select received_at from dossier where code = ?', [code]));
  const input: DossierWorkflowInput = { code, procedureCode: proc.code, agencyCode: proc.agencyCode, citizenId, processingDays: 1, feeAmount: 0, receivedAt: new Date(row!.received_at).toISOString(), requestId: null };
  await persist('start', () => stack.client.workflow.start(DOSSIER_WORKFLOW, { taskQueue: 'dossier', workflowId: code, args: [input] }).catch((e: Error) => {
    if (e.name !== 'WorkflowExecutionAlreadyStartedError') throw e;
  }));
  const order = ['submitted', 'processing', 'pending_approval', 'returning_result', 'completed'];
  for (let step = 0; step < 4; step++) {
    await persist(`step${step}`, async () => {
      const view = await stack.client.workflow.getHandle(code).query(dossierViewQuery);
      if (order.indexOf(view.state.status) > step) return; // already done by an attempt whose answer was lost
      await stack.act(code, step);
    });
  }
  return code;
}

/** One feedback, driven to a published answer: accept, enter the answer (its text stored first), approve. */
async function driveFeedback(i: number): Promise<string> {
  const key = `fault-feedback-${i}`;
  const em = () => stack.orm.em.fork();
  const code = await persist('feedback-submit', async () => {
    const [existing] = await em().execute<{ code: string }[]>('select code from feedback where title = ?', [key]);
    if (existing) return existing.code;
    return em().transactional((tx) => recordFeedback(tx, {
      citizenId, channel: 'portal', title: key, content: 'Nội dung phản ánh trong lần chạy sự cố.', contact: { name: 'Nguyễn Văn An', address: 'Hà Nội', phone: '0912000001', email: 'an.nguyen@example.vn' },
      agencyCode: 'HNI-STP', dossierCode: null, procedureCode: null, disagreesWith: null, receivedAt: new Date(), keyedBy: null,
    }));
  });
  const [row] = await persist('read', () => em().execute<{ received_at: string }[]>('select received_at from feedback where code = ?', [code]));
  const input: FeedbackWorkflowInput = { code, citizenId, agencyCode: 'HNI-STP', receivedAt: new Date(row!.received_at).toISOString(), leadAgencyCode: 'BTP-CKSTTHC', escalated: false, requestId: null };
  await persist('feedback-start', () => stack.client.workflow.start(FEEDBACK_WORKFLOW, { taskQueue: 'dossier', workflowId: code, args: [input] }).catch((e: Error) => {
    if (e.name !== 'WorkflowExecutionAlreadyStartedError') throw e;
  }));
  const steps: [string, string, (textId: string) => FeedbackAction][] = [
    ['tiepnhan.hn', 'received', () => ({ type: 'accept' })],
    ['xuly.hn', 'processing', (textId) => ({ type: 'enter_result', textId })],
    ['lanhdao.hn', 'under_review', () => ({ type: 'approve_answer' })],
  ];
  for (const [who, from, action] of steps) {
    await persist(`feedback-${from}`, async () => {
      const handle = stack.client.workflow.getHandle(code);
      if ((await handle.query(feedbackViewQuery)).state.status !== from) return;
      const textId = randomUUID();
      await em().execute('insert into feedback_text (id, feedback_code, kind, body, author_id) values (?, ?, ?, ?, ?)', [textId, code, 'answer', 'Câu trả lời trong lần chạy sự cố.', demoUser(who).id]);
      const u = demoUser(who);
      await handle.executeUpdate(feedbackActionUpdate, { args: [{ action: action(textId), actor: { id: u.id, name: u.fullName, roles: u.roles, agencyCode: u.agencyCode }, requestId: null }] });
    });
  }
  return code;
}

const faults: string[] = [];
const t0 = Date.now();
let running = true;
const faultPlan = (async () => {
  await sleep(4000);
  log('kill -9 worker');
  stack.worker!.kill('SIGKILL');
  faults.push(`${((Date.now() - t0) / 1000).toFixed(1)} s: worker killed with SIGKILL`);
  await sleep(3000);
  await stack.startWorker();
  log('worker restarted');
  await sleep(5000);
  log('restart Temporal dev server');
  await stack.restartTemporal();
  faults.push(`${((Date.now() - t0) / 1000).toFixed(1)} s: Temporal dev server restarted (SQLite kept)`);
  await sleep(5000);
  log('restart PostgreSQL');
  await stack.restartPostgres();
  faults.push(`${((Date.now() - t0) / 1000).toFixed(1)} s: PostgreSQL restarted`);
})();

let next = 0;
let nextFeedback = 0;
const codes: string[] = [];
await Promise.all([
  ...Array.from({ length: CONCURRENCY }, async () => {
    while (next < N) codes.push(await drive(next++));
  }),
  ...Array.from({ length: 5 }, async () => {
    while (nextFeedback < F) await driveFeedback(nextFeedback++);
  }),
]);
running = false;
await faultPlan;
log(`all ${codes.length} dossiers driven; waiting for their workflows to finish`);
for (let i = 0; i < 1200; i++) {
  const [r] = await persist('read', () => stack.orm.em.fork().execute<{ n: string; f: string }[]>("select (select count(*) from dossier where status = 'completed' and seq = 5) as n, (select count(*) from feedback where status = 'published' and seq = 4) as f"));
  if (Number(r!.n) >= N && Number(r!.f) >= F) break;
  await sleep(500);
}
await sleep(3000); // let the last emails arrive

const em = stack.orm.em.fork();
const [check] = await em.execute<Record<string, string>[]>(
  `select (select count(*) from dossier) as dossiers,
          (select count(*) from dossier where status = 'completed') as completed,
          (select count(*) from dossier where seq <> 5) as wrong_seq,
          (select count(*) from dossier_history) as history_rows,
          (select count(*) from (select dossier_code from dossier_history group by dossier_code having count(*) <> 5 or max(seq) <> 5) x) as dossiers_with_bad_history,
          (select count(*) from dossier_result) as results,
          (select count(*) from (select dossier_code from dossier_result group by dossier_code having count(*) > 1) x) as duplicate_results,
          (select count(*) from notification) as outbox,
          (select count(*) from notification where sent_at is null) as unsent,
          (select count(*) from audit_log where entity_type = 'dossier') as audit_rows,
          (select count(*) from feedback) as feedback,
          (select count(*) from feedback where status = 'published' and seq = 4) as feedback_published,
          (select count(*) from (select feedback_code from feedback_history group by feedback_code having count(*) <> 4 or max(seq) <> 4) x) as feedback_bad_history,
          (select count(*) from feedback_publication) as publications`,
);
const byId = new Map<string, number>();
for (const m of stack.smtp.mails) byId.set(m.messageId, (byId.get(m.messageId) ?? 0) + 1);
const duplicateEmails = [...byId.values()].filter((c) => c > 1).reduce((a, c) => a + c - 1, 0);
const result = {
  dossiers: N, seconds: +((Date.now() - t0) / 1000).toFixed(1), faults, retries,
  checks: Object.fromEntries(Object.entries(check!).map(([k, v]) => [k, Number(v)])),
  emailsReceived: stack.smtp.mails.length, distinctEmails: byId.size, duplicateEmails,
};
const ok = result.checks.dossiers === N && result.checks.completed === N && result.checks.wrong_seq === 0 && result.checks.dossiers_with_bad_history === 0 &&
  result.checks.results === N && result.checks.duplicate_results === 0 && result.distinctEmails === N * 5 + F * 3 && result.checks.unsent === 0 &&
  result.checks.feedback === F && result.checks.feedback_published === F && result.checks.feedback_bad_history === 0 && result.checks.publications === F;
await writeFile('bench/results/faults.json', JSON.stringify({ ...result, ok, date: new Date().toISOString() }, null, 2));
const md = [
  `# Fault run — ${N} dossiers and ${F} feedback in flight`,
  '',
  ...faults.map((f) => `- ${f}`),
  '',
  `| expectation | observed |`,
  `|---|---|`,
  `| dossiers recorded (${N}) | ${result.checks.dossiers} |`,
  `| completed with exactly 5 history entries | ${result.checks.completed} completed, ${result.checks.dossiers_with_bad_history} with bad history |`,
  `| one result each | ${result.checks.results} results, ${result.checks.duplicate_results} duplicated |`,
  `| feedback recorded (${F}), published with exactly 4 history entries, one publication each | ${result.checks.feedback} recorded, ${result.checks.feedback_published} published, ${result.checks.feedback_bad_history} with bad history, ${result.checks.publications} publications |`,
  `| distinct emails: 5 per dossier, 3 per feedback (${N * 5 + F * 3}) | ${result.distinctEmails} distinct, ${duplicateEmails} delivered twice (same Message-ID) |`,
  `| nothing left unsent | ${result.checks.unsent} unsent |`,
  '',
  `Client retries during the outages: ${JSON.stringify(retries)}. Verdict: ${ok ? 'PASS' : 'FAIL'} (${result.seconds} s).`,
  '',
].join('\n');
await writeFile('bench/results/faults.md', md);
process.stdout.write(md);
void running;
await stack.stop();
process.exit(ok ? 0 : 1);
