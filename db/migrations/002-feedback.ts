import { Migration } from '@mikro-orm/migrations';

/** Feedback (phản ánh, kiến nghị): records, officers' texts, history, published answers. */
export class Migration002Feedback extends Migration {
  override up(): void {
    this.addSql(`
create sequence feedback_number;

create table feedback (
  code text primary key,
  citizen_id uuid references account(id),
  channel text not null check (channel in ('portal', 'paper', 'phone', 'fax', 'email')),
  -- Content and contact are erased when the feedback is handed over as confidential (000 §44.3).
  title text,
  content text,
  contact jsonb,
  origin_agency_code text not null references agency(code),
  agency_code text not null references agency(code),
  dossier_code text references dossier(code),
  procedure_code text references procedure(code),
  disagrees_with text references feedback(code),
  status text not null,
  received_at timestamptz not null,
  keyed_by uuid references account(id),
  classification_due_at timestamptz,
  answer_due_at timestamptz,
  next_update_by timestamptz,
  result_entry_due_at timestamptz,
  classification_level integer not null default 0,
  answer_overdue boolean not null default false,
  missed_updates integer not null default 0,
  result_entry_overdue boolean not null default false,
  escalated boolean not null default false,
  step_role text,
  handler jsonb,
  handover jsonb,
  closed_at timestamptz,
  seq integer not null default 0,
  updated_at timestamptz not null default now()
);
create index feedback_citizen on feedback (citizen_id, received_at desc);
create index feedback_queue on feedback (agency_code, step_role, received_at);
create index feedback_overdue on feedback (agency_code) where (classification_level > 0 or answer_overdue or result_entry_overdue) and closed_at is null;
create index feedback_unstarted on feedback (received_at) where seq = 0;

-- Officers' and citizens' texts (reasons, questions, clarifications, progress updates, answers).
-- Kept out of the workflow engine so that confidential feedback can be erased completely.
create table feedback_text (
  id uuid primary key,
  feedback_code text not null references feedback(code),
  kind text not null,
  body text not null,
  author_id uuid,
  created_at timestamptz not null default now()
);
create index feedback_text_by_feedback on feedback_text (feedback_code, created_at);

create table feedback_history (
  feedback_code text not null references feedback(code),
  seq integer not null,
  at timestamptz not null,
  action text not null,
  actor_id uuid,
  actor_name text,
  actor_role text,
  from_status text,
  to_status text not null,
  agency_code text not null,
  text_id uuid,
  payload jsonb,
  request_id text,
  primary key (feedback_code, seq)
);

-- Published answers: no personal data. Full-text search with the 'simple' configuration (PostgreSQL
-- has no Vietnamese dictionary; syllables are space-separated, so 'simple' matches words as typed).
create table feedback_publication (
  code text primary key references feedback(code),
  agency_code text not null references agency(code),
  title text not null,
  question text not null,
  answer text not null,
  received_at timestamptz not null,
  published_at timestamptz not null,
  search tsvector generated always as (to_tsvector('simple', lower(title || ' ' || question || ' ' || answer))) stored
);
create index feedback_publication_search on feedback_publication using gin (search);
create index feedback_publication_recent on feedback_publication (published_at desc);
`);
  }
}
