import { z } from 'zod';
import { OfficerRole } from '../../domain/access/roles';
import { DossierAction, DossierStatus, StoredFile } from '../../domain/dossier/vocabulary';
import { trimmedText } from '../../domain/text';
import { ActorRef, AgencyCode, DossierCode, Instant, IsoDate, Items, Page, ProcedureCode, QueryFlag, ResultCode } from '../schemas';

/** Requests and answers of the dossier routes: validation and the OpenAPI document read the same objects. */

export const DossierParams = z.object({ code: DossierCode });
export const ResultParams = z.object({ resultCode: ResultCode });

export const QueueQuery = Page.extend({
  step: DossierStatus.optional(),
  dueWithinHours: z.coerce.number().min(0).max(24 * 365).optional(),
  overdue: QueryFlag.optional(),
});

/** The electronic form, sent as a JSON part; each procedure's document lists its own fields. */
const FormData = z.record(z.string(), z.unknown());
const FromStore = z.record(z.string().max(100), z.uuid()).optional()
  .describe('JSON: với mỗi thành phần hồ sơ lấy từ Kho dữ liệu thay vì tải lên, mã mục trong Kho (GET /api/store/choices)');
export const SubmitFields = z.object({
  procedureCode: ProcedureCode,
  formData: FormData,
  fromStore: FromStore,
  storeConsent: QueryFlag.optional()
    .describe('true: đồng ý lưu giữ các thành phần hồ sơ vào Kho dữ liệu khi hồ sơ được tiếp nhận'),
}).strict();
export const SupplementFields = z.object({ formData: FormData, fromStore: FromStore }).strict();

export const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().regex(/^[\w-]{8,100}$/).optional().describe('Khóa chống nộp trùng: gửi lại cùng khóa trả về cùng hồ sơ'),
});

export const RevokeBody = z.object({ reason: trimmedText(10, 2000) }).strict();

/** Actions taken through the JSON route; the supplement has its own (it carries files). */
export const ActionBody = z.discriminatedUnion(
  'type',
  DossierAction.options.filter((o) => o.shape.type.value !== 'supplement').map((o) => o.strict()) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

const Named = z.object({ code: z.string(), name: z.string() });

export const DossierSummary = z.object({
  code: DossierCode,
  procedure: Named,
  agency: z.object({ code: AgencyCode, name: z.string() }),
  status: DossierStatus,
  statusLabel: z.string(),
  receivedAt: Instant,
  acceptedAt: Instant.nullable(),
  acceptanceDueAt: Instant.nullable(),
  legalDueAt: Instant.nullable(),
  acceptanceOverdue: z.boolean(),
  overdueLevel: z.number().int().min(0),
  // Whose turn it is: an officer's role, or the citizen's while a supplement is awaited.
  currentRole: z.union([OfficerRole, z.literal('citizen')]).nullable(),
  currentRoleLabel: z.string().nullable(),
  handler: z.object({ id: z.string(), name: z.string(), role: z.string(), roleLabel: z.string() }).nullable(),
  completedAt: Instant.nullable(),
});

export const DossierHistoryEntry = z.object({
  seq: z.number().int().positive(),
  at: Instant,
  action: z.string(),
  actionLabel: z.string(),
  actor: ActorRef.nullable(),
  fromStatus: DossierStatus.nullable(),
  fromStatusLabel: z.string().nullable(),
  toStatus: DossierStatus,
  toStatusLabel: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export const DossierTracking = DossierSummary.extend({
  formData: z.record(z.string(), z.unknown()),
  formVersion: z.number().int().positive(),
  storeConsent: z.boolean().describe('Đồng ý lưu giữ thành phần hồ sơ vào Kho dữ liệu khi được tiếp nhận'),
  processingDays: z.number().int().min(0),
  feeAmount: z.number().int().min(0),
  feePaidAt: Instant.nullable(),
  pauses: z.array(z.object({ from: Instant, to: Instant.nullable(), reason: z.enum(['supplement', 'fee']), reasonLabel: z.string() })),
  elapsedWorkingHours: z.number().nullable(),
  /** Null before acceptance and once the dossier is finished. */
  remainingWorkingHours: z.number().nullable(),
  history: z.array(DossierHistoryEntry),
  results: z.array(z.object({ code: ResultCode, title: z.string(), issuedAt: Instant, revokedAt: Instant.nullable(), revokeReason: z.string().nullable() })),
  calendarMove: z.object({
    changeId: z.string(), date: IsoDate, at: Instant,
    from: z.object({ acceptanceDueAt: Instant.nullable(), legalDueAt: Instant.nullable() }),
    to: z.object({ acceptanceDueAt: Instant.nullable(), legalDueAt: Instant.nullable() }),
  }).nullable().describe('Lần thay đổi lịch làm việc gần nhất đã dời thời hạn của hồ sơ (ngày thay đổi, thời hạn cũ và mới)'),
  asOf: Instant.describe('Thời điểm đọc: trạng thái và lịch sử là các bước đã được ghi nhận đến lúc này (đọc từ dữ liệu đã ghi, không chờ máy xử lý quy trình)'),
});

export const SubmissionReceipt = z.object({
  code: DossierCode,
  status: DossierStatus,
  statusLabel: z.string(),
  receivedAt: Instant,
  created: z.boolean().describe('false khi cùng Idempotency-Key đã nộp trước đó'),
  message: z.string(),
});

export const StepResult = z.object({ code: DossierCode, status: DossierStatus, statusLabel: z.string(), seq: z.number().int().positive(), resultCode: ResultCode.nullable() });

export const Revocation = z.object({ code: ResultCode, revokedAt: Instant, reason: z.string() });

export const DossierList = Items(DossierSummary);

export const FileParams = z.object({ code: DossierCode, fileId: z.uuid() });
export const DossierResultParams = z.object({ code: DossierCode, resultCode: ResultCode });
export const DossierFile = StoredFile.extend({
  fileId: z.uuid(),
  componentLabel: z.string(),
  sourceCheck: z.object({
    hashMatches: z.boolean().describe('Mã băm của tệp trong hồ sơ khớp với mã băm Kho dữ liệu đã lưu (và kết quả gốc chưa bị sửa)'),
    agencyName: z.string(),
    revokedAt: Instant.nullable().describe('Kết quả gốc đã bị thu hồi sau khi được dùng'),
  }).optional().describe('Với tệp lấy từ Kho dữ liệu: kết quả đối chiếu nguồn'),
});
export const DossierFileVersions = z.object({
  versions: z.array(z.object({ version: z.number().int().positive(), submittedAt: Instant, files: z.array(DossierFile) })),
});
