import { Migration } from '@mikro-orm/migrations';

/**
 * Operations (issue 14): the activities that keep failing (written by the worker, so that operators find
 * them without scanning every open process), integration accounts' failing calls, and the alerts raised
 * to operators (000 §52, 002 §32).
 */
export class Migration020Operations extends Migration {
  override up(): void {
    this.addSql(`create table stalled_activity (
      workflow_id text not null,
      activity_id text not null,
      activity_type text not null,
      attempt integer not null,
      last_error text not null,
      failed_at timestamptz not null default now(),
      primary key (workflow_id, activity_id)
    );`);
    this.addSql('create index stalled_activity_attempt on stalled_activity (attempt desc, failed_at);');
    this.addSql('alter table account add column failed_calls_in_row integer not null default 0, add column last_failed_call_at timestamptz;');
    this.addSql(`create table operations_alert (
      id bigserial primary key,
      kind text not null check (kind in ('integration_silent', 'integration_failing')),
      subject text not null,
      detail jsonb not null default '{}',
      raised_at timestamptz not null default now(),
      cleared_at timestamptz
    );`);
    this.addSql('create unique index operations_alert_one_open on operations_alert (kind, subject) where cleared_at is null;');
  }
}
