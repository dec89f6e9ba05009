import type { Actor, Role } from '../access/roles';
import { conflict, forbidden } from '../errors';
import { PUBLICATION_ACTION_LABELS, SERVICE_STATUS_LABELS, type PublicationAction, type ServiceStatus } from './vocabulary';
import { openSteps } from '../open-steps';

/** What the publication process knows of its service; plain JSON (it travels through Temporal). */
export interface PublicationState {
  code: string;
  procedureCode: string;
  agencyCode: string;
  status: ServiceStatus;
  /** When the current step began (its clock runs from here). */
  since: string;
  /** The current step's clock was missed and escalated (once per step). */
  escalated: boolean;
  /** Where a suspended service goes back to when it resumes. */
  resumeTo: ServiceStatus | null;
  pilotStartedAt: string | null;
  /** How many times the service was returned (returns loop as often as needed). */
  returns: number;
  seq: number;
}

export function initialPublicationState(input: { code: string; procedureCode: string; agencyCode: string; declaredAt: string }): PublicationState {
  return { code: input.code, procedureCode: input.procedureCode, agencyCode: input.agencyCode, status: 'declared', since: input.declaredAt, escalated: false, resumeTo: null, pilotStartedAt: null, returns: 0, seq: 1 };
}

/** Who acts in each step: the agency's unit administrator, or the portal's operator. */
const AGENCY_ROLE: Role = 'unit_admin';
const OPERATOR_ROLE: Role = 'operator';

function agency(s: PublicationState, actor: Actor): Role {
  if (!actor.roles.includes(AGENCY_ROLE)) throw forbidden('ROLE_NOT_ALLOWED', 'Chỉ quản trị đơn vị của cơ quan cung cấp dịch vụ mới được thực hiện bước này.');
  if (actor.agencyCode !== s.agencyCode) throw forbidden('OUTSIDE_AGENCY', 'Chỉ cơ quan cung cấp dịch vụ mới được thực hiện bước này.');
  return AGENCY_ROLE;
}

function operator(actor: Actor): Role {
  if (!actor.roles.includes(OPERATOR_ROLE)) throw forbidden('ROLE_NOT_ALLOWED', 'Chỉ cán bộ vận hành Cổng Dịch vụ công mới được thực hiện bước này.');
  return OPERATOR_ROLE;
}

function step(s: PublicationState, action: PublicationAction['type'], ...allowed: ServiceStatus[]): void {
  if (!allowed.includes(s.status)) {
    throw conflict('WRONG_STEP', `Không thể "${PUBLICATION_ACTION_LABELS[action]}" khi dịch vụ đang ở trạng thái "${SERVICE_STATUS_LABELS[s.status]}".`);
  }
}

/**
 * The publication rules (RULES.md §3): who does what in which step, and where it leads. Pure; throws a
 * DomainError when the step is not allowed; never changes its input.
 */
export function applyPublicationAction(state: PublicationState, action: PublicationAction, actor: Actor, at: string): { state: PublicationState; role: Role } {
  const s: PublicationState = { ...state, seq: state.seq + 1 };
  let role: Role;
  const enter = (status: ServiceStatus) => {
    s.status = status;
    s.since = at;
    s.escalated = false;
  };
  switch (action.type) {
    case 'request_test_publication':
      step(state, action.type, 'declared', 'returned');
      role = agency(state, actor);
      enter('review_pending');
      break;
    case 'publish_for_testing':
      step(state, action.type, 'review_pending');
      role = operator(actor);
      enter('testing');
      break;
    case 'return_for_completion':
      step(state, action.type, 'review_pending');
      role = operator(actor);
      enter('returned');
      s.returns = state.returns + 1;
      break;
    case 'submit_test_report':
      step(state, action.type, 'testing');
      role = agency(state, actor);
      enter('report_review');
      break;
    case 'confirm_test':
      step(state, action.type, 'report_review');
      role = operator(actor);
      if (action.passed) {
        enter('pilot');
        s.pilotStartedAt = at;
      } else {
        // Failed: unpublished and returned for rework.
        enter('returned');
        s.returns = state.returns + 1;
      }
      break;
    case 'suspend':
      step(state, action.type, 'testing', 'pilot', 'official');
      role = operator(actor);
      s.resumeTo = state.status;
      enter('suspended');
      break;
    case 'resume':
      step(state, action.type, 'suspended');
      role = operator(actor);
      enter(state.resumeTo ?? 'official');
      s.resumeTo = null;
      // A pilot resumed goes on counting from its start: the two months are calendar months.
      break;
    case 'stop':
      if (state.status === 'stopped') step(state, action.type);
      role = operator(actor);
      s.resumeTo = null;
      enter('stopped');
      break;
  }
  return { state: s, role };
}

/** A stopped service's process ends; an official one goes on (it can still be suspended or stopped). */
export const isPublicationClosed = (s: Pick<PublicationState, 'status'>) => s.status === 'stopped';

/** Steps this actor may take now (what pages offer), asked of the rule itself. */
export function availablePublicationActions(state: PublicationState, actor: Actor, at: string): PublicationAction['type'][] {
  const probes: PublicationAction[] = [
    { type: 'request_test_publication' }, { type: 'publish_for_testing' }, { type: 'return_for_completion', reason: 'kiểm tra bước' },
    { type: 'submit_test_report', procedureName: 'kiểm tra', serviceName: 'kiểm tra', dossierCodes: ['XX-XX-000000-000000'] },
    { type: 'confirm_test', passed: true }, { type: 'suspend', reason: 'kiểm tra bước' }, { type: 'resume' }, { type: 'stop', reason: 'kiểm tra bước' },
  ];
  return openSteps(probes, (step) => applyPublicationAction(state, step, actor, at));
}
