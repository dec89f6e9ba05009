import { ActivityFailure, ApplicationFailure, log, patched, proxyActivities, proxyLocalActivities, setHandler, type ActivityInterfaceFor, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { DomainError } from '../domain/errors';

/** A refused action becomes a failed update (type = the error code), never a failed workflow task. */
export function toFailure(e: unknown): unknown {
  if (e instanceof DomainError) {
    return ApplicationFailure.create({ type: e.code, message: e.message, nonRetryable: true, details: [{ status: e.status }] });
  }
  return e;
}

/**
 * Applies a process's rule in an update's validator or handler: a refusal (DomainError) becomes the
 * update's failure, never a failed workflow task.
 */
export function refused<T>(rule: () => T): T {
  try {
    return rule();
  } catch (e) {
    throw toFailure(e);
  }
}

/** Runs side effects one after another, in the order the changes happened. */
export function createSerial() {
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn);
    chain = p.catch(() => undefined);
    return p;
  };
  return { serial, drained: () => chain };
}

export type Serial = ReturnType<typeof createSerial>['serial'];

/** A person's step on a running process, in three parts (see handleStep). */
export interface Step<Request, Outcome, Answer> {
  /** The process's rule (pure, from domain/): its outcome, or a DomainError that refuses the step. */
  rule(request: Request, at: string): Outcome;
  /** Takes the outcome at once: the new state, seen by any query and by the next step. */
  take(outcome: Outcome, request: Request, at: string): void;
  /** Records the step and what follows from it, after every step before it; its value is the update's answer. */
  commit(outcome: Outcome, request: Request, at: string): Promise<Answer>;
}

/**
 * The one skeleton of every process's update (an officer's action, a citizen's choice, a decision): the
 * rule is checked in the validator, so a refused step is the update's failure and never enters the
 * history; accepted, it is applied again at the step's own time, taken at once, and committed in order.
 */
export function handleStep<Request, Outcome, Answer>(update: UpdateDefinition<Answer, [Request]>, serial: Serial, step: Step<Request, Outcome, Answer>): void {
  setHandler(
    update,
    async (request: Request) => {
      const at = new Date().toISOString();
      const outcome = refused(() => step.rule(request, at));
      step.take(outcome, request, at);
      return await serial(() => step.commit(outcome, request, at));
    },
    { validator: (request: Request) => void refused(() => step.rule(request, new Date().toISOString())) },
  );
}

/**
 * Changes to running processes (open dossiers and feedback live for weeks): each is a patch, so that a
 * history recorded before it replays along the old path. Remove a patch only after every process
 * started before it has closed (deprecatePatch first).
 */
export const PATCHES = {
  /** Messages are sent by the outbox relay; the process no longer waits for SMTP or SMS. */
  outboxRelay: 'delivery-by-outbox-relay',
  /** 000 §45.2: feedback answers are reviewed by the receiving agency, not the current agency's leader. */
  reviewByReceivingAgency: 'feedback-review-by-receiving-agency',
  /** Deadlines already past when feedback is keyed in late are recorded as one backlog entry. */
  feedbackBacklog: 'feedback-backlog-once',
  /** A dossier waits for a supplement or a fee for a set period, with a reminder, then is returned. */
  waitingPeriods: 'waiting-periods',
  /** Processes keep their search attributes (kind, agency, status, overdue level, procedure) current. */
  searchAttributes: 'process-search-attributes',
  /** Clocks are computed by a local activity on the process's own worker (no task-queue round trip). */
  localClocks: 'clocks-computed-locally',
  /** The calendar change job also goes through the service desk's clocks (issue 17: administrator account requests, support requests). */
  calendarChangeServiceDesk: 'calendar-change-service-desk',
  /**
   * The process's first record (the submission) is queued before its update handler is registered: an
   * update that arrives with the start (an officer acting at once, or a worker back from an outage) used to be
   * recorded first and the submission dropped as a duplicate of its step number.
   */
  firstRecordFirst: 'first-record-before-updates',
  /** A step is recorded by a local activity in the workflow task that made it (issue 18: fewer round trips per step). */
  localRecording: 'steps-recorded-locally',
  /**
   * A process checks its clocks against the calendar when it wakes (a deadline reached, a step recorded),
   * so that a calendar change can move its deadlines later in the records without waking it (issue 30).
   */
  clocksRecheckedOnWake: 'clocks-rechecked-on-wake',
  /** The calendar change job moves later deadlines in the records in bulk and signals only the rest (issue 30). */
  calendarBulkMove: 'calendar-change-bulk-move',
} as const;

/** Whether this process's messages go through the relay (true for every process started since the change). */
export function deliveredByRelay(): boolean {
  return patched(PATCHES.outboxRelay);
}

/** Failures no retry can change: a domain refusal, or an activity's own permanent error. */
export const NON_RETRYABLE = ['DomainError', 'PermanentFailure'];

/**
 * Activity policies every process uses. Recording a step and computing clocks must eventually succeed
 * (a database outage must not lose a step), so they retry without limit, backing off to a minute; each
 * failed attempt is counted and logged by the worker (activity_failures_total), an error from the third.
 */
export const RECORDING: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
};

/** Batches of a sweep: longer, heartbeating, backing off to five minutes. */
export const BATCH: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes: NON_RETRYABLE },
};


/**
 * Computing clocks: pure rules over the worker's cached calendar, run as a local activity (recorded in the
 * history as a marker, no activity task, one workflow task fewer per recomputation); retried like recording.
 */
export const COMPUTING: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  localRetryThreshold: '10 seconds',
  retry: RECORDING.retry,
};

/**
 * The activities a process computes its clocks with: local ones for processes started since
 * PATCHES.localClocks, the task-queue ones for those started before (so that their histories replay).
 * Call once, at the start of the workflow.
 */
export function clockActivities<A extends object>(): ActivityInterfaceFor<A> {
  return patched(PATCHES.localClocks) ? proxyLocalActivities<A>(COMPUTING) : proxyActivities<A>(RECORDING);
}

/**
 * Recording a step as a local activity: run by the worker in the same workflow task as the step (no
 * activity task, no second workflow task; a marker in the history). The write is keyed by the step's
 * number, so a retry writes nothing twice. A few quick attempts only: see recordingActivities.
 */
export const RECORDING_LOCALLY: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: { ...RECORDING.retry, maximumAttempts: 3 },
};

/** A failure no retry can change (a refusal, a permanent error): not handed on to another attempt. */
function permanent(e: unknown): boolean {
  const cause = e instanceof ActivityFailure ? e.cause : e;
  return cause instanceof ApplicationFailure && (cause.nonRetryable || NON_RETRYABLE.includes(cause.type ?? ''));
}

/**
 * The activities a process records its steps with. For processes started since PATCHES.localRecording a
 * step is recorded locally first (issue 18: fewer round trips); if that keeps failing (the database is
 * down) it is handed to the task-queue activity, which retries without limit and which operators see
 * and can retry from the console, as before. Processes started before the patch use the task-queue
 * activity only (so that their histories replay). Call once, at the start of the workflow.
 */
export function recordingActivities<A extends object>(): ActivityInterfaceFor<A> {
  const remote = proxyActivities<A>(RECORDING);
  if (!patched(PATCHES.localRecording)) return remote;
  const local = proxyLocalActivities<A>(RECORDING_LOCALLY);
  type Call = (...args: unknown[]) => Promise<unknown>;
  return new Proxy({} as ActivityInterfaceFor<A>, {
    get: (_, name: string) => async (...args: unknown[]) => {
      try {
        return await (local as unknown as Record<string, Call>)[name]!(...args);
      } catch (e) {
        if (permanent(e)) throw e;
        log.warn('recording locally failed; handed to the task queue', { activity: name });
        return (remote as unknown as Record<string, Call>)[name]!(...args);
      }
    },
  });
}
