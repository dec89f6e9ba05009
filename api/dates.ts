const VN_OFFSET_MS = 7 * 60 * 60 * 1000;

/**
 * Every instant the API answers is ISO 8601 with Vietnam's offset (`2026-11-29T08:25:58.313+07:00`):
 * raw SQL gives timestamps as strings, entities as Dates; both come out the same.
 */
export function iso(v: Date | string | null): string | null {
  if (v === null) return null;
  const t = new Date(v).getTime();
  if (Number.isNaN(t)) throw new Error(`not an instant: ${String(v)}`);
  return `${new Date(t + VN_OFFSET_MS).toISOString().slice(0, 23)}+07:00`;
}

/** The same, for a value that is never null. */
export const instant = (v: Date | string): string => iso(v)!;
