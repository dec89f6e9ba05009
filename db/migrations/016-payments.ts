import { Migration } from '@mikro-orm/migrations';

/** Online payments (000 §31): one row per payment request, its history, and the bank's receipt. */
export class Migration016Payments extends Migration {
  override up(): void {
    this.addSql(`create table payment (
      id text primary key,
      dossier_code text references dossier(code),
      citizen_id uuid not null references account(id),
      agency_code text not null references agency(code),
      amount_vnd bigint not null check (amount_vnd > 0),
      transaction_type text not null,
      status text not null default 'requested',
      bank_code text,
      bank_txn_id text,
      receipt_number text,
      receipt jsonb,
      paid_at timestamptz,
      requested_at timestamptz not null,
      seq integer not null default 0,
      updated_at timestamptz not null default now()
    );`);
    this.addSql('create index payment_dossier on payment (dossier_code);');
    this.addSql("create unique index payment_one_open_per_dossier on payment (dossier_code) where status in ('requested', 'at_bank', 'failed', 'cancelled', 'paid');");
    this.addSql(`create table payment_history (
      payment_id text not null references payment(id),
      seq integer not null,
      at timestamptz not null,
      event text not null,
      actor_id uuid,
      status text not null,
      payload jsonb not null default '{}',
      primary key (payment_id, seq)
    );`);
  }
}
