import { z } from 'zod';
import { OfficerRole } from '../../domain/access/roles';
import { EscalationReason, FeedbackChannel, FeedbackStatus } from '../../domain/feedback/vocabulary';
import { trimmedText } from '../../domain/text';
import { ActorRef, AgencyCode, AgencyRef, DossierCode, FeedbackCode, Instant, Items, Page, ProcedureRef } from '../schemas';

/** Requests and answers of the feedback routes (phản ánh, kiến nghị). */

export const FeedbackParams = z.object({ code: FeedbackCode });

/** Vietnamese letters with diacritics: feedback is written in Vietnamese (000 §39). */
const VIETNAMESE = /[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]/i;
const VIETNAMESE_REQUIRED = 'Phải viết bằng tiếng Việt có dấu (ví dụ: "Đề nghị bỏ yêu cầu nộp bản sao").';

export const Contact = z.object({
  name: trimmedText(2, 200),
  address: trimmedText(5, 500),
  phone: z.string().regex(/^(\+84|0)\d{9,10}$/, 'Số điện thoại không hợp lệ (ví dụ 0912345678 hoặc +84912345678).'),
  email: z.email('Địa chỉ thư điện tử không hợp lệ.').max(200),
}).strict();

const Content = z.object({
  title: trimmedText(5, 300),
  content: trimmedText(20, 10_000).regex(VIETNAMESE, VIETNAMESE_REQUIRED),
});

export const SubmitBody = Content.extend({
  contact: Contact.partial().optional(),
  agencyCode: AgencyRef.optional(),
  dossierCode: DossierCode.optional(),
  procedureCode: ProcedureRef.optional(),
  /** A published answer the citizen disagrees with: the feedback goes to the lead agency. */
  disagreesWith: FeedbackCode.optional(),
})
  .strict()
  // The service answers AGENCY_REQUIRED when none is given; the document says so with anyOf.
  .meta({ anyOf: [{ required: ['agencyCode'] }, { required: ['dossierCode'] }, { required: ['procedureCode'] }] });

export const KeyedBody = Content.extend({
  channel: FeedbackChannel.exclude(['portal']),
  // Not in the future nor more than a year ago: the document states the window of the day it is served.
  receivedAt: z.iso.datetime({ offset: true }).meta({ 'x-within-past-days': 365 }),
  contact: Contact.extend({ email: z.email('Địa chỉ thư điện tử không hợp lệ.').max(200).nullable().optional() }).strict(),
}).strict();

const text = trimmedText(5, 10_000);
export const ActionBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('claim') }).strict(),
  z.object({ type: z.literal('not_accept'), text }).strict(),
  z.object({ type: z.literal('request_clarification'), text }).strict(),
  z.object({ type: z.literal('clarify'), text }).strict(),
  z.object({ type: z.literal('transfer'), toAgencyCode: AgencyRef, text }).strict(),
  z.object({ type: z.literal('accept') }).strict(),
  z.object({ type: z.literal('escalate_to_lead'), reason: EscalationReason, text }).strict(),
  z.object({ type: z.literal('post_progress'), text }).strict(),
  z.object({ type: z.literal('reach_result') }).strict(),
  z.object({ type: z.literal('enter_result'), text }).strict(),
  z.object({ type: z.literal('approve_answer') }).strict(),
  z.object({ type: z.literal('return_answer'), text }).strict(),
  z.object({ type: z.literal('mark_confidential'), handedOverTo: trimmedText(3, 300), reference: trimmedText(1, 100) }).strict(),
]);

export const QueueQuery = Page.extend({ status: FeedbackStatus.optional() });
export const SearchQuery = Page.extend({ q: trimmedText(1, 200).optional() });

export const FeedbackSummary = z.object({
  code: FeedbackCode,
  title: z.string().nullable().describe('null khi đã chuyển xử lý theo chế độ mật'),
  status: FeedbackStatus,
  statusLabel: z.string(),
  agency: z.object({ code: AgencyCode, name: z.string() }),
  originAgencyCode: AgencyCode,
  escalated: z.boolean(),
  receivedAt: Instant,
  classificationDueAt: Instant.nullable(),
  answerDueAt: Instant.nullable(),
  nextUpdateBy: Instant.nullable(),
  resultEntryDueAt: Instant.nullable(),
  overdue: z.object({ classificationLevel: z.number().int().min(0), answer: z.boolean(), missedUpdates: z.number().int().min(0), resultEntry: z.boolean() }),
  currentRole: OfficerRole.nullable(),
  currentRoleLabel: z.string().nullable(),
  handler: z.object({ id: z.string(), name: z.string(), role: z.string(), roleLabel: z.string() }).nullable(),
  closedAt: Instant.nullable(),
});

export const FeedbackTracking = FeedbackSummary.extend({
  content: z.string().nullable(),
  contact: z.object({ name: z.string(), address: z.string(), phone: z.string(), email: z.string().nullable() }).nullable(),
  channel: FeedbackChannel,
  channelLabel: z.string(),
  dossierCode: z.string().nullable(),
  procedureCode: z.string().nullable(),
  disagreesWith: z.string().nullable(),
  handover: z.object({ to: z.string(), reference: z.string(), at: Instant }).nullable(),
  publication: z.object({ answer: z.string(), publishedAt: Instant }).nullable(),
  history: z.array(z.object({
    seq: z.number().int().positive(),
    at: Instant,
    action: z.string(),
    actionLabel: z.string(),
    actor: ActorRef.nullable(),
    toStatus: FeedbackStatus,
    toStatusLabel: z.string(),
    agencyCode: AgencyCode,
    text: z.string().nullable(),
  })),
});

export const FeedbackReceipt = z.object({ code: FeedbackCode, receivedAt: Instant, message: z.string() });

export const FeedbackStepResult = z.object({ code: FeedbackCode, status: FeedbackStatus, statusLabel: z.string(), agencyCode: AgencyCode, seq: z.number().int().positive() });

export const PublishedAnswer = z.object({
  code: FeedbackCode,
  title: z.string(),
  question: z.string(),
  answer: z.string(),
  agency: z.object({ code: AgencyCode, name: z.string() }),
  receivedAt: Instant,
  publishedAt: Instant,
});

export const FeedbackList = Items(FeedbackSummary);
export const PublishedAnswerList = Items(PublishedAnswer);
