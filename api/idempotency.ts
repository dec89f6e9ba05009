import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Request } from 'express';
import { apiError } from './errors';

/** An optional Idempotency-Key on a step: a retried request (same key, same content) is applied once. */
export const ActionIdempotencyHeaders = z.object({
  'idempotency-key': z.string().regex(/^[\w-]{8,100}$/).optional().describe('Khóa chống gửi trùng: gửi lại cùng khóa và cùng nội dung thì thao tác chỉ được thực hiện một lần'),
});

export function idempotencyKeyOf(req: Request): string | null {
  const h = ActionIdempotencyHeaders.safeParse(req.headers);
  if (!h.success) throw apiError(400, 'BAD_IDEMPOTENCY_KEY', 'Idempotency-Key phải gồm 8–100 ký tự chữ, số, "-" hoặc "_".');
  return h.data['idempotency-key'] ?? null;
}

/**
 * The workflow update id of a step sent with an Idempotency-Key: the same account, key and content
 * give the same id, so the engine applies a retried request once and answers it with the first result.
 * Without a key every request is its own update.
 */
export function updateIdOf(actorId: string, key: string | null, content: unknown): string | undefined {
  if (!key) return undefined;
  return `${actorId}:${key}:${createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16)}`;
}

/** A stable id derived from an update id (a text stored for the step is stored once). */
export function derivedUuid(updateId: string, purpose: string): string {
  const h = createHash('sha256').update(`${purpose}:${updateId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
