/**
 * How much a worker process takes on, from the memory it may use (issue 30): its cost must not depend on
 * how many processes are open. A production worker holds about BASE_MIB resident when idle (two V8
 * isolates with the workflow bundle, the Rust core, the ORM); each cached workflow adds about
 * PER_CACHED_MIB, and each task in flight (its history, activation, activity result) a transient share.
 * Figures measured by bench/calendar-change.ts on the production build (bench/results/national-scale.md).
 */
const BASE_MIB = 320;
const PER_CACHED_MIB = 0.5;
/** Kept free for tasks in flight, garbage not yet collected and allocator slack. */
const HEADROOM_MIB = 40;

export interface WorkerSizing {
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
  maxConcurrentActivityTaskExecutions: number;
  /** Threads running workflow code (a second one uses a second core when the engine is not the limit). */
  workflowThreadPoolSize?: number;
}

/**
 * The worker's limits for a memory budget in MiB; `maxCachedWorkflows` given explicitly wins. More open
 * processes than the cache holds is normal: a process not cached is replayed from its (short) history.
 */
export function workerSizing(memoryMiB: number, maxCachedWorkflows?: number, workflowThreads?: number): WorkerSizing {
  const fromBudget = Math.floor((memoryMiB - BASE_MIB - HEADROOM_MIB) / PER_CACHED_MIB);
  // Task slots: enough to keep two cores busy while activities wait on PostgreSQL, few enough that
  // their transient memory stays inside the headroom.
  const slots = Math.max(4, Math.min(40, Math.floor((memoryMiB - BASE_MIB) / 8)));
  return {
    maxCachedWorkflows: maxCachedWorkflows ?? Math.max(2, Math.min(10_000, fromBudget)),
    maxConcurrentWorkflowTaskExecutions: slots,
    maxConcurrentLocalActivityExecutions: slots,
    maxConcurrentActivityTaskExecutions: slots,
    ...(workflowThreads ? { workflowThreadPoolSize: workflowThreads } : {}),
  };
}
