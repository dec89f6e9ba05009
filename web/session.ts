import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Role } from '../domain/access/roles';
import { apiError, Errors } from '../api/errors';
import type { CsrfTokens } from './render';

/**
 * Pages for signed-in accounts: without a session the browser goes to sign in and comes back here; an
 * account without one of the roles gets the error page (403).
 */
export function signedIn(roles?: readonly Role[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.actor) {
      if (req.method === 'GET') return res.redirect(303, `/auth/login?next=${encodeURIComponent(req.originalUrl)}`);
      return next(Errors.unauthenticated());
    }
    if (roles && !req.actor.roles.some((r) => roles.includes(r))) return next(Errors.forbidden());
    next();
  };
}

/**
 * A form sent from the portal: from this site (Origin / Sec-Fetch-Site, when the browser says), carrying
 * the session's CSRF token. Anything else is refused before it changes anything.
 */
export function assertFormFromPortal(req: Request, sentToken: unknown, publicOrigin: string): void {
  const from = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if ((from !== undefined && from !== publicOrigin) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
    throw apiError(403, 'CROSS_SITE_REQUEST', 'Yêu cầu ghi dữ liệu phải xuất phát từ chính Cổng Dịch vụ công.');
  }
  if (!(req.app.locals.csrf as CsrfTokens).valid(req, sentToken)) {
    throw apiError(403, 'CSRF_TOKEN_INVALID', 'Biểu mẫu đã hết hiệu lực (mã chống giả mạo không khớp); vui lòng tải lại trang và gửi lại.');
  }
}
