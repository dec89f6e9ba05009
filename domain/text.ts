import { z } from 'zod';

/** What String.prototype.trim removes (ECMAScript WhiteSpace and LineTerminator), spelled out. */
const WS = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/**
 * Free text a person types: stored trimmed, between `min` and `max` characters once trimmed, no NUL.
 * The rule is one pattern that counts characters (code points), so that JSON Schema (the OpenAPI
 * document), Python and JavaScript all read it the same way as this validation does.
 */
export function trimmedText(min: number, max: number): z.ZodString {
  const any = '[^\\u0000]';
  const edge = `[^${WS}\\u0000]`;
  const cores: string[] = [];
  if (min === 0) cores.push('');
  if (min <= 1 && max >= 1) cores.push(edge);
  if (max >= 2) cores.push(`${edge}${any}{${Math.max(min - 2, 0)},${max - 2}}${edge}`);
  const pattern = new RegExp(`^[${WS}]*(?:${cores.join('|')})[${WS}]*$`, 'u');
  const message = min > 0 ? `Cần từ ${min} đến ${max} ký tự (không tính khoảng trắng ở hai đầu).` : `Tối đa ${max} ký tự.`;
  return z.string().regex(pattern, message).trim();
}
