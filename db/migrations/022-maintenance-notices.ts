import { Migration } from '@mikro-orm/migrations';

/**
 * Planned maintenance notices (issue 17, 002 §32.3): announced at least 5 working days ahead (an emergency
 * at shorter notice, recorded as such), agencies and integration partners told, a banner on the portal's
 * pages from the announcement to the end. Each notice is a process; this is its read model and history.
 */
export class Migration022MaintenanceNotices extends Migration {
  override up(): void {
    this.addSql('create sequence maintenance_notice_number;');
    this.addSql(`create table maintenance_notice (
      code text primary key,
      title text not null,
      description text not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null check (ends_at > starts_at),
      emergency boolean not null default false,
      emergency_reason text,
      status text not null default 'announced' check (status in ('announced', 'in_progress', 'completed', 'cancelled')),
      announced_by uuid not null references account(id),
      announced_at timestamptz not null,
      cancel_reason text,
      seq integer not null default 0,
      updated_at timestamptz not null default now()
    );`);
    this.addSql("create index maintenance_notice_current on maintenance_notice (ends_at) where status in ('announced', 'in_progress');");
    this.addSql(`create table maintenance_notice_history (
      notice_code text not null references maintenance_notice(code),
      seq integer not null,
      at timestamptz not null,
      action text not null,
      actor_id uuid,
      status text not null,
      payload jsonb,
      request_id text,
      primary key (notice_code, seq)
    );`);
  }
}
