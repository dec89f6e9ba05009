import { MikroORM, defineConfig } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ENTITIES } from './entities';
import { Migration001Foundation } from './migrations/001-foundation';
import { Migration002Feedback } from './migrations/002-feedback';
import { Migration003Accounts } from './migrations/003-accounts';
import { Migration004QueueIndexes } from './migrations/004-queue-indexes';
import { Migration005FeedbackQueueIndex } from './migrations/005-feedback-queue-index';
import { Migration006IdempotencyFingerprint } from './migrations/006-idempotency-fingerprint';
import { Migration007RateLimits } from './migrations/007-rate-limits';
import { Migration008NotificationRelay } from './migrations/008-notification-relay';
import { Migration009FeedbackReviewAgency } from './migrations/009-feedback-review-agency';
import { Migration010IndexFriendly } from './migrations/010-index-friendly';
import { Migration011WaitingPeriods } from './migrations/011-waiting-periods';
import { Migration012SupplementDrafts } from './migrations/012-supplement-drafts';
import { Migration013DossierTexts } from './migrations/013-dossier-texts';
import { Migration014CatalogueAndPublication } from './migrations/014-catalogue-and-publication';
import { Migration015DataQualityFindings } from './migrations/015-data-quality-findings';
import { Migration016Payments } from './migrations/016-payments';
import { Migration017BankSuspension } from './migrations/017-bank-suspension';
import { Migration018Reconciliation } from './migrations/018-reconciliation';
import { Migration019Refunds } from './migrations/019-refunds';
import { Migration020Operations } from './migrations/020-operations';
import { Migration021Statistics } from './migrations/021-statistics';
import { Migration022ServiceDesk } from './migrations/022-service-desk';
import { Migration023Search } from './migrations/023-search';
import { Migration024FilesAndRetention } from './migrations/024-files-and-retention';
import { Migration026AuditLogByMonth } from './migrations/026-audit-log-by-month';
import { Migration027ResultsIntoStores } from './migrations/027-results-into-stores';
import { Migration028ComplaintChannels } from './migrations/028-complaint-channels';
import { Migration029BankAccounts } from './migrations/029-bank-accounts';
import { Migration030SearchByPeriod } from './migrations/030-search-by-period';
import { Migration031ClocksRechecked } from './migrations/031-clocks-rechecked';
import { Migration025DataStore } from './migrations/025-data-store';

export type Orm = MikroORM;

export function ormConfig(databaseUrl: string, poolMax = 10) {
  return defineConfig({
    clientUrl: databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    pool: { min: 0, max: poolMax },
    debug: false,
    migrations: {
      migrationsList: [
        { name: '001-foundation', class: Migration001Foundation },
        { name: '002-feedback', class: Migration002Feedback },
        { name: '003-accounts', class: Migration003Accounts },
        { name: '004-queue-indexes', class: Migration004QueueIndexes },
        { name: '005-feedback-queue-index', class: Migration005FeedbackQueueIndex },
        { name: '006-idempotency-fingerprint', class: Migration006IdempotencyFingerprint },
        { name: '007-rate-limits', class: Migration007RateLimits },
        { name: '008-notification-relay', class: Migration008NotificationRelay },
        { name: '009-feedback-review-agency', class: Migration009FeedbackReviewAgency },
        { name: '010-index-friendly', class: Migration010IndexFriendly },
        { name: '011-waiting-periods', class: Migration011WaitingPeriods },
        { name: '012-supplement-drafts', class: Migration012SupplementDrafts },
        { name: '013-dossier-texts', class: Migration013DossierTexts },
        { name: '014-catalogue-and-publication', class: Migration014CatalogueAndPublication },
        { name: '015-data-quality-findings', class: Migration015DataQualityFindings },
        { name: '016-payments', class: Migration016Payments },
        { name: '017-bank-suspension', class: Migration017BankSuspension },
        { name: '018-reconciliation', class: Migration018Reconciliation },
        { name: '019-refunds', class: Migration019Refunds },
        { name: '020-operations', class: Migration020Operations },
        { name: '021-statistics', class: Migration021Statistics },
        { name: '022-service-desk', class: Migration022ServiceDesk },
        { name: '023-search', class: Migration023Search },
        { name: '024-files-and-retention', class: Migration024FilesAndRetention },
        { name: '025-data-store', class: Migration025DataStore },
        { name: '026-audit-log-by-month', class: Migration026AuditLogByMonth },
        { name: '027-results-into-stores', class: Migration027ResultsIntoStores },
        { name: '028-complaint-channels', class: Migration028ComplaintChannels },
        { name: '029-bank-accounts', class: Migration029BankAccounts },
        { name: '030-search-by-period', class: Migration030SearchByPeriod },
        { name: '031-clocks-rechecked', class: Migration031ClocksRechecked },
      ],
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      // Callers log what was applied (migrate() returns the names).
      silent: true,
    },
  });
}

export async function openOrm(databaseUrl: string, poolMax?: number): Promise<MikroORM> {
  return MikroORM.init(ormConfig(databaseUrl, poolMax));
}

/** Applies pending migrations, then makes the coming months' partitions; safe to call on every start. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const done = await orm.migrator.up();
  await ensureMonthlyPartitions(orm);
  return done.map((m) => m.name);
}

/**
 * The audit log's monthly partitions up to `monthsAhead` months from now (migration 026); rows written
 * for a month without one (a clock far ahead) wait in the default partition and move when it is made.
 */
export async function ensureMonthlyPartitions(orm: MikroORM, monthsAhead = 12): Promise<number> {
  const [r] = await orm.em.fork().execute<{ created: number }[]>(
    `select audit_log_ensure_partitions((now() + make_interval(months => ?))::date) as created`, [monthsAhead],
  );
  return r!.created;
}
