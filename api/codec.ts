import { timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import type { EncryptionCodec } from '../runtime/payload-codec';
import { apiError } from './errors';

/** A payload as the codec server protocol sends it (protobuf JSON: bytes as base64). */
const JsonPayloads = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })).max(1000),
});

const toPayload = (p: z.infer<typeof JsonPayloads>['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: p.data === undefined ? undefined : Buffer.from(p.data, 'base64'),
});
const fromPayload = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
  ...(p.data ? { data: Buffer.from(p.data).toString('base64') } : {}),
});

/**
 * The codec endpoint (Temporal's codec server protocol): the Web UI and the CLI send the encrypted
 * payloads of a history and get them back readable (`temporal workflow show --codec-endpoint
 * <url>/codec --codec-auth "Bearer <token>"`). Only with TEMPORAL_CODEC_TOKEN; answers only the origins
 * listed for the Web UI.
 */
export function codecRoutes(opts: { codec: EncryptionCodec; token: string; allowedOrigins: string[] }): Router {
  const router = Router();
  const expected = Buffer.from(`Bearer ${opts.token}`);
  router.use('/codec', (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && opts.allowedOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') return void res.status(204).end();
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return next(apiError(401, 'CODEC_TOKEN_REQUIRED', 'Cần mã truy cập của điểm giải mã dữ liệu (TEMPORAL_CODEC_TOKEN).'));
    }
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  for (const op of ['encode', 'decode'] as const) {
    router.post(`/codec/${op}`, express.json({ limit: '4mb' }), async (req, res, next) => {
      try {
        const body = JsonPayloads.safeParse(req.body);
        if (!body.success) throw apiError(400, 'BAD_PAYLOADS', 'Nội dung phải có dạng {"payloads": [...]} theo giao thức codec của Temporal.');
        const out = await opts.codec[op](body.data.payloads.map(toPayload));
        res.json({ payloads: out.map(fromPayload) });
      } catch (e) {
        next(e instanceof Error && /unsupported state|auth/i.test(e.message) ? apiError(400, 'UNDECIPHERABLE', 'Không giải mã được dữ liệu (sai khóa hoặc dữ liệu hỏng).') : e);
      }
    });
  }
  return router;
}
