import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type Event = temporal.api.history.v1.IHistoryEvent;

/** One of the engine's events, as the console shows it beside the business history. */
export interface EngineEvent {
  eventId: string;
  type: string;
  at: string | null;
  detail: string | null;
}

/** `workflowTaskCompletedEventAttributes` → `WorkflowTaskCompleted`: the event's type, without the proto enum. */
function typeOf(e: Event): string {
  const key = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k]);
  return key ? key.charAt(0).toUpperCase() + key.slice(1, -'EventAttributes'.length) : 'Unknown';
}

function detailOf(e: Event): string | null {
  const d = e.activityTaskScheduledEventAttributes?.activityType?.name
    ?? e.activityTaskFailedEventAttributes?.failure?.message
    ?? e.activityTaskTimedOutEventAttributes?.failure?.message
    ?? (e.workflowTaskFailedEventAttributes ? `${e.workflowTaskFailedEventAttributes.failure?.message ?? ''}`.split('\n')[0] : undefined)
    ?? e.workflowExecutionSignaledEventAttributes?.signalName
    ?? e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name
    ?? e.markerRecordedEventAttributes?.markerName
    ?? (e.upsertWorkflowSearchAttributesEventAttributes ? Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {}).join(', ') : undefined)
    ?? e.workflowExecutionTerminatedEventAttributes?.reason
    ?? e.workflowExecutionFailedEventAttributes?.failure?.message
    ?? e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
  return d ? String(d).slice(0, 500) : null;
}

export function engineEvents(history: History): EngineEvent[] {
  return (history.events ?? []).map((e) => ({
    eventId: String(e.eventId),
    type: typeOf(e),
    at: e.eventTime?.seconds != null ? new Date(Number(e.eventTime.seconds) * 1000 + Math.floor((e.eventTime.nanos ?? 0) / 1e6)).toISOString() : null,
    detail: detailOf(e),
  }));
}

/** The last workflow task that completed: the point a reset runs the current code from. */
export function lastGoodWorkflowTask(history: History): string | null {
  const events = history.events ?? [];
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.workflowTaskCompletedEventAttributes) return String(events[i]!.eventId);
  return null;
}
