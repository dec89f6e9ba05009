import { Migration } from '@mikro-orm/migrations';

/** Account lifecycle: inactivity countdown with an indexed due date, lock kinds, six-monthly reviews. */
export class Migration003Accounts extends Migration {
  override up(): void {
    this.addSql(`
-- Calendar arithmetic (months, years) on Vietnam local time, whatever the session's time zone.
create function vn_add(ts timestamptz, i interval) returns timestamptz language sql immutable as $$
  select ((ts at time zone 'Asia/Ho_Chi_Minh') + i) at time zone 'Asia/Ho_Chi_Minh'
$$;

alter table account add column inactivity_due_at timestamptz;
alter table account add column inactivity_stage smallint not null default 0;
alter table account add column lock_kind text;
alter table account add column unlocked_at timestamptz;

-- Officers, administrators and operators: 6 months after the last sign-in (002 §11.1.d).
-- Citizens: 2 years after the last sign-in or activity, then two monthly notices (000 §13.2).
update account set inactivity_due_at = case
    when kind = 'citizen' then vn_add(greatest(coalesce(last_activity_at, created_at), coalesce(last_sign_in_at, created_at)), interval '2 years')
    when kind in ('officer', 'admin', 'operator') then vn_add(coalesce(last_sign_in_at, created_at), interval '6 months')
  end
  where locked_at is null;

-- New accounts start their countdown at once.
create function account_inactivity_default() returns trigger language plpgsql as $$
begin
  if new.inactivity_due_at is null and new.locked_at is null then
    new.inactivity_due_at := case
      when new.kind = 'citizen' then vn_add(greatest(coalesce(new.last_activity_at, new.created_at), coalesce(new.last_sign_in_at, new.created_at)), interval '2 years')
      when new.kind in ('officer', 'admin', 'operator') then vn_add(coalesce(new.last_sign_in_at, new.created_at), interval '6 months')
    end;
  end if;
  return new;
end $$;
create trigger account_inactivity_default before insert on account for each row execute function account_inactivity_default();

-- The sweep reads only what is due: cost follows the due accounts, not the 8 million.
create index account_inactivity_due on account (inactivity_due_at) where locked_at is null and inactivity_due_at is not null;

create table account_review (
  id uuid primary key,
  agency_code text not null references agency(code),
  period text not null,
  opened_at timestamptz not null,
  due_at timestamptz not null,
  report jsonb not null,
  confirmed_at timestamptz,
  confirmed_by uuid references account(id),
  escalated_at timestamptz,
  unique (agency_code, period)
);
create index account_review_open on account_review (due_at) where confirmed_at is null and escalated_at is null;
`);
  }
}
