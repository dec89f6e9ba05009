import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../../domain/access/roles';
import type { PublicationSchedule } from '../../domain/publication/deadlines';
import type { PublicationState } from '../../domain/publication/state';
import type { PublicationAction, ServiceStatus } from '../../domain/publication/vocabulary';

export const PUBLICATION_WORKFLOW = 'servicePublicationWorkflow';

export interface PublicationWorkflowInput {
  code: string;
  procedureCode: string;
  agencyCode: string;
  declaredAt: string;
  /** Who declared it (the first history entry); null for a service adopted from before the process existed. */
  declaredBy: { id: string; role: string } | null;
  /** A service already in operation before publication was a process starts from its status. */
  adoptedStatus?: ServiceStatus | null;
  requestId: string | null;
}

export interface PublicationActionRequest {
  action: PublicationAction;
  actor: Actor;
  requestId: string | null;
}

export interface PublicationActionResult {
  code: string;
  status: ServiceStatus;
  seq: number;
}

export interface PublicationView {
  state: PublicationState;
  schedule: PublicationSchedule;
  recordedSeq: number;
}

export const publicationActionUpdate = defineUpdate<PublicationActionResult, [PublicationActionRequest]>('publicationAction');
export const publicationViewQuery = defineQuery<PublicationView>('publicationView');
