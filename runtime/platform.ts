import { createServer, type Server } from 'node:http';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { DEFAULT_ESCALATION } from '../domain/dossier/deadlines';
import { startMissingWorkflows } from '../services/process-recovery';
import { createProcessWorker, usesPrebuiltBundle } from '../workers/process-worker';
import { workerSizing } from '../workers/sizing';
import { BankDirectory } from '../services/payments/banks';
import { NotificationRelay } from '../services/notification-relay';
import type { Config } from './config';
import { openServices } from './services';
import { installTemporalRuntime } from './temporal';
import { ensureSchedules } from './schedules';
import { ensureSearchAttributes } from './visibility';

/**
 * Runs the worker, the API, or both in this process. Production runs them as separate processes
 * (api/main.ts, workers/main.ts); the local stack and the API tests run both here.
 */
export async function startPlatform(cfg: Config, log: Logger, parts: { api: boolean; worker: boolean }) {
  if (parts.worker) installTemporalRuntime(log, cfg.WORKER_METRICS_ADDRESS);
  const services = await openServices(cfg, log);
  let worker: Worker | null = null;
  let workerConnection: NativeConnection | null = null;
  let workerRun: Promise<void> | null = null;
  let recoveryTimer: NodeJS.Timeout | null = null;
  let relay: NotificationRelay | null = null;
  if (parts.worker) {
    // The processes show themselves by these attributes; an unregistered one would fail their workflow tasks.
    await ensureSearchAttributes(services.temporal.connection, cfg.TEMPORAL_NAMESPACE, log);
    const nc = await services.nativeConnection();
    workerConnection = nc;
    worker = await createProcessWorker(nc, cfg.TEMPORAL_NAMESPACE, cfg.TEMPORAL_TASK_QUEUE, {
      orm: services.orm,
      calendars: services.calendars,
      notifier: services.notifier,
      policy: { ...DEFAULT_ESCALATION, rungs: cfg.ESCALATION_RUNGS, rungStepWorkingDays: cfg.ESCALATION_STEP_WORKING_DAYS },
      publicUrl: cfg.PUBLIC_URL,
      banks: new BankDirectory(cfg.PAYMENT_BANKS),
      alerts: { silentMinutes: cfg.INTEGRATION_SILENT_MINUTES, failingCalls: cfg.INTEGRATION_FAILING_CALLS },
      log,
    }, workerSizing(cfg.WORKER_MEMORY_MIB, cfg.WORKER_MAX_CACHED_WORKFLOWS, cfg.WORKER_WORKFLOW_THREADS), services.dataConverter);
    workerRun = worker.run();
    await ensureSchedules(services.temporal, cfg.TEMPORAL_TASK_QUEUE, log);
    const recover = () =>
      startMissingWorkflows(services.orm, services.temporal, { taskQueue: cfg.TEMPORAL_TASK_QUEUE, leadAgencyCode: cfg.FEEDBACK_LEAD_AGENCY, clarificationDays: cfg.FEEDBACK_CLARIFICATION_DAYS }, log, cfg.PROCESS_RECOVERY_AFTER_SECONDS * 1000).catch((e: unknown) => log.error({ err: e }, 'recovery failed'));
    void recover();
    recoveryTimer = setInterval(recover, 60_000);
    recoveryTimer.unref();
    // The outbox relay sends what the processes queued; nothing on their path waits for SMTP or SMS.
    relay = new NotificationRelay(services.notifier, { databaseUrl: cfg.DATABASE_URL, log: log.child({ component: 'outbox-relay' }), retentionDays: cfg.NOTIFICATION_RETENTION_DAYS });
    await relay.start();
    log.info({ taskQueue: cfg.TEMPORAL_TASK_QUEUE, prebuiltWorkflowBundle: usesPrebuiltBundle() }, 'worker running');
  }
  let server: Server | null = null;
  let closeApp = async () => undefined as unknown;
  if (parts.api) {
    // Loaded only where the API runs: a worker process does not hold its pages, documents and Swagger UI (issue 30).
    const { createApp } = await import('../api/app');
    const { app, close } = createApp({ cfg, orm: services.orm, temporal: services.temporal, calendars: services.calendars, log });
    closeApp = close;
    server = createServer(app);
    await new Promise<void>((resolve) => server!.listen(cfg.PORT, cfg.HOST, resolve));
    const addr = server.address();
    log.info({ port: typeof addr === 'object' && addr ? addr.port : cfg.PORT }, 'API listening');
  }
  return {
    services,
    port: () => {
      const a = server?.address();
      return typeof a === 'object' && a ? a.port : cfg.PORT;
    },
    async stop() {
      if (recoveryTimer) clearInterval(recoveryTimer);
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      await closeApp();
      if (worker) {
        worker.shutdown();
        await workerRun;
        // The worker's own connection keeps the engine runtime (and the process) alive until closed.
        await workerConnection?.close();
      }
      await relay?.stop();
      await services.close();
    },
  };
}
