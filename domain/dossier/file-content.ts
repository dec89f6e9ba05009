/**
 * What a dossier file may not carry, whatever its type: a hidden web page or script (a browser that
 * sniffs the file would run it), an archive appended to it (a ZIP reader finds it from the end), or, in
 * a PDF, actions that run code. Such polyglots are refused rather than stored under their first type.
 */
export type ContentProblem = 'markup' | 'archive' | 'active_content';

const ZIP_TYPES = new Set(['application/zip', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']);
/** A ZIP's end record sits in the last 22 bytes plus at most a 65,535-byte comment. */
const ZIP_TAIL = 22 + 65_535;
const ZIP_END = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const MARKUP = /<(?:script|html|iframe|object|embed|svg|body|!doctype\s+html)[\s>/]/i;
const PDF_ACTIVE = /\/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia)\b/;

export function contentProblem(bytes: Buffer, detectedMimeType: string | null): ContentProblem | null {
  if (!ZIP_TYPES.has(detectedMimeType ?? '') && bytes.subarray(Math.max(0, bytes.length - ZIP_TAIL)).includes(ZIP_END)) return 'archive';
  // latin1 maps each byte to one character: the scan sees the raw bytes, text or binary.
  const text = bytes.toString('latin1');
  if (MARKUP.test(text)) return 'markup';
  if (detectedMimeType === 'application/pdf' && PDF_ACTIVE.test(text)) return 'active_content';
  return null;
}

export const CONTENT_PROBLEM_LABELS: Record<ContentProblem, string> = {
  markup: 'chứa mã trang web hoặc kịch bản',
  archive: 'có tệp nén gắn kèm bên trong',
  active_content: 'chứa mã lệnh tự chạy hoặc tệp nhúng',
};
