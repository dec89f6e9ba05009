import { Migration } from '@mikro-orm/migrations';

/**
 * The procedure catalogue with versions changed only by publication decisions (000 §16–20), and the
 * online services with their publication status (000 §27–28; 003 §23.5). Dossiers keep the procedure
 * version and the service they were submitted to, and whether they were test dossiers.
 */
export class Migration014CatalogueAndPublication extends Migration {
  override up(): void {
    this.addSql(`create table publication_decision (
      id uuid primary key,
      kind text not null check (kind in ('new', 'amended', 'abolished', 'inter_agency')),
      number text not null,
      decided_on date not null,
      issuer text not null,
      procedure_code text not null,
      version integer,
      payload jsonb not null default '{}',
      recorded_by uuid,
      recorded_at timestamptz not null default now()
    );`);
    this.addSql('create index publication_decision_procedure on publication_decision (procedure_code, decided_on);');
    this.addSql(`alter table procedure
      add column version integer not null default 1,
      add column parent_code text references procedure(code),
      add column abolished_at timestamptz;`);
    this.addSql('create index procedure_parent on procedure (parent_code) where parent_code is not null;');
    this.addSql(`create table procedure_version (
      procedure_code text not null references procedure(code),
      version integer not null,
      valid_from date not null,
      valid_to date,
      name text not null,
      field text not null,
      agency_code text not null references agency(code),
      processing_days integer not null check (processing_days > 0),
      fee_amount integer not null check (fee_amount >= 0),
      form jsonb not null,
      required_documents jsonb not null default '[]',
      decision_id uuid references publication_decision(id),
      primary key (procedure_code, version)
    );`);
    // Procedures already in the catalogue become their first version, valid since the platform began.
    this.addSql(`insert into procedure_version (procedure_code, version, valid_from, name, field, agency_code, processing_days, fee_amount, form)
      select code, 1, date '2026-01-01', name, field, agency_code, processing_days, fee_amount, form from procedure;`);
    this.addSql(`create table online_service (
      code text primary key,
      procedure_code text not null references procedure(code),
      agency_code text not null references agency(code),
      name text not null,
      status text not null,
      since timestamptz not null,
      step_due_at timestamptz,
      escalated boolean not null default false,
      pilot_started_at timestamptz,
      pilot_ends_at timestamptz,
      test_report jsonb,
      status_reason text,
      seq integer not null default 0,
      declared_by uuid,
      created_at timestamptz not null default now(),
      unique (procedure_code, agency_code)
    );`);
    this.addSql(`create table online_service_history (
      service_code text not null references online_service(code),
      seq integer not null,
      at timestamptz not null,
      action text not null,
      actor_id uuid,
      actor_name text,
      actor_role text,
      from_status text,
      to_status text not null,
      payload jsonb not null default '{}',
      request_id text,
      primary key (service_code, seq)
    );`);
    // Services that took dossiers before publication was a process are in official operation.
    this.addSql(`insert into online_service (code, procedure_code, agency_code, name, status, since)
      select 'DV-' || code, code, agency_code, name, 'official', now() from procedure;`);
    this.addSql(`alter table dossier
      add column procedure_version integer,
      add column service_code text references online_service(code),
      add column is_test boolean not null default false;`);
  }
}
