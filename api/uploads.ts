import type { Request } from 'express';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { FieldError } from '../domain/dossier/form';
import { apiError } from './errors';

type DomainError = ReturnType<typeof apiError>;

/** A file part kept in memory once it passed the checks made while it streams. */
export interface UploadedFile {
  fieldname: string;
  originalname: string;
  size: number;
  buffer: Buffer;
}

/** The file components a request may carry and each one's size limit (bytes). */
export type Components = ReadonlyMap<string, number>;

/** The components with each limit capped by the platform's own (MAX_UPLOAD_BYTES). */
export const boundedComponents = (c: Components, maxBytes: number): Components => new Map([...c].map(([name, max]) => [name, Math.min(max, maxBytes)]));

export interface UploadRules {
  /**
   * The components allowed once the text fields read so far are known (the procedure's, when its
   * code came first; otherwise any the catalogue has, narrowed by the full check afterwards).
   */
  components(fields: Readonly<Record<string, string>>): Promise<Components>;
  /** At most this many text fields, of at most this many bytes each. */
  maxFields: number;
  maxFieldBytes: number;
  maxFiles: number;
  /** Told of each text field as it arrives (a page keeps what was typed when the files are refused). */
  onField?(name: string, value: string): void;
}

/**
 * Reads a multipart body part by part. A file under an unknown component, a second file for a
 * component (422), or a file past its component's size (413) is refused as soon as its part starts (or
 * crosses the limit): its bytes are discarded, never kept, and the answer goes out while the rest of
 * the body is drained. Text fields land in an object without a prototype (`__proto__` is just a name).
 */
export function readUpload(req: Request, rules: UploadRules): Promise<{ fields: Record<string, string>; files: UploadedFile[] }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: { fields: rules.maxFields, fieldSize: rules.maxFieldBytes, files: rules.maxFiles, parts: rules.maxFields + rules.maxFiles },
      });
    } catch {
      reject(badMultipart());
      return;
    }
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    const files: UploadedFile[] = [];
    const seen = new Set<string>();
    const pending: Promise<void>[] = [];
    let settled = false;

    const fail = (e: DomainError) => {
      if (settled) return;
      settled = true;
      // Stop parsing; what is still coming is read and dropped, so the connection stays usable.
      req.unpipe(parser);
      parser.removeAllListeners();
      parser.on('error', () => undefined);
      req.resume();
      reject(e);
    };
    const refuse = (errors: FieldError[]) =>
      fail(apiError(422, 'SUBMISSION_INVALID', 'Hồ sơ chưa hợp lệ; vui lòng sửa các mục được chỉ ra. Hồ sơ chưa được gửi.', errors));

    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) return fail(apiError(413, 'FIELD_TOO_LARGE', `Trường "${name}" vượt quá ${Math.floor(rules.maxFieldBytes / 1024)} KB.`));
      fields[name] = value;
      rules.onField?.(name, value);
    });

    parser.on('file', (name, stream, info) => {
      // Paused until its component is known to be allowed: nothing of it is read before.
      stream.pause();
      pending.push(
        rules.components({ ...fields }).then(
          (components) => {
            if (settled) return void stream.resume();
            const maxBytes = components.get(name);
            if (maxBytes === undefined) return refuse([{ field: name, code: 'UNKNOWN_COMPONENT', message: `Thủ tục không có thành phần hồ sơ "${name}".` }]);
            if (seen.has(name)) return refuse([{ field: name, code: 'TOO_MANY_FILES', message: `Chỉ được đính kèm một tệp cho thành phần "${name}".` }]);
            seen.add(name);
            const chunks: Buffer[] = [];
            let size = 0;
            stream.on('data', (chunk: Buffer) => {
              if (settled) return;
              size += chunk.length;
              if (size > maxBytes) {
                chunks.length = 0;
                const message = `Tệp "${info.filename ?? ''}" vượt quá dung lượng cho phép (${Math.floor(maxBytes / 1024 / 1024)} MB).`;
                return fail(apiError(413, 'FILE_TOO_LARGE', message, [{ field: name, code: 'FILE_TOO_LARGE', message }]));
              }
              chunks.push(chunk);
            });
            const done = new Promise<void>((ok) => stream.on('end', ok));
            stream.resume();
            return done.then(() => {
              if (!settled) files.push({ fieldname: name, originalname: info.filename ?? '', size, buffer: Buffer.concat(chunks) });
            });
          },
          (e: unknown) => {
            stream.resume();
            if (!settled) {
              settled = true;
              req.unpipe(parser);
              req.resume();
              reject(e);
            }
          },
        ),
      );
    });

    parser.on('filesLimit', () => fail(apiError(413, 'TOO_MANY_PARTS', `Mỗi lần gửi tối đa ${rules.maxFiles} tệp.`)));
    parser.on('fieldsLimit', () => fail(apiError(413, 'TOO_MANY_PARTS', `Mỗi lần gửi tối đa ${rules.maxFields} trường.`)));
    parser.on('partsLimit', () => fail(apiError(413, 'TOO_MANY_PARTS', 'Biểu mẫu tải lên có quá nhiều phần.')));
    parser.on('error', () => fail(badMultipart()));
    parser.on('close', () => {
      void Promise.all(pending).then(() => {
        if (settled) return;
        settled = true;
        resolve({ fields, files });
      });
    });
    req.on('aborted', () => fail(badMultipart()));
    req.pipe(parser);
  });
}

function badMultipart(): DomainError {
  return apiError(400, 'BAD_MULTIPART', 'Biểu mẫu tải lên không đúng định dạng multipart/form-data.');
}

/**
 * Streams the one file part `field` of a multipart body to `consume` as it arrives (a daily
 * reconciliation file can be large; nothing of it is held whole). Past `maxBytes` the stream fails with
 * 413; when `consume` refuses the file, the rest of the body is read and dropped.
 */
export function streamOneFile<T>(req: Request, opts: { field: string; maxBytes: number; maxFields?: number }, consume: (file: Readable, fields: Readonly<Record<string, string>>) => Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 1, fileSize: opts.maxBytes, fields: opts.maxFields ?? 0, fieldSize: 1024, parts: 1 + (opts.maxFields ?? 0) } });
    } catch {
      reject(badMultipart());
      return;
    }
    let started = false;
    let settled = false;
    // Text fields (a page's form) come before the file part.
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    parser.on('field', (name, value) => void (fields[name] = value));
    const finish = (e: unknown, value?: T) => {
      if (settled) return;
      settled = true;
      if (e) {
        req.unpipe(parser);
        parser.removeAllListeners();
        parser.on('error', () => undefined);
        req.resume();
        reject(e);
      } else resolve(value as T);
    };
    parser.on('file', (name, stream) => {
      if (name !== opts.field || started) {
        stream.resume();
        return finish(apiError(422, 'UNKNOWN_PART', `Chỉ gửi một tệp, trong trường "${opts.field}".`, [{ field: name, code: 'UNKNOWN_PART', message: `Trường tệp phải là "${opts.field}".` }]));
      }
      started = true;
      stream.on('limit', () => stream.destroy(apiError(413, 'FILE_TOO_LARGE', `Tệp vượt quá dung lượng cho phép (${Math.floor(opts.maxBytes / 1024 / 1024)} MB); không có dòng nào được ghi nhận.`)));
      consume(stream, { ...fields }).then((v) => finish(null, v), (e: unknown) => finish(e));
    });
    parser.on('close', () => {
      if (!started) finish(apiError(422, 'FILE_MISSING', `Thiếu tệp (trường "${opts.field}").`, [{ field: opts.field, code: 'REQUIRED', message: 'Chọn tệp CSV.' }]));
    });
    parser.on('error', () => finish(badMultipart()));
    req.pipe(parser);
  });
}
