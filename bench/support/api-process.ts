import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { DEMO_MACHINE_CLIENTS } from '../../db/demo-data';
import { startIdentityProvider } from '../../local/identity-provider';
import { freePort } from '../../test/support/ports';
import { signIn } from '../../test/support/sessions';

const METRICS_TOKEN = 'bench-metrics-token-0123456789';

/**
 * The API as its own process (api/main.ts) for HTTP benchmarks, with the bench-only baseline routes, the
 * local OpenID provider for sign-in, and the abuse limits off (the load comes from one address and account).
 */
export async function startBenchApi(opts: { databaseUrl: string; temporalAddress: string; env?: Record<string, string> }) {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const idp = await startIdentityProvider({ port: await freePort(), clientId: 'bench', clientSecret: 'bench-client-secret-0123', redirectUris: [`${url}/auth/callback`], integrationClients: DEMO_MACHINE_CLIENTS });
  const api = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    env: {
      ...process.env, BENCH_ROUTES: 'true', LOG_LEVEL: 'warn', PORT: String(port), PUBLIC_URL: url, DATABASE_URL: opts.databaseUrl, DATABASE_POOL_MAX: '20',
      TEMPORAL_ADDRESS: opts.temporalAddress, OIDC_ISSUER: idp.issuer, OIDC_AUTHORIZATION_URL: idp.authorizationURL, OIDC_TOKEN_URL: idp.tokenURL,
      OIDC_USERINFO_URL: idp.userInfoURL, OIDC_CLIENT_ID: 'bench', OIDC_CLIENT_SECRET: 'bench-client-secret-0123',
      SESSION_SECRET: 'bench-session-secret-0123456789abcdef0123456789', SMTP_URL: 'smtp://127.0.0.1:1', METRICS_TOKEN,
      RATE_LIMIT_SIGN_IN: 'off', RATE_LIMIT_SUBMISSIONS: 'off', RATE_LIMIT_FEEDBACK: 'off', RATE_LIMIT_PUBLIC_SEARCH: 'off',
      ...opts.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    if (i > 300) throw new Error('API did not start');
    await new Promise((r) => setTimeout(r, 200));
  }

  /** A metric of the API process, read from its /metrics endpoint. */
  async function metric(name: string): Promise<number> {
    const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : NaN;
  }

  return {
    url,
    pid: api.pid!,
    metric,
    /** Signs in through the real OIDC flow and returns the session cookie as a browser would send it. */
    async sessionCookie(subject: string) {
      const s = await signIn(url, subject);
      return (s.fetch as unknown as { cookieJar: { getCookieString(url: string): Promise<string> } }).cookieJar.getCookieString(url);
    },
    /** Loads one route for `seconds` at `connections`, each request's path from `path(i)`. */
    async load(label: string, path: (i: number) => string, headers: Record<string, string>, connections: number, seconds: number) {
      let i = 0;
      const cpuBefore = await metric('process_cpu_seconds_total');
      const result = await autocannon({
        url, connections, duration: seconds, headers,
        requests: [{ setupRequest: (req) => ({ ...req, path: path(i++) }) }],
        excludeErrorStats: false,
      });
      const cpu = (await metric('process_cpu_seconds_total')) - cpuBefore;
      return {
        route: label, connections, requestsPerSecond: Math.round(result.requests.average), p50ms: result.latency.p50, p99ms: result.latency.p99,
        non2xx: result.non2xx, errors: result.errors, apiCpuPerRequestMs: +((cpu * 1000) / Math.max(1, result.requests.total)).toFixed(3),
      };
    },
    async stop() {
      api.kill('SIGTERM');
      await idp.close();
    },
  };
}
