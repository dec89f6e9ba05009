import { Migration } from '@mikro-orm/migrations';

/**
 * The free text of a dossier step (guidance, reasons, the result's title and content…), kept in the
 * records; the process carries only its id, so that the engine's history holds no personal data of it.
 */
export class Migration013DossierTexts extends Migration {
  override up(): void {
    this.addSql(`create table dossier_text (
      id uuid primary key,
      dossier_code text not null references dossier(code),
      action text not null,
      body jsonb not null,
      author_id uuid not null,
      created_at timestamptz not null default now()
    );`);
    this.addSql('create index dossier_text_dossier on dossier_text (dossier_code);');
  }
}
