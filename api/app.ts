import { randomUUID, timingSafeEqual } from 'node:crypto';
import express, { type Request } from 'express';
import { pinoHttp } from 'pino-http';
import swaggerUiDist from 'swagger-ui-dist';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../runtime/config';
import { httpDuration, registerOperationsGauges, renderMetrics } from '../runtime/metrics';
import type { CalendarStore } from '../services/calendar-store';
import { createAuth } from './auth';
import { accountRoutes } from './accounts/routes';
import { operationsRoutes } from './operations/routes';
import { processRoutes } from './operations/process-routes';
import { OperationsConsole } from '../services/operations/console';
// upward: the API app is where the portal's pages are mounted (they call the same services, one server).
import { webErrorPages, webRoutes } from '../web/routes';
import { catalogueRoutes } from './catalogue';
import { DossierService } from './dossiers/service';
import { dossierRoutes } from './dossiers/routes';
import { DossierDocuments } from './dossiers/documents';
import { dossierDocumentRoutes } from './dossiers/document-routes';
import { DataStoreService } from './data-store/service';
import { dataStoreRoutes } from './data-store/routes';
import { AgencySigning } from '../services/signing/agency-signing';
import { useSearchCache } from '../services/search';
import { LocalFileStore } from '../services/file-store';
import { PublicationService } from './publication/service';
import { CatalogueDecisions } from './publication/decisions';
import { DataQualityFindings } from './publication/findings';
import { PaymentService } from './payments/service';
import { paymentRoutes } from './payments/routes';
import { ReconciliationService } from './payments/reconciliation';
import { reconciliationRoutes } from './payments/reconciliation-routes';
import { statisticsRoutes } from './statistics/routes';
import { serviceDeskRoutes } from './service-desk/routes';
import { MaintenanceNotices } from './service-desk/maintenance';
import { AccountComplaints } from './service-desk/complaints';
import { AdminAccountRequests } from './service-desk/admin-accounts';
import { SupportRequests } from './service-desk/support';
import { StatisticsService } from '../services/statistics/figures';
import { RankingService } from '../services/statistics/ranking';
import { isoDateOfDay, localDayNumber } from '../domain/working-time/local-time';
import { RefundService } from './payments/refunds';
import { refundRoutes } from './payments/refund-routes';
import { BankDirectory } from '../services/payments/banks';
import { publicationRoutes } from './publication/routes';
import { FeedbackService } from './feedback/service';
import { feedbackRoutes } from './feedback/routes';
import { apiError, errorHandler, notFoundHandler, rejectNulCharacters, SIGNED_BODY_PATHS } from './errors';
import helmet from 'helmet';
import { docsPage, docsScript } from './docs-page';
import { methodNotAllowed } from './method-not-allowed';
import { RateLimits } from './rate-limits';
import { codecRoutes } from './codec';
import { EncryptionCodec } from '../runtime/payload-codec';
import { openApiDocument } from './openapi';
import { ProcedureForm } from '../domain/dossier/form';

export interface ApiDeps {
  cfg: Config;
  orm: MikroORM;
  temporal: Client;
  calendars: CalendarStore;
  log: Logger;
}

/** The Express application: health, metrics, sign-in, the API, its OpenAPI description and docs. */
export function createApp(deps: ApiDeps) {
  const { cfg, orm, log } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 1);
  // Security headers: a strict Content-Security-Policy (the docs page runs under it: scripts and styles
  // from this origin only, Swagger UI's inline styles aside), no framing, nosniff, no referrer to other
  // sites, HSTS when the platform is served over TLS (COOKIE_SECURE).
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'connect-src': ["'self'"],
          'font-src': ["'self'", 'data:'],
          'object-src': ["'none'"],
          'base-uri': ["'self'"],
          // The connected banks' payment pages: the citizen is sent there from the dossier page.
          'form-action': ["'self'", ...cfg.PAYMENT_BANKS.map((b) => new URL(b.url).origin)],
          'frame-ancestors': ["'none'"],
        },
      },
      strictTransportSecurity: cfg.COOKIE_SECURE ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w-]{1,100}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customProps: (req) => ({ actor: (req as Request).actor?.id }),
      // The sign-in callback's one-time code and state never reach the logs (the query is redacted too).
      serializers: { req: (r: { url?: string }) => ({ ...r, url: r.url?.replace(/([?&](?:code|state)=)[^&]*/g, '$1[Redacted]') }) },
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
    }),
  );
  app.use((req, res, next) => {
    const end = httpDuration.startTimer({ method: req.method });
    res.on('finish', () => end({ route: req.route?.path ?? 'unmatched', status: String(res.statusCode) }));
    next();
  });

  app.get('/health', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/ready', async (_req, res) => {
    const checks: Record<string, string> = {};
    try {
      await orm.em.fork().execute('select 1');
      checks.database = 'ok';
    } catch (e) {
      checks.database = (e as Error).message;
    }
    try {
      await deps.temporal.connection.workflowService.getSystemInfo({});
      checks.temporal = 'ok';
    } catch (e) {
      checks.temporal = (e as Error).message;
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready', checks });
  });
  // Metrics describe the whole platform: only a scraper holding METRICS_TOKEN reads them.
  app.get('/metrics', async (req, res, next) => {
    if (!cfg.METRICS_TOKEN) return next();
    const given = Buffer.from(req.headers.authorization ?? '');
    const expected = Buffer.from(`Bearer ${cfg.METRICS_TOKEN}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return void next(apiError(401, 'METRICS_TOKEN_REQUIRED', 'Cần mã truy cập số liệu giám sát (METRICS_TOKEN).'));
    }
    res.type('text/plain; version=0.0.4').send(await renderMetrics(cfg.WORKER_METRICS_ADDRESS));
  });
  // Operators read encrypted histories through the codec endpoint (Web UI, CLI), with its own token.
  if (cfg.TEMPORAL_PAYLOAD_KEYS && cfg.TEMPORAL_CODEC_TOKEN) {
    app.use(codecRoutes({ codec: new EncryptionCodec(cfg.TEMPORAL_PAYLOAD_KEYS), token: cfg.TEMPORAL_CODEC_TOKEN, allowedOrigins: cfg.TEMPORAL_CODEC_ORIGINS }));
  }
  app.get('/openapi.json', async (_req, res, next) => {
    try {
      const em = orm.em.fork();
      // The catalogue's procedures with their forms and file components (a submission to one whose service
      // does not take dossiers now is answered 409), and the agencies.
      const procedures = await em.execute<{ code: string; name: string; form: unknown }[]>("select code, name, form from procedure where status = 'active' order by code");
      const agencies = await em.execute<{ code: string }[]>('select code from agency order by code');
      res.json(openApiDocument(cfg.PUBLIC_URL, {
        procedures: procedures.map((p) => ({ code: p.code, name: p.name, form: ProcedureForm.parse(p.form) })),
        agencies: agencies.map((a) => a.code),
      }));
    } catch (e) {
      next(e);
    }
  });
  app.get('/docs', (_req, res) => void res.type('html').send(docsPage()));
  app.get('/docs/docs.js', (_req, res) => void res.type('text/javascript').send(docsScript()));
  app.use('/docs/assets', express.static(swaggerUiDist.getAbsoluteFSPath(), { index: false }));

  // Limits on abuse, shared by every API process; routes name theirs (RouteSpec.rateLimit).
  const rateLimits = new RateLimits({
    databaseUrl: cfg.DATABASE_URL,
    prefix: cfg.RATE_LIMIT_PREFIX,
    limits: { signIn: cfg.RATE_LIMIT_SIGN_IN, submissions: cfg.RATE_LIMIT_SUBMISSIONS, feedback: cfg.RATE_LIMIT_FEEDBACK, publicSearch: cfg.RATE_LIMIT_PUBLIC_SEARCH },
    log,
  });
  app.locals.rateLimits = rateLimits;
  const auth = createAuth(cfg, orm, log);
  app.use(auth.sessionMiddleware, ...auth.passportInit, auth.resolveActor);
  // A connected system's failing calls (refused credentials or rights, limits, server errors — not business
  // answers such as 404 or 409) are counted; the operators' watch alerts when they keep failing (000 §52).
  app.use((req, res, next) => {
    const actor = req.actor;
    if (actor && req.authMethod === 'bearer') {
      res.on('finish', () => {
        const failed = res.statusCode >= 500 || res.statusCode === 401 || res.statusCode === 403 || res.statusCode === 429;
        void orm.em.fork().execute(
          failed
            ? 'update account set failed_calls_in_row = failed_calls_in_row + 1, last_failed_call_at = now() where id = ?'
            : 'update account set failed_calls_in_row = 0 where id = ? and failed_calls_in_row > 0',
          [actor.id],
        ).catch((e: unknown) => log.warn({ err: e }, 'integration call not counted'));
      });
    }
    next();
  });
  // Each sign-in starts an anonymous session (the OpenID state): counted per address, before it is made.
  app.get(['/auth/login', '/auth/callback'], rateLimits.middleware('signIn'));
  app.use(auth.router);
  // The raw bytes are kept: a bank's callback is verified against the exact body it signed.
  app.use(express.json({ limit: '1mb', verify: (req, _res, buf) => void ((req as unknown as { rawBody?: Buffer }).rawBody = buf) }));
  app.use(rejectNulCharacters);
  app.use(methodNotAllowed);
  // Answers for a signed-in account are never kept by a cache.
  app.use('/api', (req, res, next) => {
    if (req.actor) res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // Every cookie-authenticated write carries the session's CSRF token (bearer tokens carry no cookie) and,
  // when the browser says where it comes from, comes from this site.
  const origin = new URL(cfg.PUBLIC_URL).origin;
  app.use('/api', (req, res, next) => {
    // Banks' callbacks come server to server, authenticated by their signature (checked by the route).
    if (req.method === 'GET' || req.method === 'HEAD' || req.authMethod === 'bearer' || SIGNED_BODY_PATHS.test(req.originalUrl)) return next();
    const from = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    if ((from !== undefined && from !== origin) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
      return next(apiError(403, 'CROSS_SITE_REQUEST', 'Yêu cầu ghi dữ liệu phải xuất phát từ chính Cổng Dịch vụ công.'));
    }
    auth.csrfProtection(req, res, next);
  });

  const files = new LocalFileStore(cfg.FILE_STORE_DIR);
  const signing = new AgencySigning({ dir: cfg.SIGNING_KEYS_DIR ?? null, passphrase: cfg.SIGNING_KEYS_PASSPHRASE, localCa: cfg.SIGNING_LOCAL_CA });
  const documents = new DossierDocuments({ orm, signing, publicUrl: cfg.PUBLIC_URL, files });
  const store = new DataStoreService({ orm, files, documents });
  const dossiers = new DossierService({ orm, temporal: deps.temporal, taskQueue: cfg.TEMPORAL_TASK_QUEUE, calendars: deps.calendars, log, publicUrl: cfg.PUBLIC_URL, files, store });
  app.use(dossierRoutes(dossiers, { maxUploadBytes: cfg.MAX_UPLOAD_BYTES }));
  app.use(dossierDocumentRoutes(documents));
  app.use(dataStoreRoutes(orm, store));
  useSearchCache(orm, cfg.SEARCH_CACHE_SECONDS);
  const feedback = new FeedbackService({ orm, temporal: deps.temporal, taskQueue: cfg.TEMPORAL_TASK_QUEUE, leadAgencyCode: cfg.FEEDBACK_LEAD_AGENCY, clarificationDays: cfg.FEEDBACK_CLARIFICATION_DAYS, log });
  app.use(feedbackRoutes(feedback));
  app.use(accountRoutes(orm));
  app.use(operationsRoutes(orm, deps.temporal));
  registerOperationsGauges(orm, cfg.OPERATIONS_STALLED_ATTEMPT);
  const operations = new OperationsConsole({ orm, temporal: deps.temporal, namespace: cfg.TEMPORAL_NAMESPACE, stalledFromAttempt: cfg.OPERATIONS_STALLED_ATTEMPT });
  app.use(processRoutes(operations));
  app.use(catalogueRoutes(orm, deps.calendars, { temporal: deps.temporal, taskQueue: cfg.TEMPORAL_TASK_QUEUE }));
  const publication = new PublicationService({ orm, temporal: deps.temporal, taskQueue: cfg.TEMPORAL_TASK_QUEUE, log });
  const banks = new BankDirectory(cfg.PAYMENT_BANKS);
  const payments = new PaymentService({ orm, temporal: deps.temporal, taskQueue: cfg.TEMPORAL_TASK_QUEUE, banks });
  app.use(paymentRoutes(payments));
  const reconciliation = new ReconciliationService({ orm, temporal: deps.temporal, taskQueue: cfg.TEMPORAL_TASK_QUEUE, banks, maxFileBytes: cfg.RECONCILIATION_MAX_FILE_BYTES });
  app.use(reconciliationRoutes(reconciliation, cfg.RECONCILIATION_MAX_FILE_BYTES));
  const refunds = new RefundService({ orm, temporal: deps.temporal, taskQueue: cfg.TEMPORAL_TASK_QUEUE });
  app.use(refundRoutes(refunds));
  const today = () => isoDateOfDay(localDayNumber(Date.now()));
  const statistics = new StatisticsService({ orm, today });
  const ranking = new RankingService({ orm, policy: cfg.RANKING_POLICY, today });
  app.use(statisticsRoutes(statistics, ranking));
  const maintenance = new MaintenanceNotices({ orm, temporal: deps.temporal, taskQueue: cfg.TEMPORAL_TASK_QUEUE, calendars: deps.calendars });
  const complaints = new AccountComplaints({ orm, temporal: deps.temporal, taskQueue: cfg.TEMPORAL_TASK_QUEUE });
  const desk = { orm, temporal: deps.temporal, taskQueue: cfg.TEMPORAL_TASK_QUEUE };
  const adminRequests = new AdminAccountRequests(desk);
  const support = new SupportRequests(desk);
  app.use(serviceDeskRoutes(maintenance, complaints, adminRequests, support));
  app.use(publicationRoutes(
    publication, new CatalogueDecisions(orm),
    new DataQualityFindings({ orm, temporal: deps.temporal, taskQueue: cfg.TEMPORAL_TASK_QUEUE }),
  ));
  if (process.env.BENCH_ROUTES === 'true') {
    // Benchmark baseline (off by default): the bare indexed lookup behind the same middleware stack.
    app.get('/api/bench/lookup/:code', async (req, res, next) => {
      try {
        if (!req.actor) throw apiError(401, 'UNAUTHENTICATED', 'Vui lòng đăng nhập.');
        const [row] = await orm.em.fork().execute('select code, status from dossier where code = ?', [String(req.params.code)]);
        res.json(row ?? null);
      } catch (e) {
        next(e);
      }
    });
    // The same for public routes: no session, one published answer by its key.
    app.get('/api/bench/public-lookup/:code', async (req, res, next) => {
      try {
        const [row] = await orm.em.fork().execute('select code, title from feedback_publication where code = ?', [String(req.params.code)]);
        res.json(row ?? null);
      } catch (e) {
        next(e);
      }
    });
  }
  // The portal's pages (the same services as the API).
  app.use(webRoutes(orm, { dossiers, feedback, documents, store, publication, payments, refunds, reconciliation, operations, statistics, ranking, maintenance, complaints, support, adminRequests }, { maxUploadBytes: cfg.MAX_UPLOAD_BYTES, maxReconciliationFileBytes: cfg.RECONCILIATION_MAX_FILE_BYTES, csrf: auth.csrf, publicUrl: cfg.PUBLIC_URL }));
  app.use(notFoundHandler);
  app.use(webErrorPages);
  app.use(errorHandler);
  const close = async () => {
    await auth.close();
    await rateLimits.close();
  };
  return { app, dossiers, close };
}
