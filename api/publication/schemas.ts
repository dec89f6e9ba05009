import { z } from 'zod';
import { ProcedureForm } from '../../domain/dossier/form';
import { PublicationAction, ServiceStatus } from '../../domain/publication/vocabulary';
import { FindingAction, FindingStatus } from '../../domain/publication/findings';
import { trimmedText } from '../../domain/text';
import { ActorRef, AgencyCode, AgencyRef, Instant, IsoDate, Items, Page, ProcedureCode, ProcedureRef } from '../schemas';

/** Requests and answers of the publication and catalogue routes. */

export const ServiceCode = z.string().regex(/^DV-[A-Z]{2,10}-[A-Z]{2,12}(-[A-Z]{2,10}-[A-Z]{2,12})?$/).describe('Mã dịch vụ công trực tuyến, ví dụ DV-STP-KS');
export const ServiceParams = z.object({ code: ServiceCode });
export const DeclareBody = z.object({ procedureCode: ProcedureRef, name: trimmedText(5, 500) }).strict();
export const ServiceQuery = Page.extend({ status: ServiceStatus.optional(), agencyCode: AgencyCode.optional() });
export const ServiceActionBody = z.discriminatedUnion('type', PublicationAction.options.map((o) => o.strict()) as unknown as [z.ZodObject, ...z.ZodObject[]]);

export const ServiceSummary = z.object({
  code: ServiceCode,
  name: z.string(),
  procedure: z.object({ code: ProcedureCode, name: z.string() }),
  agency: z.object({ code: AgencyCode, name: z.string() }),
  status: ServiceStatus,
  statusLabel: z.string(),
  since: Instant,
  stepDueAt: Instant.nullable(),
  escalated: z.boolean(),
  pilotEndsAt: Instant.nullable(),
  acceptsDossiers: z.boolean(),
});
export const ServiceList = Items(ServiceSummary);
export const ServiceTracking = ServiceSummary.extend({
  statusReason: z.string().nullable(),
  testReport: z.record(z.string(), z.unknown()).nullable(),
  history: z.array(z.object({
    seq: z.number().int(), at: Instant, action: z.string(), actionLabel: z.string(), actor: ActorRef.nullable(),
    fromStatus: ServiceStatus.nullable(), toStatus: ServiceStatus, toStatusLabel: z.string(), details: z.record(z.string(), z.unknown()),
  })),
});
export const ServiceStepResult = z.object({ code: ServiceCode, status: ServiceStatus, statusLabel: z.string(), seq: z.number().int().positive() });

/** What a version of a procedure says (in a decision: the new or amended content). */
export const ProcedureContent = z.object({
  name: trimmedText(5, 500),
  field: trimmedText(2, 200),
  agencyCode: AgencyRef,
  processingDays: z.number().int().min(1).max(365).describe('Thời hạn giải quyết (ngày làm việc)'),
  feeAmount: z.number().int().min(0).max(1_000_000_000).describe('Phí, lệ phí (đồng)'),
  form: ProcedureForm,
  requiredDocuments: z.array(trimmedText(2, 500)).max(100).default([]),
}).strict();

/** A decision's dates: this century. */
const DecisionDate = IsoDate.regex(/^20/, 'Ngày trong khoảng 2000–2099');

/** A publication decision (quyết định công bố): it alone changes the catalogue (000 §16–20). */
export const DecisionBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('new'), number: trimmedText(1, 100), decidedOn: DecisionDate, issuer: trimmedText(3, 300), procedureCode: ProcedureCode, validFrom: DecisionDate, content: ProcedureContent, parentCode: ProcedureRef.optional() }).strict(),
  z.object({ kind: z.literal('inter_agency'), number: trimmedText(1, 100), decidedOn: DecisionDate, issuer: trimmedText(3, 300), procedureCode: ProcedureCode, validFrom: DecisionDate, content: ProcedureContent }).strict(),
  z.object({ kind: z.literal('amended'), number: trimmedText(1, 100), decidedOn: DecisionDate, issuer: trimmedText(3, 300), procedureCode: ProcedureRef, validFrom: DecisionDate, content: ProcedureContent }).strict(),
  z.object({ kind: z.literal('abolished'), number: trimmedText(1, 100), decidedOn: DecisionDate, issuer: trimmedText(3, 300), procedureCode: ProcedureRef, validFrom: DecisionDate }).strict(),
]);
export const DecisionResult = z.object({
  id: z.uuid(), kind: z.string(), procedureCode: ProcedureCode, version: z.number().int().nullable(),
  /** Local copies abolished with a ministry's procedure (000 §19.1). */
  alsoAbolished: z.array(ProcedureCode),
});
export const ProcedureVersions = z.object({
  code: ProcedureCode,
  abolishedAt: Instant.nullable(),
  versions: z.array(z.object({
    version: z.number().int(), validFrom: IsoDate, validTo: IsoDate.nullable(), name: z.string(), processingDays: z.number().int(), feeAmount: z.number().int(),
    agencyCode: AgencyCode, requiredDocuments: z.array(z.string()), decision: z.object({ number: z.string(), decidedOn: IsoDate, issuer: z.string(), kind: z.string() }).nullable(),
  })),
});

export const FindingCode = z.string().regex(/^DQ-\d{6}$/).describe('Mã phát hiện sai sót dữ liệu, ví dụ DQ-000001');
export const FindingParams = z.object({ code: FindingCode });
export const RaiseFindingBody = z.object({ procedureCode: ProcedureRef, description: trimmedText(10, 2000) }).strict();
export const FindingActionBody = z.discriminatedUnion('type', FindingAction.options.map((o) => o.strict()) as unknown as [z.ZodObject, ...z.ZodObject[]]);
export const FindingQuery = Page.extend({ status: FindingStatus.optional() });
export const FindingStep = z.object({ code: FindingCode, status: FindingStatus, statusLabel: z.string() });
export const FindingList = Items(z.object({
  code: FindingCode, procedureCode: ProcedureCode, agencyCode: AgencyCode, description: z.string(), status: FindingStatus, statusLabel: z.string(),
  raisedAt: Instant, dueAt: Instant.nullable(), escalated: z.boolean(), resolution: z.string().nullable(), closedAt: Instant.nullable(),
  history: z.array(z.object({ action: z.string(), actionLabel: z.string(), at: Instant })),
}));
