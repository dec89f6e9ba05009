import type { NextFunction, Request, RequestHandler, Response } from 'express';
import pg from 'pg';
import type { Logger } from 'pino';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { RateLimitSetting } from '../runtime/config';
import { apiError } from './errors';

/** What is limited, and whose requests are counted together. */
export const RateLimitName = z.enum(['signIn', 'submissions', 'feedback', 'publicSearch']);
export type RateLimitName = z.infer<typeof RateLimitName>;

/** Each limit counts per address (anonymous traffic) or per account (signed-in writes). */
export const RATE_LIMIT_SCOPE: Record<RateLimitName, 'address' | 'account'> = {
  signIn: 'address',
  submissions: 'account',
  feedback: 'account',
  publicSearch: 'address',
};

/** What a person is told they did too often, in Vietnamese. */
const WHAT: Record<RateLimitName, string> = {
  signIn: 'đăng nhập',
  submissions: 'nộp hồ sơ',
  feedback: 'gửi phản ánh, kiến nghị',
  publicSearch: 'tra cứu',
};

export interface RateLimitOptions {
  databaseUrl: string;
  /** Keys of this platform in the shared table (one deployment, several API processes). */
  prefix: string;
  limits: Record<RateLimitName, RateLimitSetting>;
  log: Logger;
}

/**
 * Limits on abuse, counted in PostgreSQL so that every API process shares them (table `rate_limit`).
 * A refused request answers 429 with Retry-After before anything is read or recorded. If the
 * database cannot count, the request is let through and the failure logged: an outage of the counter
 * must not close the portal.
 */
export class RateLimits {
  private readonly pool: pg.Pool;
  private readonly limiters = new Map<RateLimitName, RateLimiterPostgres>();

  constructor(private readonly opts: RateLimitOptions) {
    this.pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 4 });
    this.pool.on('error', (e) => opts.log.warn({ err: e }, 'rate limit store connection lost'));
    for (const name of RateLimitName.options) {
      const setting = opts.limits[name];
      if (!setting) continue;
      this.limiters.set(
        name,
        new RateLimiterPostgres({
          storeClient: this.pool,
          storeType: 'pool',
          tableName: 'rate_limit',
          tableCreated: true,
          clearExpiredByTimeout: true,
          keyPrefix: `${opts.prefix}:${name}`,
          points: setting.points,
          duration: setting.seconds,
        }),
      );
    }
  }

  /** Middleware counting one request against a limit; the key is the address or the signed-in account. */
  middleware(name: RateLimitName): RequestHandler {
    return (req, res, next) => this.count(name, req, res, next);
  }

  count(name: RateLimitName, req: Request, res: Response, next: NextFunction): void {
    {
      const limiter = this.limiters.get(name);
      if (!limiter) return next();
      const key = RATE_LIMIT_SCOPE[name] === 'account' ? req.actor?.id : req.ip;
      if (!key) return next();
      limiter.consume(key).then(
        () => next(),
        (r: unknown) => {
          if (!(r instanceof RateLimiterRes)) {
            this.opts.log.warn({ err: r, limit: name }, 'rate limit not counted (store unavailable)');
            return next();
          }
          const seconds = Math.max(1, Math.ceil(r.msBeforeNext / 1000));
          res.setHeader('Retry-After', String(seconds));
          next(apiError(429, 'RATE_LIMITED', `Bạn đã ${WHAT[name]} quá nhiều lần trong thời gian ngắn; vui lòng thử lại sau ${waitText(seconds)}.`, { limit: name, retryAfterSeconds: seconds }));
        },
      );
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} giây`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 60 ? `${minutes} phút` : `${Math.ceil(minutes / 60)} giờ`;
}
