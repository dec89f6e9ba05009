export * from './local-time';
export * from './calendar';
export { vietnamPublicHolidays } from './vn-holidays';

import { DEFAULT_SESSIONS, WorkingCalendar, type DayOverrideKind, type Session } from './calendar';
import { vietnamPublicHolidays } from './vn-holidays';

/** The Vietnamese working calendar with the given announced overrides and sessions. */
export function vietnamCalendar(
  overrides: Iterable<[string, DayOverrideKind]> = [],
  sessions: readonly Session[] = DEFAULT_SESSIONS,
): WorkingCalendar {
  return new WorkingCalendar({ sessions, publicHolidays: vietnamPublicHolidays, overrides: new Map(overrides) });
}
