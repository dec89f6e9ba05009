import { z } from 'zod';
import { trimmedText } from '../text';

/**
 * An online service's life (dịch vụ công trực tuyến, RULES.md §3; 000 §27–28, 003 §23.5), shared by the
 * API, the workflow and the read model.
 */
export const ServiceStatus = z.enum([
  'declared', // đã khai báo
  'review_pending', // chờ duyệt công khai thử nghiệm (operator, 2 working days)
  'returned', // trả lại để hoàn thiện
  'testing', // công khai thử nghiệm (agency tests, 5 working days)
  'report_review', // chờ xác nhận kết quả thử nghiệm (operator, 2 working days)
  'pilot', // thí điểm (2 months)
  'official', // vận hành chính thức
  'suspended', // tạm dừng
  'stopped', // dừng cung cấp
]);
export type ServiceStatus = z.infer<typeof ServiceStatus>;

export const SERVICE_STATUS_LABELS: Record<ServiceStatus, string> = {
  declared: 'Đã khai báo',
  review_pending: 'Chờ duyệt công khai thử nghiệm',
  returned: 'Trả lại để hoàn thiện',
  testing: 'Công khai thử nghiệm',
  report_review: 'Chờ xác nhận kết quả thử nghiệm',
  pilot: 'Thí điểm',
  official: 'Vận hành chính thức',
  suspended: 'Tạm dừng cung cấp',
  stopped: 'Dừng cung cấp',
};

/** The statuses in which the service takes new dossiers (in testing, as test dossiers). */
export const ACCEPTING_STATUSES: readonly ServiceStatus[] = ['testing', 'pilot', 'official'];

const text = trimmedText;
/** A dossier code, as the test report lists them. */
const DossierCodeText = z.string().regex(/^[A-Z]{2,10}-[A-Z]{2,12}-\d{6}-\d{6}$/);

/** Every step people take on a service's publication. */
export const PublicationAction = z.discriminatedUnion('type', [
  /** The agency asks for publication for testing (đề nghị công khai thử nghiệm). */
  z.object({ type: z.literal('request_test_publication'), note: text(0, 2000).optional() }),
  /** The operator makes it public for testing. */
  z.object({ type: z.literal('publish_for_testing'), note: text(0, 2000).optional() }),
  /** The operator returns it for completion, with what to complete. */
  z.object({ type: z.literal('return_for_completion'), reason: text(10, 2000) }),
  /** The agency's test report: procedure, service and the test dossiers completed. */
  z.object({ type: z.literal('submit_test_report'), procedureName: text(3, 500), serviceName: text(3, 500), dossierCodes: z.array(DossierCodeText).min(1).max(100) }),
  /** The operator's confirmation: passed (stays public, pilot begins) or failed (unpublished, returned). */
  z.object({ type: z.literal('confirm_test'), passed: z.boolean(), note: text(0, 2000).optional() }),
  /** Suspension or stop for poor quality or many complaints (000 §28.4). */
  z.object({ type: z.literal('suspend'), reason: text(10, 2000) }),
  z.object({ type: z.literal('resume'), note: text(0, 2000).optional() }),
  z.object({ type: z.literal('stop'), reason: text(10, 2000) }),
]);
export type PublicationAction = z.infer<typeof PublicationAction>;
export type PublicationActionType = PublicationAction['type'];

/** Events the process records on its own. */
export type PublicationSystemEvent = 'declare' | 'review_overdue' | 'testing_overdue' | 'report_review_overdue' | 'pilot_completed' | 'deadline_moved';

export const PUBLICATION_ACTION_LABELS: Record<PublicationActionType | PublicationSystemEvent, string> = {
  declare: 'Khai báo dịch vụ công trực tuyến',
  request_test_publication: 'Đề nghị công khai thử nghiệm',
  publish_for_testing: 'Công khai thử nghiệm',
  return_for_completion: 'Trả lại để hoàn thiện',
  submit_test_report: 'Gửi báo cáo kết quả thử nghiệm',
  confirm_test: 'Xác nhận kết quả thử nghiệm',
  suspend: 'Tạm dừng cung cấp',
  resume: 'Cung cấp trở lại',
  stop: 'Dừng cung cấp',
  review_overdue: 'Quá hạn duyệt công khai thử nghiệm',
  testing_overdue: 'Quá hạn thử nghiệm',
  report_review_overdue: 'Quá hạn xác nhận kết quả thử nghiệm',
  pilot_completed: 'Kết thúc thí điểm, vận hành chính thức',
  deadline_moved: 'Điều chỉnh thời hạn theo lịch làm việc mới công bố',
};
