import makeFetchCookie from 'fetch-cookie';
import { CookieJar } from 'tough-cookie';
import { DEMO_INTEGRATION_CLIENT, DEMO_MACHINE_CLIENTS, DEMO_PASSWORD } from '../../db/demo-data';

/** Signed-in sessions as a browser or an integration holds them (no jest here: the benchmarks use them too). */
export interface Session {
  subject: string;
  csrf: string;
  fetch: typeof fetch;
  get(path: string): Promise<Response>;
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  multipart(path: string, form: FormData, headers?: Record<string, string>): Promise<Response>;
  /** The credentials as request headers (cookie and CSRF token, or the bearer token), for outside tools. */
  headers: Record<string, string>;
}

/** Signs in through the real authorization-code flow: API → provider login form → callback. */
export async function signIn(apiUrl: string, subject: string, password = DEMO_PASSWORD): Promise<Session> {
  const jar = new CookieJar();
  const f = makeFetchCookie(fetch, jar);
  let res = await f(`${apiUrl}/auth/login`, { redirect: 'manual' });
  let url = res.headers.get('location');
  for (let i = 0; i < 10 && url; i++) {
    res = await f(url, { redirect: 'manual' });
    if (res.status === 200 && url.includes('/interaction/')) {
      const action = new URL(/action="([^"]+)"/.exec(await res.text())![1]!, url).toString();
      res = await f(action, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ login: subject, password }) });
      if (res.status === 401) throw new Error(`sign-in refused for ${subject}`);
      if (res.status === 429) throw new Error(`sign-in locked for ${subject}: ${/<p[^>]*>([^<]*)<\/p>/.exec(await res.text())?.[1] ?? ''}`);
    }
    const next = res.headers.get('location');
    url = next ? new URL(next, url).toString() : null;
    // Back on the portal (the account's home page): signed in.
    if (url?.startsWith(apiUrl) && !url.startsWith(`${apiUrl}/auth/`)) break;
  }
  const me = await f(`${apiUrl}/auth/me`);
  if (me.status !== 200) throw new Error(`sign-in failed for ${subject}: ${me.status} ${await me.text()}`);
  const { csrfToken } = (await me.json()) as { csrfToken: string };
  return {
    subject,
    csrf: csrfToken,
    headers: { Cookie: await jar.getCookieString(apiUrl), 'X-CSRF-Token': csrfToken },
    fetch: f as typeof fetch,
    get: (path) => f(`${apiUrl}${path}`),
    send: (method, path, body, headers = {}) =>
      f(`${apiUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken, ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    multipart: (path, form, headers = {}) => f(`${apiUrl}${path}`, { method: 'POST', headers: { 'x-csrf-token': csrfToken, ...headers }, body: form }),
  };
}

/** A small valid PDF, as a citizen's scanned document would be. */
export function pdfBytes(label = 'test'): Uint8Array {
  return new TextEncoder().encode(`%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% ${label}\ntrailer << /Root 1 0 R >>\n%%EOF\n`);
}

/** The demo machine client of an integration account's subject (`client:<id>`). */
export function machineClientOf(subject: string): { clientId: string; clientSecret: string } {
  const c = DEMO_MACHINE_CLIENTS.find((x) => `client:${x.clientId}` === subject);
  if (!c) throw new Error(`no demo machine client for ${subject}`);
  return c;
}

/** An integration account's session: an access token from the client-credentials grant, no cookie. */
export async function integrationSession(apiUrl: string, tokenURL: string, client = DEMO_INTEGRATION_CLIENT): Promise<Session> {
  const res = await fetch(tokenURL, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api' }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  const auth = { authorization: `Bearer ${body.access_token}` };
  return {
    subject: `client:${client.clientId}`,
    csrf: '',
    headers: { Authorization: auth.authorization },
    fetch,
    get: (path) => fetch(`${apiUrl}${path}`, { headers: auth }),
    send: (method, path, b, headers = {}) =>
      fetch(`${apiUrl}${path}`, { method, headers: { 'content-type': 'application/json', ...auth, ...headers }, body: b === undefined ? undefined : typeof b === 'string' ? b : JSON.stringify(b) }),
    multipart: (path, form, headers = {}) => fetch(`${apiUrl}${path}`, { method: 'POST', headers: { ...auth, ...headers }, body: form }),
  };
}
