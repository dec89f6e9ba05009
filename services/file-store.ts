import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Where the files citizens and agencies upload are kept (issue 18: files out of PostgreSQL, which keeps their
 * metadata and SHA-256). Content-addressed: a file is stored under its hash, so storing it twice stores it
 * once, and what is read back is checked against the hash it was stored under.
 */
export interface FileStore {
  /** Stores the content (idempotent); resolves with its SHA-256 once the content is durable. */
  put(content: Buffer): Promise<string>;
  /** The content stored under this SHA-256, checked against it. */
  get(sha256: string): Promise<Buffer>;
}

/** A stored file whose content no longer matches its hash (a damaged disk, a changed file): never served. */
export class FileDamaged extends Error {
  constructor(readonly sha256: string) {
    super(`stored file ${sha256} does not match its hash`);
  }
}

export const sha256Of = (content: Buffer) => createHash('sha256').update(content).digest('hex');
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * A local directory (the default, and a mounted volume in production): `ab/cd/abcd…` by hash. A file is
 * written to a temporary name, flushed to disk, renamed into place and its directory flushed, so a crash
 * leaves either the whole file or none.
 */
export class LocalFileStore implements FileStore {
  constructor(private readonly dir: string) {}

  private path(sha256: string) {
    if (!SHA256.test(sha256)) throw new RangeError(`not a SHA-256: ${sha256}`);
    return join(this.dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(content: Buffer): Promise<string> {
    const sha256 = sha256Of(content);
    const target = this.path(sha256);
    if (await stat(target).then((s) => s.size === content.length, () => false)) return sha256;
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.tmp`;
    const file = await open(temporary, 'wx');
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, target);
    const folder = await open(dirname(target), 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
    return sha256;
  }

  async get(sha256: string): Promise<Buffer> {
    const content = await readFile(this.path(sha256));
    if (sha256Of(content) !== sha256) throw new FileDamaged(sha256);
    return content;
  }
}

/**
 * Moves the contents still kept in PostgreSQL (files uploaded before the file store) into the store, in
 * batches; each row loses its content only once the store holds it. Safe to run again or alongside uploads.
 */
export async function moveFilesToStore(em: EntityManager, store: FileStore, batch = 100): Promise<number> {
  let moved = 0;
  for (;;) {
    const rows = await em.fork().execute<{ id: string; sha256: string; content: Buffer }[]>(
      'select id, sha256, content from stored_file where content is not null order by id limit ?',
      [batch],
    );
    if (rows.length === 0) return moved;
    for (const r of rows) {
      if ((await store.put(r.content)) !== r.sha256) throw new FileDamaged(r.sha256);
      await em.fork().execute('update stored_file set content = null where id = ?', [r.id]);
      moved++;
    }
  }
}
