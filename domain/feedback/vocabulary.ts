import { z } from 'zod';

/** Feedback status (trạng thái phản ánh, kiến nghị — PAKN), shared by API, workflow and read models. */
export const FeedbackStatus = z.enum([
  'received', // chờ phân loại
  'clarification_requested', // chờ người dân làm rõ
  'not_accepted', // không tiếp nhận
  'processing', // đang xử lý
  'result_reached', // đã có kết quả, chờ cập nhật
  'under_review', // chờ kiểm tra kết quả trước khi công khai
  'published', // đã công khai kết quả trả lời
  'handed_over_confidential', // chuyển xử lý theo chế độ mật
  'closed_unclarified', // đóng: người dân không làm rõ trong thời hạn
]);
export type FeedbackStatus = z.infer<typeof FeedbackStatus>;

export const FEEDBACK_TERMINAL: readonly FeedbackStatus[] = ['not_accepted', 'published', 'handed_over_confidential', 'closed_unclarified'];

export const FEEDBACK_STATUS_LABELS: Record<FeedbackStatus, string> = {
  received: 'Chờ phân loại',
  clarification_requested: 'Chờ làm rõ nội dung',
  not_accepted: 'Không tiếp nhận',
  processing: 'Đang xử lý',
  result_reached: 'Đã có kết quả, chờ cập nhật',
  under_review: 'Chờ kiểm tra kết quả',
  published: 'Đã công khai kết quả trả lời',
  handed_over_confidential: 'Chuyển xử lý theo chế độ mật',
  closed_unclarified: 'Đã đóng do không được làm rõ trong thời hạn',
};

/** How the feedback reached the administration (000 §42.2). */
export const FeedbackChannel = z.enum(['portal', 'paper', 'phone', 'fax', 'email']);
export type FeedbackChannel = z.infer<typeof FeedbackChannel>;

export const FEEDBACK_CHANNEL_LABELS: Record<FeedbackChannel, string> = {
  portal: 'Cổng Dịch vụ công',
  paper: 'Văn bản giấy',
  phone: 'Điện thoại',
  fax: 'Fax',
  email: 'Thư điện tử',
};

/** Why the lead agency (cơ quan chủ trì) takes over (000 §42.3.đ). */
export const EscalationReason = z.enum(['government_competence', 'agencies_disagree']);

/**
 * Steps people take on a feedback. Free text (reasons, questions, answers) never travels through the
 * workflow: the API stores it and passes its id, so that confidential feedback can be erased.
 */
export const FeedbackAction = z.discriminatedUnion('type', [
  z.object({ type: z.literal('claim') }),
  /** Not accepted, with the reason (2 working days). */
  z.object({ type: z.literal('not_accept'), textId: z.uuid() }),
  /** Ask the citizen to clarify (5 working days). */
  z.object({ type: z.literal('request_clarification'), textId: z.uuid() }),
  /** The citizen's clarification; classification restarts. */
  z.object({ type: z.literal('clarify'), textId: z.uuid() }),
  /** Transfer to the competent agency (5 working days). */
  z.object({ type: z.literal('transfer'), toAgencyCode: z.string().min(1).max(50), textId: z.uuid() }),
  /** Valid and within competence: accepted for processing. */
  z.object({ type: z.literal('accept') }),
  /** Escalation to the lead agency (Government Office in 000; Administrative Procedure Control Agency in 002 §29). */
  z.object({ type: z.literal('escalate_to_lead'), reason: EscalationReason, textId: z.uuid() }),
  /** Progress update, due every 7 days once the 20-day deadline has passed. */
  z.object({ type: z.literal('post_progress'), textId: z.uuid() }),
  /** A result has been reached; it must be entered within 2 working days. */
  z.object({ type: z.literal('reach_result') }),
  /** The answer is entered and goes to review before publication. */
  z.object({ type: z.literal('enter_result'), textId: z.uuid() }),
  z.object({ type: z.literal('approve_answer') }),
  z.object({ type: z.literal('return_answer'), textId: z.uuid() }),
  /** State-secret content: handed over outside the system (000 §44.3). */
  z.object({ type: z.literal('mark_confidential'), handedOverTo: z.string().trim().min(3).max(300), reference: z.string().trim().min(1).max(100) }),
]);
export type FeedbackAction = z.infer<typeof FeedbackAction>;
export type FeedbackActionType = FeedbackAction['type'];

/** Events the engine records on its own when a clock runs out. */
export type FeedbackSystemEvent =
  | 'submit'
  | 'classification_overdue'
  | 'answer_overdue'
  | 'progress_reminder'
  | 'progress_missed'
  | 'result_entry_overdue'
  | 'backlog'
  | 'clarification_reminder'
  | 'clarification_expired'
  | 'deadlines_moved';

export const FEEDBACK_ACTION_LABELS: Record<FeedbackActionType | FeedbackSystemEvent, string> = {
  submit: 'Tiếp nhận phản ánh, kiến nghị',
  claim: 'Nhận xử lý',
  not_accept: 'Không tiếp nhận',
  request_clarification: 'Đề nghị làm rõ nội dung',
  clarify: 'Người dân làm rõ nội dung',
  transfer: 'Chuyển cơ quan có thẩm quyền',
  accept: 'Tiếp nhận xử lý',
  escalate_to_lead: 'Chuyển cơ quan chủ trì',
  post_progress: 'Cập nhật tình hình xử lý',
  reach_result: 'Đã có kết quả xử lý',
  enter_result: 'Cập nhật kết quả trả lời',
  approve_answer: 'Duyệt và công khai kết quả',
  return_answer: 'Trả lại để xử lý lại',
  mark_confidential: 'Chuyển xử lý theo chế độ mật',
  classification_overdue: 'Quá hạn phân loại',
  answer_overdue: 'Quá hạn trả lời (20 ngày)',
  progress_reminder: 'Nhắc cập nhật tình hình xử lý',
  progress_missed: 'Không cập nhật tình hình xử lý đúng hạn',
  result_entry_overdue: 'Quá hạn cập nhật kết quả',
  backlog: 'Các mốc thời hạn đã qua trước khi nhập vào hệ thống',
  clarification_reminder: 'Nhắc hạn làm rõ nội dung',
  clarification_expired: 'Đóng do không được làm rõ trong thời hạn',
  deadlines_moved: 'Điều chỉnh thời hạn theo lịch làm việc mới công bố',
};
