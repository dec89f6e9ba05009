/** Raw SQL returns timestamps as strings, entities as Dates: the API answers ISO strings either way. */
export function iso(v: Date | string | null): string | null {
  return v === null ? null : new Date(v).toISOString();
}
