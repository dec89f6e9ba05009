import { allHandlersFinished, condition, defineQuery, defineUpdate, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Actor } from '../../domain/access/roles';
import { cancelMaintenance, type MaintenanceEvent, type MaintenanceState } from '../../domain/service-desk/maintenance';
import type { ServiceDeskActivities } from '../../activities/service-desk';
import { createSerial, handleStep, PATCHES, RECORDING } from '../shared';
import { createVisibility } from '../visibility';

export const MAINTENANCE_WORKFLOW = 'maintenanceNoticeWorkflow';
export interface MaintenanceWorkflowInput {
  code: string;
  startsAt: string;
  endsAt: string;
  announcedBy: string;
  emergency: boolean;
  requestId: string | null;
}
export const cancelMaintenanceUpdate = defineUpdate<MaintenanceState, [{ actor: Actor; reason: string; requestId: string | null }]>('cancelMaintenance');
export const maintenanceViewQuery = defineQuery<{ state: MaintenanceState; recordedSeq: number }>('maintenanceView');

const acts = proxyActivities<ServiceDeskActivities>(RECORDING);

/**
 * A planned maintenance notice (002 §32.3): announced (agencies and integration partners told, the portal's
 * banner on), under way from its start, over at its end; an operator may cancel it with a reason until then.
 * The 5-working-day notice is checked when it is announced (domain/service-desk/maintenance.ts).
 */
export async function maintenanceNoticeWorkflow(input: MaintenanceWorkflowInput): Promise<MaintenanceState> {
  let state: MaintenanceState = { code: input.code, status: 'announced', seq: 1 };
  let recordedSeq = 0;
  const { serial, drained } = createSerial();
  const show = createVisibility();
  show({ kind: 'maintenance', agencyCode: null, status: state.status });
  const record = async (after: MaintenanceState, event: MaintenanceEvent, actor: { id: string; role: string } | null, payload: Record<string, unknown>, requestId: string | null) => {
    await acts.recordMaintenance({ after, event, actor, at: new Date().toISOString(), payload, requestId });
    recordedSeq = after.seq;
    show({ kind: 'maintenance', agencyCode: null, status: after.status });
  };

  // The first record is queued before any update is handled (PATCHES.firstRecordFirst); processes started before queue it below.
  const opened = state;
  const firstRecord = patched(PATCHES.firstRecordFirst)
    ? serial(() => record(opened, 'announce', { id: input.announcedBy, role: 'operator' }, { emergency: input.emergency }, input.requestId))
    : null;

  setHandler(maintenanceViewQuery, () => ({ state, recordedSeq }));
  handleStep(cancelMaintenanceUpdate, serial, {
    rule: () => cancelMaintenance(state),
    take: (after) => void (state = after),
    commit: async (after, { actor, reason, requestId }) => {
      await record(after, 'cancel', { id: actor.id, role: actor.roles.includes('system_admin') ? 'system_admin' : 'operator' }, { reason }, requestId);
      return after;
    },
  });

  if (firstRecord) await firstRecord;
  else {
    const announced = state;
    await serial(() => record(announced, 'announce', { id: input.announcedBy, role: 'operator' }, { emergency: input.emergency }, input.requestId));
  }
  const cancelled = () => state.status === 'cancelled';
  // Under way from its start, over at its end, unless cancelled first.
  for (const [at, event, status] of [[input.startsAt, 'start', 'in_progress'], [input.endsAt, 'end', 'completed']] as const) {
    const wait = Date.parse(at) - Date.now();
    if (wait > 0) await condition(cancelled, wait);
    if (cancelled()) break;
    state = { ...state, status, seq: state.seq + 1 };
    const after = state;
    await serial(() => record(after, event, null, { at }, null));
  }
  await condition(allHandlersFinished);
  await drained();
  return state;
}
