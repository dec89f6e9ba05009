import { z } from 'zod';
import { dayOfIsoDate, ISO_DATE_PATTERN, isoDateOfDay, localDayNumber } from '../working-time/local-time';

/**
 * A bound of a date field: a fixed day (`1900-01-01`) or a day relative to today in Vietnam
 * (`today`, `today-30d`, `today+365d`), so that a birth date cannot lie in the future.
 */
export const DateBound = z
  .string()
  .regex(new RegExp(`^(${ISO_DATE_PATTERN}|today([+-]\\d{1,5}d)?)$`))
  .refine((b) => validBound(b), 'Ngày không hợp lệ');
export type DateBound = z.infer<typeof DateBound>;

/** The calendar day (YYYY-MM-DD, Vietnam time) a bound stands for at this instant. */
export function resolveDateBound(bound: DateBound, now: Date): string {
  const m = /^today(?:([+-])(\d+)d)?$/.exec(bound);
  if (!m) return bound;
  const offset = m[1] ? (m[1] === '-' ? -1 : 1) * Number(m[2]) : 0;
  return isoDateOfDay(localDayNumber(now.getTime()) + offset);
}

/** `dd/mm/yyyy`, as a person reads a day. */
export function formatVnDate(isoDate: string): string {
  return `${isoDate.slice(8, 10)}/${isoDate.slice(5, 7)}/${isoDate.slice(0, 4)}`;
}

/** Whether a fixed bound is a real day. */
function validBound(bound: string): boolean {
  if (bound.startsWith('today')) return true;
  try {
    const day = dayOfIsoDate(bound);
    return Number.isFinite(day) && isoDateOfDay(day) === bound;
  } catch {
    return false;
  }
}

/**
 * A regular expression of the YYYY-MM-DD strings from `min` to `max` inclusive (compared as text,
 * which for this form is comparing days), so that a JSON Schema can publish a date window.
 */
export function dateRangePattern(min = '0000-01-01', max = '9999-12-31'): string {
  return `^(${range(min, max)})$`;
}

const anyOf = (template: string) => template.replace(/\d/g, '\\d');

/** Strings of the shape of `lo` (digits and dashes at the same places) between lo and hi. */
function range(lo: string, hi: string): string {
  if (lo.length === 0) return '';
  if (lo === hi) return lo;
  if (lo === lo.replace(/\d/g, '0') && hi === lo.replace(/\d/g, '9')) return anyOf(lo);
  const [a, b] = [lo[0]!, hi[0]!];
  if (a === b) return a + group(range(lo.slice(1), hi.slice(1)));
  const rest = lo.slice(1);
  const parts = [a + group(range(rest, rest.replace(/\d/g, '9'))), b + group(range(hi.slice(1).replace(/\d/g, '0'), hi.slice(1)))];
  const [x, y] = [Number(a) + 1, Number(b) - 1];
  if (x <= y) parts.splice(1, 0, `${x === y ? x : `[${x}-${y}]`}${anyOf(rest)}`);
  return parts.join('|');
}

function group(re: string): string {
  if (!re.includes('|')) return re;
  return `(${re})`;
}
