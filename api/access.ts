import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import type { Actor, Role } from '../domain/access/roles';
import { assertNoNul, Errors } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
    authMethod?: 'session' | 'bearer';
  }
}

/** Paging of every list route. */
export const Page = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** Who may call a route: anyone, any signed-in account, or the listed roles. */
export type Access = 'public' | 'signed_in' | readonly Role[];

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  tag: string;
  access: Access;
  body?: z.ZodType;
  query?: z.ZodType;
  multipart?: boolean;
  /** Example path parameters for generated requests (tests, fuzzing). */
  handler: (req: Request, res: Response) => Promise<void> | void;
}

/** Every API route, in one list: the router, the OpenAPI description and the access tests read it. */
export const ROUTES: RouteSpec[] = [];

export function allows(access: Access, actor: Actor | undefined): boolean {
  if (access === 'public') return true;
  if (!actor) return false;
  if (access === 'signed_in') return true;
  return actor.roles.some((r) => access.includes(r));
}

export function authorize(access: Access): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (access === 'public') return next();
    if (!req.actor) return next(Errors.unauthenticated());
    if (!allows(access, req.actor)) return next(Errors.forbidden());
    next();
  };
}

export function mount(router: Router, spec: RouteSpec, ...middleware: RequestHandler[]): void {
  const i = ROUTES.findIndex((r) => r.method === spec.method && r.path === spec.path);
  if (i >= 0) ROUTES[i] = spec;
  else ROUTES.push(spec);
  router[spec.method](spec.path, authorize(spec.access), ...middleware, async (req: Request, res: Response, next: NextFunction) => {
    try {
      // Path parameters and multipart fields are parsed per route; check them here too.
      assertNoNul(req.params, 'path');
      assertNoNul(req.body, 'body');
      await spec.handler(req, res);
    } catch (e) {
      next(e);
    }
  });
}
