/**
 * Legal time in Vietnam: Asia/Ho_Chi_Minh. The zone has kept UTC+07:00 without daylight saving
 * since 1975, so a fixed offset is exact for every instant this platform handles and keeps the
 * arithmetic deterministic (it is also used inside workflow code).
 */
export const LEGAL_TIME_ZONE = 'Asia/Ho_Chi_Minh';
export const VN_OFFSET_MS = 7 * 60 * 60 * 1000;
export const MINUTE_MS = 60 * 1000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Days since 1970-01-01 of the local (Vietnam) calendar date that contains the instant. */
export function localDayNumber(instantMs: number): number {
  return Math.floor((instantMs + VN_OFFSET_MS) / DAY_MS);
}

/** The instant of local midnight that starts the given local day. */
export function localDayStart(day: number): number {
  return day * DAY_MS - VN_OFFSET_MS;
}

/** ISO date (YYYY-MM-DD) of a local day number. */
export function isoDateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Local day number of an ISO date (YYYY-MM-DD). */
export function dayOfIsoDate(isoDate: string): number {
  const ms = Date.parse(`${isoDate}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate) || Number.isNaN(ms)) throw new RangeError(`invalid date ${isoDate}`);
  return ms / DAY_MS;
}

/** 0 = Sunday … 6 = Saturday, of a local day number. */
export function weekdayOfDay(day: number): number {
  return new Date(day * DAY_MS).getUTCDay();
}

/** Parses a local date-time written as `YYYY-MM-DD HH:mm` (Vietnam time) into an instant. */
export function vnTime(local: string): Date {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) throw new RangeError(`invalid local time ${local}`);
  const [, date, hh, mm, ss] = m;
  return new Date(localDayStart(dayOfIsoDate(date!)) + Number(hh) * HOUR_MS + Number(mm) * MINUTE_MS + Number(ss ?? 0) * 1000);
}

/** Formats an instant as Vietnam local time `YYYY-MM-DD HH:mm`. */
export function formatVnTime(instant: Date | number): string {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  return new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** Formats for citizens: `HH:mm ngày DD/MM/YYYY`. */
export function formatVnHuman(instant: Date | number): string {
  const s = formatVnTime(instant);
  return `${s.slice(11, 16)} ngày ${s.slice(8, 10)}/${s.slice(5, 7)}/${s.slice(0, 4)}`;
}

/** N calendar days later, same local clock time (a plain "day" in the sources). */
export function addCalendarDays(from: Date, days: number): Date {
  return new Date(from.getTime() + days * DAY_MS);
}

/** N calendar months later, same local clock time; the day is clamped to the month's end. */
export function addCalendarMonths(from: Date, months: number): Date {
  const local = new Date(from.getTime() + VN_OFFSET_MS);
  const y = local.getUTCFullYear();
  const mo = local.getUTCMonth() + months;
  const target = new Date(Date.UTC(y, mo, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(local.getUTCDate(), lastDay));
  target.setUTCHours(local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), local.getUTCMilliseconds());
  return new Date(target.getTime() - VN_OFFSET_MS);
}

/**
 * The days `YYYY-MM-DD` that exist in 1900–2099, as a pattern (months' lengths and leap years included):
 * published in the API's schemas, so that a generated date is a real one.
 */
const LEAP_DAY = '(?:19(?:0[48]|[2468][048]|[13579][26])|20(?:[02468][048]|[13579][26]))-02-29';
export const ISO_DATE_PATTERN = `(?:(?:19|20)\\d{2}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))|${LEAP_DAY})`;

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
