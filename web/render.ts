import type { Request, Response } from 'express';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { ROLE_LABELS, isOfficerRole, type Actor } from '../domain/access/roles';
import { formatVnHuman } from '../domain/working-time';

export const here = fileURLToPath(new URL('.', import.meta.url));
const eta = new Eta({ views: `${here}views`, cache: process.env.NODE_ENV === 'production' });

/** The session's CSRF token for the portal's forms (set by the web routes from the sign-in module). */
export type CsrfTokens = { token(req: Request): string; valid(req: Request, sent: unknown): boolean };

type NavLink = { href: string; label: string };
/** One group of the main menu: the links of one kind of work, so that the menu reads on a phone. */
type NavGroup = { label: string; links: NavLink[] };

/** The main menu an account sees, by its roles, grouped by kind of work (empty groups left out). */
function navigation(actor: Actor | undefined): NavGroup[] {
  const roles = actor?.roles ?? [];
  const any = (...rs: string[]) => roles.some((r) => rs.includes(r));
  const publicLinks: NavLink[] = [
    { href: '/', label: 'Thủ tục' },
    { href: '/tra-cuu', label: 'Tra cứu hồ sơ' },
    { href: '/phan-anh', label: 'Phản ánh, kiến nghị' },
    { href: '/xep-hang', label: 'Xếp hạng' },
  ];
  const mine: NavLink[] = roles.includes('citizen')
    ? [{ href: '/ho-so', label: 'Hồ sơ của tôi' }, { href: '/kho-du-lieu', label: 'Kho dữ liệu' }, { href: '/pakn', label: 'Phản ánh của tôi' }, { href: '/tai-khoan/khieu-nai', label: 'Khiếu nại tài khoản' }]
    : [];
  const work: NavLink[] = [];
  if (roles.some((r) => isOfficerRole(r) && r !== 'supervising_officer' && r !== 'clerk' && r !== 'unit_admin')) work.push({ href: '/can-bo', label: 'Hồ sơ cần xử lý' });
  if (any('receiving_officer', 'processing_officer', 'unit_leader')) work.push({ href: '/can-bo/pakn', label: 'Phản ánh cần xử lý' });
  if (any('supervising_officer', 'unit_leader')) work.push({ href: '/giam-sat', label: 'Giám sát quá hạn' });
  if (any('operator', 'fee_officer', 'unit_leader')) work.push({ href: '/doi-soat', label: 'Đối soát thanh toán' });
  if (any('supervising_officer', 'unit_leader', 'operator', 'system_admin')) work.push({ href: '/thong-ke', label: 'Thống kê' });
  if (roles.some((r) => isOfficerRole(r) || r === 'operator' || r === 'system_admin')) work.push({ href: '/ho-tro', label: 'Hỗ trợ, sự cố' });
  const admin: NavLink[] = [];
  if (any('operator', 'system_admin', 'unit_admin')) admin.push({ href: '/dich-vu', label: 'Dịch vụ công trực tuyến' });
  if (any('operator', 'system_admin')) admin.push({ href: '/van-hanh', label: 'Vận hành quy trình' }, { href: '/van-hanh/bao-tri', label: 'Bảo trì hệ thống' }, { href: '/van-hanh/khieu-nai', label: 'Khiếu nại tài khoản' });
  if (any('unit_leader', 'unit_admin', 'system_admin')) admin.push({ href: '/quan-tri/de-nghi', label: 'Tài khoản quản trị' });
  const groups: NavGroup[] = [
    { label: 'Dịch vụ công', links: publicLinks },
    { label: 'Của tôi', links: mine },
    { label: 'Công việc', links: work },
    { label: 'Vận hành, quản trị', links: admin },
  ];
  return groups.filter((g) => g.links.length > 0);
}

/**
 * Sends a page in the portal's layout: Vietnamese, escaped by the template engine, with the signed-in
 * account's name and navigation, and the CSRF token for its forms.
 */
export function renderPage(req: Request, res: Response, view: string, title: string, data: Record<string, unknown>, status = 200): void {
  const csrf = req.actor && req.authMethod === 'session' ? (req.app.locals.csrf as CsrfTokens).token(req) : '';
  const common = { actor: req.actor, csrf, when, roleLabel: (r: keyof typeof ROLE_LABELS) => ROLE_LABELS[r] };
  const body = eta.render(`./${view}`, { ...common, ...data });
  // Planned maintenance (002 §32.3): from its announcement to its end, on every page (loaded by webRoutes).
  const maintenance = res.locals.maintenance as unknown[] | undefined;
  const html = eta.render('./layout', { ...common, title, body, nav: navigation(req.actor), path: req.originalUrl, current: req.path, maintenance });
  res.status(status).type('html').setHeader('Cache-Control', req.actor ? 'private, no-store' : 'no-cache').send(html);
}

/** `HH:mm ngày DD/MM/YYYY`, Vietnam time. */
export const when = (instant: string | Date) => formatVnHuman(new Date(instant));

export const feeText = (amount: number) => (amount === 0 ? 'Không thu phí' : `${amount.toLocaleString('vi-VN')} đồng`);
