import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../../domain/access/roles';
import type { DossierSchedule } from '../../domain/dossier/deadlines';
import type { DossierIdentity, DossierState, OnlinePayment } from '../../domain/dossier/state';
import type { DossierAction, DossierStatus } from '../../domain/dossier/vocabulary';
import type { WaitingPeriods } from '../../domain/dossier/waiting';

export const DOSSIER_WORKFLOW = 'dossierWorkflow';

export interface DossierWorkflowInput extends DossierIdentity {
  requestId: string | null;
  /** The procedure's waiting periods (days), where it sets its own; the defaults otherwise. */
  waiting?: Partial<WaitingPeriods> | null;
}

export interface ActionRequest {
  action: DossierAction;
  actor: Actor;
  requestId: string | null;
}

export interface ActionResult {
  code: string;
  status: DossierStatus;
  seq: number;
  resultCode: string | null;
}

export interface DossierView {
  state: DossierState;
  schedule: DossierSchedule;
  /** History entries already written to the records; equals state.seq once all are recorded. */
  recordedSeq: number;
}

/** Every human step: validated (wrong role, wrong step, twice) before anything is recorded. */
export const performActionUpdate = defineUpdate<ActionResult, [ActionRequest]>('performAction');
/** Live state of the process. */
export const dossierViewQuery = defineQuery<DossierView>('dossierView');
/** The payment process tells the dossier its fee was paid online (a signal: it never waits for the dossier). */
export const feePaidOnlineSignal = defineSignal<[OnlinePayment]>('feePaidOnline');
