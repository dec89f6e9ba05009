import { z } from 'zod';
import type { ProcedureForm } from '../domain/dossier/form';
import { formJsonSchema } from '../domain/dossier/form';
import { RATE_LIMIT_SCOPE } from './rate-limits';
import { ROUTES, type RouteSpec } from './access';
import { ErrorBody } from './schemas';

/** What the document lists from the database: the procedures' forms and the agencies. */
export interface Catalogue {
  procedures: { code: string; name: string; form: ProcedureForm }[];
  agencies: string[];
  /** The day the document is served (windows of dates are counted from it). */
  now?: Date;
}

type Json = Record<string, unknown>;

const ERROR_TEXT: Record<number, string> = {
  400: 'Yêu cầu sai cú pháp: JSON hoặc multipart hỏng, ký tự không hợp lệ, header sai định dạng',
  401: 'Chưa đăng nhập, phiên hết hạn, mã truy cập không hợp lệ hoặc tài khoản đã bị khóa',
  403: 'Tài khoản không có quyền, hoặc thiếu mã chống giả mạo (CSRF) khi xác thực bằng cookie',
  404: 'Không tồn tại hoặc không có quyền xem (kể cả mã sai định dạng, hoặc đối tượng được nêu trong dữ liệu không tồn tại)',
  409: 'Xung đột với trạng thái hiện tại (sai bước, đã thực hiện, đã khóa…)',
  413: 'Dữ liệu hoặc tệp vượt quá dung lượng cho phép',
  422: 'Dữ liệu không hợp lệ; details nêu từng trường',
  429: 'Gửi quá nhiều yêu cầu trong thời gian ngắn; chờ số giây trong Retry-After rồi gửi lại',
};

/**
 * JSON Schema of a zod schema, as OpenAPI 3.1 embeds it. Requests are described on their input side
 * (what a client sends), answers on their output side.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete s.$schema;
  return s;
}

/** PostgreSQL text cannot hold NUL: every string a client sends says so. */
function withoutNul(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutNul);
  if (!node || typeof node !== 'object') return node;
  const out: Json = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'const' || k === 'enum' || k === 'default' || k === 'examples' ? v : withoutNul(v)]));
  if (out.type === 'string' && out.format !== 'binary' && out.enum === undefined && out.const === undefined) {
    const pattern = out.pattern as string | undefined;
    if (!pattern) out.pattern = '^[^\\u0000]*$';
    else if (!(pattern.startsWith('^') && pattern.endsWith('$'))) out.allOf = [...((out.allOf as unknown[]) ?? []), { pattern: '^[^\\u0000]*$' }];
  }
  return out;
}

/**
 * What depends on the data or the day: codes a client must pick from the catalogue (`x-catalogue`) are
 * listed as an enum; an instant that must lie in the past N days (`x-within-past-days`) gets a pattern
 * of the dates in that window (a day of margin at each end, for any offset).
 */
function withCatalogue(node: unknown, catalogue: Catalogue): unknown {
  if (Array.isArray(node)) return node.map((n) => withCatalogue(n, catalogue));
  if (!node || typeof node !== 'object') return node;
  const out: Json = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, withCatalogue(v, catalogue)]));
  if (out['x-catalogue'] === 'agencies') out.enum = catalogue.agencies;
  if (out['x-catalogue'] === 'procedures') out.enum = catalogue.procedures.map((p) => p.code);
  if (typeof out['x-within-past-days'] === 'number') out.pattern = pastDaysPattern(out['x-within-past-days'], catalogue.now ?? new Date());
  return out;
}

function pastDaysPattern(days: number, now: Date): string {
  const day = 86_400_000;
  const byMonth = new Map<string, string[]>();
  for (let t = now.getTime() - (days - 1) * day; t <= now.getTime() - day; t += day) {
    const d = new Date(t).toISOString();
    byMonth.set(d.slice(0, 7), [...(byMonth.get(d.slice(0, 7)) ?? []), d.slice(8, 10)]);
  }
  const full = (m: string, ds: string[]) => ds[0] === '01' && ds.length === new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 0)).getUTCDate();
  const months = [...byMonth].map(([m, ds]) => (full(m, ds) ? `${m}-\\d{2}` : `${m}-(${ds.join('|')})`));
  return `^(${months.join('|')})T`;
}

const request = (schema: z.ZodType, catalogue: Catalogue) => withoutNul(withCatalogue(jsonSchema(schema, 'input'), catalogue)) as Json;

/** The file components of a procedure as multipart parts: one file each, its formats and size in the description. */
function fileParts(form: ProcedureForm, allOptional: boolean): { properties: Json; required: string[]; encoding: Json } {
  const properties: Json = {};
  const encoding: Json = {};
  const required: string[] = [];
  for (const c of form.files) {
    properties[c.name] = {
      type: 'string', format: 'binary',
      description: `${c.label}${c.required && !allOptional ? ' (bắt buộc)' : ''}: ${c.mimeTypes.join(', ')}, tối đa ${Math.floor(c.maxBytes / 1024 / 1024)} MB; loại tệp được nhận biết từ nội dung`,
      'x-max-bytes': c.maxBytes,
      'x-media-types': c.mimeTypes,
    };
    encoding[c.name] = { contentType: c.mimeTypes.join(', ') };
    if (c.required && !allOptional) required.push(c.name);
  }
  return { properties, required, encoding };
}

/**
 * A multipart body: every procedure is one alternative, with its electronic form (the JSON part
 * `formData`) and its file components, so that what the document allows is what the server accepts.
 */
function multipartBody(spec: RouteSpec, catalogue: Catalogue): Json {
  const m = spec.multipart!;
  const fields = request(m.fields, catalogue) as { properties: Json; required?: string[] };
  const alternatives = catalogue.procedures.map((p) => {
    const files = fileParts(p.form, m.procedureField === null);
    const properties: Json = { ...fields.properties, ...files.properties, formData: formJsonSchema(p.form, catalogue.now ?? new Date()) };
    if (m.procedureField) properties[m.procedureField] = { type: 'string', const: p.code, description: p.name };
    return { title: `${p.code} — ${p.name}`, type: 'object', properties, required: [...(fields.required ?? []), ...files.required], additionalProperties: false };
  });
  const encoding: Json = Object.fromEntries(m.jsonFields.map((f) => [f, { contentType: 'application/json' }]));
  for (const p of catalogue.procedures) Object.assign(encoding, fileParts(p.form, true).encoding);
  return {
    required: true,
    content: { 'multipart/form-data': { schema: m.procedureField ? { oneOf: alternatives } : { anyOf: alternatives }, encoding } },
  };
}

/** Error statuses a route can answer with, from what it reads and who may call it. */
function errorStatuses(spec: RouteSpec): number[] {
  const s = new Set<number>([400]);
  if (spec.access !== 'public' || spec.signedBody) s.add(401);
  if (spec.access !== 'public') s.add(403);
  if (spec.params) s.add(404);
  if (spec.body || spec.multipart || spec.signedBody || spec.csvUpload) s.add(404).add(413);
  if (spec.body || spec.multipart || spec.csvUpload) s.add(422);
  if (spec.query) s.add(422);
  if (spec.conflicts) s.add(409);
  if (spec.rateLimit) s.add(429);
  return [...s].sort();
}

/** The operation's id in the document: method and path in camelCase, `postDossiersCodeActions`. */
export function operationId(spec: Pick<RouteSpec, 'method' | 'path'>): string {
  return `${spec.method}${spec.path.replace(/^\/api/, '').replace(/\/:?(\w)([\w-]*)/g, (_m, a: string, b: string) => a.toUpperCase() + b.replace(/-(\w)/g, (_x, c: string) => c.toUpperCase()))}`;
}

function operation(spec: RouteSpec, catalogue: Catalogue): Json {
  const parameters: Json[] = [];
  const add = (where: 'path' | 'query' | 'header', schema: z.ZodObject | undefined) => {
    if (!schema) return;
    const js = request(schema, catalogue) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, p] of Object.entries(js.properties ?? {})) {
      const { description, ...rest } = p;
      parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: rest, ...(description ? { description } : {}) });
    }
  };
  add('path', spec.params);
  add('query', spec.query);
  add('header', spec.headers);
  const responses: Json = {};
  for (const [status, schema] of Object.entries(spec.responses)) {
    responses[status] = schema
      ? { description: status === '201' ? 'Đã tạo' : 'Thành công', content: { 'application/json': { schema: jsonSchema(schema, 'output') } } }
      : spec.binary
        ? { description: spec.binary.description, content: Object.fromEntries(spec.binary.mediaTypes.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) }
        : { description: 'Thành công, không có nội dung' };
  }
  for (const status of errorStatuses(spec)) {
    responses[String(status)] = { description: ERROR_TEXT[status], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    if (status === 429) {
      (responses['429'] as Json).headers = { 'Retry-After': { description: 'Số giây cần chờ trước khi gửi lại', schema: { type: 'integer', minimum: 1 } } };
      (responses['429'] as Json).description = `${ERROR_TEXT[429]} (giới hạn "${spec.rateLimit}", tính theo ${RATE_LIMIT_SCOPE[spec.rateLimit!] === 'account' ? 'tài khoản' : 'địa chỉ IP'})`;
    }
  }
  const op: Json = {
    operationId: operationId(spec),
    summary: spec.summary,
    tags: [spec.tag],
    'x-access': spec.access,
    security: spec.access === 'public' ? [] : spec.method === 'get' ? [{ session: [] }, { bearer: [] }] : [{ session: [], csrf: [] }, { bearer: [] }],
    parameters,
    responses,
  };
  if (spec.multipart) op.requestBody = multipartBody(spec, catalogue);
  else if (spec.body) op.requestBody = { required: true, content: { 'application/json': { schema: request(spec.body, catalogue) } } };
  else if (spec.csvUpload) {
    op.requestBody = {
      required: true, description: spec.csvUpload.description,
      content: { 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'], additionalProperties: false }, encoding: { file: { contentType: 'text/csv' } } } },
    };
  } else if (spec.signedBody) {
    op.requestBody = { required: true, description: spec.signedBody.description, content: { 'application/json': { schema: { type: 'object' } } } };
    op.parameters = [...((op.parameters as unknown[]) ?? []), { name: 'X-Bank-Signature', in: 'header', required: true, description: 'Chữ ký Ed25519 (base64) của ngân hàng trên nội dung', schema: { type: 'string' } }];
  }
  return op;
}

/** The OpenAPI 3.1 description, generated from the route list and the zod schemas that validate. */
export function openApiDocument(publicUrl: string, catalogue: Catalogue) {
  const paths: Record<string, Json> = {};
  for (const r of ROUTES) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [r.method]: operation(r, catalogue) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Cổng Dịch vụ công quốc gia — API xử lý hồ sơ',
      version: '0.2.0',
      description: [
        'Đăng nhập tại /auth/login (phiên cookie; mọi thao tác ghi cần header X-CSRF-Token lấy tại /auth/me) hoặc dùng mã truy cập của tài khoản tích hợp (Authorization: Bearer).',
        'Quy ước: khóa camelCase; thời điểm theo ISO 8601 với múi giờ +07:00; mỗi mã (trạng thái, thao tác, vai trò…) đi kèm nhãn tiếng Việt (…Label).',
        'Lỗi: {"error":{"code","message","details?","requestId"}}; một phương thức mà đường dẫn không hỗ trợ trả 405 kèm header Allow.',
      ].join('\n\n'),
    },
    servers: [{ url: publicUrl }],
    components: {
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'dvc.sid', description: 'Phiên đăng nhập qua /auth/login' },
        csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'Mã chống giả mạo của phiên, lấy tại GET /auth/me' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Mã truy cập của tài khoản tích hợp (OAuth 2.0 client credentials)' },
      },
    },
    paths,
  };
}
