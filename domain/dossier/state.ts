import type { Actor, OfficerRole, Role } from '../access/roles';
import type { DomainError} from '../errors';
import { conflict, forbidden } from '../errors';
import type { DossierAction, DossierStatus } from './vocabulary';
import { ACTION_LABELS, STATUS_LABELS, TERMINAL_STATUSES } from './vocabulary';
import { openSteps } from '../open-steps';

/** A pause of the legal clock, ISO instants; `to` null while still paused. */
export interface PauseRecord {
  from: string;
  to: string | null;
  reason: 'supplement' | 'fee';
}

export interface Handler {
  id: string;
  name: string;
  role: OfficerRole;
}

/** Everything the dossier process knows; plain JSON so that it travels through Temporal. */
export interface DossierState extends DossierIdentity {
  status: DossierStatus;
  /** Start of the current 8-working-hour acceptance clock (receipt or the last supplement). */
  acceptanceClockFrom: string;
  acceptanceDueAt: string | null;
  acceptedAt: string | null;
  legalDueAt: string | null;
  pauses: PauseRecord[];
  /** The status to return to when the citizen supplements. */
  supplementReturnTo: DossierStatus | null;
  /** Pre-acceptance request already made: guidance is given once (003 §11.4). */
  preAcceptanceSupplementRequested: boolean;
  acceptanceOverdue: boolean;
  /** How many escalation rungs of the legal deadline have fired. */
  overdueLevel: number;
  handler: Handler | null;
  formVersion: number;
  resultCount: number;
  feePaidAt: string | null;
  completedAt: string | null;
  /** Since when the dossier waits for the citizen (a supplement or a fee); absent in processes started before waiting periods. */
  waitingSince?: string | null;
  /** The citizen was reminded that the waiting period ends. */
  waitingReminded?: boolean;
  /** Number of recorded history entries; each transition adds one. */
  seq: number;
}

export interface DossierTransition {
  state: DossierState;
  /** Clocks changed: deadlines must be recomputed. */
  clocksChanged: boolean;
  resultCode: string | null;
  /** The role the actor acted in (what the history and the audit record), not merely their first role. */
  role: Role;
}

/** Steps that only hand the dossier to the next role. */
const HAND_OVER = {
  submit_for_approval: { from: 'processing', role: 'processing_officer', to: 'pending_approval' },
  approve: { from: 'pending_approval', role: 'unit_leader', to: 'returning_result' },
  return_for_rework: { from: 'pending_approval', role: 'unit_leader', to: 'processing' },
} as const satisfies Record<string, { from: DossierStatus; role: OfficerRole; to: DossierStatus }>;

/** Which officer role works the dossier in each status. */
export const STEP_ROLE: Partial<Record<DossierStatus, OfficerRole>> = {
  submitted: 'receiving_officer',
  awaiting_fee: 'fee_officer',
  processing: 'processing_officer',
  pending_approval: 'unit_leader',
  returning_result: 'result_officer',
};

export function isTerminal(status: DossierStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** What a dossier starts with: who, where, under which procedure, and when it was received. */
export interface DossierIdentity {
  code: string;
  procedureCode: string;
  agencyCode: string;
  citizenId: string;
  /** Legal processing time in working days (thời hạn giải quyết). */
  processingDays: number;
  feeAmount: number;
  /** When the system received the dossier (thời điểm tiếp nhận trên hệ thống), ISO. */
  receivedAt: string;
}

export function initialState(input: DossierIdentity): DossierState {
  const { code, procedureCode, agencyCode, citizenId, processingDays, feeAmount, receivedAt } = input;
  return {
    code,
    procedureCode,
    agencyCode,
    citizenId,
    processingDays,
    feeAmount,
    receivedAt,
    status: 'submitted',
    acceptanceClockFrom: input.receivedAt,
    acceptanceDueAt: null,
    acceptedAt: null,
    legalDueAt: null,
    pauses: [],
    supplementReturnTo: null,
    preAcceptanceSupplementRequested: false,
    acceptanceOverdue: false,
    overdueLevel: 0,
    handler: null,
    formVersion: 1,
    resultCount: 0,
    feePaidAt: null,
    completedAt: null,
    seq: 0,
  };
}

export function resultCodeOf(code: string, n: number): string {
  return `${code}-KQ${n}`;
}

function wrongStep(state: DossierState, action: string): DomainError {
  return conflict('WRONG_STEP', `Không thể thực hiện "${action}" khi hồ sơ đang ở trạng thái "${STATUS_LABELS[state.status]}".`);
}

function requireOfficer(state: DossierState, actor: Actor, role: OfficerRole): OfficerRole {
  if (!actor.roles.includes(role)) {
    throw forbidden('ROLE_NOT_ALLOWED', 'Tài khoản không có vai trò được phép thực hiện bước này.');
  }
  if (actor.agencyCode !== state.agencyCode) {
    throw forbidden('OUTSIDE_AGENCY', 'Cán bộ chỉ được xử lý hồ sơ thuộc cơ quan của mình.');
  }
  return role;
}

function requireOwner(state: DossierState, actor: Actor): 'citizen' {
  if (!actor.roles.includes('citizen') || actor.id !== state.citizenId) {
    throw forbidden('NOT_OWNER', 'Chỉ người nộp hồ sơ mới được thực hiện thao tác này.');
  }
  return 'citizen';
}

function closePause(pauses: PauseRecord[], at: string): PauseRecord[] {
  return pauses.map((p) => (p.to === null ? { ...p, to: at } : p));
}

function requireStatus(state: DossierState, action: string, ...allowed: DossierStatus[]): void {
  if (!allowed.includes(state.status)) throw wrongStep(state, action);
}

/**
 * The dossier's rules (RULES.md §1): who may do what, in which step, and what it changes.
 * Pure and deterministic: the workflow calls it in its update validator (to refuse) and handler
 * (to apply). Throws DomainError when the action is not allowed; never mutates its input.
 */
export function applyAction(state: DossierState, action: DossierAction, actor: Actor, at: string): DossierTransition {
  const s: DossierState = { ...state, seq: state.seq + 1 };
  let clocksChanged = false;
  let resultCode: string | null = null;
  let acting: Role | null = null;
  const handlerOf = (role: OfficerRole): Handler => ({ id: actor.id, name: actor.name, role });

  switch (action.type) {
    case 'claim': {
      const role = STEP_ROLE[state.status];
      if (!role) throw wrongStep(state, 'Nhận xử lý');
      acting = requireOfficer(state, actor, role);
      if (state.handler?.id === actor.id && state.handler.role === role) {
        throw conflict('ALREADY_HANDLER', 'Cán bộ đã nhận xử lý hồ sơ này.');
      }
      s.handler = handlerOf(role);
      break;
    }
    case 'accept': {
      requireStatus(state, 'Tiếp nhận', 'submitted');
      acting = requireOfficer(state, actor, 'receiving_officer');
      s.acceptedAt = at;
      s.acceptanceDueAt = null;
      if (state.feeAmount > 0) {
        s.status = 'awaiting_fee';
        s.pauses = [...state.pauses, { from: at, to: null, reason: 'fee' }];
      } else {
        s.status = 'processing';
      }
      s.handler = null;
      clocksChanged = true;
      break;
    }
    case 'request_supplement': {
      if (state.status === 'submitted') {
        acting = requireOfficer(state, actor, 'receiving_officer');
        if (state.preAcceptanceSupplementRequested) {
          throw conflict('SUPPLEMENT_ALREADY_REQUESTED', 'Hồ sơ đã được yêu cầu bổ sung một lần; hướng dẫn phải đầy đủ ngay từ lần đầu. Hãy tiếp nhận hoặc từ chối.');
        }
        s.preAcceptanceSupplementRequested = true;
        s.acceptanceDueAt = null;
      } else if (state.status === 'processing') {
        acting = requireOfficer(state, actor, 'processing_officer');
        s.pauses = [...state.pauses, { from: at, to: null, reason: 'supplement' }];
      } else {
        throw wrongStep(state, 'Yêu cầu bổ sung');
      }
      s.supplementReturnTo = state.status;
      s.status = 'supplement_requested';
      clocksChanged = true;
      break;
    }
    case 'reject': {
      requireStatus(state, 'Từ chối tiếp nhận', 'submitted');
      acting = requireOfficer(state, actor, 'receiving_officer');
      s.status = 'rejected';
      s.acceptanceDueAt = null;
      s.handler = null;
      s.completedAt = at;
      clocksChanged = true;
      break;
    }
    case 'supplement': {
      requireStatus(state, 'Bổ sung hồ sơ', 'supplement_requested');
      acting = requireOwner(state, actor);
      const back = state.supplementReturnTo ?? 'submitted';
      s.status = back;
      s.supplementReturnTo = null;
      s.formVersion = state.formVersion + 1;
      if (back === 'submitted') {
        // A new 8-working-hour acceptance clock runs from the supplement's receipt.
        s.acceptanceClockFrom = at;
        s.acceptanceOverdue = false;
      } else {
        s.pauses = closePause(state.pauses, at);
      }
      clocksChanged = true;
      break;
    }
    case 'confirm_payment': {
      requireStatus(state, 'Xác nhận nộp phí', 'awaiting_fee');
      acting = requireOfficer(state, actor, 'fee_officer');
      if (action.amount !== state.feeAmount) {
        throw conflict('FEE_AMOUNT_MISMATCH', `Số tiền xác nhận (${action.amount}) khác mức phí của thủ tục (${state.feeAmount}).`);
      }
      s.status = 'processing';
      s.feePaidAt = at;
      s.pauses = closePause(state.pauses, at);
      s.handler = null;
      clocksChanged = true;
      break;
    }
    case 'submit_for_approval':
    case 'approve':
    case 'return_for_rework': {
      const step = HAND_OVER[action.type];
      requireStatus(state, ACTION_LABELS[action.type], step.from);
      acting = requireOfficer(state, actor, step.role);
      s.status = step.to;
      s.handler = null;
      break;
    }
    case 'issue_result': {
      requireStatus(state, 'Trả kết quả', 'returning_result');
      acting = requireOfficer(state, actor, 'result_officer');
      s.resultCount = state.resultCount + 1;
      resultCode = resultCodeOf(state.code, s.resultCount);
      s.status = 'completed';
      s.completedAt = at;
      s.handler = null;
      clocksChanged = true;
      break;
    }
    case 'withdraw': {
      acting = requireOwner(state, actor);
      if (isTerminal(state.status)) {
        throw wrongStep(state, 'Rút hồ sơ');
      }
      s.status = 'withdrawn';
      s.completedAt = at;
      s.pauses = closePause(state.pauses, at);
      s.handler = null;
      s.acceptanceDueAt = null;
      clocksChanged = true;
      break;
    }
  }
  // Waiting for the citizen starts when the dossier enters a waiting status and ends when it leaves it.
  const waiting = (st: DossierStatus) => st === 'supplement_requested' || st === 'awaiting_fee';
  if (waiting(s.status)) {
    if (s.status !== state.status) {
      s.waitingSince = at;
      s.waitingReminded = false;
    }
  } else if (state.waitingSince) {
    s.waitingSince = null;
    s.waitingReminded = false;
  }
  return { state: s, clocksChanged, resultCode, role: acting ?? 'citizen' };
}

/** A fee paid online, as the payment process reports it once the bank's signed receipt is verified. */
export interface OnlinePayment {
  paymentId: string;
  bankCode: string;
  receiptNumber: string;
  amountVnd: number;
}

/**
 * The fee gate opens at once when the bank's receipt arrives (000 §31.2.c–d): like the fee officer's
 * confirmation, but by the payment system. Only while the dossier waits for its fee, for the fee's amount.
 */
export function applyOnlinePayment(state: DossierState, p: OnlinePayment, at: string): DossierState {
  if (state.status !== 'awaiting_fee') throw wrongStep(state, 'Nộp phí trực tuyến');
  if (p.amountVnd !== state.feeAmount) throw conflict('FEE_AMOUNT_MISMATCH', `Số tiền đã nộp (${p.amountVnd}) khác mức phí của thủ tục (${state.feeAmount}).`);
  return { ...state, seq: state.seq + 1, status: 'processing', feePaidAt: at, pauses: closePause(state.pauses, at), handler: null, waitingSince: null, waitingReminded: false };
}

/** The role currently expected to act, for work queues and the citizen's tracking page. */
export function currentRole(state: Pick<DossierState, 'status'>): Role | null {
  if (state.status === 'supplement_requested') return 'citizen';
  return STEP_ROLE[state.status] ?? null;
}

/** A well-formed example of each step (texts long enough), to ask the rules whether it is open. */
function probesOf(state: DossierState): DossierAction[] {
  const reason = 'kiểm tra bước';
  return [
    { type: 'claim' }, { type: 'accept' }, { type: 'request_supplement', guidance: reason }, { type: 'reject', reason }, { type: 'supplement' },
    { type: 'confirm_payment', receiptNumber: 'x', amount: state.feeAmount }, { type: 'submit_for_approval', summary: reason }, { type: 'approve' },
    { type: 'return_for_rework', reason }, { type: 'issue_result', title: reason, content: reason }, { type: 'withdraw', reason },
  ];
}

/** The steps this actor may take now (the pages offer exactly these), asked of applyAction itself. */
export function availableActions(state: DossierState, actor: Actor, at: string): DossierAction['type'][] {
  return openSteps(probesOf(state), (step) => applyAction(state, step, actor, at));
}
