import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { Logger } from 'pino';
import { createDossierActivities } from '../activities/dossier';
import { createFeedbackActivities } from '../activities/feedback';
import { createAccountActivities } from '../activities/accounts';
import { createPublicationActivities } from '../activities/publication';
import { createPaymentActivities } from '../activities/payment';
import { createReconciliationActivities } from '../activities/reconciliation';
import { createRefundActivities } from '../activities/refund';
import { createOperationsActivities } from '../activities/operations';
import { createServiceDeskActivities } from '../activities/service-desk';
import { createCalendarActivities } from '../activities/calendar';
import { createDossierDeadlineActivities } from '../activities/dossier-deadlines';
import { createFeedbackDeadlineActivities } from '../activities/feedback-deadlines';
import type { AlertPolicy } from '../domain/operations/alerts';
import type { BankDirectory } from '../services/payments/banks';
import type { EscalationPolicy } from '../domain/dossier/deadlines';
import type { CalendarStore } from '../services/calendar-store';
import type { Notifier } from '../services/notifications';
import { visibleActivityFailures } from './activity-failures';
import type { WorkerSizing } from './sizing';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * The pure domain rules the workflows import (and, through them, zod), loaded once into the worker's shared
 * V8 context instead of once per workflow (issue 18: each cached workflow re-evaluated every module of the
 * bundle, zod schemas included — most of a cached workflow's memory). They hold no state: no module-level
 * variables, no workflow APIs. test/workflows/replay.test.ts checks that this list is exactly the domain
 * modules of the bundle, so a new one is not left per workflow and none pulls a module in.
 */
export const SHARED_WORKFLOW_MODULES = [
  'data-store/vocabulary', 'dossier/state', 'dossier/vocabulary', 'dossier/waiting', 'errors', 'feedback/deadlines', 'feedback/state',
  'feedback/vocabulary', 'open-steps', 'payment/discrepancy', 'payment/refund', 'payment/settlement', 'payment/state',
  'publication/deadlines', 'publication/findings', 'publication/state', 'publication/vocabulary', 'service-desk/admin-accounts',
  'service-desk/complaints', 'service-desk/maintenance', 'service-desk/support', 'text', 'working-time/local-time',
].map((m) => fileURLToPath(new URL(`../domain/${m}.ts`, import.meta.url)));

/** How the workflow bundle is made, here and by the production build. */
export const WORKFLOW_BUNDLE_OPTIONS = { workflowsPath: WORKFLOWS_PATH, preloadModules: SHARED_WORKFLOW_MODULES };

export interface WorkerDeps {
  orm: MikroORM;
  calendars: CalendarStore;
  notifier: Notifier;
  policy: EscalationPolicy;
  publicUrl: string;
  log: Logger;
  /** Connected banks (online payment); none configured: no payment can be opened at a bank. */
  banks?: BankDirectory;
  /** When the operators are alerted about a connected system (defaults: silent a day, 20 failed calls). */
  alerts?: AlertPolicy;
}

/** Next to the production build's worker (dist/worker.mjs), the bundle `npm run build` made. */
const PREBUILT_BUNDLE = fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));

/** A bundle made beforehand from these sources, for processes that start many workers (the test run makes one for all its files). */
const GIVEN_BUNDLE = process.env.WORKFLOW_BUNDLE_FILE;

/** Whether this process runs the workflow bundle made by the build (production). */
export const usesPrebuiltBundle = () => existsSync(PREBUILT_BUNDLE);

let bundle: Promise<{ code: string }> | null = null;

/** The workflow bundle: the prebuilt one in production (or WORKFLOW_BUNDLE_FILE), else built once per process (webpack takes a few seconds). */
export async function workflowBundle(): Promise<{ code: string }> {
  if (!bundle) {
    const file = usesPrebuiltBundle() ? PREBUILT_BUNDLE : GIVEN_BUNDLE;
    bundle = file
      ? readFile(file, 'utf8').then((code) => ({ code }))
      : import('@temporalio/worker').then(({ bundleWorkflowCode }) => bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: quietBundlerLogger }));
  }
  return bundle;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta),
};

/** The worker of the portal's processes (dossiers, feedback, account sweep, service publication) on one task queue. */
export async function createProcessWorker(
  connection: NativeConnection, namespace: string, taskQueue: string, deps: WorkerDeps,
  /** Cache and task slots (workers/sizing.ts); Temporal's defaults where left out. */
  sizing: Partial<WorkerSizing> = {}, dataConverter?: DataConverter,
  /** Another build of the workflow code (the safe-evolution test runs the code before a change). */
  workflowCode?: { code: string },
): Promise<Worker> {
  return Worker.create({
    dataConverter,
    connection,
    namespace,
    taskQueue,
    ...sizing,
    workflowBundle: workflowCode ?? (await workflowBundle()),
    interceptors: { activity: [visibleActivityFailures(deps.log.child({ component: 'activities' }), deps.orm)] },
    activities: { ...createDossierActivities(deps), ...createDossierDeadlineActivities(deps), ...createFeedbackDeadlineActivities(deps), ...createFeedbackActivities(deps), ...createAccountActivities(deps), ...createPublicationActivities(deps), ...createPaymentActivities(deps), ...createReconciliationActivities(deps), ...createRefundActivities(deps), ...createOperationsActivities(deps), ...createCalendarActivities(deps), ...createServiceDeskActivities(deps) },
  });
}
