/**
 * Full-text search shared by the published answers and the procedure catalogue (issue 18). A query is
 * matched on the folded document (diacritics off, so "thoi han" finds "thời hạn") and ranked by the folded
 * match plus the match as typed (so "đất" ranks "đất" above "đạt"), title words above body words. The
 * documents and `vn_fold` are defined in migration 023. websearch syntax applies: "quoted phrase", or, -word.
 */

import { LRUCache } from 'lru-cache';

/** At most this many characters of what a person typed are searched. */
export const MAX_QUERY_LENGTH = 200;

/**
 * Bounded candidate set: a frequent word can match a third of a million answers, and ranking them all is
 * what made search slow. Matches are taken newest first up to this bound (an index walk for a frequent word), then ranked.
 */
export const SEARCH_CANDIDATES = 200;

/** What a person typed, normalised (NFC, spaces collapsed, bounded), or null when nothing is left to search. */
export function searchText(q: unknown): string | null {
  if (typeof q !== 'string') return null;
  const text = q.normalize('NFC').replace(/\s+/g, ' ').trim().slice(0, MAX_QUERY_LENGTH);
  return /[\p{L}\p{N}]/u.test(text) ? text : null;
}

/** The letters without their marks, as `vn_fold` does in the database (Đ/đ → D/d). */
export const folded = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();

/**
 * SQL for searching `text` in a table with `search` and `search_folded` documents. The match as typed only
 * adds to the rank when the text carries marks (typed without them, it would rank the same documents the
 * same way, at twice the cost).
 */
export function textMatch(alias: string, text: string) {
  const withMarks = folded(text) !== text.toLowerCase();
  const rank = `ts_rank(${alias}.search_folded, websearch_to_tsquery('simple', vn_fold(?)))`;
  return {
    where: `${alias}.search_folded @@ websearch_to_tsquery('simple', vn_fold(?))`,
    whereParams: [text],
    rank: withMarks ? `(${rank} + ts_rank(${alias}.search, websearch_to_tsquery('simple', lower(?))))` : rank,
    rankParams: withMarks ? [text, text] : [text],
  };
}

/**
 * Public search pages are the same for everyone, and a few searches make most of the traffic: a page is
 * kept for SEARCH_CACHE_SECONDS (a newly published answer or procedure shows within that time), per
 * database, and searches for the same page at the same moment share one query.
 */
const caches = new WeakMap<object, LRUCache<string, Promise<unknown>>>();

export function useSearchCache(db: object, seconds: number): void {
  if (seconds > 0) caches.set(db, new LRUCache<string, Promise<unknown>>({ max: 5000, ttl: seconds * 1000 }));
  else caches.delete(db);
}

export function cachedSearch<T>(db: object, key: unknown[], compute: () => Promise<T>): Promise<T> {
  const cache = caches.get(db);
  if (!cache) return compute();
  const k = JSON.stringify(key);
  const hit = cache.get(k) as Promise<T> | undefined;
  if (hit) return hit;
  const value = compute();
  cache.set(k, value);
  value.catch(() => cache.delete(k));
  return value;
}
