import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MikroORM } from '@mikro-orm/postgresql';
import { migrate, openOrm } from '../../db/orm';
import { testContext } from '../support/context';

/**
 * Hot queries can use an index (issue 10): with sequential scans disabled, each plan reaches its index
 * — a query that cannot use one would still show a sequential scan. The planner's choice on a
 * population of millions is measured by the benchmarks; this proves the form of the query allows it.
 */
let orm: MikroORM;
beforeAll(async () => {
  orm = await openOrm(testContext().databaseUrl, 2);
  await migrate(orm);
});
afterAll(async () => {
  await orm?.close();
});

async function plan(sql: string, params: unknown[]): Promise<string> {
  return orm.em.fork().transactional(async (tx) => {
    await tx.execute('set local enable_seqscan = off');
    const rows = await tx.execute<{ 'QUERY PLAN': unknown }[]>(`explain (format json) ${sql}`, params);
    return JSON.stringify(rows[0]!['QUERY PLAN']);
  });
}

const HOT: [string, string, unknown[], string][] = [
  ['the system administrators (review escalation)', "select id, email from account where 'system_admin' = any(roles) and locked_at is null and email is not null", [], 'account_system_admins'],
  ["a confidential feedback's queued messages", 'delete from notification where dedupe_key like ?', ['feedback:PAKN-261207-000001:%'], 'notification_dedupe_prefix'],
  ['messages due for the relay', 'select id from notification where sent_at is null and dead_at is null and next_attempt_at <= now() order by next_attempt_at limit 100', [], 'notification_due'],
  ['the feedback queue of an agency, in deadline order', "select code from feedback f where f.agency_code = ? and f.step_role = ? and f.closed_at is null and f.status <> 'under_review' order by least(f.classification_due_at, f.next_update_by, f.answer_due_at, f.result_entry_due_at), f.received_at limit 50", ['HNI-STP', 'receiving_officer'], 'feedback_queue'],
  ['answers under review in the receiving agency', "select code from feedback where status = 'under_review' and review_agency_code = ? order by received_at limit 20", ['HNI-STP'], 'feedback_review_queue'],
];

describe('hot queries use their indexes', () => {
  for (const [what, sql, params, index] of HOT) {
    it(what, async () => {
      const p = await plan(sql, params);
      expect(p).toContain(`"Index Name":"${index}"`);
      expect(p).not.toContain('Seq Scan');
    });
  }
});
