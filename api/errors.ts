import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { WorkflowUpdateFailedError, WorkflowNotFoundError, ApplicationFailure } from '@temporalio/client';
import { DomainError } from '../domain/errors';

/** An error answer: HTTP status, machine-readable code, Vietnamese message. */
export class ApiError extends DomainError {}

export const apiError = (status: number, code: string, message: string, details?: unknown) => new ApiError(code, message, status, details);

export const Errors = {
  unauthenticated: () => apiError(401, 'UNAUTHENTICATED', 'Vui lòng đăng nhập.'),
  forbidden: () => apiError(403, 'FORBIDDEN', 'Tài khoản không có quyền thực hiện thao tác này.'),
  csrf: () => apiError(403, 'CSRF_TOKEN_INVALID', 'Mã chống giả mạo yêu cầu (CSRF) không hợp lệ hoặc thiếu; hãy lấy mã mới tại /auth/me.'),
  notFound: (what = 'Tài nguyên') => apiError(404, 'NOT_FOUND', `${what} không tồn tại hoặc bạn không có quyền xem.`),
  validation: (issues: z.core.$ZodIssue[]) =>
    apiError(
      422,
      'VALIDATION_FAILED',
      'Dữ liệu gửi lên không hợp lệ.',
      issues.map((i) => ({ field: i.path.join('.'), code: i.code, message: issueMessage(i) })),
    ),
};

/** zod's own messages in Vietnamese; a schema's custom message (a rule in words) takes precedence. */
z.config(z.locales.vi());

function issueMessage(i: z.core.$ZodIssue): string {
  if (i.code === 'invalid_union' && 'discriminator' in i) return `Giá trị "${String(i.discriminator)}" không thuộc danh sách cho phép.`;
  return i.message;
}

/** Nesting deeper than any form or body of this API needs. */
const MAX_DEPTH = 32;

/**
 * PostgreSQL text and JSON cannot hold NUL or a lone UTF-16 surrogate: a request carrying one is refused
 * before it reaches any code, as is a value nested deeper than MAX_DEPTH. The walk is iterative, so no
 * input can exhaust the stack.
 */
export function assertNoNul(value: unknown, where = 'body'): void {
  const badText = (s: string) => s.includes('\u0000') || !s.isWellFormed();
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (badText(v)) throw apiError(400, 'INVALID_CHARACTERS', `Dữ liệu gửi lên (${where}) chứa ký tự không hợp lệ (ký tự NUL hoặc mã Unicode không trọn vẹn).`);
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_DEPTH) throw apiError(400, 'TOO_DEEP', `Dữ liệu gửi lên (${where}) lồng nhau quá ${MAX_DEPTH} cấp.`);
    for (const [k, x] of Object.entries(v)) {
      if (badText(k)) throw apiError(400, 'INVALID_CHARACTERS', `Dữ liệu gửi lên (${where}) chứa ký tự không hợp lệ (ký tự NUL hoặc mã Unicode không trọn vẹn).`);
      stack.push([x, depth + 1]);
    }
  }
}

/** Banks' server-to-server messages: authenticated by their signature over the body (no cookie, no CSRF token); judged by it first. */
export const SIGNED_BODY_PATHS = /^\/api\/payments\/(callback|settlement)\//;

export const rejectNulCharacters: RequestHandler = (req, _res, next) => {
  try {
    assertNoNul(req.query, 'query');
    assertNoNul(req.params, 'path');
    if (!SIGNED_BODY_PATHS.test(req.originalUrl)) assertNoNul(req.body, 'body');
    next();
  } catch (e) {
    next(e);
  }
};

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw Errors.validation(r.error.issues);
  return r.data;
}

/**
 * Whether the engine certainly did not apply an update: the process refused it (validator or handler)
 * or no longer runs. A timeout or a lost connection is not a refusal: the step may have been applied.
 */
export function certainlyRefused(e: unknown): boolean {
  if (e instanceof WorkflowUpdateFailedError) return true;
  return e instanceof WorkflowNotFoundError || (e instanceof Error && /workflow execution already completed/i.test(e.message));
}

/** Maps a failure from the workflow engine to the same error answers. */
export function fromTemporal(e: unknown): unknown {
  if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure) {
    const status = (e.cause.details?.[0] as { status?: number } | undefined)?.status ?? 409;
    return apiError(status, e.cause.type ?? 'ACTION_REFUSED', e.cause.message);
  }
  if (e instanceof WorkflowNotFoundError || (e instanceof Error && /workflow execution already completed/i.test(e.message))) {
    return apiError(409, 'DOSSIER_CLOSED', 'Hồ sơ đã kết thúc xử lý; không thể thực hiện thêm thao tác.');
  }
  return e;
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(apiError(404, 'ROUTE_NOT_FOUND', 'Đường dẫn không tồn tại.'));

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const requestId = String(req.id ?? '');
  let e: unknown = err;
  if (err && typeof err === 'object' && 'type' in err && (err as { type: string }).type === 'entity.parse.failed') {
    e = apiError(400, 'MALFORMED_JSON', 'Nội dung JSON không hợp lệ.');
  } else if (err && typeof err === 'object' && 'type' in err && (err as { type: string }).type === 'entity.too.large') {
    e = apiError(413, 'PAYLOAD_TOO_LARGE', 'Dữ liệu gửi lên vượt quá dung lượng cho phép.');
  } else if (err && typeof err === 'object' && 'code' in err && (err as { name?: string }).name === 'MulterError') {
    const code = (err as { code: string }).code;
    e =
      code === 'LIMIT_FILE_SIZE'
        ? apiError(413, 'FILE_TOO_LARGE', 'Tệp đính kèm vượt quá dung lượng cho phép.')
        : apiError(400, 'BAD_MULTIPART', `Biểu mẫu tải lên không hợp lệ (${code}).`);
  } else if (err && typeof err === 'object' && 'storageErrors' in err) {
    // busboy (under multer) could not read the multipart body.
    e = apiError(400, 'BAD_MULTIPART', 'Biểu mẫu tải lên không đúng định dạng multipart.');
  } else if (err instanceof URIError || (err && typeof err === 'object' && (err as { status?: number }).status === 400 && /decode|URI/i.test(String((err as Error).message)))) {
    // A path that is not valid percent-encoding (`/api/dossiers/%ff%fe`).
    e = apiError(400, 'BAD_PATH', 'Đường dẫn chứa mã hóa ký tự không hợp lệ.');
  } else if (err && typeof err === 'object' && (err as { code?: string }).code === 'EBADCSRFTOKEN') {
    e = Errors.csrf();
  }
  if (e instanceof DomainError) {
    res.status(e.status).json({ error: { code: e.code, message: e.message, details: e.details, requestId } });
    return;
  }
  req.log?.error({ err }, 'unhandled error');
  res.status(500).json({ error: { code: 'INTERNAL', message: 'Lỗi hệ thống; vui lòng thử lại sau.', requestId } });
};
