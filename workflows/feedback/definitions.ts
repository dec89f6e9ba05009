import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../../domain/access/roles';
import type { FeedbackSchedule } from '../../domain/feedback/deadlines';
import type { ClarificationWait, FeedbackIdentity, FeedbackRuleSet, FeedbackState } from '../../domain/feedback/state';
import type { FeedbackAction, FeedbackStatus } from '../../domain/feedback/vocabulary';

export const FEEDBACK_WORKFLOW = 'feedbackWorkflow';

export interface FeedbackWorkflowInput extends FeedbackIdentity {
  requestId: string | null;
  /** History events after which a run continues as new (default 2000). */
  historyLimit?: number;
  /** How long it waits for the citizen's clarification (the platform's default when absent). */
  clarificationWait?: ClarificationWait | null;
  /** Carried over by continue-as-new: the process goes on where it was. */
  resume?: { state: FeedbackState; schedule: FeedbackSchedule; recorded: FeedbackState };
}

export interface FeedbackActionRequest {
  action: FeedbackAction;
  actor: Actor;
  requestId: string | null;
}

export interface FeedbackActionResult {
  code: string;
  status: FeedbackStatus;
  agencyCode: string;
  seq: number;
}

export interface FeedbackView {
  state: FeedbackState;
  schedule: FeedbackSchedule;
  recordedSeq: number;
  /** The rules this process keeps (absent from processes' answers before they were given). */
  rules?: FeedbackRuleSet;
}

export const feedbackActionUpdate = defineUpdate<FeedbackActionResult, [FeedbackActionRequest]>('feedbackAction');
export const feedbackViewQuery = defineQuery<FeedbackView>('feedbackView');
