import fc from 'fast-check';
import { describe, expect, it } from '@jest/globals';
import { because } from '../support/because';
import { DEMO_CALENDAR_OVERRIDES } from '../../db/demo-data';
import { addCalendarDays, addCalendarMonths, formatVnTime, HOUR_MS, vietnamCalendar, vnTime, type DayOverrideKind } from '../../domain/working-time';

const cal = vietnamCalendar(DEMO_CALENDAR_OVERRIDES.map((o) => [o.date, o.kind as DayOverrideKind]));
const at = (s: string) => vnTime(s);
const fmt = (d: Date | null) => (d ? formatVnTime(d) : null);

describe('working calendar: real dates', () => {
  it.each([
    // RULES.md "Time" examples
    ['Friday 16:00 + 8 working hours = Monday 16:00', '2026-11-20 16:00', 8, '2026-11-23 16:00'],
    ['Saturday + 8 working hours = Monday 17:00', '2026-11-21 10:00', 8, '2026-11-23 17:00'],
    ['lunch break does not count', '2026-11-24 11:00', 1, '2026-11-24 13:30'],
    ['before the morning session starts at 07:30', '2026-11-24 06:00', 1, '2026-11-24 08:30'],
    ['after 17:00 starts next morning', '2026-11-24 18:00', 2, '2026-11-25 09:30'],
    // Tết 2026: 16–20/2 (Mon–Fri) off, with the weekends around it
    ['across Tết 2026', '2026-02-13 16:00', 8, '2026-02-23 16:00'],
    // Tết 2027: 5–9/2 plus substitute days 10–11/2 (demo announcement)
    ['across Tết 2027 with substitute days', '2027-02-04 15:00', 8, '2027-02-12 15:00'],
    // Hùng Kings 2026 is Sunday 26/4 → substitute Monday 27/4; then 30/4 and 1/5 (Thu, Fri)
    ['Hùng Kings substitute day and 30/4–1/5', '2026-04-24 17:00', 16, '2026-04-29 17:00'],
    ['30/4–1/5 2026', '2026-04-29 09:00', 8, '2026-05-04 09:00'],
    // National Day 2026: 2/9 (Wed) and the adjacent 1/9 (Tue)
    ['2/9 and its adjacent day', '2026-08-31 13:00', 8, '2026-09-03 11:30'],
  ])('%s', (_label, from, hours, expected) => {
    expect(fmt(cal.addWorkingHours(at(from), hours))).toBe(expected);
  });

  it('N working days = N × 8 working hours (Tuesday 10:00 + 3 = Friday 10:00)', () => {
    expect(fmt(cal.addWorkingDays(at('2026-11-24 10:00'), 3))).toBe('2026-11-27 10:00');
  });

  it('an announced make-up Saturday is a working day, an announced day off is not', () => {
    const c = vietnamCalendar([
      ['2026-11-28', 'working_day'],
      ['2026-11-30', 'day_off'],
    ]);
    expect(c.isWorkingDate('2026-11-28')).toBe(true);
    expect(c.isWorkingDate('2026-11-30')).toBe(false);
    expect(fmt(c.addWorkingHours(at('2026-11-27 16:00'), 2))).toBe('2026-11-28 08:30');
    expect(fmt(c.addWorkingHours(at('2026-11-28 16:00'), 2))).toBe('2026-12-01 08:30');
  });

  it('public holidays come from the lunar calendar: Tết and Hùng Kings', () => {
    for (const d of ['2026-01-01', '2026-02-16', '2026-02-20', '2026-04-30', '2026-05-01', '2026-09-02', '2027-02-05', '2027-02-09', '2027-04-16']) {
      because(d, () => expect(cal.isWorkingDate(d)).toBe(false));
    }
    expect(cal.isWorkingDate('2026-02-23')).toBe(true);
    expect(cal.isWorkingDate('2027-02-12')).toBe(true);
  });

  it('elapsed working time between two instants', () => {
    expect(cal.workingMsBetween(at('2026-11-20 16:00'), at('2026-11-23 16:00'))).toBe(8 * HOUR_MS);
    expect(cal.workingMsBetween(at('2026-11-21 08:00'), at('2026-11-22 18:00'))).toBe(0);
  });

  it('a pause stops the clock at its start and resumes it at its end', () => {
    const start = at('2026-11-23 07:30'); // Monday
    const budget = 16 * HOUR_MS; // 2 working days → Tuesday 17:00 without pause
    expect(fmt(cal.dueAt(start, budget))).toBe('2026-11-24 17:00');
    const pauses = [{ from: at('2026-11-23 13:00'), to: at('2026-11-25 13:00') }];
    expect(fmt(cal.dueAt(start, budget, pauses))).toBe('2026-11-26 17:00');
    expect(cal.dueAt(start, budget, [{ from: at('2026-11-23 13:00'), to: null }])).toBeNull();
    expect(cal.elapsedMs(start, at('2026-11-25 15:00'), pauses)).toBe(6 * HOUR_MS);
  });

  it('calendar days and months keep the local clock time', () => {
    expect(fmt(addCalendarDays(at('2026-02-10 09:15'), 20))).toBe('2026-03-02 09:15');
    expect(fmt(addCalendarMonths(at('2026-01-31 09:15'), 1))).toBe('2026-02-28 09:15');
    expect(fmt(addCalendarMonths(at('2024-11-22 23:30'), 24))).toBe('2026-11-22 23:30');
  });
});

describe('working calendar: algebra (property tests)', () => {
  const instant = fc.integer({ min: Date.parse('2025-06-01T00:00:00Z'), max: Date.parse('2028-06-01T00:00:00Z') }).map((ms) => new Date(ms));
  const budget = fc.integer({ min: 0, max: 60 * 8 * 60 }).map((minutes) => minutes * 60_000);

  it('adding a budget then measuring gives the budget back', () => {
    fc.assert(fc.property(instant, budget, (t, b) => cal.workingMsBetween(t, cal.addWorkingMs(t, b)) === b), { numRuns: 300 });
  });

  it('results land inside working time (for a positive budget)', () => {
    fc.assert(fc.property(instant, budget.filter((b) => b > 0), (t, b) => cal.isWorkingInstant(cal.addWorkingMs(t, b))), { numRuns: 300 });
  });

  it('adding is monotonic and never earlier than the start', () => {
    fc.assert(
      fc.property(instant, budget, budget, (t, b1, b2) => {
        const [lo, hi] = b1 <= b2 ? [b1, b2] : [b2, b1];
        const a = cal.addWorkingMs(t, lo).getTime();
        return a >= t.getTime() && a <= cal.addWorkingMs(t, hi).getTime();
      }),
      { numRuns: 200 },
    );
  });

  it('pauses never shorten a deadline, and consume no budget', () => {
    const pauseArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 40 * 86_400_000 }), fc.integer({ min: 1, max: 10 * 86_400_000 })), { maxLength: 4 });
    fc.assert(
      fc.property(instant, budget, pauseArb, (t, b, raw) => {
        // Non-overlapping pauses after the start.
        let cursor = t.getTime();
        const pauses = raw.map(([gap, len]) => {
          const from = cursor + gap;
          cursor = from + len;
          return { from: new Date(from), to: new Date(cursor) };
        });
        const plain = cal.dueAt(t, b)!;
        const paused = cal.dueAt(t, b, pauses)!;
        return paused.getTime() >= plain.getTime() && cal.elapsedMs(t, paused, pauses) === b;
      }),
      { numRuns: 200 },
    );
  });
});
