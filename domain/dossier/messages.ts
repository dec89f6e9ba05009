import { formatVnHuman } from '../working-time/local-time';
import type { DossierState } from './state';
import type { DossierActionType, DossierSystemEvent } from './vocabulary';
import { STATUS_LABELS } from './vocabulary';

export interface Message {
  subject: string;
  body: string;
}

export interface MessageContext {
  procedureName: string;
  agencyName: string;
  citizenName: string;
  trackingUrl: string;
  payload: Record<string, unknown>;
  resultCode: string | null;
}

/** The citizen's data store (Kho quản lý dữ liệu điện tử) on the portal that sent the tracking link. */
const storeUrl = (ctx: { trackingUrl: string }) => `${ctx.trackingUrl.replace(/\/ho-so\/.*$/, '')}/kho-du-lieu`;

const footer = (ctx: MessageContext) =>
  `\n\nXem hồ sơ: ${ctx.trackingUrl}\n\nThư này được gửi tự động từ Cổng Dịch vụ công quốc gia, vui lòng không trả lời.`;

/**
 * The key of the citizen's message about a new appointment date: one message per date, whether the change
 * job moved it in the records or the process took it when it woke (issue 30).
 */
export const appointmentNoticeKey = (code: string, legalDueAt: string) => `dossier:${code}:appointment:${legalDueAt}:citizen`;

/** What the citizen reads after each change of their dossier (RULES.md §1.3, §1.5, §1.10), in Vietnamese. */
export function citizenMessage(event: DossierActionType | DossierSystemEvent, s: DossierState, ctx: MessageContext): Message | null {
  const head = `Kính gửi ${ctx.citizenName},\n\n`;
  const ref = `hồ sơ ${s.code} (thủ tục "${ctx.procedureName}", ${ctx.agencyName})`;
  const p = ctx.payload;
  switch (event) {
    case 'submit':
      return {
        subject: `[DVC] Xác nhận nộp hồ sơ ${s.code}`,
        body: `${head}Hệ thống đã nhận ${ref} lúc ${formatVnHuman(new Date(s.receivedAt))} (thời điểm tiếp nhận chính thức trên hệ thống).\nCơ quan có thẩm quyền sẽ kiểm tra và tiếp nhận hoặc hướng dẫn bổ sung trong vòng 8 giờ làm việc.${footer(ctx)}`,
      };
    case 'accept':
      return {
        subject: `[DVC] Biên nhận điện tử hồ sơ ${s.code}`,
        body: `${head}${ref} đã được tiếp nhận.\n\nBIÊN NHẬN ĐIỆN TỬ\nMã hồ sơ: ${s.code}\nThời điểm tiếp nhận: ${formatVnHuman(new Date(s.receivedAt))}\nThời điểm chấp nhận hồ sơ: ${formatVnHuman(new Date(s.acceptedAt!))}\nCơ quan giải quyết: ${ctx.agencyName}\nThời hạn giải quyết: ${s.processingDays} ngày làm việc${s.legalDueAt ? `, hẹn trả kết quả ${formatVnHuman(new Date(s.legalDueAt))}` : ''}${s.feeAmount > 0 ? `\nPhí, lệ phí phải nộp: ${s.feeAmount.toLocaleString('vi-VN')} đồng (hồ sơ được xử lý sau khi nộp phí)` : ''}${footer(ctx)}`,
      };
    case 'request_supplement': {
      const items = Array.isArray(p.items) && p.items.length > 0 ? `\nThành phần cần bổ sung:\n${(p.items as string[]).map((i) => `  - ${i}`).join('\n')}` : '';
      return {
        subject: `[DVC] Yêu cầu bổ sung hồ sơ ${s.code}`,
        body: `${head}${ref} cần được bổ sung, hoàn thiện theo hướng dẫn sau:\n\n${String(p.guidance)}${items}\n\nVui lòng bổ sung trên Cổng Dịch vụ công; mã hồ sơ không thay đổi. Thời gian chờ bổ sung không tính vào thời hạn giải quyết.${footer(ctx)}`,
      };
    }
    case 'reject':
      return {
        subject: `[DVC] Hồ sơ ${s.code} không được tiếp nhận`,
        body: `${head}${ref} không được tiếp nhận.\nLý do: ${String(p.reason)}${footer(ctx)}`,
      };
    case 'supplement':
      return {
        subject: `[DVC] Đã nhận hồ sơ bổ sung ${s.code}`,
        body: `${head}Hệ thống đã nhận bản bổ sung (phiên bản ${s.formVersion}) của ${ref}.${footer(ctx)}`,
      };
    case 'confirm_payment':
      return {
        subject: `[DVC] Xác nhận đã nộp phí hồ sơ ${s.code}`,
        body: `${head}Cơ quan đã xác nhận khoản phí ${s.feeAmount.toLocaleString('vi-VN')} đồng (biên lai ${String(p.receiptNumber)}) cho ${ref}. Hồ sơ được chuyển xử lý.${footer(ctx)}`,
      };
    case 'issue_result':
      return {
        subject: `[DVC] Kết quả giải quyết hồ sơ ${s.code}`,
        body: `${head}${ref} đã có kết quả: "${String(p.title)}".\nMã kết quả: ${ctx.resultCode}\nKết quả điện tử có chữ ký số của cơ quan đã được lưu vào Kho dữ liệu điện tử của bạn trên Cổng (${storeUrl(ctx)}, sau khi đăng nhập) và dùng lại được khi nộp hồ sơ khác; bạn cũng tải được tại trang hồ sơ.${footer(ctx)}`,
      };
    case 'waiting_reminder':
      return {
        subject: `[DVC] Nhắc hạn ${p.kind === 'fee' ? 'nộp phí, lệ phí' : 'bổ sung'} hồ sơ ${s.code}`,
        body: `${head}${ref} đang chờ bạn ${p.kind === 'fee' ? 'nộp phí, lệ phí' : 'bổ sung giấy tờ theo hướng dẫn'}. Nếu đến ${formatVnHuman(new Date(String(p.endsAt)))} hồ sơ vẫn chưa được ${p.kind === 'fee' ? 'nộp phí' : 'bổ sung'}, hồ sơ sẽ được trả lại.${footer(ctx)}`,
      };
    case 'waiting_expired':
      return {
        subject: `[DVC] Trả lại hồ sơ ${s.code}`,
        body: `${head}${ref} đã được trả lại vì quá thời hạn ${p.kind === 'fee' ? 'nộp phí, lệ phí' : 'bổ sung hồ sơ'} (${String(p.days)} ngày, từ ${formatVnHuman(new Date(String(p.since)))}). Bạn có thể nộp hồ sơ mới khi đã chuẩn bị đủ.${footer(ctx)}`,
      };
    case 'withdraw':
      return {
        subject: `[DVC] Xác nhận rút hồ sơ ${s.code}`,
        body: `${head}Bạn đã rút ${ref}.${footer(ctx)}`,
      };
    case 'deadline_moved': {
      // Only the appointment date concerns the citizen; the receipt they hold keeps its original text.
      const from = (p.from as { legalDueAt?: string | null } | undefined)?.legalDueAt;
      if (!from || !s.legalDueAt || from === s.legalDueAt) return null;
      return {
        subject: `[DVC] Thay đổi ngày hẹn trả kết quả hồ sơ ${s.code}`,
        body: `${head}Do lịch nghỉ, làm việc bù mới được công bố, ngày hẹn trả kết quả của ${ref} được điều chỉnh từ ${formatVnHuman(new Date(from))} thành ${formatVnHuman(new Date(s.legalDueAt))}. Thời hạn giải quyết vẫn là ${s.processingDays} ngày làm việc.${footer(ctx)}`,
      };
    }
    case 'claim':
    case 'acceptance_overdue':
    case 'overdue':
      return null;
    default:
      return {
        subject: `[DVC] Hồ sơ ${s.code}: ${STATUS_LABELS[s.status]}`,
        body: `${head}${ref} chuyển sang trạng thái "${STATUS_LABELS[s.status]}".${footer(ctx)}`,
      };
  }
}

/** What supervisors read when a deadline passes (escalation). */
export function supervisorMessage(event: 'acceptance_overdue' | 'overdue', s: DossierState, ctx: MessageContext): Message {
  if (event === 'acceptance_overdue') {
    return {
      subject: `[DVC][Cảnh báo] Hồ sơ ${s.code} quá hạn tiếp nhận`,
      body: `Hồ sơ ${s.code} (thủ tục "${ctx.procedureName}") nhận lúc ${formatVnHuman(new Date(s.acceptanceClockFrom))} đã quá 8 giờ làm việc mà chưa được tiếp nhận hoặc hướng dẫn bổ sung (Nghị định 45/2020/NĐ-CP, Điều 11).\nĐề nghị chỉ đạo xử lý ngay.`,
    };
  }
  return {
    subject: `[DVC][Cảnh báo mức ${s.overdueLevel}] Hồ sơ ${s.code} quá hạn giải quyết`,
    body: `Hồ sơ ${s.code} (thủ tục "${ctx.procedureName}") có hạn giải quyết ${s.legalDueAt ? formatVnHuman(new Date(s.legalDueAt)) : ''} và hiện ở trạng thái "${STATUS_LABELS[s.status]}".\nMức cảnh báo: ${s.overdueLevel}. Đề nghị chỉ đạo xử lý.`,
  };
}

/** The citizen's notice that a result of their dossier was revoked (003 §15.1), with the reason. */
export function revocationMessage(ctx: { code: string; resultCode: string; reason: string; procedureName: string; agencyName: string; citizenName: string; trackingUrl: string }): Message {
  return {
    subject: `Thu hồi kết quả giải quyết hồ sơ ${ctx.code}`,
    body:
      `Kính gửi ${ctx.citizenName},\n\n${ctx.agencyName} đã thu hồi kết quả ${ctx.resultCode} của hồ sơ ${ctx.code} (thủ tục "${ctx.procedureName}").\n` +
      `Lý do: ${ctx.reason}\n\nKết quả bị thu hồi không còn giá trị sử dụng; vẫn tra cứu được kèm thời điểm thu hồi; trong Kho dữ liệu điện tử của bạn (${storeUrl(ctx)}) kết quả được đánh dấu đã thu hồi và không dùng được cho hồ sơ mới.` +
      `\n\nXem hồ sơ: ${ctx.trackingUrl}\n\nThư này được gửi tự động từ Cổng Dịch vụ công quốc gia, vui lòng không trả lời.`,
  };
}
