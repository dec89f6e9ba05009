import { Migration } from '@mikro-orm/migrations';

/** Foundation schema: agencies, procedures, accounts, dossiers and their read models, audit log. */
export class Migration001Foundation extends Migration {
  override up(): void {
    this.addSql(`
create table agency (
  code text primary key,
  name text not null,
  level text not null check (level in ('ministry', 'province', 'unit')),
  email text
);

create table procedure (
  code text primary key,
  name text not null,
  agency_code text not null references agency(code),
  field text not null,
  processing_days integer not null check (processing_days > 0),
  fee_amount integer not null default 0 check (fee_amount >= 0),
  form jsonb not null,
  status text not null default 'active' check (status in ('active', 'suspended'))
);

create table account (
  id uuid primary key,
  subject text not null unique,
  kind text not null check (kind in ('citizen', 'officer', 'admin', 'operator', 'integration')),
  full_name text not null,
  email text,
  phone text,
  address text,
  agency_code text references agency(code),
  roles text[] not null,
  last_sign_in_at timestamptz,
  last_activity_at timestamptz,
  locked_at timestamptz,
  lock_reason text,
  created_at timestamptz not null default now()
);
create index account_agency_roles on account using gin (roles) where agency_code is not null;
create index account_agency on account (agency_code);

create sequence dossier_number;

create table dossier (
  code text primary key,
  procedure_code text not null references procedure(code),
  agency_code text not null references agency(code),
  citizen_id uuid not null references account(id),
  status text not null,
  form_data jsonb not null,
  form_version integer not null default 1,
  received_at timestamptz not null,
  accepted_at timestamptz,
  acceptance_due_at timestamptz,
  legal_due_at timestamptz,
  processing_days integer not null,
  fee_amount integer not null,
  fee_paid_at timestamptz,
  pauses jsonb not null default '[]',
  acceptance_overdue boolean not null default false,
  overdue_level integer not null default 0,
  step_role text,
  handler jsonb,
  completed_at timestamptz,
  idempotency_key text,
  seq integer not null default 0,
  updated_at timestamptz not null default now(),
  unique (citizen_id, idempotency_key)
);
create index dossier_citizen on dossier (citizen_id, received_at desc);
create index dossier_queue on dossier (agency_code, step_role, coalesce(acceptance_due_at, legal_due_at));
create index dossier_overdue on dossier (agency_code, legal_due_at) where overdue_level > 0 or acceptance_overdue;
create index dossier_unstarted on dossier (received_at) where seq = 0;

create table dossier_version (
  dossier_code text not null references dossier(code),
  version integer not null,
  form_data jsonb not null,
  files jsonb not null,
  submitted_at timestamptz not null,
  primary key (dossier_code, version)
);

create table stored_file (
  id uuid primary key,
  owner_id uuid not null references account(id),
  filename text not null,
  mime_type text not null,
  size integer not null,
  sha256 text not null,
  content bytea not null,
  created_at timestamptz not null default now()
);

create table dossier_history (
  dossier_code text not null references dossier(code),
  seq integer not null,
  at timestamptz not null,
  action text not null,
  actor_id uuid,
  actor_name text,
  actor_role text,
  from_status text,
  to_status text not null,
  before jsonb,
  after jsonb not null,
  payload jsonb,
  request_id text,
  primary key (dossier_code, seq)
);

create table dossier_result (
  code text primary key,
  dossier_code text not null references dossier(code),
  n integer not null,
  title text not null,
  content text not null,
  sha256 text not null,
  issued_at timestamptz not null,
  issued_by uuid not null,
  revoked_at timestamptz,
  revoked_by uuid,
  revoke_reason text,
  unique (dossier_code, n)
);

-- Append-only audit log (nhật ký): who, what, when, before/after.
create table audit_log (
  id bigserial primary key,
  at timestamptz not null default now(),
  actor_id uuid,
  actor_role text,
  action text not null,
  entity_type text not null,
  entity_id text not null,
  before jsonb,
  after jsonb,
  request_id text,
  dedupe_key text unique
);
create index audit_entity on audit_log (entity_type, entity_id, id);
create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end $$;
create trigger audit_log_no_change before update or delete on audit_log
  for each row execute function audit_log_append_only();

create table notification (
  id bigserial primary key,
  dedupe_key text not null unique,
  channel text not null default 'email',
  recipient text not null,
  subject text not null,
  body text not null,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  attempts integer not null default 0,
  last_error text
);
create index notification_unsent on notification (created_at) where sent_at is null;

-- Announced calendar changes: extra days off and make-up working days (ngày làm bù).
create table calendar_override (
  date date primary key,
  kind text not null check (kind in ('day_off', 'working_day')),
  note text not null,
  updated_by uuid,
  updated_at timestamptz not null default now()
);

-- express-session store (connect-pg-simple).
create table http_session (
  sid varchar not null primary key,
  sess json not null,
  expire timestamp(6) not null
);
create index http_session_expire on http_session (expire);
`);
  }
}
