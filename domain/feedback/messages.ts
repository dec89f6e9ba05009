import type { Message } from '../dossier/messages';
import { formatVnHuman } from '../working-time/local-time';
import { answerDueAt } from './deadlines';
import type { FeedbackState } from './state';
import type { FeedbackActionType, FeedbackSystemEvent } from './vocabulary';
import { FEEDBACK_ACTION_LABELS } from './vocabulary';

export interface FeedbackMessageContext {
  title: string;
  agencyName: string;
  citizenName: string;
  /** The officer's or citizen's text attached to the step, if any. */
  text: string | null;
  trackingUrl: string;
  /** When a waiting period ends, for the reminder. */
  endsAt?: string | null;
}

const footer = (ctx: FeedbackMessageContext) => `\n\nTra cứu: ${ctx.trackingUrl}\n\nThư này được gửi tự động từ Cổng Dịch vụ công quốc gia, vui lòng không trả lời.`;

/** What the citizen reads (000 §36.3): receipt, requests for information, transfers, progress, the published answer. */
export function feedbackCitizenMessage(event: FeedbackActionType | FeedbackSystemEvent, s: FeedbackState, ctx: FeedbackMessageContext): Message | null {
  const head = `Kính gửi ${ctx.citizenName},\n\n`;
  const ref = `phản ánh, kiến nghị ${s.code} ("${ctx.title}")`;
  switch (event) {
    case 'submit':
      return {
        subject: `[DVC] Đã tiếp nhận phản ánh, kiến nghị ${s.code}`,
        body: `${head}Hệ thống đã nhận ${ref} lúc ${formatVnHuman(new Date(s.receivedAt))}, gửi ${ctx.agencyName}.\nThời hạn xử lý, trả lời: 20 ngày, đến ${formatVnHuman(answerDueAt(s))}.${footer(ctx)}`,
      };
    case 'not_accept':
      return { subject: `[DVC] Phản ánh, kiến nghị ${s.code} không được tiếp nhận`, body: `${head}${ref} không được tiếp nhận.\nLý do: ${ctx.text ?? ''}${footer(ctx)}` };
    case 'request_clarification':
      return {
        subject: `[DVC] Đề nghị làm rõ phản ánh, kiến nghị ${s.code}`,
        body: `${head}${ctx.agencyName} đề nghị bạn bổ sung, làm rõ ${ref}:\n\n${ctx.text ?? ''}\n\nVui lòng trả lời trên Cổng Dịch vụ công.${footer(ctx)}`,
      };
    case 'clarify':
      return { subject: `[DVC] Đã nhận nội dung làm rõ ${s.code}`, body: `${head}Hệ thống đã nhận nội dung làm rõ của ${ref}. Thời hạn trả lời 20 ngày tính lại từ ${formatVnHuman(new Date(s.answerFrom))}.${footer(ctx)}` };
    case 'transfer':
      return { subject: `[DVC] Phản ánh, kiến nghị ${s.code} được chuyển cơ quan có thẩm quyền`, body: `${head}${ref} đã được chuyển đến ${ctx.agencyName} là cơ quan có thẩm quyền xử lý.\nLý do: ${ctx.text ?? ''}${footer(ctx)}` };
    case 'accept':
      return { subject: `[DVC] Phản ánh, kiến nghị ${s.code} đang được xử lý`, body: `${head}${ctx.agencyName} đã tiếp nhận xử lý ${ref}.${footer(ctx)}` };
    case 'escalate_to_lead':
      return { subject: `[DVC] Phản ánh, kiến nghị ${s.code} được chuyển cơ quan chủ trì`, body: `${head}${ref} được chuyển đến ${ctx.agencyName} chủ trì xử lý, trả lời.${footer(ctx)}` };
    case 'post_progress':
      return { subject: `[DVC] Cập nhật tình hình xử lý phản ánh, kiến nghị ${s.code}`, body: `${head}Tình hình xử lý ${ref}:\n\n${ctx.text ?? ''}${footer(ctx)}` };
    case 'clarification_reminder':
      return {
        subject: `[DVC] Nhắc hạn làm rõ phản ánh, kiến nghị ${s.code}`,
        body: `${head}${ctx.agencyName} vẫn đang chờ bạn làm rõ ${ref}. Nếu đến ${typeof ctx.endsAt === 'string' ? formatVnHuman(new Date(ctx.endsAt)) : 'hết thời hạn'} chưa nhận được nội dung làm rõ, phản ánh, kiến nghị sẽ được đóng.${footer(ctx)}`,
      };
    case 'clarification_expired':
      return {
        subject: `[DVC] Đóng phản ánh, kiến nghị ${s.code}`,
        body: `${head}${ref} đã được đóng vì không nhận được nội dung làm rõ trong thời hạn. Bạn có thể gửi phản ánh, kiến nghị mới với nội dung đầy đủ.${footer(ctx)}`,
      };
    case 'approve_answer':
      return { subject: `[DVC] Kết quả trả lời phản ánh, kiến nghị ${s.code} đã được công khai`, body: `${head}Kết quả trả lời ${ref} đã được đăng tải công khai trên Cổng Dịch vụ công quốc gia:\n\n${ctx.text ?? ''}${footer(ctx)}` };
    default:
      return null;
  }
}

const BACKLOG_KIND_LABELS: Record<string, string> = {
  classification: 'Thời hạn phân loại',
  answer: 'Thời hạn trả lời 20 ngày',
  progress: 'Kỳ cập nhật tình hình 07 ngày',
  result_entry: 'Thời hạn cập nhật kết quả',
};

/** What officers read when a clock runs out: a reminder to the processing officers, an escalation to supervisors. */
export function feedbackOfficerMessage(event: FeedbackSystemEvent, s: FeedbackState, payload: Record<string, unknown>): { audience: 'processing' | 'supervisors'; message: Message }[] {
  const ref = `Phản ánh, kiến nghị ${s.code}`;
  const nextBy = typeof payload.nextUpdateBy === 'string' ? formatVnHuman(new Date(payload.nextUpdateBy)) : '';
  const reminder = { audience: 'processing' as const, message: { subject: `[DVC][Nhắc việc] Cập nhật tình hình xử lý ${s.code}`, body: `${ref} đã quá thời hạn trả lời 20 ngày. Đề nghị cập nhật tình hình xử lý trước ${nextBy} (định kỳ 07 ngày, Điều 44).` } };
  const escalation = (what: string) => ({ audience: 'supervisors' as const, message: { subject: `[DVC][Cảnh báo] ${ref}: ${what}`, body: `${ref}: ${what}. Đề nghị chỉ đạo xử lý.` } });
  switch (event) {
    case 'classification_overdue':
      return [escalation(`quá hạn phân loại (${String(payload.workingDays)} ngày làm việc kể từ khi nhận)`)];
    case 'answer_overdue':
      return [escalation('quá thời hạn trả lời 20 ngày'), reminder];
    case 'progress_reminder':
      return [reminder];
    case 'progress_missed':
      return [escalation(`không cập nhật tình hình xử lý trong kỳ 07 ngày thứ ${String(payload.mark)}`), reminder];
    case 'result_entry_overdue':
      return [escalation('đã có kết quả nhưng chưa cập nhật trong 02 ngày làm việc')];
    case 'backlog': {
      // One notice for every deadline that passed before the feedback reached the system.
      const passed = Array.isArray(payload.passed) ? (payload.passed as { kind: string; at: string }[]) : [];
      const lines = passed.map((p) => `- ${BACKLOG_KIND_LABELS[p.kind] ?? p.kind}: ${formatVnHuman(new Date(p.at))}`).join('\n');
      return [{
        audience: 'supervisors',
        message: {
          subject: `[DVC][Cảnh báo] ${ref}: ${passed.length} mốc thời hạn đã qua trước khi được nhập vào hệ thống`,
          body: `${ref} được nhập vào hệ thống sau thời điểm tiếp nhận (${formatVnHuman(new Date(s.receivedAt))}); các mốc sau đã qua:\n${lines}\n\nĐề nghị chỉ đạo xử lý ngay${s.answerOverdue ? ` và cập nhật tình hình xử lý trước ${nextBy}` : ''}.`,
        },
      }, ...(s.answerOverdue ? [reminder] : [])];
    }
    case 'clarification_reminder':
    case 'clarification_expired':
    case 'deadlines_moved':
      // The citizen's wait, or clocks moved by the calendar: the agency reads it in the history and its queue.
      return [];
    default:
      return [{ audience: 'supervisors', message: { subject: `[DVC] ${ref}: ${FEEDBACK_ACTION_LABELS[event]}`, body: ref } }];
  }
}
