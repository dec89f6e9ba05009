import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * A hot read as a named prepared statement on the ORM's own pool (issue 31: tracking close to a bare lookup):
 * PostgreSQL parses and plans it once per connection instead of on every request, and the ORM's query layer
 * is skipped. Placeholders are $1, $2, …; name the columns (no `*`), so that a column added by a later
 * migration cannot change the statement's result under a running process.
 */
export async function preparedRead<T>(orm: MikroORM, name: string, text: string, values: unknown[]): Promise<T[]> {
  const pool = await orm.em.getConnection().getNativeClient();
  return (await pool.query({ name, text, values })).rows as T[];
}
