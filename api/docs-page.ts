/**
 * Interactive documentation (Swagger UI) that uses the signed-in session and sends the CSRF token.
 * The account's name is put into the page as text, never as HTML; no inline script (CSP).
 */
export function docsPage(): string {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>API Cổng Dịch vụ công</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body>
<div style="font-family:sans-serif;padding:8px;background:#fffbe6" id="who">…</div>
<div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/docs.js"></script></body></html>`;
}

/** The docs page's own script, served as a file so that the page runs under the Content-Security-Policy. */
export function docsScript(): string {
  return `let csrf = null;
function link(text, href, onclick) { const a = document.createElement('a'); a.textContent = text; a.href = href; if (onclick) a.onclick = onclick; return a; }
fetch('/auth/me', { credentials: 'same-origin' }).then(r => r.ok ? r.json() : null).then(me => {
  const who = document.getElementById('who');
  who.textContent = '';
  if (me) {
    csrf = me.csrfToken;
    const a = me.account;
    const b = document.createElement('b'); b.textContent = a.name;
    who.append('Đã đăng nhập: ', b, ' (' + a.roleLabels.join(', ') + (a.agencyCode ? ', ' + a.agencyCode : '') + ') — ',
      link('Đăng xuất', '#', () => { fetch('/auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': csrf } }).then(() => location.reload()); return false; }));
  } else {
    who.append('Chưa đăng nhập — ', link('Đăng nhập', '/auth/login'), ' · ', link('Đăng nhập bằng tài khoản khác', '/auth/login?prompt=login'));
  }
});
SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', withCredentials: true,
  requestInterceptor: (req) => { if (csrf && req.method !== 'GET') req.headers['X-CSRF-Token'] = csrf; return req; } });
`;
}
