import express, { Router, type ErrorRequestHandler } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { DossierDocuments } from '../api/dossiers/documents';
import type { DossierService } from '../api/dossiers/service';
import type { FeedbackService } from '../api/feedback/service';
import { DomainError } from '../domain/errors';
import { accountPages } from './account-pages';
import { reconciliationPages } from './reconciliation-pages';
import { operationsPages } from './operations-pages';
import { statisticsPages } from './statistics-pages';
import { maintenancePages } from './maintenance-pages';
import { complaintPages } from './complaint-pages';
import { serviceDeskPages } from './service-desk-pages';
import type { SupportRequests } from '../api/service-desk/support';
import type { AdminAccountRequests } from '../api/service-desk/admin-accounts';
import type { AccountComplaints } from '../api/service-desk/complaints';
import type { MaintenanceNotices } from '../api/service-desk/maintenance';
import type { StatisticsService } from '../services/statistics/figures';
import type { RankingService } from '../services/statistics/ranking';
import type { OperationsConsole } from '../services/operations/console';
import type { RefundService } from '../api/payments/refunds';
import type { ReconciliationService } from '../api/payments/reconciliation';
import { dossierPages } from './dossier-pages';
import { feedbackPages } from './feedback-pages';
import { publicationPages } from './publication-pages';
import type { PublicationService } from '../api/publication/service';
import type { PaymentService } from '../api/payments/service';
import { officerPages } from './officer-pages';
import { publicPages } from './public-pages';
import { here, renderPage, type CsrfTokens } from './render';
import { submissionPages } from './submission-pages';
import { dataStorePages } from './data-store-pages';
import type { DataStoreService } from '../api/data-store/service';

/**
 * The portal's pages, rendered on the server from the same services as the API (no rule twice): public
 * catalogue and tracking, the citizen's and the officers' dossier pages, supervisors' overdue board, the
 * account. Plain HTML forms, no script.
 */
export function webRoutes(
  orm: MikroORM,
  services: { dossiers: DossierService; store: DataStoreService; feedback: FeedbackService; documents: DossierDocuments; publication: PublicationService; payments: PaymentService; refunds: RefundService; reconciliation: ReconciliationService; operations: OperationsConsole; statistics: StatisticsService; ranking: RankingService; maintenance: MaintenanceNotices; complaints: AccountComplaints; support: SupportRequests; adminRequests: AdminAccountRequests },
  opts: { maxUploadBytes: number; maxReconciliationFileBytes: number; csrf: CsrfTokens; publicUrl: string },
): Router {
  const router = Router();
  const publicOrigin = new URL(opts.publicUrl).origin;
  router.use((req, _res, next) => {
    req.app.locals.csrf ??= opts.csrf;
    next();
  });
  router.use('/assets', express.static(`${here}assets`, { index: false, maxAge: '1h' }));
  // Every page shows the maintenance notices in force (kept for 15 s; a failure shows none).
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'POST') return next();
    services.maintenance.bannerItems().then((items) => void (res.locals.maintenance = items), () => undefined).finally(next);
  });
  router.use(publicPages(orm, services));
  router.use(submissionPages(orm, services, { maxUploadBytes: opts.maxUploadBytes, publicOrigin }));
  router.use(dossierPages(orm, services, { maxUploadBytes: opts.maxUploadBytes, publicOrigin }));
  router.use(dataStorePages(services, { publicOrigin }));
  router.use(officerPages(services));
  router.use(feedbackPages(orm, services, { publicOrigin }));
  router.use(publicationPages(orm, services.publication, { publicOrigin }));
  router.use(accountPages(orm, { publicOrigin }));
  router.use(reconciliationPages(services.reconciliation, services.refunds, { publicOrigin, maxFileBytes: opts.maxReconciliationFileBytes }));
  router.use(operationsPages(orm, services.operations, { publicOrigin }));
  router.use(statisticsPages(orm, services));
  router.use(maintenancePages(services.maintenance, { publicOrigin }));
  router.use(complaintPages(services.complaints, { publicOrigin }));
  router.use(serviceDeskPages(services, { publicOrigin }));
  return router;
}

const TITLES: Record<number, string> = {
  401: 'Cần đăng nhập', 403: 'Không có quyền truy cập', 404: 'Không tìm thấy trang', 409: 'Không thể thực hiện', 413: 'Dữ liệu quá lớn',
  429: 'Quá nhiều yêu cầu', 503: 'Tạm thời không phục vụ được',
};

/**
 * Errors of page requests (a browser asking for HTML, outside /api) as pages in Vietnamese, with the
 * same status; the API's requests keep their JSON errors.
 */
export const webErrorPages: ErrorRequestHandler = (err, req, res, next) => {
  if (req.path.startsWith('/api/') || req.path === '/openapi.json' || res.headersSent || req.accepts(['json', 'html']) !== 'html') return next(err);
  if (!(err instanceof DomainError)) return next(err);
  const status = err.status;
  renderPage(req, res, 'error', TITLES[status] ?? 'Không thực hiện được', {
    heading: TITLES[status] ?? 'Không thực hiện được', message: err.message, code: err.code, signIn: status === 401,
  }, status);
};
