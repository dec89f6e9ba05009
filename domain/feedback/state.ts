import type { Actor, OfficerRole, Role } from '../access/roles';
import { conflict, forbidden } from '../errors';
import type { FeedbackAction, FeedbackStatus } from './vocabulary';
import { FEEDBACK_ACTION_LABELS, FEEDBACK_STATUS_LABELS, FEEDBACK_TERMINAL } from './vocabulary';
import { openSteps } from '../open-steps';

export interface FeedbackIdentity {
  code: string;
  /** The account that sent it; null when keyed in from paper/phone/fax/email without an account. */
  citizenId: string | null;
  agencyCode: string;
  /** Receipt (thời điểm nhận phản ánh): for keyed-in feedback, the original receipt date. */
  receivedAt: string;
  /** The lead agency that takes over escalated feedback. */
  leadAgencyCode: string;
  /** Arrived already escalated: a citizen disagreeing with a published answer sent it again. */
  escalated: boolean;
}

/** The feedback process's state: metadata only, never the content or officers' texts. */
export interface FeedbackState extends FeedbackIdentity {
  status: FeedbackStatus;
  /** Start of the current classification clock: receipt, the clarification, or arrival by transfer. */
  classificationFrom: string;
  /** Start of the 20-day answer clock: receipt, or the clarification that completed the feedback. */
  answerFrom: string;
  classificationLevel: number;
  answerOverdue: boolean;
  /** 7-day marks after the answer deadline already handled. */
  progressMarks: number;
  lastProgressAt: string | null;
  missedUpdates: number;
  resultReachedAt: string | null;
  resultEntryOverdue: boolean;
  reviewRounds: number;
  transferredFrom: string[];
  handler: { id: string; name: string; role: OfficerRole } | null;
  closedAt: string | null;
  /** When the citizen was asked to clarify; absent in processes started before the waiting period. */
  clarificationRequestedAt?: string | null;
  clarificationReminded?: boolean;
  seq: number;
}

export function initialFeedbackState(id: FeedbackIdentity): FeedbackState {
  const { code, citizenId, agencyCode, receivedAt, leadAgencyCode, escalated } = id;
  return {
    code,
    citizenId,
    agencyCode: escalated ? leadAgencyCode : agencyCode,
    receivedAt,
    leadAgencyCode,
    escalated,
    status: escalated ? 'processing' : 'received',
    classificationFrom: receivedAt,
    answerFrom: receivedAt,
    classificationLevel: 0,
    answerOverdue: false,
    progressMarks: 0,
    lastProgressAt: null,
    missedUpdates: 0,
    resultReachedAt: null,
    resultEntryOverdue: false,
    reviewRounds: 0,
    transferredFrom: [],
    handler: null,
    closedAt: null,
    seq: 1,
  };
}

export function isFeedbackTerminal(status: FeedbackStatus): boolean {
  return FEEDBACK_TERMINAL.includes(status);
}

/** The officer role expected to act in each status. */
export const FEEDBACK_STEP_ROLE: Partial<Record<FeedbackStatus, OfficerRole>> = {
  received: 'receiving_officer',
  processing: 'processing_officer',
  result_reached: 'processing_officer',
  under_review: 'unit_leader',
};

function officer(s: FeedbackState, actor: Actor, roles: readonly OfficerRole[], agencyCode = s.agencyCode): OfficerRole {
  const role = roles.find((r) => actor.roles.includes(r));
  if (!role) throw forbidden('ROLE_NOT_ALLOWED', 'Tài khoản không có vai trò được phép thực hiện bước này.');
  if (actor.agencyCode !== agencyCode) {
    throw forbidden('OUTSIDE_AGENCY', agencyCode === s.agencyCode
      ? 'Chỉ cơ quan đang được giao phản ánh, kiến nghị mới được thực hiện bước này.'
      : 'Chỉ cơ quan tiếp nhận phản ánh, kiến nghị mới được duyệt câu trả lời trước khi công khai.');
  }
  return role;
}

/**
 * The agency that received the feedback (the first it was sent to, or the lead agency when it arrived
 * escalated): it reviews the answer before publication and returns it when it does not fit (000 §45.2).
 */
export function receivingAgency(s: Pick<FeedbackState, 'transferredFrom' | 'agencyCode'>): string {
  return s.transferredFrom[0] ?? s.agencyCode;
}

/** While in these statuses the 20-day answer clock and its 7-day progress cadence run. */
export const ANSWER_CLOCK_STATUSES: readonly FeedbackStatus[] = ['received', 'processing', 'result_reached', 'under_review'];

/** Rules that changed while processes were running; a process keeps the rules it started with. */
export interface FeedbackRuleSet {
  /** 000 §45.2: the receiving agency reviews the answer (before: the current agency's leader). */
  reviewByReceivingAgency: boolean;
}
export const CURRENT_FEEDBACK_RULES: FeedbackRuleSet = { reviewByReceivingAgency: true };

/** How long feedback waits for the citizen's clarification (calendar days), and the reminder before the end. */
export interface ClarificationWait {
  days: number;
  reminderDaysBefore: number;
}
export const DEFAULT_CLARIFICATION_WAIT: ClarificationWait = { days: 15, reminderDaysBefore: 3 };

function step(s: FeedbackState, action: FeedbackAction['type'], ...allowed: FeedbackStatus[]): void {
  if (!allowed.includes(s.status)) {
    throw conflict('WRONG_STEP', `Không thể thực hiện "${FEEDBACK_ACTION_LABELS[action]}" khi phản ánh, kiến nghị đang ở trạng thái "${FEEDBACK_STATUS_LABELS[s.status]}".`);
  }
}

/**
 * The feedback rules (RULES.md §2): who may do what, when, and what it changes. Pure; throws
 * DomainError when the action is not allowed.
 */
export function applyFeedbackAction(
  state: FeedbackState, action: FeedbackAction, actor: Actor, at: string, rules: FeedbackRuleSet = CURRENT_FEEDBACK_RULES,
): { state: FeedbackState; clocksChanged: boolean; role: Role } {
  const s: FeedbackState = { ...state, seq: state.seq + 1 };
  let clocksChanged = true;
  let acting: Role = 'citizen';
  const reviewer = rules.reviewByReceivingAgency ? receivingAgency(state) : state.agencyCode;
  const restartClassification = () => {
    s.classificationFrom = at;
    s.classificationLevel = 0;
  };
  switch (action.type) {
    case 'claim': {
      const role = FEEDBACK_STEP_ROLE[state.status];
      if (!role) throw conflict('WRONG_STEP', 'Không có bước nào đang chờ cán bộ nhận xử lý.');
      acting = officer(state, actor, [role], state.status === 'under_review' ? reviewer : state.agencyCode);
      if (state.handler?.id === actor.id && state.handler.role === role) throw conflict('ALREADY_HANDLER', 'Cán bộ đã nhận xử lý phản ánh, kiến nghị này.');
      s.handler = { id: actor.id, name: actor.name, role };
      clocksChanged = false;
      break;
    }
    case 'not_accept':
      step(state, action.type, 'received');
      acting = officer(state, actor, ['receiving_officer']);
      s.status = 'not_accepted';
      s.closedAt = at;
      break;
    case 'request_clarification':
      step(state, action.type, 'received');
      acting = officer(state, actor, ['receiving_officer']);
      s.status = 'clarification_requested';
      s.clarificationRequestedAt = at;
      s.clarificationReminded = false;
      break;
    case 'clarify':
      step(state, action.type, 'clarification_requested');
      if (!state.citizenId || actor.id !== state.citizenId || !actor.roles.includes('citizen')) {
        throw forbidden('NOT_OWNER', 'Chỉ người gửi phản ánh, kiến nghị mới được làm rõ nội dung.');
      }
      s.status = 'received';
      s.clarificationRequestedAt = null;
      // The feedback is complete only now: its 20-day answer clock runs from the clarification.
      s.answerFrom = at;
      s.answerOverdue = false;
      s.progressMarks = 0;
      restartClassification();
      break;
    case 'transfer':
      step(state, action.type, 'received');
      acting = officer(state, actor, ['receiving_officer']);
      if (action.toAgencyCode === state.agencyCode) throw conflict('SAME_AGENCY', 'Không thể chuyển cho chính cơ quan đang xử lý.');
      s.transferredFrom = [...state.transferredFrom, state.agencyCode];
      s.agencyCode = action.toAgencyCode;
      s.handler = null;
      restartClassification();
      break;
    case 'accept':
      step(state, action.type, 'received');
      acting = officer(state, actor, ['receiving_officer']);
      s.status = 'processing';
      s.handler = null;
      break;
    case 'escalate_to_lead':
      step(state, action.type, 'received', 'processing');
      acting = officer(state, actor, ['receiving_officer', 'unit_leader']);
      if (state.agencyCode === state.leadAgencyCode) throw conflict('ALREADY_AT_LEAD', 'Phản ánh, kiến nghị đã do cơ quan chủ trì xử lý.');
      s.transferredFrom = [...state.transferredFrom, state.agencyCode];
      s.agencyCode = state.leadAgencyCode;
      s.escalated = true;
      s.status = 'processing';
      s.handler = null;
      break;
    case 'post_progress':
      // Wherever the cadence runs, someone can meet it (issue 10: it ran under review with nobody allowed to post).
      step(state, action.type, ...ANSWER_CLOCK_STATUSES);
      acting = officer(state, actor, state.status === 'received' ? ['receiving_officer', 'unit_leader'] : ['processing_officer', 'unit_leader']);
      s.lastProgressAt = at;
      break;
    case 'reach_result':
      step(state, action.type, 'processing');
      acting = officer(state, actor, ['processing_officer']);
      s.status = 'result_reached';
      s.resultReachedAt = at;
      s.resultEntryOverdue = false;
      break;
    case 'enter_result':
      step(state, action.type, 'processing', 'result_reached');
      acting = officer(state, actor, ['processing_officer']);
      s.resultReachedAt = state.resultReachedAt ?? at;
      s.status = 'under_review';
      s.handler = null;
      break;
    case 'approve_answer':
      step(state, action.type, 'under_review');
      acting = officer(state, actor, ['unit_leader'], reviewer);
      s.status = 'published';
      s.closedAt = at;
      s.handler = null;
      break;
    case 'return_answer':
      step(state, action.type, 'under_review');
      acting = officer(state, actor, ['unit_leader'], reviewer);
      s.status = 'processing';
      s.reviewRounds = state.reviewRounds + 1;
      s.resultReachedAt = null;
      s.handler = null;
      break;
    case 'mark_confidential':
      if (isFeedbackTerminal(state.status)) step(state, action.type, 'received', 'processing', 'result_reached', 'under_review', 'clarification_requested');
      acting = officer(state, actor, ['receiving_officer', 'unit_leader']);
      s.status = 'handed_over_confidential';
      s.closedAt = at;
      s.handler = null;
      break;
  }
  return { state: s, clocksChanged, role: acting };
}

/** A well-formed example of each step, used to ask the rules whether the step is open now. */
const FEEDBACK_PROBES: FeedbackAction[] = (() => {
  const textId = '00000000-0000-4000-8000-000000000000';
  return [
    { type: 'claim' }, { type: 'not_accept', textId }, { type: 'request_clarification', textId }, { type: 'clarify', textId },
    // Any other agency: the portal then offers the agencies to choose from.
    { type: 'transfer', toAgencyCode: 'CO-QUAN-KHAC', textId }, { type: 'accept' }, { type: 'escalate_to_lead', reason: 'government_competence', textId },
    { type: 'post_progress', textId }, { type: 'reach_result' }, { type: 'enter_result', textId }, { type: 'approve_answer' },
    { type: 'return_answer', textId }, { type: 'mark_confidential', handedOverTo: 'kiểm tra', reference: 'x' },
  ];
})();

/**
 * The steps this actor may take now (the pages offer exactly these), each asked of applyFeedbackAction
 * with the rules the process keeps — what its update validator applies.
 */
export function availableFeedbackActions(state: FeedbackState, actor: Actor, at: string, rules: FeedbackRuleSet): FeedbackAction['type'][] {
  return openSteps(FEEDBACK_PROBES, (step) => applyFeedbackAction(state, step, actor, at, rules));
}
