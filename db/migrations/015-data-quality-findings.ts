import { Migration } from '@mikro-orm/migrations';

/** Data-quality findings on the catalogue's procedures, each with its 10-working-day fix clock (000 §24.2.a). */
export class Migration015DataQualityFindings extends Migration {
  override up(): void {
    this.addSql(`create table data_quality_finding (
      code text primary key,
      procedure_code text not null references procedure(code),
      agency_code text not null references agency(code),
      description text not null,
      status text not null default 'open',
      raised_by uuid not null,
      raised_at timestamptz not null,
      due_at timestamptz,
      escalated boolean not null default false,
      resolution text,
      closed_at timestamptz,
      seq integer not null default 0
    );`);
    this.addSql("create index data_quality_finding_open on data_quality_finding (agency_code, due_at) where status = 'open';");
    this.addSql(`create table data_quality_finding_history (
      finding_code text not null references data_quality_finding(code),
      seq integer not null,
      at timestamptz not null,
      action text not null,
      actor_id uuid,
      actor_role text,
      status text not null,
      payload jsonb not null default '{}',
      request_id text,
      primary key (finding_code, seq)
    );`);
    this.addSql('create sequence data_quality_finding_number;');
  }
}
