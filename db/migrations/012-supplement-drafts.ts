import { Migration } from '@mikro-orm/migrations';

/**
 * A supplement's form and files, kept in the records before the process is asked to take it: the
 * process carries only the reference, so that the engine's history holds no personal data of it.
 */
export class Migration012SupplementDrafts extends Migration {
  override up(): void {
    this.addSql(`create table dossier_supplement (
      id uuid primary key,
      dossier_code text not null references dossier(code),
      form_data jsonb not null,
      files jsonb not null,
      created_by uuid not null,
      created_at timestamptz not null default now()
    );`);
    this.addSql('create index dossier_supplement_dossier on dossier_supplement (dossier_code);');
  }
}
