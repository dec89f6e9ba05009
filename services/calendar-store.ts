import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { CalendarOverride } from '../db/entities';
import { vietnamCalendar, type DayOverrideKind, type Session, type WorkingCalendar } from '../domain/working-time';

/**
 * The working calendar as an administrator maintains it: the library's public holidays plus the
 * announced overrides stored in `calendar_override`. Cached; reloaded after a change here, and at
 * most `ttlMs` stale when another process changes it.
 */
export class CalendarStore {
  private cached: { at: number; cal: WorkingCalendar } | null = null;

  constructor(
    private readonly orm: MikroORM,
    private readonly sessions: readonly Session[],
    /** How long a loaded calendar is used (CALENDAR_CACHE_SECONDS): the longest a worker lags a change. */
    readonly ttlMs = 30_000,
  ) {}

  /** The calendar; `freshAfter` (ms): one loaded before that instant is reloaded (a change announced then). */
  async calendar(freshAfter?: number): Promise<WorkingCalendar> {
    if (this.cached && Date.now() - this.cached.at < this.ttlMs && (freshAfter === undefined || this.cached.at > freshAfter)) return this.cached.cal;
    const rows = await this.orm.em.fork().find(CalendarOverride, {}, { orderBy: { date: 'asc' } });
    const cal = vietnamCalendar(rows.map((r) => [r.date, r.kind as DayOverrideKind]), this.sessions);
    this.cached = { at: Date.now(), cal };
    return cal;
  }

  async list(em: EntityManager = this.orm.em.fork()) {
    return em.find(CalendarOverride, {}, { orderBy: { date: 'asc' } });
  }

  invalidate(): void {
    this.cached = null;
  }
}
