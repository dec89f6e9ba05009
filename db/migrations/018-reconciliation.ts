import { Migration } from '@mikro-orm/migrations';

/**
 * T+1 settlement and daily reconciliation (000 §33.4.a, §34): the payment's settlement, the banks' and
 * agencies' daily files as loaded (replaced whole on a new upload), the runs, and the discrepancy cases.
 */
export class Migration018Reconciliation extends Migration {
  override up(): void {
    this.addSql('alter table payment add column settled_at timestamptz, add column settlement_overdue_at timestamptz;');
    this.addSql("create index payment_paid_day on payment (paid_at) where status = 'paid';");
    this.addSql(`create table reconciliation_file (
      kind text not null check (kind in ('bank_statement', 'agency_receipts')),
      party_code text not null,
      business_day date not null,
      row_count integer not null,
      sha256 text not null,
      source text not null check (source in ('upload', 'fetched')),
      uploaded_by uuid,
      uploaded_at timestamptz not null default now(),
      primary key (kind, party_code, business_day)
    );`);
    this.addSql(`create table bank_statement_row (
      bank_code text not null,
      business_day date not null,
      line integer not null,
      bank_txn_id text not null,
      portal_payment_id text not null,
      agency_code text not null,
      transaction_type text not null,
      amount_vnd bigint not null,
      status text not null,
      debited_at timestamptz not null,
      settled_at timestamptz
    );`);
    this.addSql('create index bank_statement_row_day on bank_statement_row (business_day, bank_code);');
    this.addSql(`create table agency_receipt_row (
      agency_code text not null,
      business_day date not null,
      line integer not null,
      agency_receipt_id text not null,
      portal_payment_id text not null,
      transaction_type text not null,
      amount_vnd bigint not null,
      received_at timestamptz not null
    );`);
    this.addSql('create index agency_receipt_row_day on agency_receipt_row (business_day, agency_code);');
    this.addSql(`create table reconciliation_run (
      business_day date primary key,
      runs integer not null default 0,
      last_run_at timestamptz,
      summary jsonb not null default '{}'
    );`);
    this.addSql(`create table payment_discrepancy (
      code text primary key,
      business_day date not null,
      kind text not null,
      responsible text not null,
      bank_code text,
      agency_code text,
      transaction_type text,
      portal_payment_id text,
      bank_txn_id text,
      agency_receipt_id text,
      portal_amount_vnd bigint,
      bank_amount_vnd bigint,
      agency_amount_vnd bigint,
      detail text not null,
      status text not null default 'open',
      detected_at timestamptz not null,
      due_at timestamptz not null,
      escalated_at timestamptz,
      closed_at timestamptz,
      closed_by uuid,
      note text,
      seq integer not null default 0
    );`);
    this.addSql('create index payment_discrepancy_day on payment_discrepancy (business_day, status);');
    this.addSql(`create table payment_discrepancy_history (
      code text not null references payment_discrepancy(code),
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
