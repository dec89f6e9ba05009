import { getHeapStatistics } from 'node:v8';
import { workerSizing } from './sizing';
import { loadConfigOrExit } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { startPlatform } from '../runtime/platform';

/** The worker process alone (production): configuration from the environment. */
const cfg = loadConfigOrExit();
const log = createLogger(cfg.LOG_LEVEL, 'worker');
const sizing = workerSizing(cfg.WORKER_MEMORY_MIB, cfg.WORKER_MAX_CACHED_WORKFLOWS, cfg.WORKER_WORKFLOW_THREADS);
// V8 grows its heap towards a limit sized from the machine, not from the budget: the launch command sets
// it (--max-old-space-size, ~half the budget); without it the process holds garbage far past the budget.
const heapLimitMiB = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
if (heapLimitMiB > cfg.WORKER_MEMORY_MIB * 0.6) {
  log.warn({ heapLimitMiB, memoryMiB: cfg.WORKER_MEMORY_MIB }, 'worker heap limit above its memory budget: start it with node --max-old-space-size=<half of WORKER_MEMORY_MIB>');
}
log.info({ ...sizing, heapLimitMiB, memoryMiB: cfg.WORKER_MEMORY_MIB }, 'worker sizing');
const platform = await startPlatform(cfg, log, { api: false, worker: true });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void platform.stop().then(() => process.exit(0)));
