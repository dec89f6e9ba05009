import { z } from 'zod';
import { DEFAULT_RANKING_POLICY, RankingPolicy } from '../domain/statistics/ranking';
import { parseSessions } from '../domain/working-time';
import { PayloadKeys } from './payload-codec';
import { BankConfig } from '../services/payments/banks';

/** A setting holding JSON that a schema checks; the reasons it is refused are given in the start-up error. */
function jsonSetting<T extends z.ZodType>(schema: T, fallback: string) {
  return z.string().default(fallback).transform((v, ctx): z.infer<T> => {
    try {
      const r = schema.safeParse(JSON.parse(v.trim() === '' ? fallback : v));
      if (r.success) return r.data;
      ctx.addIssue({ code: 'custom', message: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    } catch {
      ctx.addIssue({ code: 'custom', message: 'phải là JSON' });
    }
    return z.NEVER;
  });
}

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const url = z.url({ protocol: /^https?$/ });

/** `N/window`: at most N requests per window (`30s`, `10m`, `1h`), or `off`. */
export const RateLimitSetting = z.union([
  z.literal('off').transform(() => null),
  z
    .string()
    .regex(/^\d{1,6}\/\d{1,5}[smh]$/, 'phải có dạng số-lần/khoảng-thời-gian, ví dụ 10/10m, hoặc off')
    .transform((v) => {
      const [points, window] = v.split('/') as [string, string];
      const unit = { s: 1, m: 60, h: 3600 }[window.slice(-1) as 's' | 'm' | 'h'];
      return { points: Number(points), seconds: Number(window.slice(0, -1)) * unit };
    }),
]);
export type RateLimitSetting = z.infer<typeof RateLimitSetting>;


/** Every setting the platform reads from its environment, validated at start-up. */
const Env = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  SEED_DEMO_DATA: bool.default(false),
  PUBLIC_URL: url.default('http://localhost:3000'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'phải có dạng postgres://user:pass@host:port/db'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  TEMPORAL_ADDRESS: z.string().regex(/^[\w.-]+:\d+$/, 'phải có dạng host:port').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('dossier'),
  /** Keys that encrypt every payload sent to Temporal (`id:base64-32-bytes`, comma-separated, the first encrypts). */
  TEMPORAL_PAYLOAD_KEYS: PayloadKeys.optional(),
  /** Bearer token of the codec endpoint (/codec/decode) the Temporal Web UI and CLI use to read encrypted histories. */
  TEMPORAL_CODEC_TOKEN: z.string().min(16, 'cần ít nhất 16 ký tự').optional(),
  /** Origins (the Temporal Web UI) allowed to call the codec endpoint from a browser, comma-separated. */
  TEMPORAL_CODEC_ORIGINS: z.string().default('').transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean)),
  /** TLS to the Temporal cluster: the CA that signs its certificate; with the client pair, mutual TLS. */
  TEMPORAL_TLS_CA_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_CERT_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_FILE: z.string().min(1).optional(),
  /** Resident memory one worker process may use (MiB): its cache and task slots follow (workers/sizing.ts). */
  WORKER_MEMORY_MIB: z.coerce.number().int().min(384).max(65_536).default(400),
  /** Workflows kept in the worker's cache, instead of what WORKER_MEMORY_MIB gives (memory vs. replay work). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).optional(),
  /** Threads running workflow code in one worker process (Temporal's workflowThreadPoolSize; 1 by default). */
  WORKER_WORKFLOW_THREADS: z.coerce.number().int().min(1).max(16).optional(),
  WORKER_METRICS_ADDRESS: z.string().regex(/^[\w.-]+:\d+$/).optional(),
  /** Bearer token a metrics scraper sends to GET /metrics; without it /metrics is not served. */
  METRICS_TOKEN: z.string().min(16, 'cần ít nhất 16 ký tự').optional(),
  OIDC_ISSUER: url,
  OIDC_AUTHORIZATION_URL: url,
  OIDC_TOKEN_URL: url,
  OIDC_USERINFO_URL: url,
  OIDC_JWKS_URL: url.optional(),
  OIDC_API_AUDIENCE: z.string().min(1).default('urn:dichvucong:api'),
  OIDC_CLIENT_ID: z.string().min(1),
  OIDC_CLIENT_SECRET: z.string().min(16, 'cần ít nhất 16 ký tự'),
  SESSION_SECRET: z.string().min(32, 'cần ít nhất 32 ký tự'),
  COOKIE_SECURE: bool.default(false),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'phải có dạng smtp://host:port'),
  SMS_GATEWAY_URL: url.optional(),
  SMS_GATEWAY_KEY: z.string().min(8).optional(),
  MAIL_FROM: z.string().min(3).default('Cổng Dịch vụ công quốc gia <no-reply@dichvucong.gov.vn>'),
  WORKING_SESSIONS: z
    .string()
    .default('07:30-11:30,13:00-17:00')
    .transform((v, ctx) => {
      try {
        return parseSessions(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }),
  /** How long a process keeps the working calendar it loaded (a calendar change reaches it within this time). */
  CALENDAR_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  ESCALATION_RUNGS: z.coerce.number().int().min(1).max(10).default(2),
  ESCALATION_STEP_WORKING_DAYS: z.coerce.number().int().min(1).max(60).default(2),
  /** The lead agency for escalated feedback (002 §29; the Government Office under 000 §42.3.đ). */
  FEEDBACK_LEAD_AGENCY: z.string().min(1).default('BTP-CKSTTHC'),
  /** Calendar days feedback waits for the citizen's clarification before it is closed (a reminder 3 days before). */
  FEEDBACK_CLARIFICATION_DAYS: z.coerce.number().int().min(4).max(365).default(15),
  /** Each agency's PKCS#12 file (`<agency code>.p12`) that signs its receipts and results (PAdES). */
  SIGNING_KEYS_DIR: z.string().min(1).optional(),
  SIGNING_KEYS_PASSPHRASE: z.string().default(''),
  /** Development and tests: a local certificate authority in SIGNING_KEYS_DIR issues missing agency certificates. */
  SIGNING_LOCAL_CA: bool.default(false),
  /** Connected banks and payment intermediaries (JSON array: code, name, url, apiKey, publicKey PEM). */
  PAYMENT_BANKS: jsonSetting(z.array(BankConfig), '[]'),
  /** The yearly evaluation's points per criterion and level thresholds (000 §30; JSON, see the README). */
  /** Days a sent notification keeps its recipient, subject and body (then only its key and times). */
  NOTIFICATION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** The directory of the file store (uploaded files by their SHA-256; a mounted volume in production). */
  FILE_STORE_DIR: z.string().min(1).default('.data/files'),
  /** Seconds a public search page (answers, catalogue) is served from memory; 0 turns the cache off. */
  SEARCH_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  RANKING_POLICY: jsonSetting(RankingPolicy, JSON.stringify(DEFAULT_RANKING_POLICY)),
  MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  /** Largest daily reconciliation file (a bank's statement of a million rows is ~150 MB). */
  RECONCILIATION_MAX_FILE_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024 * 1024),
  /** A recorded submission whose process has not started this long after is started by the recovery (every minute). */
  PROCESS_RECOVERY_AFTER_SECONDS: z.coerce.number().int().min(5).default(30),
  /** The operators' console lists an activity as stalled from this attempt on. */
  OPERATIONS_STALLED_ATTEMPT: z.coerce.number().int().min(2).max(1000).default(3),
  /** An integration account that has not called for this many minutes raises an alert (000 §52). */
  INTEGRATION_SILENT_MINUTES: z.coerce.number().int().min(1).default(24 * 60),
  /** An integration account whose calls failed this many times in a row raises an alert. */
  INTEGRATION_FAILING_CALLS: z.coerce.number().int().min(1).default(20),
  /** Limits on abuse (`N/window` or `off`), shared by every API process through PostgreSQL. */
  RATE_LIMIT_SIGN_IN: RateLimitSetting.prefault('30/5m'),
  RATE_LIMIT_SUBMISSIONS: RateLimitSetting.prefault('10/10m'),
  RATE_LIMIT_FEEDBACK: RateLimitSetting.prefault('5/10m'),
  RATE_LIMIT_PUBLIC_SEARCH: RateLimitSetting.prefault('120/1m'),
  /** The deployment's keys in the shared table (API processes of one deployment use the same). */
  RATE_LIMIT_PREFIX: z.string().regex(/^[\w-]{1,40}$/).default('dvc'),
});

export type Config = z.infer<typeof Env>;

export class ConfigError extends Error {}

/** Reads and checks the environment; the error names each wrong variable and why. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Cấu hình không hợp lệ (biến môi trường):\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** For a process's entry point: the configuration, or the Vietnamese message and exit code 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
