import { Router, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import passport from 'passport';
import { Strategy as OpenIDConnectStrategy, type Profile } from 'passport-openidconnect';
import { csrfSync } from 'csrf-sync';
import type { MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Actor, Role } from '../domain/access/roles';
import { lockedMessage, type LockKind } from '../domain/accounts/lifecycle';
import { touchActivity, touchSignIn } from '../services/account-lifecycle';
import { ROLE_LABELS } from '../domain/access/roles';
import type { Config } from '../runtime/config';
import { apiError, Errors } from './errors';

/** The session cookie in a Cookie header. */
const SESSION_COOKIE = /(^|;\s*)dvc\.sid=/;

/** Minutes a locked account's proven sign-in keeps the account complaint form open to it. */
export const LOCKED_COMPLAINT_MINUTES = 30;
/** What the session holds for a person whose account is locked: who they are, and until when. */
export interface LockedComplaintGrant { accountId: string; lockKind: LockKind | null; until: number }
declare module 'express-session' {
  interface SessionData { lockedComplaint?: LockedComplaintGrant }
}
/** The locked account this session may file one complaint for, if its time has not run out. */
export function lockedComplaintGrant(req: Request): LockedComplaintGrant | null {
  const g = req.session?.lockedComplaint;
  return g && g.until > Date.now() ? g : null;
}

/** What a refused CSRF check met: no signed-in session, a session without a token, none sent, or another token. */
function csrfRefusal(req: Request): 'no-session-user' | 'no-stored-token' | 'no-sent-token' | 'different-token' {
  if (!req.user) return 'no-session-user';
  if (!(req.session as unknown as { csrfToken?: string } | undefined)?.csrfToken) return 'no-stored-token';
  return req.headers['x-csrf-token'] ? 'different-token' : 'no-sent-token';
}

interface SessionUser extends Actor {
  kind: string;
}

/**
 * Sign-in through OpenID Connect (authorization-code flow; VNeID in production, the local provider
 * in development and tests), sessions kept in PostgreSQL, CSRF tokens for cookie-authenticated writes.
 */
export function createAuth(cfg: Config, orm: MikroORM, log?: Logger) {
  const PgStore = connectPgSimple(session);
  /**
   * Sessions slide (rolling: 8 hours after the last request), but writing the new expiry on every request
   * doubled the cost of a read (issue 18): this process writes it at most once a minute per session, so
   * a session ends between 8 h and 8 h 1 min after its last request. Every process still reads the session
   * on each request, so a sign-out anywhere holds everywhere.
   */
  class SlidingStore extends PgStore {
    private readonly touched = new Map<string, number>();
    override touch(sid: string, sess: session.SessionData, done?: (err?: unknown) => void) {
      const now = Date.now();
      if (now - (this.touched.get(sid) ?? 0) < 60_000) return done?.();
      if (this.touched.size > 100_000) this.touched.clear();
      this.touched.set(sid, now);
      return super.touch(sid, sess, done);
    }
  }
  const pool = new pg.Pool({ connectionString: cfg.DATABASE_URL, max: cfg.DATABASE_POOL_MAX });
  // An idle connection dropped by the server (a PostgreSQL restart) must not crash the process.
  pool.on('error', (e) => log?.warn({ err: e }, 'session store connection lost'));
  const sessionMiddleware = session({
    store: new SlidingStore({ pool, tableName: 'http_session', createTableIfMissing: false, pruneSessionInterval: 600 }),
    name: 'dvc.sid',
    secret: cfg.SESSION_SECRET,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: cfg.COOKIE_SECURE, maxAge: 8 * 60 * 60 * 1000 },
  });

  passport.use(
    'oidc',
    new OpenIDConnectStrategy(
      {
        issuer: cfg.OIDC_ISSUER,
        authorizationURL: cfg.OIDC_AUTHORIZATION_URL,
        tokenURL: cfg.OIDC_TOKEN_URL,
        userInfoURL: cfg.OIDC_USERINFO_URL,
        clientID: cfg.OIDC_CLIENT_ID,
        clientSecret: cfg.OIDC_CLIENT_SECRET,
        callbackURL: `${cfg.PUBLIC_URL}/auth/callback`,
        scope: ['profile', 'email', 'phone'],
        skipUserProfile: false,
      },
      (_issuer: string, profile: Profile, done: (err: Error | null, user?: Express.User | false, info?: { message: string; accountId?: string }) => void) => {
        signIn(orm, profile).then(
          (u) => ('locked' in u ? done(null, false, { message: `ACCOUNT_LOCKED:${u.locked ?? ''}`, accountId: u.accountId }) : done(null, u)),
          (e: Error) => done(e),
        );
      },
    ),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: SessionUser, done) => done(null, user));

  const { csrfSynchronisedProtection, generateToken, getTokenFromState } = csrfSync({
    getTokenFromRequest: (req) => req.headers['x-csrf-token'] as string | undefined,
  });

  /**
   * A session is given its CSRF token when it is made (at sign-in), before the redirect. express-session
   * writes a regenerated session once more after the redirect's headers are out; when that write waited
   * for a new database connection it landed after the next request's write and dropped the token that
   * request had just added (the sign-in race of issue 32: "no-stored-token" with the user still there).
   * With the token in the session from the start, every write of it carries the same token.
   */
  const saveWithToken = (req: Request, done: (err?: unknown) => void) => {
    generateToken(req);
    req.session.save(done);
  };

  /** The synchroniser-token check; a refusal logs why (never the tokens themselves). */
  const csrfProtection = (req: Request, res: Response, next: NextFunction) =>
    csrfSynchronisedProtection(req, res, (err?: unknown) => {
      if (err) req.log?.warn({ csrf: csrfRefusal(req), cookie: SESSION_COOKIE.test(req.headers.cookie ?? '') }, 'CSRF token refused');
      next(err);
    });

  const router = Router();
  // `?prompt=login` asks the provider to authenticate again (to switch accounts despite single sign-on);
  // `?next=/path` is where the portal goes back to once signed in (a path of this site only).
  router.get('/auth/login', (req, res, next) => {
    const back = typeof req.query.next === 'string' && /^\/(?![/\\])[\w\-./?=&%~]*$/.test(req.query.next) ? req.query.next : null;
    if (back) (req.session as unknown as { returnTo?: string }).returnTo = back;
    passport.authenticate('oidc', req.query.prompt === 'login' ? { prompt: 'login' } : {})(req, res, next);
  });
  router.get('/auth/callback', (req, res, next) => {
    passport.authenticate('oidc', (err: unknown, user: SessionUser | false, info?: { message?: string; accountId?: string }) => {
      if (err) return next(err);
      if (!user) {
        const locked = info?.message?.startsWith('ACCOUNT_LOCKED:');
        const kind = locked ? ((info!.message!.slice('ACCOUNT_LOCKED:'.length) || null) as LockKind | null) : null;
        const error = locked
          ? { code: 'ACCOUNT_LOCKED', message: lockedMessage(kind), lockKind: kind }
          : { code: 'SIGN_IN_FAILED', message: 'Đăng nhập không thành công; vui lòng thử lại.' };
        // A browser reads a page, a program the JSON error. A person whose account is locked has proven who
        // they are to the identity provider: the session lets them reach the account complaint form, and only
        // that (LOCKED_COMPLAINT_MINUTES), so that the 24/48-hour complaint clock is open to them (000 §13.1).
        if (req.accepts(['json', 'html']) === 'html') {
          if (!locked || !info?.accountId) return next(apiError(locked ? 403 : 401, error.code, error.message));
          const grant = { accountId: info.accountId, lockKind: kind, until: Date.now() + LOCKED_COMPLAINT_MINUTES * 60_000 };
          return req.session.regenerate((e) => {
            if (e) return next(e);
            req.session.lockedComplaint = grant;
            saveWithToken(req, (e2) => (e2 ? next(e2) : res.redirect(303, '/tai-khoan/bi-khoa')));
          });
        }
        res.status(locked ? 403 : 401).json({ error });
        return;
      }
      const returnTo = (req.session as unknown as { returnTo?: string }).returnTo;
      req.session.regenerate((e) => {
        if (e) return next(e);
        req.logIn(user, (e2) => {
          if (e2) return next(e2);
          saveWithToken(req, (e3) => (e3 ? next(e3) : res.redirect(returnTo ?? homeOf(user.roles))));
        });
      });
    })(req, res, next);
  });

  /**
   * Sets req.actor: from a Bearer access token (integration accounts, OAuth client credentials;
   * a JWT signed by the identity provider for this API's audience), otherwise from the session.
   */
  const jwks = cfg.OIDC_JWKS_URL ? createRemoteJWKSet(new URL(cfg.OIDC_JWKS_URL)) : null;
  const resolveActor = (req: Request, _res: unknown, next: (e?: unknown) => void) => {
    const header = req.headers.authorization;
    // One credential per request: a bearer token beside a session cookie is refused, not guessed at.
    if (header?.startsWith('Bearer ') && SESSION_COOKIE.test(req.headers.cookie ?? '')) {
      return next(apiError(401, 'AMBIGUOUS_CREDENTIALS', 'Yêu cầu chỉ được mang một loại thông tin xác thực: phiên đăng nhập (cookie) hoặc mã truy cập (Bearer).'));
    }
    if (header?.startsWith('Bearer ')) {
      if (!jwks) return next(apiError(401, 'BEARER_NOT_SUPPORTED', 'Máy chủ chưa cấu hình xác thực bằng mã truy cập (OIDC_JWKS_URL).'));
      jwtVerify(header.slice(7), jwks, { issuer: cfg.OIDC_ISSUER, audience: cfg.OIDC_API_AUDIENCE })
        .then(async ({ payload }) => {
          const clientId = typeof payload.client_id === 'string' ? payload.client_id : null;
          const account = clientId ? await integrationAccount(orm, clientId) : null;
          if (!account) return next(apiError(403, 'UNKNOWN_INTEGRATION', 'Tài khoản tích hợp chưa được đăng ký hoặc đã bị khóa.'));
          req.actor = account;
          req.authMethod = 'bearer';
          next();
        })
        .catch(() => next(apiError(401, 'INVALID_TOKEN', 'Mã truy cập không hợp lệ hoặc đã hết hạn.')));
      return;
    }
    const u = req.user as SessionUser | undefined;
    if (!u) return next();
    accountStatus(u.id).then(
      (status) => {
        if (status.locked) {
          req.session.destroy(() => next(apiError(401, 'ACCOUNT_LOCKED', lockedMessage(status.lockKind))));
          return;
        }
        req.actor = { id: u.id, name: u.name, roles: u.roles, agencyCode: u.agencyCode };
        req.authMethod = 'session';
        next();
      },
      (e: unknown) => next(e),
    );
  };

  /** Lock status of signed-in accounts, re-read every 15 s; each re-read also records activity. */
  const statusCache = new Map<string, { at: number; locked: boolean; lockKind: LockKind | null }>();
  async function accountStatus(id: string) {
    const hit = statusCache.get(id);
    if (hit && Date.now() - hit.at < 15_000) return hit;
    const em = orm.em.fork();
    const [row] = await em.execute<{ locked_at: string | null; lock_kind: LockKind | null }[]>('select locked_at, lock_kind from account where id = ?', [id]);
    const status = { at: Date.now(), locked: !row || row.locked_at !== null, lockKind: row?.lock_kind ?? null };
    if (!status.locked) await touchActivity(em, id);
    if (statusCache.size > 100_000) statusCache.clear();
    statusCache.set(id, status);
    return status;
  }

  router.get('/auth/me', (req, res, next) => {
    if (!req.actor) return next(Errors.unauthenticated());
    res.json({
      account: { ...req.actor, roleLabels: req.actor.roles.map((r) => ROLE_LABELS[r]) },
      csrfToken: generateToken(req),
    });
  });
  router.post('/auth/logout', csrfProtection, (req, res, next) => {
    req.logOut((e) => {
      if (e) return next(e);
      req.session.destroy(() => {
        res.clearCookie('dvc.sid');
        res.status(204).end();
      });
    });
  });

  return {
    /** CSRF for the portal's forms: the session's token, and its check against a token a form sent. */
    csrf: {
      token: (req: Request) => generateToken(req),
      valid: (req: Request, sent: unknown) => typeof sent === 'string' && sent.length > 0 && sent === getTokenFromState(req),
    },
    sessionMiddleware,
    passportInit: [passport.initialize(), passport.session()],
    resolveActor,
    csrfProtection,
    router,
    close: () => pool.end(),
  };
}

/** Where an account lands after signing in: the portal page of its main work. */
export function homeOf(roles: readonly Role[]): string {
  if (roles.includes('citizen')) return '/ho-so';
  if (roles.includes('supervising_officer')) return '/giam-sat';
  if (roles.some((r) => ['receiving_officer', 'processing_officer', 'fee_officer', 'unit_leader', 'result_officer'].includes(r))) return '/can-bo';
  if (roles.includes('operator') || roles.includes('system_admin') || roles.includes('unit_admin')) return '/dich-vu';
  return '/tai-khoan';
}

async function integrationAccount(orm: MikroORM, clientId: string): Promise<Actor | null> {
  const [row] = await orm.em.fork().execute<{ id: string; full_name: string; roles: Role[]; agency_code: string | null; bank_code: string | null }[]>(
    `update account set last_activity_at = now() where subject = ? and kind = 'integration' and locked_at is null returning id, full_name, roles, agency_code, bank_code`,
    [`client:${clientId}`],
  );
  return row ? { id: row.id, name: row.full_name, roles: row.roles, agencyCode: row.agency_code, bankCode: row.bank_code } : null;
}

async function signIn(orm: MikroORM, profile: Profile): Promise<SessionUser | { locked: LockKind | null; accountId?: string }> {
  const em = orm.em.fork();
  const email = profile.emails?.[0]?.value ?? null;
  const name = profile.displayName || profile.username || profile.id;
  // A person signing in through the national identity system for the first time gets a citizen account.
  await em.execute(
    `insert into account (id, subject, kind, full_name, email, roles) values (?, ?, 'citizen', ?, ?, '{citizen}') on conflict (subject) do nothing`,
    [randomUUID(), profile.id, name, email],
  );
  const row = await touchSignIn(em, profile.id);
  if (!row) {
    const [l] = await em.execute<{ id: string; lock_kind: LockKind | null }[]>("select id, lock_kind from account where subject = ? and kind <> 'integration'", [profile.id]);
    return { locked: l?.lock_kind ?? null, accountId: l?.id };
  }
  return { id: row.id, kind: row.kind, name: row.full_name, roles: row.roles as Role[], agencyCode: row.agency_code };
}
