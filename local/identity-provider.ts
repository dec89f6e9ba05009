import express from 'express';
import { createServer, type Server } from 'node:http';
import Provider, { errors as oidcErrors, type KoaContextWithOIDC } from 'oidc-provider';
import { DEMO_AGENCIES, DEMO_PASSWORD, DEMO_USERS } from '../db/demo-data';
import { ROLE_LABELS, type Role } from '../domain/access/roles';

export interface IdentityProviderOptions {
  port: number;
  host?: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Machine clients (integration accounts) that obtain tokens with the client-credentials grant. */
  integrationClients?: { clientId: string; clientSecret: string }[];
}

/** The audience (resource indicator) of access tokens for the platform's API. */
export const API_AUDIENCE = 'urn:dichvucong:api';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A local OpenID Connect provider (oidc-provider) with the demo citizens and officers, standing in
 * for VNeID in development and tests: authorization-code flow, client secret, password `demo`.
 * Its keys and in-memory storage are for development only.
 */
/** Wrong passwords in a row before a login is locked, and for how long. */
const LOCK_AFTER = 5;
const LOCK_MS = 15 * 60_000;

export async function startIdentityProvider(opts: IdentityProviderOptions) {
  const failures = new Map<string, { count: number; lockedUntil: number }>();
  const host = opts.host ?? '127.0.0.1';
  const issuer = `http://${host === '0.0.0.0' ? 'localhost' : host}:${opts.port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: opts.clientId,
        client_secret: opts.clientSecret,
        redirect_uris: opts.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      ...(opts.integrationClients ?? []).map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic' as const,
        scope: 'api',
      })),
    ],
    pkce: { required: () => false },
    claims: { openid: ['sub'], profile: ['name'], email: ['email'], phone: ['phone_number'] },
    scopes: ['openid', 'profile', 'email', 'phone', 'api'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Integration accounts get signed JWT access tokens for the API.
      resourceIndicators: {
        enabled: true,
        // Only machine clients target the API; the sign-in client's token stays for the userinfo endpoint.
        defaultResource: (_ctx: KoaContextWithOIDC, client: { grantTypes?: readonly string[] }) => (client.grantTypes?.includes('client_credentials') ? API_AUDIENCE : undefined),
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, resource: string) => {
          if (resource !== API_AUDIENCE) throw new oidcErrors.InvalidTarget();
          return { scope: 'api', audience: API_AUDIENCE, accessTokenFormat: 'jwt' as const, accessTokenTTL: 600 };
        },
      },
    },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['local-idp-development-only-key'] },
    async findAccount(_ctx, sub) {
      const u = DEMO_USERS.find((x) => x.subject === sub && x.kind !== 'integration');
      if (!u) return undefined;
      return { accountId: sub, claims: async () => ({ sub, name: u.fullName, email: u.email, phone_number: u.phone }) };
    },
    // First-party client: consent is implied, so no consent screen.
    async loadExistingGrant(ctx) {
      const session = ctx.oidc.session;
      const client = ctx.oidc.client;
      if (!session?.accountId || !client) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid profile email phone');
      grant.addOIDCClaims(['name', 'email', 'phone_number']);
      await grant.save();
      return grant;
    },
  });
  provider.proxy = true;

  const app = express();
  app.get('/interaction/:uid', async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      res.type('html').send(loginPage(details.uid, null));
    } catch (e) {
      next(e);
    }
  });
  app.post('/interaction/:uid/login', express.urlencoded({ extended: false }), async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      const login = String(req.body?.login ?? '').slice(0, 100);
      // As the national identity provider does: after repeated wrong passwords the login is locked for a while.
      const record = failures.get(login);
      if (record && record.lockedUntil > Date.now()) {
        const minutes = Math.ceil((record.lockedUntil - Date.now()) / 60_000);
        res.status(429).setHeader('Retry-After', String(minutes * 60)).type('html').send(loginPage(details.uid, `Đăng nhập tạm khóa do nhập sai mật khẩu nhiều lần; vui lòng thử lại sau ${minutes} phút.`));
        return;
      }
      const user = DEMO_USERS.find((u) => u.subject === login && u.kind !== 'integration');
      if (!user || req.body?.password !== DEMO_PASSWORD) {
        const count = (record?.count ?? 0) + 1;
        failures.set(login, { count, lockedUntil: count >= LOCK_AFTER ? Date.now() + LOCK_MS : 0 });
        res.status(401).type('html').send(loginPage(details.uid, 'Tên đăng nhập hoặc mật khẩu không đúng.'));
        return;
      }
      failures.delete(login);
      await provider.interactionFinished(req, res, { login: { accountId: user.subject } }, { mergeWithLastSubmission: false });
    } catch (e) {
      next(e);
    }
  });
  app.use(provider.callback());

  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(opts.port, host, resolve));
  return {
    issuer,
    authorizationURL: `${issuer}/auth`,
    tokenURL: `${issuer}/token`,
    userInfoURL: `${issuer}/me`,
    jwksURL: `${issuer}/jwks`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The local provider's sign-in page, in Vietnamese: the demo accounts grouped by role, each role by its
 * Vietnamese label and each officer with their agency. Usable on a phone.
 */
function loginPage(uid: string, error: string | null): string {
  const agencies = new Map<string, string>(DEMO_AGENCIES.map((a) => [a.code, a.name]));
  const groups = new Map<Role, typeof DEMO_USERS>();
  for (const u of DEMO_USERS.filter((x) => x.kind !== 'integration')) for (const r of u.roles) groups.set(r, [...(groups.get(r) ?? []), u]);
  const list = [...groups]
    .map(([role, users]) => `<h3>${esc(ROLE_LABELS[role])}</h3><ul>${users
      .map((u) => `<li><code>${esc(u.subject)}</code> — ${esc(u.fullName)}${u.agencyCode ? `, ${esc(agencies.get(u.agencyCode) ?? u.agencyCode)}` : ''}</li>`).join('')}</ul>`)
    .join('');
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đăng nhập (VNeID giả lập)</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:0 auto;padding:1rem;line-height:1.5;color:#1b1b1b}
label{display:block;font-weight:700;margin-top:.75rem}input{display:block;width:100%;font:inherit;padding:.625rem;min-height:2.75rem;border:1px solid #565c65;border-radius:4px;box-sizing:border-box}
button{margin-top:1rem;font:inherit;background:#0b4f9c;color:#fff;border:0;border-radius:4px;padding:.625rem 1rem;min-height:2.75rem}
.error{color:#b50909;font-weight:700}code{overflow-wrap:anywhere}h3{margin-bottom:.25rem}ul{margin-top:.25rem}</style></head>
<body><main>
<h1>Đăng nhập bằng tài khoản định danh điện tử</h1>
<p>Nhà cung cấp định danh cục bộ cho môi trường phát triển (thay cho VNeID). Mật khẩu của mọi tài khoản mẫu: <code>${DEMO_PASSWORD}</code>.</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login">
<label for="login">Tên đăng nhập</label><input id="login" name="login" autocomplete="username" autofocus required>
<label for="password">Mật khẩu</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Đăng nhập</button></form>
<h2>Tài khoản mẫu theo nhóm quyền</h2>${list}</main></body></html>`;
}
