import { Migration } from '@mikro-orm/migrations';

/**
 * Published answers searched newest period first (issue 31). Each answer falls in a 30-day period of its
 * publication (`published_bucket`, days since 1970 ÷ 30). The text index is keyed by period and word
 * (btree_gin), so the newest matches of a word are found period by period, newest first, and a search stops
 * as soon as it holds enough of them: a word in one answer of a hundred costs a few hundred rows of the newest
 * period, not every match in ten years. A frequent word walks the period's newest-first index instead.
 * Answers are appended as they are published, so one period's rows lie together on disk.
 */
export class Migration030SearchByPeriod extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create extension if not exists btree_gin;
alter table feedback_publication
  add column published_bucket int generated always as (floor(extract(epoch from (published_at - timestamptz '1970-01-01 00:00+00')) / 2592000)::int) stored;
drop index if exists feedback_publication_search_folded;
create index feedback_publication_period_search on feedback_publication using gin (published_bucket, search_folded);
create index feedback_publication_period_recent on feedback_publication (published_bucket, published_at desc);`);
  }
}
