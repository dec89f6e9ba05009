import { Router } from 'express';
import { z } from 'zod';
import { CancelMaintenance, MaintenanceBody, MaintenanceStatus } from '../../domain/service-desk/maintenance';
import { mount } from '../access';
import { parse } from '../errors';
import { AgencyCode, Instant, Items, Page, QueryFlag, Uuid } from '../schemas';
import type { MaintenanceNotices } from './maintenance';
import type { AccountComplaints } from './complaints';
import type { AdminAccountRequests } from './admin-accounts';
import type { SupportRequests } from './support';
import { SupportAction, SupportBody, SupportKind, SupportStatus } from '../../domain/service-desk/support';
import { OfficerRole } from '../../domain/access/roles';
import { ADMIN_REQUESTERS, AdminAccountRequestBody, AdminRequestDecision, AdminRequestStatus } from '../../domain/service-desk/admin-accounts';
import { ComplaintAction, ComplaintBody, ComplaintChannel, ComplaintKind, ComplaintOnBehalfBody, ComplaintStatus } from '../../domain/service-desk/complaints';

export const MaintenanceCode = z.string().regex(/^BT-\d{6}$/).describe('Mã thông báo bảo trì, ví dụ BT-000001');
const Notice = z.object({
  code: MaintenanceCode, title: z.string(), description: z.string(), startsAt: Instant, endsAt: Instant, emergency: z.boolean(), emergencyReason: z.string().nullable(),
  status: MaintenanceStatus, statusLabel: z.string(), announcedAt: Instant, cancelReason: z.string().nullable(),
});
const OPERATORS = ['operator', 'system_admin'] as const;

export const ComplaintCode = z.string().regex(/^KN-\d{6}$/).describe('Mã khiếu nại, ví dụ KN-000001');
const Complaint = z.object({
  code: ComplaintCode, accountId: Uuid, kind: ComplaintKind, kindLabel: z.string(), description: z.string(), status: ComplaintStatus, statusLabel: z.string(),
  filedAt: Instant, notifyDueAt: Instant, outcomeDueAt: Instant, notifyOverdue: z.boolean(), outcomeOverdue: z.boolean(),
  outcome: z.enum(['upheld', 'rejected']).nullable(), outcomeNote: z.string().nullable(), resolvedAt: Instant.nullable(), channel: ComplaintChannel, channelLabel: z.string(),
});
const ComplaintWithHistory = Complaint.extend({ history: z.array(z.object({ action: z.string(), at: Instant, status: ComplaintStatus })) });
const COMPLAINT_READERS = ['citizen', 'operator', 'system_admin'] as const;
/** A list of complaints by status, kind, channel, or only those past a clock (`overdue=true`). */
export const ComplaintFilterQuery = z.object({
  status: ComplaintStatus.optional(), kind: ComplaintKind.optional(), channel: ComplaintChannel.optional(),
  overdue: QueryFlag.optional().describe('true: chỉ các khiếu nại đã quá 24 hoặc 48 giờ và chưa có kết quả'),
}).strict();
const ComplaintListQuery = Page.extend(ComplaintFilterQuery.shape).strict();
const Overdue = (what: string) => QueryFlag.optional().describe(`true: chỉ ${what}`);
/** Operators' list of support requests by status, kind, agency, or only those past their clock and not closed. */
export const SupportFilterQuery = z.object({
  status: SupportStatus.optional(), kind: SupportKind.optional(), agencyCode: AgencyCode.optional(), overdue: Overdue('các yêu cầu đã quá hạn xử lý và chưa đóng'),
}).strict();
/** Administrator account requests by status, agency, or only the pending ones past their 2 working hours. */
export const AdminRequestFilterQuery = z.object({
  status: AdminRequestStatus.optional(), agencyCode: AgencyCode.optional(), overdue: Overdue('các đề nghị đang chờ đã quá 2 giờ làm việc'),
}).strict();
/** Maintenance notices by status, and emergency (true) or planned (false). */
export const MaintenanceFilterQuery = z.object({
  status: MaintenanceStatus.optional(), emergency: QueryFlag.optional().describe('true: chỉ bảo trì khẩn cấp; false: chỉ bảo trì theo kế hoạch'),
}).strict();

export const AdminRequestCode = z.string().regex(/^QT-\d{6}$/).describe('Mã đề nghị cấp tài khoản quản trị, ví dụ QT-000001');
const AdminRequest = z.object({
  code: AdminRequestCode, agencyCode: z.string(), subject: z.string(), fullName: z.string(), email: z.string(), roleGroups: z.array(z.string()), justification: z.string(),
  status: AdminRequestStatus, statusLabel: z.string(), requestedAt: Instant, dueAt: Instant.nullable(), overdue: z.boolean(), refusalReason: z.string().nullable(),
  accountId: Uuid.nullable(), decidedAt: Instant.nullable(),
});
const ADMIN_REQUEST_READERS = [...ADMIN_REQUESTERS, 'system_admin', 'operator'] as const;
export const SupportCode = z.string().regex(/^HT-\d{6}$/).describe('Mã yêu cầu hỗ trợ, ví dụ HT-000001');
const Support = z.object({
  code: SupportCode, requesterId: Uuid, agencyCode: z.string().nullable(), kind: SupportKind, kindLabel: z.string(), title: z.string(), description: z.string(),
  status: SupportStatus, statusLabel: z.string(), complexity: z.enum(['simple', 'complex']).nullable(), receivedAt: Instant, expectedAt: Instant.nullable(), dueAt: Instant.nullable(),
  escalated: z.boolean(), resolution: z.string().nullable(), closedAt: Instant.nullable(),
});
const SupportWithHistory = Support.extend({ history: z.array(z.object({ action: z.string(), at: Instant, status: SupportStatus })) });
/** Who asks for support: agencies' officers and connected systems. */
const SUPPORT_REQUESTERS = [...OfficerRole.options, 'integration'] as const;
const SUPPORT_PARTIES = [...SUPPORT_REQUESTERS, 'operator', 'system_admin'] as const;

const SupportListQuery = Page.extend(SupportFilterQuery.shape).strict();
const AdminRequestListQuery = Page.extend(AdminRequestFilterQuery.shape).strict();
const MaintenanceListQuery = Page.extend(MaintenanceFilterQuery.shape).strict();

/** The service desk's routes (issue 17): maintenance notices, account complaints, administrator account requests, support requests. */
export function serviceDeskRoutes(maintenance: MaintenanceNotices, complaints: AccountComplaints, adminRequests: AdminAccountRequests, support: SupportRequests): Router {
  const router = Router();
  const TAG = 'Vận hành';
  mount(router, {
    method: 'get', path: '/api/maintenance', tag: TAG, access: 'public', responses: { 200: Items(Notice) },
    summary: 'Các đợt bảo trì đã thông báo hoặc đang diễn ra (chưa kết thúc), sớm nhất trước.',
    handler: async (_req, res) => void res.json({ items: await maintenance.current() }),
  });
  mount(router, {
    method: 'get', path: '/api/maintenance/all', tag: TAG, access: OPERATORS, query: MaintenanceListQuery, responses: { 200: Items(Notice) },
    summary: 'Mọi thông báo bảo trì, mới nhất trước; lọc theo trạng thái, khẩn cấp hay theo kế hoạch.',
    handler: async (req, res) => {
      const { limit, offset, ...filter } = parse(MaintenanceListQuery, req.query);
      res.json({ items: await maintenance.list({ limit, offset }, filter) });
    },
  });
  mount(router, {
    method: 'post', path: '/api/maintenance', tag: TAG, access: OPERATORS, body: MaintenanceBody, responses: { 201: Notice }, conflicts: true,
    summary: 'Thông báo bảo trì theo kế hoạch: trước ít nhất 5 ngày làm việc (khẩn cấp thì ít hơn, phải nêu lý do); các cơ quan và hệ thống kết nối được báo qua thư, Cổng hiện thông báo đến khi kết thúc.',
    handler: async (req, res) => void res.status(201).json(await maintenance.announce(req.actor!, parse(MaintenanceBody, req.body), String(req.id))),
  });
  mount(router, {
    method: 'post', path: '/api/maintenance/:code/cancel', tag: TAG, access: OPERATORS, params: z.object({ code: MaintenanceCode }), body: CancelMaintenance, responses: { 200: Notice }, conflicts: true,
    summary: 'Hủy đợt bảo trì (trước khi kết thúc), kèm lý do; các bên đã được báo nhận thư hủy.',
    handler: async (req, res) => void res.json(await maintenance.cancel(req.actor!, String(req.params.code), parse(CancelMaintenance, req.body).reason, String(req.id))),
  });
  mount(router, {
    method: 'post', path: '/api/account-complaints', tag: 'Tài khoản', access: ['citizen'], body: ComplaintBody, responses: { 201: Complaint },
    summary: 'Khiếu nại về tài khoản (bị khóa không đúng, thông tin sai, bị người khác sử dụng): các bên liên quan được thông báo trong 24 giờ, có kết quả trong 48 giờ.',
    handler: async (req, res) => void res.status(201).json(await complaints.file({ channel: 'portal', actor: req.actor! }, parse(ComplaintBody, req.body), String(req.id))),
  });
  mount(router, {
    method: 'post', path: '/api/account-complaints/on-behalf', tag: 'Tài khoản', access: ['operator', 'system_admin'], body: ComplaintOnBehalfBody, responses: { 201: Complaint },
    summary: 'Cán bộ vận hành ghi nhận khiếu nại thay công dân (qua điện thoại, tại quầy), theo tên đăng nhập của công dân; có ghi nhật ký, cùng thời hạn 24 và 48 giờ.',
    handler: async (req, res) => {
      const { account, ...body } = parse(ComplaintOnBehalfBody, req.body);
      res.status(201).json(await complaints.file({ channel: 'operator', actor: req.actor!, accountSubject: account }, body, String(req.id)));
    },
  });
  mount(router, {
    method: 'get', path: '/api/account-complaints', tag: 'Tài khoản', access: COMPLAINT_READERS, query: ComplaintListQuery, responses: { 200: Items(Complaint) },
    summary: 'Khiếu nại của tôi; với cán bộ vận hành, quản trị: mọi khiếu nại, chưa xong và gần hạn trước.',
    handler: async (req, res) => {
      const { limit, offset, ...filter } = parse(ComplaintListQuery, req.query);
      res.json({ items: await complaints.list(req.actor!, { limit, offset }, filter) });
    },
  });
  mount(router, {
    method: 'get', path: '/api/account-complaints/:code', tag: 'Tài khoản', access: COMPLAINT_READERS, params: z.object({ code: ComplaintCode }), responses: { 200: ComplaintWithHistory },
    summary: 'Một khiếu nại và quá trình giải quyết.',
    handler: async (req, res) => void res.json(await complaints.get(req.actor!, String(req.params.code))),
  });
  mount(router, {
    method: 'post', path: '/api/account-complaints/:code/actions', tag: 'Tài khoản', access: ['operator', 'system_admin'], params: z.object({ code: ComplaintCode }), body: ComplaintAction,
    responses: { 200: ComplaintWithHistory }, conflicts: true,
    summary: 'Giải quyết khiếu nại: thông báo các bên liên quan; trả lời kết quả (có thể mở khóa tài khoản, có ghi nhật ký).',
    handler: async (req, res) => void res.json(await complaints.act(req.actor!, String(req.params.code), parse(ComplaintAction, req.body), String(req.id))),
  });
  mount(router, {
    method: 'post', path: '/api/admin-account-requests', tag: 'Tài khoản', access: ADMIN_REQUESTERS, body: AdminAccountRequestBody, responses: { 201: AdminRequest }, conflicts: true,
    summary: 'Đơn vị đề nghị cấp tài khoản quản trị (đơn vị mình hoặc đơn vị trực thuộc; chỉ nhóm quyền quản trị đơn vị): quản trị hệ thống xử lý trong 2 giờ làm việc.',
    handler: async (req, res) => void res.status(201).json(await adminRequests.request(req.actor!, parse(AdminAccountRequestBody, req.body), String(req.id))),
  });
  mount(router, {
    method: 'get', path: '/api/admin-account-requests', tag: 'Tài khoản', access: ADMIN_REQUEST_READERS, query: AdminRequestListQuery, responses: { 200: Items(AdminRequest) },
    summary: 'Đề nghị cấp tài khoản quản trị: của đơn vị mình (và trực thuộc); với quản trị hệ thống, vận hành: tất cả, đang chờ và gần hạn trước; lọc theo trạng thái, đơn vị, quá hạn.',
    handler: async (req, res) => {
      const { limit, offset, ...filter } = parse(AdminRequestListQuery, req.query);
      res.json({ items: await adminRequests.list(req.actor!, { limit, offset }, filter) });
    },
  });
  mount(router, {
    method: 'post', path: '/api/admin-account-requests/:code/decision', tag: 'Tài khoản', access: ['system_admin'], params: z.object({ code: AdminRequestCode }), body: AdminRequestDecision,
    responses: { 200: AdminRequest }, conflicts: true,
    summary: 'Quản trị hệ thống cấp tài khoản (đúng nhóm quyền đề nghị) hoặc từ chối kèm lý do.',
    handler: async (req, res) => void res.json(await adminRequests.decide(req.actor!, String(req.params.code), parse(AdminRequestDecision, req.body), String(req.id))),
  });
  mount(router, {
    method: 'post', path: '/api/support-requests', tag: 'Vận hành', access: SUPPORT_REQUESTERS, body: SupportBody, responses: { 201: Support },
    summary: 'Gửi yêu cầu hỗ trợ hoặc báo sự cố: xử lý trong 8 giờ làm việc; yêu cầu phức tạp được công bố thời điểm dự kiến hoàn thành.',
    handler: async (req, res) => void res.status(201).json(await support.submit(req.actor!, parse(SupportBody, req.body), String(req.id))),
  });
  mount(router, {
    method: 'get', path: '/api/support-requests', tag: 'Vận hành', access: SUPPORT_PARTIES, query: SupportListQuery, responses: { 200: Items(Support) },
    summary: 'Yêu cầu của tôi; với cán bộ vận hành, quản trị: mọi yêu cầu, chưa đóng và gần hạn trước; lọc theo trạng thái, loại, đơn vị, quá hạn.',
    handler: async (req, res) => {
      const { limit, offset, ...filter } = parse(SupportListQuery, req.query);
      res.json({ items: await support.list(req.actor!, { limit, offset }, filter) });
    },
  });
  mount(router, {
    method: 'get', path: '/api/support-requests/:code', tag: 'Vận hành', access: SUPPORT_PARTIES, params: z.object({ code: SupportCode }), responses: { 200: SupportWithHistory },
    summary: 'Một yêu cầu hỗ trợ và quá trình xử lý.',
    handler: async (req, res) => void res.json(await support.get(req.actor!, String(req.params.code))),
  });
  mount(router, {
    method: 'post', path: '/api/support-requests/:code/actions', tag: 'Vận hành', access: SUPPORT_PARTIES, params: z.object({ code: SupportCode }), body: SupportAction,
    responses: { 200: SupportWithHistory }, conflicts: true,
    summary: 'Xử lý yêu cầu: phân loại (phức tạp: kèm thời điểm dự kiến), điều chỉnh thời điểm dự kiến kèm lý do, xử lý xong; người yêu cầu xác nhận hoặc mở lại.',
    handler: async (req, res) => void res.json(await support.act(req.actor!, String(req.params.code), parse(SupportAction, req.body), String(req.id))),
  });
  return router;
}
