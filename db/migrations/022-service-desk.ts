import { Migration } from '@mikro-orm/migrations';

/** A process's history: one row per recorded step, keyed by the process's code and the step's number. */
const historyTable = (table: string, key: string) => `create table ${table}_history (
  ${key} text not null references ${table}(code),
  seq integer not null,
  at timestamptz not null,
  action text not null,
  actor_id uuid,
  actor_role text,
  status text not null,
  payload jsonb,
  request_id text,
  primary key (${key}, seq)
);`;

/**
 * The service desk (issue 17). Planned maintenance notices (002 §32.3): announced at least 5 working days
 * ahead (an emergency at shorter notice, recorded as such), agencies and integration partners told, a
 * banner on the portal's pages from the announcement to the end. Account complaints (000 §13.1): the
 * parties notified within 24 hours, the outcome within 48. Requests for administrator accounts (002 §10.4):
 * handled within 2 working hours. Support and incident requests (002 §32.1–32.2): 8 working hours, or the
 * published expected completion of a complex one. Each is a process; these are their read models
 * and histories.
 */
export class Migration022ServiceDesk extends Migration {
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
    this.addSql(historyTable('maintenance_notice', 'notice_code'));
    this.addSql('create sequence account_complaint_number;');
    this.addSql(`create table account_complaint (
      code text primary key,
      account_id uuid not null references account(id),
      kind text not null check (kind in ('wrongly_locked', 'wrong_data', 'misuse')),
      description text not null,
      status text not null default 'received' check (status in ('received', 'parties_notified', 'resolved')),
      filed_at timestamptz not null,
      notify_due_at timestamptz not null,
      outcome_due_at timestamptz not null,
      notify_overdue boolean not null default false,
      outcome_overdue boolean not null default false,
      outcome text check (outcome in ('upheld', 'rejected')),
      outcome_note text,
      resolved_at timestamptz,
      seq integer not null default 0,
      updated_at timestamptz not null default now()
    );`);
    this.addSql('create index account_complaint_account on account_complaint (account_id, filed_at desc);');
    this.addSql("create index account_complaint_open on account_complaint (outcome_due_at) where status <> 'resolved';");
    this.addSql(historyTable('account_complaint', 'complaint_code'));
    this.addSql('create sequence admin_account_request_number;');
    this.addSql(`create table admin_account_request (
      code text primary key,
      agency_code text not null references agency(code),
      subject text not null,
      full_name text not null,
      email text not null,
      role_groups text[] not null,
      justification text not null,
      status text not null default 'pending' check (status in ('pending', 'approved', 'refused')),
      requested_by uuid not null references account(id),
      requested_at timestamptz not null,
      due_at timestamptz,
      overdue boolean not null default false,
      refusal_reason text,
      account_id uuid references account(id),
      decided_at timestamptz,
      seq integer not null default 0,
      updated_at timestamptz not null default now()
    );`);
    this.addSql("create index admin_account_request_pending on admin_account_request (due_at) where status = 'pending';");
    this.addSql(historyTable('admin_account_request', 'request_code'));
    this.addSql('create sequence support_request_number;');
    this.addSql(`create table support_request (
      code text primary key,
      requester_id uuid not null references account(id),
      agency_code text references agency(code),
      kind text not null check (kind in ('support', 'incident')),
      title text not null,
      description text not null,
      status text not null default 'received' check (status in ('received', 'in_progress', 'resolved', 'closed')),
      complexity text check (complexity in ('simple', 'complex')),
      received_at timestamptz not null,
      expected_at timestamptz,
      due_at timestamptz,
      escalated boolean not null default false,
      resolution text,
      closed_at timestamptz,
      seq integer not null default 0,
      updated_at timestamptz not null default now()
    );`);
    this.addSql('create index support_request_requester on support_request (requester_id, received_at desc);');
    this.addSql("create index support_request_open on support_request (due_at) where status <> 'closed';");
    this.addSql(historyTable('support_request', 'request_code'));
  }
}
