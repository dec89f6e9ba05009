import { z } from 'zod';

/**
 * Officer role groups (nhóm quyền cán bộ, RULES.md §5.3 / 002 §12.1), plus the citizen, the system
 * administrator, the portal operator and integration accounts (002 §8.2).
 */
export const OfficerRole = z.enum([
  'receiving_officer', // cán bộ tiếp nhận
  'processing_officer', // cán bộ xử lý
  'supervising_officer', // cán bộ giám sát
  'result_officer', // cán bộ trả kết quả
  'clerk', // văn thư
  'fee_officer', // cán bộ thu phí
  'unit_leader', // lãnh đạo đơn vị
  'unit_admin', // quản trị đơn vị
]);
export type OfficerRole = z.infer<typeof OfficerRole>;

/** `integration`: an agency's own system; `bank`: a bank's or payment intermediary's system (its statements, its discrepancy answers). */
export const Role = z.enum([...OfficerRole.options, 'citizen', 'system_admin', 'operator', 'integration', 'bank']);
export type Role = z.infer<typeof Role>;

export const ROLE_LABELS: Record<Role, string> = {
  receiving_officer: 'Cán bộ tiếp nhận',
  processing_officer: 'Cán bộ xử lý',
  supervising_officer: 'Cán bộ giám sát',
  result_officer: 'Cán bộ trả kết quả',
  clerk: 'Văn thư',
  fee_officer: 'Cán bộ thu phí',
  unit_leader: 'Lãnh đạo đơn vị',
  unit_admin: 'Quản trị đơn vị',
  citizen: 'Công dân',
  system_admin: 'Quản trị hệ thống',
  operator: 'Vận hành',
  integration: 'Tài khoản tích hợp',
  bank: 'Ngân hàng, trung gian thanh toán (tài khoản tích hợp)',
};

/** Who is acting: the signed-in account with its roles, scoped to an agency for officers. */
export interface Actor {
  id: string;
  name: string;
  roles: Role[];
  agencyCode: string | null;
  /** A bank's integration account: the payment unit it speaks for (ngân hàng, trung gian thanh toán). */
  bankCode?: string | null;
}

export function isOfficerRole(role: Role): role is OfficerRole {
  return (OfficerRole.options as readonly string[]).includes(role);
}
