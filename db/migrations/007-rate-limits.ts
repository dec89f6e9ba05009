import { Migration } from '@mikro-orm/migrations';

/**
 * Counters of the limits on abuse (rate-limiter-flexible's layout), shared by every API process:
 * one row per limit and address or account, dropped when its window has passed.
 */
export class Migration007RateLimits extends Migration {
  override up(): void {
    this.addSql('create table rate_limit (key varchar(255) primary key, points integer not null default 0, expire bigint);');
    this.addSql('create index rate_limit_expire on rate_limit (expire);');
  }
}
