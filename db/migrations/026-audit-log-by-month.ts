import { Migration } from '@mikro-orm/migrations';

/**
 * The audit log partitioned by month (issue 18: ten years of data). Every write of every process appends
 * to it and nothing reads it but an operator looking up one entity, so it is the table that grows fastest
 * and is read least: a month is a partition that can be archived or dropped as a whole when the retention
 * rules allow (`detach partition`), and vacuum and index maintenance work month by month.
 *
 * What changes for writers: a partitioned table's unique keys include the partition key, so a retried write
 * is recognised by its dedupe key *and* its time (`on conflict (dedupe_key, at)`). Every writer that passes
 * a dedupe key passes the time of the process's step (the workflow's clock), the same on every retry.
 *
 * `audit_log_ensure_partitions(upto)` creates the monthly partitions up to a date; every process runs it
 * when it starts (after the migrations) and daily, 12 months ahead (`ensureMonthlyPartitions`). A row outside them (a test clock years ahead) lands in the default
 * partition; when its month's partition is later created, the rows are moved into it.
 */
export class Migration026AuditLogByMonth extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table audit_log rename to audit_log_before_partitioning;
alter index audit_entity rename to audit_entity_before_partitioning;
alter sequence audit_log_id_seq owned by none;

create table audit_log (
  id bigint not null default nextval('audit_log_id_seq'),
  at timestamptz not null default now(),
  actor_id uuid,
  actor_role text,
  action text not null,
  entity_type text not null,
  entity_id text not null,
  before jsonb,
  after jsonb,
  request_id text,
  dedupe_key text,
  primary key (id, at),
  unique (dedupe_key, at)
) partition by range (at);
alter sequence audit_log_id_seq owned by audit_log.id;
create index audit_entity on audit_log (entity_type, entity_id, id);
create table audit_log_default partition of audit_log default;
create trigger audit_log_no_change before update or delete on audit_log
  for each row execute function audit_log_append_only();

create or replace function audit_log_ensure_partitions(upto date) returns integer language plpgsql as $$
declare
  this_month date := date_trunc('month', now() at time zone 'Asia/Ho_Chi_Minh')::date;
  month date;
  lo timestamptz;
  hi timestamptz;
  name text;
  created integer := 0;
begin
  -- One process at a time (API and workers all call it).
  perform pg_advisory_xact_lock(hashtext('audit_log_ensure_partitions'));
  select least(coalesce(date_trunc('month', min(at) at time zone 'Asia/Ho_Chi_Minh')::date, this_month), this_month) into month from audit_log_default;
  while month <= date_trunc('month', upto)::date loop
    name := 'audit_log_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM');
    lo := month::timestamp at time zone 'Asia/Ho_Chi_Minh';
    hi := (month + interval '1 month')::timestamp at time zone 'Asia/Ho_Chi_Minh';
    if to_regclass(name) is null then
      -- The month's rows that fell into the default partition move into the month's own partition (the
      -- append-only rule is suspended for that move only, inside this transaction).
      alter table audit_log_default disable trigger audit_log_no_change;
      create temporary table audit_log_moving on commit drop as select * from audit_log limit 0;
      with moved as (delete from audit_log_default where at >= lo and at < hi returning *) insert into audit_log_moving select * from moved;
      alter table audit_log_default enable trigger audit_log_no_change;
      execute format('create table %I partition of audit_log for values from (%L) to (%L)', name, lo, hi);
      insert into audit_log select * from audit_log_moving;
      drop table audit_log_moving;
      created := created + 1;
    end if;
    month := (month + interval '1 month')::date;
  end loop;
  return created;
end $$;

-- What was written before goes in first (into the default partition); its months' partitions then take it.
insert into audit_log select * from audit_log_before_partitioning;
select audit_log_ensure_partitions((now() + interval '12 months')::date);
drop table audit_log_before_partitioning;`);
  }
}
