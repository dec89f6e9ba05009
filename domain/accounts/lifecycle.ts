import { z } from 'zod';

/**
 * Account lifecycle rules (RULES.md §5): inactivity locking and administrative locks.
 * - Officers, administrators, operators: locked 6 months after the last sign-in (002 §11.1.d).
 * - Citizens: 2 years without activity since the last sign-in, then a notice by email and SMS once a
 *   month for the next 2 months; after the last notice the account is locked (000 §13.2). The lock
 *   comes one month after the second notice, when the 2 months are over, never earlier.
 * - A sign-in (or activity) in between cancels the countdown.
 */
export const INACTIVITY = {
  officerMonths: 6,
  citizenYears: 2,
  notices: 2,
  noticeEveryMonths: 1,
} as const;

/** Why an account is locked (khóa tài khoản), 002 §11.1. */
export const LockKind = z.enum(['inactive', 'transfer', 'violation', 'authority_order', 'suspected_intrusion']);
export type LockKind = z.infer<typeof LockKind>;

export const LOCK_LABELS: Record<LockKind, string> = {
  inactive: 'không hoạt động trong thời gian quy định',
  transfer: 'cán bộ chuyển công tác',
  violation: 'vi phạm quy chế sử dụng',
  authority_order: 'theo yêu cầu của cơ quan có thẩm quyền',
  suspected_intrusion: 'nghi ngờ bị xâm nhập trái phép',
};

/** What a locked account's sign-in tells the person, in Vietnamese. */
export function lockedMessage(kind: LockKind | null): string {
  return `Tài khoản đã bị khóa${kind ? ` (${LOCK_LABELS[kind]})` : ''}. Vui lòng liên hệ quản trị viên hoặc Tổng đài hỗ trợ để được mở khóa.`;
}

/** The six-monthly account review period (002 §11.4) containing a date: `YYYY-H1` or `YYYY-H2`. */
export function reviewPeriod(localIsoDate: string): string {
  return `${localIsoDate.slice(0, 4)}-H${Number(localIsoDate.slice(5, 7)) <= 6 ? 1 : 2}`;
}

/** Days a unit has to confirm its review before it escalates. */
export const REVIEW_CONFIRM_DAYS = 30;
