import { proxyActivities } from '@temporalio/workflow';
import type { OperationsActivities, WatchOutcome } from '../../activities/operations';
import { RECORDING } from '../shared';

export const OPERATIONS_WATCH_WORKFLOW = 'operationsWatchWorkflow';
export const OPERATIONS_WATCH_SCHEDULE = 'operations-watch';

const acts = proxyActivities<OperationsActivities>(RECORDING);

/** The operators' watch (000 §52), started every five minutes by a Temporal Schedule: raises and clears alerts. */
export async function operationsWatchWorkflow(): Promise<WatchOutcome> {
  return acts.watchIntegrations();
}
