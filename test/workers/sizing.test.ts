import { describe, expect, it } from '@jest/globals';
import { workerSizing } from '../../workers/sizing';

/** A worker's cache and task slots follow the memory it may use, not how many processes are open (issue 30). */
describe('worker sizing', () => {
  it('keeps a small cache and few task slots in the default 400 MiB', () => {
    const s = workerSizing(400);
    expect(s.maxCachedWorkflows).toBeGreaterThanOrEqual(2);
    expect(s.maxCachedWorkflows).toBeLessThan(200);
    expect(s.maxConcurrentWorkflowTaskExecutions).toBeLessThanOrEqual(20);
  });

  it('grows the cache with the budget, within bounds', () => {
    expect(workerSizing(2048).maxCachedWorkflows).toBeGreaterThan(workerSizing(400).maxCachedWorkflows * 10);
    expect(workerSizing(65_536).maxCachedWorkflows).toBe(10_000);
    expect(workerSizing(65_536).maxConcurrentWorkflowTaskExecutions).toBe(40);
  });

  it('runs workflow code on the threads configured, Temporal\'s default when not', () => {
    expect(workerSizing(400).workflowThreadPoolSize).toBeUndefined();
    expect(workerSizing(400, undefined, 2).workflowThreadPoolSize).toBe(2);
  });

  it('lets an explicit cache size win (0: no cache, every task replays)', () => {
    expect(workerSizing(400, 0).maxCachedWorkflows).toBe(0);
    expect(workerSizing(400, 1000).maxCachedWorkflows).toBe(1000);
  });
});
