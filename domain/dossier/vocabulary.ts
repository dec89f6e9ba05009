import { z } from 'zod';
import { trimmedText } from '../text';
import { StoreSource } from '../data-store/vocabulary';
import { ISO_DATE_PATTERN } from '../working-time/local-time';

/** Dossier status (trạng thái hồ sơ), shared by the API, the workflow and the read models. */
export const DossierStatus = z.enum([
  'submitted', // chờ tiếp nhận
  'supplement_requested', // chờ bổ sung
  'rejected', // từ chối tiếp nhận
  'awaiting_fee', // chờ nộp phí, lệ phí
  'processing', // đang xử lý
  'pending_approval', // chờ lãnh đạo phê duyệt
  'returning_result', // chờ trả kết quả
  'completed', // đã trả kết quả
  'withdrawn', // công dân đã rút hồ sơ
  'returned', // trả lại hồ sơ: hết thời hạn chờ bổ sung hoặc nộp phí
]);
export type DossierStatus = z.infer<typeof DossierStatus>;

export const TERMINAL_STATUSES: readonly DossierStatus[] = ['rejected', 'completed', 'withdrawn', 'returned'];

export const STATUS_LABELS: Record<DossierStatus, string> = {
  submitted: 'Chờ tiếp nhận',
  supplement_requested: 'Chờ bổ sung hồ sơ',
  rejected: 'Từ chối tiếp nhận',
  awaiting_fee: 'Chờ nộp phí, lệ phí',
  processing: 'Đang xử lý',
  pending_approval: 'Chờ lãnh đạo phê duyệt',
  returning_result: 'Chờ trả kết quả',
  completed: 'Đã trả kết quả',
  withdrawn: 'Đã rút hồ sơ',
  returned: 'Đã trả lại hồ sơ (hết thời hạn chờ)',
};

/** A file component of a submission, already stored (content-addressed by its SHA-256). */
export const StoredFile = z.object({
  component: z.string(),
  fileId: z.string(),
  filename: z.string(),
  mimeType: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Chosen from the citizen's data store instead of uploaded: where it came from. */
  source: StoreSource.optional(),
});
export type StoredFile = z.infer<typeof StoredFile>;

const text = trimmedText;

/** Every step a person takes on a dossier; one discriminated union for API and engine. */
export const DossierAction = z.discriminatedUnion('type', [
  /** An officer of the current step takes the dossier (nhận xử lý). */
  z.object({ type: z.literal('claim') }),
  /** Official acceptance (tiếp nhận): issues the electronic receipt and starts the legal clock. */
  z.object({ type: z.literal('accept'), note: text(0, 2000).optional() }),
  /** Request for correction/supplement with complete guidance, once (yêu cầu bổ sung, hướng dẫn một lần). */
  z.object({ type: z.literal('request_supplement'), guidance: text(10, 5000), items: z.array(text(1, 500)).max(50).optional() }),
  /** Refusal to accept (từ chối tiếp nhận), with the reason. */
  z.object({ type: z.literal('reject'), reason: text(10, 2000) }),
  /**
   * The citizen's supplement: a new version of the form and files; the code never changes. The form
   * and the files stay in the records (`draftId`); the process carries only the reference. (Processes
   * recorded before carried `formData` and `files` themselves.)
   */
  z.object({
    type: z.literal('supplement'),
    draftId: z.uuid().optional(),
    formData: z.record(z.string(), z.unknown()).optional(),
    files: z.array(StoredFile).max(50).optional(),
    note: text(0, 2000).optional(),
  }),
  /** The fee-collecting officer confirms payment (xác nhận đã nộp phí). */
  z.object({ type: z.literal('confirm_payment'), receiptNumber: text(1, 100), amount: z.number().int().positive() }),
  z.object({ type: z.literal('submit_for_approval'), summary: text(1, 5000) }),
  z.object({ type: z.literal('approve'), note: text(0, 2000).optional() }),
  z.object({ type: z.literal('return_for_rework'), reason: text(10, 2000) }),
  /** The result (kết quả giải quyết), stored and coded `<dossier code>-KQ<n>`. */
  z.object({
    type: z.literal('issue_result'),
    title: text(1, 500),
    content: text(1, 20000),
    /** The last day the result is valid, when it has one (kept with it in the citizen's data store). */
    validUntil: z.string().regex(new RegExp(`^${ISO_DATE_PATTERN}$`), 'Ngày không tồn tại (dạng YYYY-MM-DD)').optional(),
  }),
  /** The citizen withdraws the dossier (rút hồ sơ) before the result. */
  z.object({ type: z.literal('withdraw'), reason: text(1, 2000) }),
]);
export type DossierAction = z.infer<typeof DossierAction>;

/**
 * The free-text fields of each step. The API keeps them in the records (dossier_text) and gives the
 * process only their id (`textId`): the engine's history then holds none of it.
 */
export const DOSSIER_TEXT_FIELDS: Partial<Record<DossierAction['type'], readonly string[]>> = {
  accept: ['note'],
  request_supplement: ['guidance', 'items'],
  reject: ['reason'],
  submit_for_approval: ['summary'],
  approve: ['note'],
  return_for_rework: ['reason'],
  issue_result: ['title', 'content', 'validUntil'],
  withdraw: ['reason'],
};
export type DossierActionType = DossierAction['type'];
export const DOSSIER_ACTION_TYPES = DossierAction.options.map((o) => o.shape.type.value);

/** Events recorded without a workflow step: the engine's own, and a result's revocation after the process ended. */
export type DossierSystemEvent = 'submit' | 'acceptance_overdue' | 'overdue' | 'revoke_result' | 'waiting_reminder' | 'waiting_expired' | 'online_payment' | 'deadline_moved';

export const ACTION_LABELS: Record<DossierActionType | DossierSystemEvent, string> = {
  submit: 'Nộp hồ sơ',
  claim: 'Nhận xử lý',
  accept: 'Tiếp nhận hồ sơ',
  request_supplement: 'Yêu cầu bổ sung hồ sơ',
  reject: 'Từ chối tiếp nhận',
  supplement: 'Bổ sung hồ sơ',
  confirm_payment: 'Xác nhận nộp phí',
  submit_for_approval: 'Trình lãnh đạo phê duyệt',
  approve: 'Phê duyệt',
  return_for_rework: 'Trả lại để xử lý lại',
  issue_result: 'Trả kết quả',
  withdraw: 'Rút hồ sơ',
  acceptance_overdue: 'Quá hạn tiếp nhận',
  overdue: 'Quá hạn giải quyết',
  revoke_result: 'Thu hồi kết quả giải quyết',
  waiting_reminder: 'Nhắc hạn bổ sung hoặc nộp phí',
  waiting_expired: 'Trả lại hồ sơ do hết thời hạn chờ',
  online_payment: 'Nộp phí trực tuyến (biên lai điện tử của ngân hàng)',
  deadline_moved: 'Điều chỉnh thời hạn theo lịch làm việc mới công bố',
};
