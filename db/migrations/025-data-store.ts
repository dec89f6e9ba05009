import { Migration } from '@mikro-orm/migrations';

/**
 * The citizen's electronic data store (Kho quản lý dữ liệu điện tử, 003 §3.11, §11.5, §14.1, §16; issue 19).
 * One row per item an account owns: a result delivered under its code `<dossier code>-KQ<n>` (it cannot be
 * deleted, only hidden from the owner's list; its revocation is read from the result itself), or a document
 * of a dossier kept, with the citizen's consent, once the agency accepted it. A document's `component` is
 * its kind (the file component's name: `cccd`, …); a result's `procedure_code` says which procedure issued
 * it (a new procedure names the procedures whose results it accepts as a component). The content is the
 * stored file's (`file_id`; a result's signed PDF is stored once, the first time it is needed). A deleted
 * document stays as a row (`deleted_at`) so that a retried acceptance does not put it back; a dossier that
 * reused it keeps its own reference to the file.
 */
export class Migration025DataStore extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table data_store_item (
  id uuid primary key,
  owner_id uuid not null references account(id),
  kind text not null check (kind in ('result', 'document')),
  component text,
  procedure_code text not null references procedure(code),
  title text not null,
  source_dossier_code text not null references dossier(code),
  agency_code text not null references agency(code),
  result_code text unique references dossier_result(code),
  file_id uuid references stored_file(id),
  filename text,
  mime_type text,
  size integer,
  sha256 text not null,
  valid_until date,
  kept_at timestamptz not null,
  hidden_at timestamptz,
  deleted_at timestamptz,
  check ((kind = 'result') = (result_code is not null)),
  check (kind = 'result' or (component is not null and file_id is not null)),
  unique (owner_id, source_dossier_code, file_id)
);
create index data_store_item_list on data_store_item (owner_id, kept_at desc, id) where deleted_at is null;
create index data_store_item_document on data_store_item (owner_id, component) where deleted_at is null and kind = 'document';
create index data_store_item_result on data_store_item (owner_id, procedure_code) where deleted_at is null and kind = 'result';
alter table dossier add column store_consent boolean not null default false;
alter table dossier_result add column valid_until date;`);
  }
}
