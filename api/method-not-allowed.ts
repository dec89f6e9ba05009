import type { RequestHandler } from 'express';
import { ROUTES } from './access';
import { apiError } from './errors';

/**
 * A method that a known path does not have answers 405 with the methods it has (`Allow`), before
 * authentication or CSRF checks: the request names nothing the server does.
 */
export const methodNotAllowed: RequestHandler = (req, res, next) => {
  if (!req.path.startsWith('/api/')) return next();
  // A path spelled out in the route list (`/api/feedback/keyed`) is that route, not a code of `/api/feedback/:code`.
  const matching = ROUTES.filter((r) => pattern(r.path).test(req.path));
  const literal = matching.filter((r) => !r.path.includes(':'));
  const methods = new Set<string>((literal.length > 0 ? literal : matching).map((r) => r.method.toUpperCase()));
  if (methods.size === 0) return next();
  if (methods.has('GET')) methods.add('HEAD');
  const method = req.method.toUpperCase();
  if (methods.has(method)) return next();
  methods.add('OPTIONS');
  const allow = [...methods].sort().join(', ');
  res.setHeader('Allow', allow);
  if (method === 'OPTIONS') return void res.status(204).end();
  next(apiError(405, 'METHOD_NOT_ALLOWED', `Đường dẫn này không hỗ trợ phương thức ${method}; các phương thức được hỗ trợ: ${allow}.`));
};

const patterns = new Map<string, RegExp>();
function pattern(path: string): RegExp {
  let p = patterns.get(path);
  if (!p) {
    p = new RegExp(`^${path.replace(/:\w+/g, '[^/]+')}/?$`);
    patterns.set(path, p);
  }
  return p;
}
