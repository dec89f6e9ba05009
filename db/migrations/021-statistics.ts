import { Migration } from '@mikro-orm/migrations';

/** The day a moment falls on in Vietnam (statistics count by the legal calendar's day). */
const VN_DAY = (column: string) => `(${column} at time zone 'Asia/Ho_Chi_Minh')::date`;

const COUNTERS = ['received_online', 'received_in_person', 'received_post', 'with_fee', 'resolved_on_time', 'resolved_late', 'withdrawn', 'refused', 'returned'] as const;
const ADD_ON_CONFLICT = COUNTERS.map((c) => `${c} = s.${c} + excluded.${c}`).join(', ');

/** The counters one dossier adds when it is received (insert) and when it closes (its terminal status). */
const RECEIVED = (d: string) =>
  `${VN_DAY(`${d}.received_at`)}, ${d}.agency_code, ${d}.procedure_code,
   (${d}.channel = 'online')::int, (${d}.channel = 'in_person')::int, (${d}.channel = 'post')::int, (${d}.fee_amount > 0)::int, 0, 0, 0, 0, 0`;
const CLOSED = (d: string) =>
  `${VN_DAY(`coalesce(${d}.completed_at, now())`)}, ${d}.agency_code, ${d}.procedure_code, 0, 0, 0, 0,
   (${d}.status = 'completed' and (${d}.legal_due_at is null or ${d}.completed_at <= ${d}.legal_due_at))::int,
   (${d}.status = 'completed' and ${d}.completed_at > ${d}.legal_due_at)::int,
   (${d}.status = 'withdrawn')::int, (${d}.status = 'rejected')::int, (${d}.status = 'returned')::int`;
const TERMINAL = `array['rejected', 'completed', 'withdrawn', 'returned']`;
/** Adds one dossier's counters to its day and its month. */
const ADD = (values: string) => `
    insert into dossier_stat_day as s (day, agency_code, procedure_code, ${COUNTERS.join(', ')})
      select ${values}
      on conflict (day, agency_code, procedure_code) do update set ${ADD_ON_CONFLICT};
    insert into dossier_stat_month as s (month, agency_code, procedure_code, ${COUNTERS.join(', ')})
      select date_trunc('month', x.day)::date, x.agency_code, x.procedure_code, ${COUNTERS.map((c) => `x.${c}`).join(', ')}
        from (select ${values}) x (day, agency_code, procedure_code, ${COUNTERS.join(', ')})
      on conflict (month, agency_code, procedure_code) do update set ${ADD_ON_CONFLICT};`;

/**
 * Supervisors' statistics (issue 16): the agency tree (a unit under its province or ministry), how a dossier
 * was received, and daily counters per agency and procedure kept current by the dossier rows' own changes
 * (a trigger, in the same transaction as the step that changes them), by day and by month — a report sums
 * the months its period covers and the days at its edges, never scans dossiers. Pending figures come from open dossiers only (a partial index), which do not grow with the
 * years held. Test dossiers (a service's trial runs) are never counted.
 */
export class Migration021Statistics extends Migration {
  override up(): void {
    this.addSql('alter table agency add column parent_code text references agency(code);');
    this.addSql('create index agency_parent on agency (parent_code) where parent_code is not null;');
    this.addSql("alter table dossier add column channel text not null default 'online' check (channel in ('online', 'in_person', 'post'));");
    this.addSql(`create table dossier_stat_day (
      day date not null,
      agency_code text not null references agency(code),
      procedure_code text not null references procedure(code),
      ${COUNTERS.map((c) => `${c} integer not null default 0`).join(',\n      ')},
      primary key (day, agency_code, procedure_code)
    );`);
    this.addSql('create index dossier_stat_day_agency on dossier_stat_day (agency_code, day);');
    // The same counters by month: a year or a decade reads 12 or 120 rows per agency and procedure.
    this.addSql(`create table dossier_stat_month (
      month date not null,
      agency_code text not null references agency(code),
      procedure_code text not null references procedure(code),
      ${COUNTERS.map((c) => `${c} integer not null default 0`).join(',\n      ')},
      primary key (month, agency_code, procedure_code)
    );`);
    this.addSql('create index dossier_stat_month_agency on dossier_stat_month (agency_code, month);');
    this.addSql(`create index dossier_open on dossier (agency_code, procedure_code) where completed_at is null and not is_test;`);
    // Drill-down lists page through a period in the order of these indexes (keyset: instant, code).
    this.addSql(`create index dossier_closed_order on dossier (completed_at, code) where completed_at is not null and not is_test;`);
    this.addSql(`create index dossier_received_order on dossier (received_at, code) where not is_test;`);
    this.addSql(`create function dossier_stat_apply() returns trigger language plpgsql as $$
begin
  if new.is_test then return null; end if;
  if tg_op = 'INSERT' then
    ${ADD(RECEIVED('new'))}
  elsif new.status = any(${TERMINAL}) and not (old.status = any(${TERMINAL})) then
    ${ADD(CLOSED('new'))}
  end if;
  return null;
end $$;`);
    this.addSql('create trigger dossier_stat after insert or update of status on dossier for each row execute function dossier_stat_apply();');
    // The same counters from the rows themselves: the backfill here, and a repair tool (bulk loads, audits).
    this.addSql(`create function dossier_stat_rebuild() returns void language sql as $$
  delete from dossier_stat_day;
  insert into dossier_stat_day (day, agency_code, procedure_code, ${COUNTERS.join(', ')})
  select day, agency_code, procedure_code, ${COUNTERS.map((c) => `sum(${c})`).join(', ')}
    from (
      select ${RECEIVED('d')} from dossier d where not d.is_test
      union all
      select ${CLOSED('d')} from dossier d where not d.is_test and d.status = any(${TERMINAL})
    ) x (day, agency_code, procedure_code, ${COUNTERS.join(', ')})
   group by day, agency_code, procedure_code;
  delete from dossier_stat_month;
  insert into dossier_stat_month (month, agency_code, procedure_code, ${COUNTERS.join(', ')})
  select date_trunc('month', day)::date, agency_code, procedure_code, ${COUNTERS.map((c) => `sum(${c})`).join(', ')}
    from dossier_stat_day group by 1, 2, 3;
$$;`);
    this.addSql('select dossier_stat_rebuild();');
  }
}
