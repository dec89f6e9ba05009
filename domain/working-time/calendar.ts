import { DAY_MS, MINUTE_MS, isoDateOfDay, localDayNumber, localDayStart, weekdayOfDay } from './local-time';

/** A working session of a day (giờ làm việc), in minutes after local midnight: [start, end). */
export interface Session {
  start: number;
  end: number;
}

/** An administrator's announcement for one date: an extra day off or a make-up working day (ngày làm bù). */
export type DayOverrideKind = 'day_off' | 'working_day';

export interface CalendarData {
  sessions: readonly Session[];
  /** Public holidays by year (ISO dates); supplied by the holiday source. */
  publicHolidays: (year: number) => ReadonlySet<string>;
  /** Announced changes, keyed by ISO date; they win over weekends and public holidays. */
  overrides: ReadonlyMap<string, DayOverrideKind>;
}

/** A span during which a clock does not run (waiting for the citizen). `to` absent = still paused. */
export interface Pause {
  from: Date;
  to?: Date | null;
}

export const DEFAULT_SESSIONS: readonly Session[] = [
  { start: 7 * 60 + 30, end: 11 * 60 + 30 },
  { start: 13 * 60, end: 17 * 60 },
];

/** Parses `07:30-11:30,13:00-17:00`. Sessions must be ordered and not overlap. */
export function parseSessions(text: string): Session[] {
  const sessions = text.split(',').map((part) => {
    const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(part);
    if (!m) throw new Error(`phiên làm việc không hợp lệ: "${part}" (dạng HH:mm-HH:mm)`);
    return { start: Number(m[1]) * 60 + Number(m[2]), end: Number(m[3]) * 60 + Number(m[4]) };
  });
  let previousEnd = 0;
  for (const s of sessions) {
    if (s.end <= s.start || s.start < previousEnd || s.end > 24 * 60) {
      throw new Error(`phiên làm việc chồng lấn hoặc sai thứ tự: ${text}`);
    }
    previousEnd = s.end;
  }
  if (sessions.length === 0) throw new Error('cần ít nhất một phiên làm việc');
  return sessions;
}

const MAX_SCAN_DAYS = 366 * 30;

/**
 * The working-time calendar (ngày làm việc / giờ làm việc) in Asia/Ho_Chi_Minh.
 * A working day is Monday–Friday, minus public holidays and announced days off, plus announced
 * make-up working days. Budgets are counted as RULES.md "Time" fixes them.
 */
export class WorkingCalendar {
  readonly sessions: readonly Session[];
  /** Length of one working day (8 hours with the default sessions), in ms. */
  readonly workingDayMs: number;
  private readonly holidayCache = new Map<number, ReadonlySet<string>>();

  constructor(private readonly data: CalendarData) {
    this.sessions = data.sessions;
    this.workingDayMs = data.sessions.reduce((sum, s) => sum + (s.end - s.start) * MINUTE_MS, 0);
  }

  isWorkingDate(isoDate: string): boolean {
    const override = this.data.overrides.get(isoDate);
    if (override) return override === 'working_day';
    const year = Number(isoDate.slice(0, 4));
    let holidays = this.holidayCache.get(year);
    if (!holidays) {
      holidays = this.data.publicHolidays(year);
      this.holidayCache.set(year, holidays);
    }
    if (holidays.has(isoDate)) return false;
    const d = new Date(`${isoDate}T00:00:00Z`).getUTCDay();
    return d !== 0 && d !== 6;
  }

  private isWorkingDay(day: number): boolean {
    const iso = isoDateOfDay(day);
    const override = this.data.overrides.get(iso);
    if (override) return override === 'working_day';
    const wd = weekdayOfDay(day);
    if (wd === 0 || wd === 6) return false;
    return this.isWorkingDate(iso);
  }

  /** True when the instant lies inside a session of a working day (session ends included). */
  isWorkingInstant(instant: Date): boolean {
    const t = instant.getTime();
    const day = localDayNumber(t);
    const start = localDayStart(day);
    const inToday = this.isWorkingDay(day) && this.sessions.some((s) => t >= start + s.start * MINUTE_MS && t <= start + s.end * MINUTE_MS);
    // Midnight can only be a session end of the previous day.
    if (inToday || t !== start) return inToday;
    const prev = day - 1;
    return this.isWorkingDay(prev) && this.sessions.some((s) => s.end === 24 * 60);
  }

  /**
   * The earliest instant at which `ms` of working time have passed since `from`. If `from` lies
   * outside working time, counting starts at the next session's start. A budget that ends exactly
   * at a session's end gives that end (Saturday + 8 working hours = Monday 17:00).
   */
  addWorkingMs(from: Date, ms: number): Date {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('budget must be a non-negative finite number');
    let remaining = ms;
    let day = localDayNumber(from.getTime());
    let cursor = from.getTime();
    for (let i = 0; i < MAX_SCAN_DAYS; i++, day++) {
      if (!this.isWorkingDay(day)) continue;
      const dayStart = localDayStart(day);
      for (const s of this.sessions) {
        const sStart = dayStart + s.start * MINUTE_MS;
        const sEnd = dayStart + s.end * MINUTE_MS;
        const begin = Math.max(sStart, cursor);
        if (begin >= sEnd) continue;
        const available = sEnd - begin;
        if (remaining <= available) return new Date(begin + remaining);
        remaining -= available;
        cursor = sEnd;
      }
    }
    throw new RangeError('no working time found within 30 years: calendar data is wrong');
  }

  addWorkingMinutes(from: Date, minutes: number): Date {
    return this.addWorkingMs(from, minutes * MINUTE_MS);
  }

  addWorkingHours(from: Date, hours: number): Date {
    return this.addWorkingMs(from, hours * 60 * MINUTE_MS);
  }

  /** N working days = N × (a working day's hours) of working time. */
  addWorkingDays(from: Date, days: number): Date {
    return this.addWorkingMs(from, days * this.workingDayMs);
  }

  /** Working time (ms) that lies between two instants; 0 when `to` is not after `from`. */
  workingMsBetween(from: Date, to: Date): number {
    const a = from.getTime();
    const b = to.getTime();
    if (b <= a) return 0;
    let total = 0;
    const lastDay = localDayNumber(b);
    if (lastDay - localDayNumber(a) > MAX_SCAN_DAYS) throw new RangeError('span too long');
    for (let day = localDayNumber(a); day <= lastDay; day++) {
      if (!this.isWorkingDay(day)) continue;
      const dayStart = localDayStart(day);
      for (const s of this.sessions) {
        const lo = Math.max(a, dayStart + s.start * MINUTE_MS);
        const hi = Math.min(b, dayStart + s.end * MINUTE_MS);
        if (hi > lo) total += hi - lo;
      }
    }
    return total;
  }

  /**
   * When a budget of working time started at `start` runs out, given the pause ledger.
   * Returns null while an open pause holds the clock with budget left.
   */
  dueAt(start: Date, budgetMs: number, pauses: readonly Pause[] = []): Date | null {
    let remaining = budgetMs;
    let cursor = start;
    for (const p of sortedPauses(pauses)) {
      const to = p.to ?? null;
      if (p.from.getTime() > cursor.getTime()) {
        const consumed = this.workingMsBetween(cursor, p.from);
        if (consumed >= remaining) return this.addWorkingMs(cursor, remaining);
        remaining -= consumed;
      }
      if (to === null) return null;
      if (to.getTime() > cursor.getTime()) cursor = to;
    }
    return this.addWorkingMs(cursor, remaining);
  }

  /** Working time consumed by a clock started at `start`, up to `now`, not counting pauses. */
  elapsedMs(start: Date, now: Date, pauses: readonly Pause[] = []): number {
    let total = 0;
    let cursor = start.getTime();
    const end = now.getTime();
    for (const p of sortedPauses(pauses)) {
      if (cursor >= end) break;
      const pFrom = Math.min(p.from.getTime(), end);
      if (pFrom > cursor) total += this.workingMsBetween(new Date(cursor), new Date(pFrom));
      const pTo = p.to ? p.to.getTime() : end;
      cursor = Math.max(cursor, pTo);
    }
    if (end > cursor) total += this.workingMsBetween(new Date(cursor), new Date(end));
    return total;
  }

  /** The close of the working day after the one that contains `from` (“chậm nhất trong ngày làm việc tiếp theo”). */
  endOfNextWorkingDay(from: Date): Date {
    let day = localDayNumber(from.getTime()) + 1;
    for (let i = 0; i < MAX_SCAN_DAYS && !this.isWorkingDay(day); i++) day++;
    const last = this.sessions[this.sessions.length - 1]!;
    return new Date(localDayStart(day) + last.end * MINUTE_MS);
  }

  /** Days from `from` to `to` that are working days (inclusive of both ends' dates). */
  countWorkingDates(fromIso: string, toIso: string): number {
    let n = 0;
    for (let t = Date.parse(`${fromIso}T00:00:00Z`); t <= Date.parse(`${toIso}T00:00:00Z`); t += DAY_MS) {
      if (this.isWorkingDay(t / DAY_MS)) n++;
    }
    return n;
  }
}

function sortedPauses(pauses: readonly Pause[]): Pause[] {
  return [...pauses].sort((x, y) => x.from.getTime() - y.from.getTime());
}
