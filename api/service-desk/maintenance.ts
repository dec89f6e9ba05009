import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Actor } from '../../domain/access/roles';
import { checkNotice, MAINTENANCE_STATUS_LABELS, type MaintenanceBody, type MaintenanceStatus } from '../../domain/service-desk/maintenance';
import type { CalendarStore } from '../../services/calendar-store';
import { cancelMaintenanceUpdate, MAINTENANCE_WORKFLOW, type MaintenanceWorkflowInput } from '../../workflows/service-desk/maintenance';
import { instant } from '../../domain/working-time/local-time';
import { apiError, Errors, fromTemporal } from '../errors';
import { equalTo, nextCode } from '../../services/records';

interface Row { code: string; title: string; description: string; starts_at: string; ends_at: string; emergency: boolean; emergency_reason: string | null; status: MaintenanceStatus; announced_at: string; cancel_reason: string | null }
const view = (r: Row) => ({
  code: r.code, title: r.title, description: r.description, startsAt: instant(r.starts_at), endsAt: instant(r.ends_at), emergency: r.emergency, emergencyReason: r.emergency_reason,
  status: r.status, statusLabel: MAINTENANCE_STATUS_LABELS[r.status], announcedAt: instant(r.announced_at), cancelReason: r.cancel_reason,
});
export type MaintenanceView = ReturnType<typeof view>;
const COLUMNS = 'code, title, description, starts_at, ends_at, emergency, emergency_reason, status, announced_at, cancel_reason';

/**
 * Planned maintenance notices (issue 17, 002 §32.3): operators announce them at least 5 working days ahead
 * (an emergency at shorter notice, with its reason), each a process that tells agencies and connected
 * systems and keeps the portal's banner on until the end; cancellable with a reason.
 */
export class MaintenanceNotices {
  /** The notices the banner shows, re-read at most every 15 s by each process. */
  private banner: { at: number; items: MaintenanceView[] } = { at: 0, items: [] };

  constructor(private readonly deps: { orm: MikroORM; temporal: Client; taskQueue: string; calendars: CalendarStore }) {}

  async announce(actor: Actor, body: MaintenanceBody, requestId: string): Promise<MaintenanceView> {
    const announcedAt = new Date();
    checkNotice(body, announcedAt, await this.deps.calendars.calendar());
    const em = this.deps.orm.em.fork();
    const code = await nextCode(em, 'maintenance_notice_number', 'BT');
    const [row] = await em.execute<Row[]>(
      `insert into maintenance_notice (code, title, description, starts_at, ends_at, emergency, emergency_reason, announced_by, announced_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning ${COLUMNS}`,
      [code, body.title, body.description, body.startsAt, body.endsAt, body.emergency, body.emergency ? body.emergencyReason ?? null : null, actor.id, announcedAt]);
    const input: MaintenanceWorkflowInput = { code, startsAt: new Date(body.startsAt).toISOString(), endsAt: new Date(body.endsAt).toISOString(), announcedBy: actor.id, emergency: body.emergency, requestId };
    await this.deps.temporal.workflow.start(MAINTENANCE_WORKFLOW, { taskQueue: this.deps.taskQueue, workflowId: code, args: [input] });
    this.banner.at = 0;
    return view(row!);
  }

  async cancel(actor: Actor, code: string, reason: string, requestId: string): Promise<MaintenanceView> {
    const row = await this.get(code);
    if (row.status === 'completed' || row.status === 'cancelled') throw apiError(409, 'MAINTENANCE_CLOSED', `Đợt bảo trì đã ở trạng thái "${row.statusLabel}".`);
    try {
      await this.deps.temporal.workflow.getHandle(code).executeUpdate(cancelMaintenanceUpdate, { args: [{ actor: { ...actor, name: '' }, reason, requestId }] });
    } catch (e) {
      throw fromTemporal(e);
    }
    this.banner.at = 0;
    return this.get(code);
  }

  async get(code: string): Promise<MaintenanceView> {
    const [row] = await this.deps.orm.em.fork().execute<Row[]>(`select ${COLUMNS} from maintenance_notice where code = ?`, [code]);
    if (!row) throw Errors.notFound('Thông báo bảo trì');
    return view(row);
  }

  /** Announced or under way, not yet ended: what the public list and the banner show, the soonest first. */
  async current(): Promise<MaintenanceView[]> {
    const rows = await this.deps.orm.em.fork().execute<Row[]>(
      `select ${COLUMNS} from maintenance_notice where status in ('announced', 'in_progress') and ends_at > now() order by starts_at, code limit 20`);
    return rows.map(view);
  }

  /** Every notice, newest first; filtered by status and by emergency (true) or planned (false). */
  async list(page: { limit: number; offset: number }, f: { status?: MaintenanceStatus; emergency?: boolean } = {}): Promise<MaintenanceView[]> {
    const eq = equalTo([['status', f.status], ['emergency', f.emergency]]);
    const rows = await this.deps.orm.em.fork().execute<Row[]>(`select ${COLUMNS} from maintenance_notice where true${eq.sql} order by announced_at desc, code desc limit ? offset ?`, [...eq.params, page.limit, page.offset]);
    return rows.map(view);
  }

  /** The banner's notices: kept for 15 s (every page asks), never failing a page (an error shows none). */
  async bannerItems(): Promise<MaintenanceView[]> {
    if (Date.now() - this.banner.at > 15_000) {
      this.banner = { at: Date.now(), items: await this.current().catch(() => this.banner.items) };
    }
    return this.banner.items;
  }
}
