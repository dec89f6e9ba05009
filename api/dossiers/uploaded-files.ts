import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { fileTypeFromBuffer } from 'file-type';
import type { Actor } from '../../domain/access/roles';
import { contentProblem } from '../../domain/dossier/file-content';
import type { UploadedFileInfo } from '../../domain/dossier/form';
import type { StoredFile } from '../../domain/dossier/vocabulary';
import type { FileStore } from '../../services/file-store';
import type { UploadedFile } from '../uploads';

/** A dossier's uploaded files: what their bytes are (sniffed, not taken from the name), then stored. */
export interface SniffedFile {
  file: UploadedFile;
  info: UploadedFileInfo;
}

/** Detects each file's type from its content, not from the name the client gave. */
export async function sniff(files: UploadedFile[]): Promise<SniffedFile[]> {
  return Promise.all(
    files.map(async (file) => {
      const detectedMimeType = file.size > 0 ? ((await fileTypeFromBuffer(file.buffer))?.mime ?? null) : null;
      return {
        file,
        info: { component: file.fieldname, filename: file.originalname, detectedMimeType, size: file.size, contentProblem: contentProblem(file.buffer, detectedMimeType) },
      };
    }),
  );
}

/**
 * Stores checked files: the content in the file store first (durable before the transaction commits; a
 * content stored for a transaction that then fails is kept once, unreferenced), the metadata and SHA-256
 * in the caller's transaction.
 */
export async function storeFiles(tx: EntityManager, store: FileStore, actor: Actor, files: SniffedFile[]): Promise<StoredFile[]> {
  const stored: StoredFile[] = [];
  for (const { file, info } of files) {
    const s: StoredFile = {
      component: info.component,
      fileId: randomUUID(),
      filename: info.filename,
      mimeType: info.detectedMimeType ?? 'application/octet-stream',
      size: info.size,
      sha256: await store.put(file.buffer),
    };
    await tx.execute('insert into stored_file (id, owner_id, filename, mime_type, size, sha256) values (?, ?, ?, ?, ?, ?)', [
      s.fileId, actor.id, s.filename, s.mimeType, s.size, s.sha256,
    ]);
    stored.push(s);
  }
  return stored;
}

