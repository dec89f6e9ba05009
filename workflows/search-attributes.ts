import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The custom search attributes every process workflow keeps current (issue 14), so that the operators'
 * console, the Temporal Web UI and `temporal workflow list --query` filter processes the same way.
 * Registered at worker start (runtime/visibility.ts); on a production cluster with
 * `temporal operator search-attribute create` (README, "Operating the processes").
 */
export const ProcessKind = defineSearchAttributeKey('ProcessKind', SearchAttributeType.KEYWORD);
export const AgencyCode = defineSearchAttributeKey('AgencyCode', SearchAttributeType.KEYWORD);
export const ProcessStatus = defineSearchAttributeKey('ProcessStatus', SearchAttributeType.KEYWORD);
/** 0 on time; the dossier's escalation rung, or 1 for feedback whose answer is late. */
export const OverdueLevel = defineSearchAttributeKey('OverdueLevel', SearchAttributeType.INT);
export const ProcedureCode = defineSearchAttributeKey('ProcedureCode', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [ProcessKind, AgencyCode, ProcessStatus, OverdueLevel, ProcedureCode] as const;

/** The processes an operator repairs, by the workflow type that runs each. */
export const PROCESS_KINDS = {
  dossier: 'dossierWorkflow',
  feedback: 'feedbackWorkflow',
  payment: 'paymentWorkflow',
  refund: 'refundWorkflow',
  discrepancy: 'discrepancyWorkflow',
  publication: 'servicePublicationWorkflow',
  finding: 'dataQualityFindingWorkflow',
  maintenance: 'maintenanceNoticeWorkflow',
  complaint: 'accountComplaintWorkflow',
  admin_request: 'adminAccountRequestWorkflow',
  support: 'supportRequestWorkflow',
} as const;
export type ProcessKindName = keyof typeof PROCESS_KINDS;

/** What a process shows of itself to the engine's visibility store. */
export interface ProcessView {
  kind: ProcessKindName;
  agencyCode: string | null;
  status: string;
  overdueLevel?: number;
  procedureCode?: string | null;
}
