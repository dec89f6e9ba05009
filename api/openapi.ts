import { z } from 'zod';
import { ROUTES } from './access';

const ErrorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string', description: 'Thông báo tiếng Việt' }, details: {}, requestId: { type: 'string' } },
    },
  },
};

const toSchema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });

/** The OpenAPI 3.1 description, generated from the route list and its zod schemas. */
export function openApiDocument(publicUrl: string, fileComponents: string[] = []) {
  const fileProps = Object.fromEntries(fileComponents.map((c) => [c, { type: 'string', format: 'binary', description: `Tệp cho thành phần hồ sơ "${c}"` }]));
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (r.query) {
      const q = toSchema(r.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) params.push({ name, in: 'query', required: (q.required ?? []).includes(name), schema } as never);
    }
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      parameters: params,
      'x-access': r.access,
      security: r.access === 'public' ? [] : [{ session: [] }],
      responses: {
        '200': { description: 'Thành công' },
        '4XX': { description: 'Lỗi', content: { 'application/json': { schema: ErrorSchema } } },
      },
    };
    if (r.body) {
      const schema = toSchema(r.body);
      op.requestBody = r.multipart
        ? { required: true, content: { 'multipart/form-data': { schema: { type: 'object', properties: { ...(schema as { properties?: object }).properties, formData: { type: 'string', description: 'JSON của tờ khai, ví dụ {"hoTenTre":"Nguyễn Minh Khang","ngaySinhTre":"2026-11-01","noiSinh":"Hà Nội"}' }, ...fileProps } } } } }
        : { required: true, content: { 'application/json': { schema } } };
    }
    if (r.method !== 'get') (op.parameters as unknown[]).push({ name: 'X-CSRF-Token', in: 'header', required: false, schema: { type: 'string' }, description: 'Bắt buộc khi xác thực bằng cookie; lấy tại GET /auth/me' });
    paths[path] = { ...paths[path], [r.method]: op };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Cổng Dịch vụ công quốc gia — API xử lý hồ sơ', version: '0.1.0', description: 'Đăng nhập tại /auth/login; mọi thao tác ghi cần header X-CSRF-Token (lấy tại /auth/me).' },
    servers: [{ url: publicUrl }],
    components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'dvc.sid' } } },
    paths,
  };
}

/** Interactive documentation (Swagger UI) that uses the signed-in session and sends the CSRF token. */
export function docsPage(): string {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>API Cổng Dịch vụ công</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body>
<div style="font-family:sans-serif;padding:8px;background:#fffbe6" id="who">…</div>
<div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
let csrf = null;
fetch('/auth/me', { credentials: 'same-origin' }).then(r => r.ok ? r.json() : null).then(me => {
  const who = document.getElementById('who');
  if (me) { csrf = me.csrfToken; who.innerHTML = 'Đã đăng nhập: <b>' + me.account.name + '</b> (' + me.account.roleLabels.join(', ') + (me.account.agencyCode ? ', ' + me.account.agencyCode : '') + ') — <a href="#" id="out">Đăng xuất</a>'; document.getElementById('out').onclick = () => fetch('/auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': csrf } }).then(() => location.reload()); }
  else who.innerHTML = 'Chưa đăng nhập — <a href="/auth/login">Đăng nhập</a> · <a href="/auth/login?prompt=login">Đăng nhập bằng tài khoản khác</a>';
});
SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', withCredentials: true,
  requestInterceptor: (req) => { if (csrf && req.method !== 'GET') req.headers['X-CSRF-Token'] = csrf; return req; } });
</script></body></html>`;
}
