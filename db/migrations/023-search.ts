import { Migration } from '@mikro-orm/migrations';

/** A weighted document: each part's words with its weight (A counts most), folded or as written. */
const weighted = (parts: [string, 'A' | 'B' | 'C'][], fold: boolean) =>
  parts.map(([column, weight]) => `setweight(to_tsvector('simple', ${fold ? `vn_fold(${column})` : `lower(${column})`}), '${weight}')`).join(' || ');

/**
 * Search that finds Vietnamese with or without diacritics (issue 18). `vn_fold` lowers a text and takes its
 * marks off (unaccent: "Đăng ký" → "dang ky"); it is declared immutable so that stored columns and indexes
 * can use it (the unaccent dictionary is fixed for the database's life). Published answers and the
 * procedure catalogue each keep two weighted documents: folded (what is matched, GIN-indexed) and as
 * written (what ranks a match typed with the right marks above one that only folds to the same letters).
 * Title and name weigh more than body text.
 */
export class Migration023Search extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create extension if not exists unaccent;
create or replace function vn_fold(text) returns text language sql immutable strict parallel safe
  as $$ select lower(public.unaccent('public.unaccent'::regdictionary, normalize($1, NFC))) $$;

drop index if exists feedback_publication_search;
alter table feedback_publication drop column search;
alter table feedback_publication
  add column search tsvector generated always as (${weighted([['title', 'A'], ['question', 'B'], ['answer', 'C']], false)}) stored,
  add column search_folded tsvector generated always as (${weighted([['title', 'A'], ['question', 'B'], ['answer', 'C']], true)}) stored;
create index feedback_publication_search_folded on feedback_publication using gin (search_folded);

alter table procedure
  add column search tsvector generated always as (${weighted([['name', 'A'], ['field', 'B'], ['code', 'C']], false)}) stored,
  add column search_folded tsvector generated always as (${weighted([['name', 'A'], ['field', 'B'], ['code', 'C']], true)}) stored;
create index procedure_search_folded on procedure using gin (search_folded);`);
  }
}
