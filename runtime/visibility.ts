import type { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes';

/** temporal.api.enums.v1.IndexedValueType, for the two types the processes use. */
const INDEXED_VALUE_TYPE = { KEYWORD: 2, INT: 3 } as const;

/**
 * Registers the processes' search attributes in the namespace when missing (the dev server, the test
 * server; a production cluster where the worker's identity may do so). Safe to repeat; a cluster that
 * refuses (no permission) must have them created by its administrators: the error says which.
 */
export async function ensureSearchAttributes(connection: Pick<Connection, 'operatorService'>, namespace: string, log?: Logger): Promise<void> {
  // The time-skipping test server cannot list them (UNIMPLEMENTED); it takes them all again.
  const existing = await connection.operatorService.listSearchAttributes({ namespace }).catch((e: { code?: number }) => {
    if (e.code === 12) return { customAttributes: {}, systemAttributes: {} };
    throw e;
  });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = SEARCH_ATTRIBUTE_KEYS.filter((k) => !known.has(k.name));
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_VALUE_TYPE[k.type as keyof typeof INDEXED_VALUE_TYPE]])),
    });
    log?.info({ added: missing.map((k) => k.name) }, 'search attributes registered');
  } catch (e) {
    throw new Error(`Search attributes ${missing.map((k) => `${k.name} (${k.type})`).join(', ')} are not registered in namespace ${namespace} and could not be: ${(e as Error).message}`);
  }
}
