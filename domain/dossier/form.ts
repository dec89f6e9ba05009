import { z } from 'zod';
import { CONTENT_PROBLEM_LABELS, type ContentProblem } from './file-content';
import { DateBound, dateRangePattern, formatVnDate, resolveDateBound } from './date-range';

/** One field of a procedure's electronic form (tờ khai điện tử). */
export const FormField = z.object({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/),
  label: z.string().min(1),
  type: z.enum(['text', 'number', 'date', 'email']),
  required: z.boolean(),
  maxLength: z.number().int().positive().optional(),
  /** A regular expression the value matches (a pattern that does not compile is refused with the form). */
  pattern: z.string().max(500).refine((p) => {
    try {
      new RegExp(p);
      return true;
    } catch {
      return false;
    }
  }, 'Biểu thức chính quy không hợp lệ').optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  /** The earliest and latest day a date field accepts: a day, or `today`, `today-30d`, `today+365d` (Vietnam time). */
  minDate: DateBound.optional(),
  maxDate: DateBound.optional(),
}).strict()
  // A field no value can satisfy is refused with the form (bounds compared as they stand today).
  .refine((f) => f.min === undefined || f.max === undefined || f.min <= f.max, { message: 'Giá trị tối thiểu lớn hơn giá trị tối đa', path: ['min'] })
  .refine((f) => !f.minDate || !f.maxDate || resolveDateBound(f.minDate, new Date()) <= resolveDateBound(f.maxDate, new Date()), { message: 'Ngày sớm nhất sau ngày muộn nhất', path: ['minDate'] });

/** One file component of the dossier (thành phần hồ sơ): allowed formats and size (002 §14.3). */
export const FileComponent = z.object({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/),
  label: z.string().min(1),
  required: z.boolean(),
  mimeTypes: z.array(z.string()).min(1),
  maxBytes: z.number().int().positive(),
  /**
   * Procedures whose results (kết quả giải quyết) the citizen may give for this component straight from
   * their data store (003 §16.4), instead of uploading a copy.
   */
  acceptsResultsOf: z.array(z.string().regex(/^[A-Z]{2,10}-[A-Z]{2,12}$/)).max(20).optional(),
}).strict();

export type FileComponent = z.infer<typeof FileComponent>;

/** Strict: a key the form definition does not know is refused, not silently dropped. */
export const ProcedureForm = z.object({ fields: z.array(FormField), files: z.array(FileComponent) }).strict();
export type ProcedureForm = z.infer<typeof ProcedureForm>;

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export interface UploadedFileInfo {
  component: string;
  filename: string;
  /** The type detected from the content, not the one the client claimed. */
  detectedMimeType: string | null;
  size: number;
  /** Something the file may not carry (a polyglot), found in its content. */
  contentProblem?: ContentProblem | null;
}

const MAX_TEXT = 5000;
/** File names longer than this are refused (file systems and mail clients stop at 255). */
const MAX_FILE_NAME = 255;

/**
 * The automatic technical check before anything is sent (RULES.md §1.1): every required field,
 * field formats, every required file, file types and sizes. Returns all errors at once.
 */
export function checkSubmission(form: ProcedureForm, data: Record<string, unknown>, files: UploadedFileInfo[], now = new Date()): FieldError[] {
  const errors: FieldError[] = [];
  const known = new Set(form.fields.map((f) => f.name));
  for (const key of Object.keys(data)) {
    if (!known.has(key)) errors.push({ field: key, code: 'UNKNOWN_FIELD', message: `Trường "${key}" không có trong tờ khai của thủ tục.` });
  }
  for (const f of form.fields) {
    const v = data[f.name];
    const empty = v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
    if (empty) {
      if (f.required) errors.push({ field: f.name, code: 'REQUIRED', message: `Vui lòng nhập "${f.label}".` });
      continue;
    }
    switch (f.type) {
      case 'text':
      case 'email': {
        if (typeof v !== 'string') {
          errors.push({ field: f.name, code: 'NOT_TEXT', message: `"${f.label}" phải là chuỗi ký tự.` });
          break;
        }
        // Characters (code points), as JSON Schema's maxLength counts them in the published form.
        if ([...v].length > (f.maxLength ?? MAX_TEXT)) errors.push({ field: f.name, code: 'TOO_LONG', message: `"${f.label}" dài quá ${f.maxLength ?? MAX_TEXT} ký tự.` });
        if (f.pattern && !new RegExp(f.pattern).test(v)) errors.push({ field: f.name, code: 'BAD_FORMAT', message: `"${f.label}" không đúng định dạng.` });
        if (f.type === 'email' && !z.email().safeParse(v).success) errors.push({ field: f.name, code: 'BAD_EMAIL', message: `"${f.label}" không phải địa chỉ thư điện tử hợp lệ.` });
        break;
      }
      case 'number': {
        const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
        if (!Number.isFinite(n)) {
          errors.push({ field: f.name, code: 'NOT_NUMBER', message: `"${f.label}" phải là số.` });
          break;
        }
        if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) {
          errors.push({ field: f.name, code: 'OUT_OF_RANGE', message: `"${f.label}" phải trong khoảng ${f.min ?? '-∞'} – ${f.max ?? '∞'}.` });
        }
        break;
      }
      case 'date': {
        const ok = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
        if (!ok) {
          errors.push({ field: f.name, code: 'BAD_DATE', message: `"${f.label}" phải là ngày hợp lệ dạng YYYY-MM-DD.` });
          break;
        }
        const [min, max] = [f.minDate && resolveDateBound(f.minDate, now), f.maxDate && resolveDateBound(f.maxDate, now)];
        if (min && v < min) errors.push({ field: f.name, code: 'DATE_OUT_OF_RANGE', message: `"${f.label}" không được trước ngày ${formatVnDate(min)}.` });
        if (max && v > max) errors.push({ field: f.name, code: 'DATE_OUT_OF_RANGE', message: `"${f.label}" không được sau ngày ${formatVnDate(max)}.` });
        break;
      }
    }
  }
  const components = new Map(form.files.map((c) => [c.name, c]));
  for (const file of files) {
    const c = components.get(file.component);
    if (!c) {
      errors.push({ field: file.component, code: 'UNKNOWN_COMPONENT', message: `Thủ tục không có thành phần hồ sơ "${file.component}".` });
      continue;
    }
    if ([...file.filename].length > MAX_FILE_NAME) errors.push({ field: c.name, code: 'FILE_NAME_TOO_LONG', message: `Tên tệp dài quá ${MAX_FILE_NAME} ký tự; vui lòng đổi tên tệp.` });
    if (file.size === 0) errors.push({ field: c.name, code: 'EMPTY_FILE', message: `Tệp "${file.filename}" rỗng.` });
    if (file.size > c.maxBytes) {
      errors.push({ field: c.name, code: 'FILE_TOO_LARGE', message: `Tệp "${file.filename}" vượt quá dung lượng cho phép (${Math.floor(c.maxBytes / 1024 / 1024)} MB).` });
    }
    if (file.contentProblem) {
      errors.push({ field: c.name, code: 'FILE_CONTENT_NOT_ALLOWED', message: `Tệp "${file.filename}" ${CONTENT_PROBLEM_LABELS[file.contentProblem]}; vui lòng xuất lại tệp từ phần mềm gốc rồi gửi lại.` });
    } else if (!file.detectedMimeType || !c.mimeTypes.includes(file.detectedMimeType)) {
      errors.push({ field: c.name, code: 'FILE_TYPE_NOT_ALLOWED', message: `Tệp "${file.filename}" không đúng định dạng cho phép (${c.mimeTypes.join(', ')}).` });
    }
  }
  for (const c of form.files) {
    const count = files.filter((f) => f.component === c.name).length;
    if (c.required && count === 0) errors.push({ field: c.name, code: 'FILE_REQUIRED', message: `Vui lòng đính kèm "${c.label}".` });
    if (count > 1) errors.push({ field: c.name, code: 'TOO_MANY_FILES', message: `Chỉ được đính kèm một tệp cho "${c.label}".` });
  }
  return errors;
}

/**
 * The JSON Schema of a procedure's electronic form, saying exactly what checkSubmission accepts:
 * the OpenAPI document publishes it for each procedure.
 */
export function formJsonSchema(form: ProcedureForm, now = new Date()): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const noNul = '^[^\\u0000]*$';
  for (const f of form.fields) {
    const base = { title: f.label };
    switch (f.type) {
      case 'text':
      case 'email': {
        const s: Record<string, unknown> = { ...base, type: 'string', maxLength: f.maxLength ?? MAX_TEXT };
        const patterns = [f.pattern ?? (f.required ? '^[^\\u0000]*\\S[^\\u0000]*$' : noNul)];
        if (f.type === 'email') {
          s.format = 'email';
          patterns.push(EMAIL_PATTERN);
        }
        s.pattern = patterns[0];
        if (patterns.length > 1) s.allOf = patterns.slice(1).map((p) => ({ pattern: p }));
        properties[f.name] = s;
        break;
      }
      case 'number':
        properties[f.name] = { ...base, type: 'number', ...(f.min !== undefined ? { minimum: f.min } : {}), ...(f.max !== undefined ? { maximum: f.max } : {}) };
        break;
      case 'date':
        properties[f.name] = {
          ...base, type: 'string', format: 'date',
          pattern: f.minDate || f.maxDate ? dateRangePattern(f.minDate && resolveDateBound(f.minDate, now), f.maxDate && resolveDateBound(f.maxDate, now)) : '^\\d{4}-\\d{2}-\\d{2}$',
          ...(f.minDate ? { 'x-min-date': f.minDate } : {}), ...(f.maxDate ? { 'x-max-date': f.maxDate } : {}),
        };
        break;
    }
  }
  return { type: 'object', properties, required: form.fields.filter((f) => f.required).map((f) => f.name), additionalProperties: false };
}

/** What z.email() accepts, as a JSON Schema pattern. */
const EMAIL_PATTERN = (z.toJSONSchema(z.email()) as { pattern: string }).pattern;
