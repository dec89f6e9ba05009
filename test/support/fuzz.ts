import fc from 'fast-check';
import { ROUTES, type RouteSpec } from '../../api/access';
import type { Session } from './platform';

export interface FuzzOptions {
  apiUrl: string;
  /** Signed-in sessions to send requests as (one per role), plus anonymous requests. */
  sessions: Session[];
  /** Real identifiers that routes may take (so that requests reach deep code, not only 404s). */
  pathValues: Record<string, string[]>;
  /** Seed bodies per route, mutated by the fuzzer. */
  seedBodies: (route: RouteSpec) => unknown[];
  /** Row counts of the tables that must not change when a request is refused. */
  counts: () => Promise<Record<string, number>>;
  requests: number;
  seed: number;
}

export interface FuzzFinding {
  route: string;
  request: { method: string; path: string; body: string | null; contentType: string };
  status: number;
  problem: string;
}

const weirdStrings = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '../../etc/passwd', '%00', '\u0000', "'; drop table dossier; --", '<script>alert(1)</script>', 'a'.repeat(5000), '🧨', 'null', 'NaN', '-1', '1e309', 'Đăng ký khai sinh', '\ud800', 'x\udfffy', '%ff%fe', '__proto__', 'constructor', '2999-01-01', '0000-00-00'),
);

const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  weirdStrings,
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.array(weirdStrings, { maxLength: 5 }),
  // Nesting deeper than any body of the API (a stack overflow once).
  fc.constant(JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`) as unknown),
  // Keys that name the prototype (silently dropped by an object copy once, instead of refused).
  fc.constant(JSON.parse('{"__proto__": {"isAdmin": true}, "constructor": {"prototype": {}}}') as unknown),
);

/** File contents for multipart parts: a PDF, a PDF that is also a page and an archive, empty, text, zeros. */
const fileBytes = fc.constantFrom(
  '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
  '%PDF-1.4\n%<html><script>alert(1)</script></html>\n%%EOF\nPK\u0005\u0006\u0000\u0000\u0000\u0000\u0001\u0000\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000',
  '',
  'hello',
  '\u0000'.repeat(70_000),
);

/** A multipart body as a browser would send it: text fields, the form as JSON, files under real and made-up components. */
function multipartBody(seed: unknown, rnd: Rnd): FormData {
  const form = new FormData();
  const fields = (seed && typeof seed === 'object' ? seed : {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(fields)) {
    if (rnd.nextInt(0, 4) === 0) continue;
    const value = k === 'formData' && rnd.nextInt(0, 1) === 0 ? mutate(v, rnd) : v;
    form.append(k, typeof value === 'string' ? value : JSON.stringify(value));
  }
  const parts = rnd.nextInt(0, 3);
  for (let i = 0; i < parts; i++) {
    const name = fc.sample(fc.oneof(fc.constantFrom('giayChungSinh', 'cccd', 'uyQuyen', 'khongCo', '__proto__'), weirdStrings), { seed: rnd.nextInt(), numRuns: 1 })[0] || 'x';
    const fileName = fc.sample(fc.oneof(fc.constantFrom('a.pdf', 'a'.repeat(300) + '.pdf'), weirdStrings), { seed: rnd.nextInt(), numRuns: 1 })[0] || 'a.pdf';
    form.append(name, new Blob([Buffer.from(fc.sample(fileBytes, { seed: rnd.nextInt(), numRuns: 1 })[0]!, 'latin1')]), fileName);
  }
  return form;
}

/** A path segment as a client would send it; `%…` strings go raw (invalid percent-encoding on purpose). */
function pathSegment(s: string): string {
  if (/^%[0-9a-f]{2}/i.test(s)) return s;
  return encodeURIComponent(s.isWellFormed() ? s : s.toWellFormed());
}

interface Rnd {
  /** An integer in [min, max], both included. */
  nextInt(min?: number, max?: number): number;
}

/** A small seeded generator (mulberry32), so that a finding can be replayed with its seed. */
function seeded(seed: number): Rnd {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { nextInt: (min = 0, max = 0x7fffffff) => min + Math.floor(next() * (max - min + 1)) };
}

/** After an accepted write, waits until the workflows it started have finished writing. */
export async function quiescent(counts: () => Promise<Record<string, number>>): Promise<void> {
  let last = JSON.stringify(await counts());
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 150));
    const now = JSON.stringify(await counts());
    if (now === last) return;
    last = now;
  }
}

/** Mutates one seed body: drops, replaces or adds a field, or changes a value's type. */
function mutate(body: unknown, rnd: Rnd): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return fc.sample(jsonish, { seed: rnd.nextInt(), numRuns: 1 })[0];
  const o = { ...(body as Record<string, unknown>) };
  const keys = Object.keys(o);
  const pick = rnd.nextInt(0, 3);
  const value = fc.sample(jsonish, { seed: rnd.nextInt(), numRuns: 1 })[0];
  if (pick === 0 && keys.length) delete o[keys[rnd.nextInt(0, keys.length - 1)]!];
  else if (pick === 1 && keys.length) o[keys[rnd.nextInt(0, keys.length - 1)]!] = value;
  else if (pick === 2) o[fc.sample(fc.string({ minLength: 1, maxLength: 12 }), { seed: rnd.nextInt(), numRuns: 1 })[0]!] = value;
  else return value;
  return o;
}

/**
 * Generated and mutated requests against every route: malformed JSON, wrong types, unknown fields,
 * strange path parameters and query strings, as anonymous and as every role. Findings: any 5xx, and any
 * refused request (4xx) after which a table changed.
 */
export async function fuzz(opts: FuzzOptions): Promise<{ sent: number; byStatus: Record<number, number>; findings: FuzzFinding[] }> {
  const rnd = seeded(opts.seed);
  const findings: FuzzFinding[] = [];
  const byStatus: Record<number, number> = {};
  for (let i = 0; i < opts.requests; i++) {
    const route = ROUTES[rnd.nextInt(0, ROUTES.length - 1)]!;
    const session = rnd.nextInt(0, opts.sessions.length) === opts.sessions.length ? null : opts.sessions[rnd.nextInt(0, opts.sessions.length - 1)]!;
    const path = route.path.replace(/:(\w+)/g, (_m, name: string) => {
      const real = opts.pathValues[name] ?? [];
      if (real.length && rnd.nextInt(0, 2) > 0) return encodeURIComponent(real[rnd.nextInt(0, real.length - 1)]!);
      return pathSegment(fc.sample(weirdStrings, { seed: rnd.nextInt(), numRuns: 1 })[0] || 'x');
    });
    const query = rnd.nextInt(0, 2) === 0 ? '' : `?${new URLSearchParams(fc.sample(fc.dictionary(fc.constantFrom('limit', 'offset', 'step', 'status', 'q', 'overdue', 'dueWithinHours', 'year', 'agencyCode', 'locked', 'junk'), weirdStrings, { maxKeys: 3 }), { seed: rnd.nextInt(), numRuns: 1 })[0]!)}`;
    let body: string | null = null;
    let multipart: FormData | null = null;
    let contentType = 'application/json';
    if (route.method !== 'get') {
      const kind = rnd.nextInt(0, 9);
      const seeds = opts.seedBodies(route);
      if (route.multipart && kind <= 5) {
        multipart = multipartBody(seeds.length ? seeds[rnd.nextInt(0, seeds.length - 1)] : {}, rnd);
        contentType = 'multipart/form-data';
        body = `multipart: ${JSON.stringify([...multipart.keys()])}`;
      } else if (kind <= 5 && seeds.length) body = JSON.stringify(mutate(seeds[rnd.nextInt(0, seeds.length - 1)], rnd));
      else if (kind <= 7) body = JSON.stringify(fc.sample(jsonish, { seed: rnd.nextInt(), numRuns: 1 })[0]);
      else if (kind === 8) body = `{"type": ${'['.repeat(rnd.nextInt(1, 50))}`;
      else {
        body = fc.sample(weirdStrings, { seed: rnd.nextInt(), numRuns: 1 })[0]!;
        contentType = fc.sample(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json'), { seed: rnd.nextInt(), numRuns: 1 })[0]!;
      }
    }
    const before = route.method === 'get' ? null : await opts.counts();
    const url = `${opts.apiUrl}${path}${query}`;
    const headers: Record<string, string> = { ...(multipart ? {} : { 'content-type': contentType }), ...(session ? { 'x-csrf-token': session.csrf } : {}) };
    const init: RequestInit = { method: route.method.toUpperCase(), headers, body: multipart ?? body };
    let res: Response;
    try {
      res = session ? await session.fetch(url, init) : await fetch(url, init);
    } catch (e) {
      findings.push({ route: `${route.method} ${route.path}`, request: { method: init.method!, path: path + query, body, contentType }, status: 0, problem: `no answer: ${(e as Error).message}` });
      continue;
    }
    await res.arrayBuffer();
    byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
    const request = { method: init.method!, path: path + query, body: body && body.length > 300 ? `${body.slice(0, 300)}…` : body, contentType };
    if (res.status >= 500) findings.push({ route: `${route.method} ${route.path}`, request, status: res.status, problem: 'server error' });
    if (before && res.status < 400) await quiescent(opts.counts);
    if (before && res.status >= 400) {
      const after = await opts.counts();
      if (JSON.stringify(after) !== JSON.stringify(before)) findings.push({ route: `${route.method} ${route.path}`, request, status: res.status, problem: `refused request changed state: ${JSON.stringify(before)} → ${JSON.stringify(after)}` });
    }
  }
  return { sent: opts.requests, byStatus, findings };
}
