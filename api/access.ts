import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { Actor, Role } from '../domain/access/roles';
import { assertNoNul, Errors } from './errors';
import type { RateLimitName, RateLimits } from './rate-limits';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
    authMethod?: 'session' | 'bearer';
  }
}

/** Who may call a route: anyone, any signed-in account, or the listed roles. */
export type Access = 'public' | 'signed_in' | readonly Role[];

/** A multipart body: its plain fields (validated like a JSON body) and the procedure's file components. */
export interface MultipartSpec {
  /** The text fields; a field holding JSON (the electronic form) is parsed before validation. */
  fields: z.ZodObject;
  /** The fields sent as JSON parts. */
  jsonFields: readonly string[];
  /** Whether the procedure is named in the request (submission) or is the dossier's (supplement). */
  procedureField: string | null;
}

/** Success statuses a route answers with, each with its body schema (null: no body). */
export type SuccessResponses = Partial<Record<200 | 201 | 204, z.ZodType | null>>;

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  tag: string;
  access: Access;
  /** Path parameters and their formats; a value of the wrong shape answers 404 (it names nothing). */
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  multipart?: MultipartSpec;
  /** Request headers the route reads, beyond authentication. */
  headers?: z.ZodObject;
  responses: SuccessResponses;
  /** The 200 answer is a document or a file (its body null in `responses`), of these media types. */
  binary?: { mediaTypes: readonly string[]; description: string };
  /** The body is authenticated by a signature over its bytes (a bank's callback): 401 when it does not verify. */
  signedBody?: { description: string };
  /** The body is one CSV file (multipart part `file`), streamed into the records as it is read. */
  csvUpload?: { description: string };
  /** A limit on abuse the route counts against (429 with Retry-After when reached). */
  rateLimit?: RateLimitName;
  /** The route can refuse an action that conflicts with the resource's current state (409). */
  conflicts?: boolean;
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
  const checkResponses = process.env.NODE_ENV === 'test';
  // The limits live on the application (app.locals.rateLimits), so that route modules stay free of them.
  const limited: RequestHandler[] = spec.rateLimit
    ? [(req, res, next) => {
        const limits = req.app.locals.rateLimits as RateLimits | undefined;
        if (limits) limits.count(spec.rateLimit!, req, res, next);
        else next();
      }]
    : [];
  router[spec.method](spec.path, authorize(spec.access), ...limited, ...middleware, async (req: Request, res: Response, next: NextFunction) => {
    try {
      // Path parameters and multipart fields are parsed per route; check them here too.
      assertNoNul(req.params, 'path');
      // A signed body is judged by its signature first (401); what a verified one says is checked by its schema.
      if (!spec.signedBody) assertNoNul(req.body, 'body');
      if (spec.params && !spec.params.safeParse(req.params).success) throw Errors.notFound();
      if (checkResponses) answerAsDocumented(spec, res);
      await spec.handler(req, res);
    } catch (e) {
      next(e);
    }
  });
}

/**
 * In tests, every answer of a route is checked against the response schema the OpenAPI document
 * publishes for it, so that the document cannot drift from what the server sends.
 */
function answerAsDocumented(spec: RouteSpec, res: Response): void {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    if (res.statusCode < 300) {
      const schema = spec.responses[res.statusCode as 200 | 201 | 204];
      if (schema === undefined) throw new Error(`${spec.method.toUpperCase()} ${spec.path} answered ${res.statusCode}, which its route does not declare`);
      const r = schema?.safeParse(body);
      if (r && !r.success) throw new Error(`${spec.method.toUpperCase()} ${spec.path} answered outside its documented schema: ${JSON.stringify(r.error.issues.slice(0, 5))}`);
    }
    return json(body);
  };
}
