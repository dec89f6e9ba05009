import Holidays from 'date-holidays';
import { DAY_MS } from './local-time';

/**
 * Vietnamese public holidays (ngày nghỉ lễ, Tết) from the date-holidays library, which computes
 * Tết and Hùng Kings' day by the lunar calendar: 1/1, Tết (5 days), 10/3 lunar, 30/4, 1/5, 2/9.
 * What it lacks (the second National Day holiday, substitute days, the yearly announced Tết schedule
 * and make-up working days) is administrator-maintained data layered on top (calendar overrides).
 */
const vn = new Holidays('VN');

export function vietnamPublicHolidays(year: number): ReadonlySet<string> {
  const dates = new Set<string>();
  for (const h of vn.getHolidays(year)) {
    if (h.type !== 'public') continue;
    const span = Math.max(1, Math.round((h.end.getTime() - h.start.getTime()) / DAY_MS));
    const first = Date.parse(`${h.date.slice(0, 10)}T00:00:00Z`);
    for (let i = 0; i < span; i++) dates.add(new Date(first + i * DAY_MS).toISOString().slice(0, 10));
  }
  return dates;
}
