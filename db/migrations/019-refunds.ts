import { Migration } from '@mikro-orm/migrations';

/** Refund requests (000 §34.6): the citizen's or reconciliation's, routed to the bank or the agency. */
export class Migration019Refunds extends Migration {
  override up(): void {
    this.addSql(`create table refund_request (
      code text primary key,
      payment_id text not null references payment(id),
      citizen_id uuid references account(id),
      origin text not null check (origin in ('citizen', 'reconciliation')),
      discrepancy_code text references payment_discrepancy(code),
      reason text not null,
      responsible text,
      amount_vnd bigint,
      bank_txn_id text,
      status text not null default 'routing',
      outcome_note text,
      decided_by uuid,
      created_at timestamptz not null default now(),
      decided_at timestamptz,
      seq integer not null default 0
    );`);
    this.addSql("create unique index refund_one_open_per_payment on refund_request (payment_id) where status in ('routing', 'at_bank', 'at_agency');");
    this.addSql(`create table refund_history (
      code text not null references refund_request(code),
      seq integer not null,
      at timestamptz not null,
      event text not null,
      actor_id uuid,
      status text not null,
      payload jsonb not null default '{}',
      primary key (code, seq)
    );`);
  }
}
