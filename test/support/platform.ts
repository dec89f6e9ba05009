import makeFetchCookie from 'fetch-cookie';
import { CookieJar } from 'tough-cookie';
import { loadConfig } from '../../runtime/config';
import { testContext } from './context';
import { testLogger } from './capture-logs';
import { removeScratch, scratchDir } from './scratch';
import { startPlatform } from '../../runtime/platform';
import { startIdentityProvider } from '../../local/identity-provider';
import { startTemporalDevServer } from '../../local/temporal-dev-server';
import { startSmsCatcher } from '../../local/sms-catcher';
import { DEMO_INTEGRATION_CLIENT, DEMO_PASSWORD } from '../../db/demo-data';
import { freePort } from './ports';
import { startSmtpCatcher } from './smtp';

/**
 * The real platform for API tests: the test PostgreSQL, a Temporal dev server, the local OpenID
 * provider and an SMTP server, with the worker and the API running in this process.
 */
/** The metrics scraper's token in tests. */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789';

/** Limits far above what a test sends, so that only the tests of the limits meet them. */
const GENEROUS_LIMITS = { RATE_LIMIT_SIGN_IN: '10000/1m', RATE_LIMIT_SUBMISSIONS: '10000/1m', RATE_LIMIT_FEEDBACK: '10000/1m', RATE_LIMIT_PUBLIC_SEARCH: '10000/1m' };

export async function startTestPlatform(opts: { databaseUrl?: string; env?: Record<string, string> } = {}) {
  const dataDir = await scratchDir('temporal');
  const temporal = await startTemporalDevServer({ dataDir, port: await freePort(), uiPort: 0, headless: true, onLog: (line) => testLogger().warn({ component: 'temporal-dev-server' }, line) });
  const smtp = await startSmtpCatcher();
  const sms = await startSmsCatcher({ port: 0, apiKey: 'test-sms-key-0123' });
  const apiPort = await freePort();
  const apiUrl = `http://localhost:${apiPort}`;
  const clientSecret = 'test-client-secret-0123456789';
  const idp = await startIdentityProvider({ port: await freePort(), clientId: 'dvc-test', clientSecret, redirectUris: [`${apiUrl}/auth/callback`], integrationClients: [DEMO_INTEGRATION_CLIENT] });
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    PORT: String(apiPort),
    PUBLIC_URL: apiUrl,
    DATABASE_URL: opts.databaseUrl ?? testContext().databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: `dossier-api-${process.pid}`,
    OIDC_ISSUER: idp.issuer,
    OIDC_AUTHORIZATION_URL: idp.authorizationURL,
    OIDC_TOKEN_URL: idp.tokenURL,
    OIDC_USERINFO_URL: idp.userInfoURL,
    OIDC_JWKS_URL: idp.jwksURL,
    OIDC_CLIENT_ID: 'dvc-test',
    OIDC_CLIENT_SECRET: clientSecret,
    SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
    METRICS_TOKEN: TEST_METRICS_TOKEN,
    SMTP_URL: smtp.url,
    SMS_GATEWAY_URL: sms.url,
    SMS_GATEWAY_KEY: 'test-sms-key-0123',
    MAX_UPLOAD_BYTES: String(6 * 1024 * 1024),
    WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
    // Test files share one database: each platform counts under its own keys.
    RATE_LIMIT_PREFIX: `test-${process.pid}-${apiPort}`,
    ...GENEROUS_LIMITS,
    ...opts.env,
  };
  const cfg = loadConfig(env);
  const platform = await startPlatform(cfg, testLogger(), { api: true, worker: true });
  return {
    apiUrl,
    cfg,
    /** The environment the platform was configured from (for processes started beside it). */
    env,
    idp,
    smtp,
    sms,
    orm: platform.services.orm,
    temporal: platform.services.temporal,
    async stop() {
      await platform.stop();
      await idp.close();
      await smtp.close();
      await sms.close();
      await temporal.stop();
      await removeScratch(dataDir);
    },
  };
}

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
    }
    const next = res.headers.get('location');
    url = next ? new URL(next, url).toString() : null;
    if (url?.startsWith(`${apiUrl}/docs`)) break;
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
