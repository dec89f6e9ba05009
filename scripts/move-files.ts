import { loadConfigOrExit } from '../runtime/config';
import { openOrm } from '../db/orm';
import { LocalFileStore, moveFilesToStore } from '../services/file-store';

/**
 * Moves the contents of files uploaded before the file store out of PostgreSQL into it (issue 18):
 *   npm run files:move      (DATABASE_URL and FILE_STORE_DIR as the platform's)
 * Each row loses its content only once the store holds it; safe to stop and run again.
 */
const cfg = loadConfigOrExit();
const orm = await openOrm(cfg.DATABASE_URL, 2);
const moved = await moveFilesToStore(orm.em, new LocalFileStore(cfg.FILE_STORE_DIR));
process.stdout.write(`${moved} files moved to ${cfg.FILE_STORE_DIR}\n`);
await orm.close();
