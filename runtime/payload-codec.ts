import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';

const ENCODING = 'binary/encrypted';
const CIPHER = 'aes-256-gcm';

/**
 * Encrypts every payload the platform sends to Temporal (workflow inputs, update arguments, activity
 * inputs and results, query answers), so that the engine's histories hold no readable personal data.
 * AES-256-GCM with a random 12-byte nonce; the key id travels in the metadata, so keys can be rotated
 * (new payloads use the first key, old ones are read with theirs). Payloads written before encryption
 * was configured are passed through on decode: running processes keep working.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly current: { id: string; key: Buffer };

  constructor(keys: { id: string; key: Buffer }[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    for (const k of keys) if (k.key.length !== 32) throw new Error(`key ${k.id} must be 32 bytes (AES-256)`);
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.current = keys[0]!;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const nonce = randomBytes(12);
      const cipher = createCipheriv(CIPHER, this.current.key, nonce);
      const plain = Buffer.from(JSON.stringify({ metadata: encodeMap(p.metadata), data: p.data ? Buffer.from(p.data).toString('base64') : null }));
      const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: Buffer.from(ENCODING), 'encryption-key-id': Buffer.from(this.current.id) }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      if (Buffer.from(p.metadata?.encoding ?? []).toString() !== ENCODING) return p;
      const id = Buffer.from(p.metadata?.['encryption-key-id'] ?? []).toString();
      const key = this.keys.get(id);
      if (!key) throw new Error(`payload encrypted with unknown key "${id}"`);
      const sealed = Buffer.from(p.data ?? []);
      const decipher = createDecipheriv(CIPHER, key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      const plain = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
      const inner = JSON.parse(plain.toString()) as { metadata: Record<string, string>; data: string | null };
      return { metadata: decodeMap(inner.metadata), data: inner.data === null ? undefined : Buffer.from(inner.data, 'base64') };
    });
  }
}

const encodeMap = (m: Payload['metadata']) => Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]));
const decodeMap = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Buffer.from(v, 'base64')]));

/** `id:base64key[,id:base64key…]`, the first key encrypting: TEMPORAL_PAYLOAD_KEYS. */
export const PayloadKeys = z
  .string()
  .regex(/^[\w-]{1,32}:[A-Za-z0-9+/]{43}=(,[\w-]{1,32}:[A-Za-z0-9+/]{43}=)*$/, 'phải có dạng id:khóa-base64-32-byte[,id:khóa…]')
  .transform((v) => v.split(',').map((pair) => {
    const [id, key] = pair.split(':') as [string, string];
    return { id, key: Buffer.from(key, 'base64') };
  }));

/** The data converter of the platform's clients and workers: encrypted when keys are configured. */
export function dataConverterOf(keys: { id: string; key: Buffer }[] | undefined) {
  return keys && keys.length > 0 ? { payloadCodecs: [new EncryptionCodec(keys)] } : undefined;
}
