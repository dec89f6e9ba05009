import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ensureMonthlyPartitions, migrate, openOrm } from '../../db/orm';
import { appendAudit } from '../../services/records';
import { formatVnTime } from '../../domain/working-time/local-time';
import { testContext } from '../support/context';

/**
 * The audit log by month (issue 18, migration 026): each month is a partition, made ahead by every
 * process; a row for a month without one (a clock far ahead) waits in the default partition and moves into
 * its month when that is made; a retried write is still kept once; the log stays append-only.
 */
let orm: MikroORM;
beforeAll(async () => {
  orm = await openOrm(testContext().databaseUrl, 2);
  await migrate(orm);
});
afterAll(async () => {
  await orm?.close();
});

const em = () => orm.em.fork();
const partitionOf = async (key: string) =>
  (await em().execute<{ p: string }[]>('select tableoid::regclass::text as p from audit_log where dedupe_key = ?', [key])).map((r) => r.p);

describe('the audit log by month', () => {
  it('is partitioned by month, this month and the next twelve made ahead', async () => {
    const [k] = await em().execute<{ strategy: string }[]>("select partstrat as strategy from pg_partitioned_table where partrelid = 'audit_log'::regclass");
    expect(k?.strategy).toBe('r');
    await ensureMonthlyPartitions(orm);
    const now = new Date();
    for (const months of [0, 1, 12]) {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 15));
      const name = `audit_log_y${formatVnTime(d).slice(0, 4)}m${formatVnTime(d).slice(5, 7)}`;
      const [r] = await em().execute<{ t: string | null }[]>('select to_regclass(?)::text as t', [name]);
      expect(r?.t).toBe(name);
    }
  });

  it('a row of this month lands in its partition; a retried write (same key, same time) is kept once', async () => {
    const key = `test:partition:${Date.now()}`;
    const at = new Date().toISOString();
    const entry = { at, actorId: null, actorRole: 'system', action: 'test.partition', entityType: 'test', entityId: key, before: null, after: { n: 1 }, requestId: null, dedupeKey: key };
    await em().transactional((tx) => appendAudit(tx, entry));
    await em().transactional((tx) => appendAudit(tx, entry));
    const parts = await partitionOf(key);
    expect(parts).toHaveLength(1);
    expect(parts[0]).toBe(`audit_log_y${formatVnTime(new Date(at)).slice(0, 4)}m${formatVnTime(new Date(at)).slice(5, 7)}`);
  });

  it('a row for a month without a partition waits in the default one, then moves into its month, once and unchanged', async () => {
    const key = `test:far-ahead:${Date.now()}`;
    // 2029-05-31 23:30 Vietnam time: still May there (May 31, 16:30 UTC).
    const at = '2029-05-31T16:30:00.000Z';
    const entry = { at, actorId: null, actorRole: 'system', action: 'test.far_ahead', entityType: 'test', entityId: key, before: null, after: { n: 2 }, requestId: null, dedupeKey: key };
    await em().transactional((tx) => appendAudit(tx, entry));
    expect(await partitionOf(key)).toEqual(['audit_log_default']);
    await em().execute("select audit_log_ensure_partitions('2029-06-01')");
    expect(await partitionOf(key)).toEqual(['audit_log_y2029m05']);
    await em().transactional((tx) => appendAudit(tx, entry));
    const rows = await em().execute<{ after: unknown; at: string }[]>('select after, at from audit_log where dedupe_key = ?', [key]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.after).toEqual({ n: 2 });
    expect(new Date(rows[0]!.at).toISOString()).toBe(at);
    // Still append-only, in its month's partition as in the default one.
    await expect(em().execute("update audit_log set action = 'changed' where dedupe_key = ?", [key])).rejects.toThrow(/append-only/);
    await expect(em().execute('delete from audit_log_y2029m05 where dedupe_key = ?', [key])).rejects.toThrow(/append-only/);
    const later = { ...entry, at: '2035-01-01T00:00:00.000Z', dedupeKey: `${key}:later` };
    await em().transactional((tx) => appendAudit(tx, later));
    await expect(em().execute('delete from audit_log_default where dedupe_key = ?', [later.dedupeKey])).rejects.toThrow(/append-only/);
  });
});
