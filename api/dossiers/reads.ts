import type { MikroORM } from '@mikro-orm/postgresql';
import type { Actor } from '../../domain/access/roles';
import { isOfficerRole, ROLE_LABELS, type Role } from '../../domain/access/roles';
import { pausesOf } from '../../domain/dossier/deadlines';
import type { PauseRecord } from '../../domain/dossier/state';
import { ACTION_LABELS, STATUS_LABELS, type DossierStatus } from '../../domain/dossier/vocabulary';
import { HOUR_MS } from '../../domain/working-time';
import { instant, iso } from '../../domain/working-time/local-time';
import type { CalendarStore } from '../../services/calendar-store';
import { preparedRead } from '../../db/prepared';
import { Errors } from '../errors';
import { actorRef, withRoleLabel } from '../schemas';

export interface DossierRow {
  code: string;
  procedure_code: string;
  procedure_name: string;
  agency_code: string;
  agency_name: string;
  citizen_id: string;
  status: DossierStatus;
  form_data: Record<string, unknown>;
  form_version: number;
  received_at: Date | string;
  accepted_at: Date | string | null;
  acceptance_due_at: Date | string | null;
  legal_due_at: Date | string | null;
  processing_days: number;
  fee_amount: number;
  fee_paid_at: Date | string | null;
  pauses: PauseRecord[];
  acceptance_overdue: boolean;
  overdue_level: number;
  step_role: Role | null;
  handler: { id: string; name: string; role: Role } | null;
  completed_at: Date | string | null;
  seq: number;
  store_consent: boolean;
}

/** A calendar change the job wrote to the dossier's record (issue 30). */
interface CalendarMove { changeId: string; date: string; at: string; from: Dues; to: Dues }
type Dues = { acceptanceDueAt: string | null; legalDueAt: string | null };
const dues = (d: Dues): Dues => ({ acceptanceDueAt: iso(d.acceptanceDueAt), legalDueAt: iso(d.legalDueAt) });

type ResultRow = { code: string; title: string; issued_at: string; revoked_at: string | null; revoke_reason: string | null };

interface HistoryRow {
  seq: number;
  at: Date | string;
  action: string;
  actor_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  from_status: DossierStatus | null;
  to_status: DossierStatus;
  payload: unknown;
}

export const SELECT_DOSSIER = `select d.*, p.name as procedure_name, a.name as agency_name
  from dossier d join procedure p on p.code = d.procedure_code join agency a on a.code = d.agency_code`;

/** The tracking view in one round trip: the dossier's columns DossierRow names, its history and results aggregated. */
const TRACKING = `select d.code, d.procedure_code, d.agency_code, d.citizen_id, d.status, d.form_data, d.form_version, d.received_at, d.accepted_at,
         d.acceptance_due_at, d.legal_due_at, d.processing_days, d.fee_amount, d.fee_paid_at, d.pauses, d.acceptance_overdue, d.overdue_level,
         d.step_role, d.handler, d.completed_at, d.seq, d.store_consent, d.calendar_move, p.name as procedure_name, a.name as agency_name,
         (select coalesce(json_agg(h order by h.seq), '[]') from (
            select h.seq, h.at, h.action, coalesce(h.actor_id, case when h.action = 'submit' then d.citizen_id end) as actor_id,
                   coalesce(h.actor_name, case when h.action = 'submit' then c.full_name end) as actor_name,
                   coalesce(h.actor_role, case when h.action = 'submit' then 'citizen' end) as actor_role, h.from_status, h.to_status, h.payload
              from dossier_history h left join account c on c.id = d.citizen_id and h.action = 'submit'
             where h.dossier_code = d.code) h) as history,
         (select coalesce(json_agg(r order by r.n), '[]') from (
            select r.n, r.code, r.title, r.issued_at, r.revoked_at, r.revoke_reason from dossier_result r where r.dossier_code = d.code) r) as results
    from dossier d join procedure p on p.code = d.procedure_code join agency a on a.code = d.agency_code
   where d.code = $1`;

/**
 * What reads a dossier, for the API and the portal alike: what anyone may know by its code, the citizen's
 * tracking view, a citizen's list, an officer's queue, the supervisors' overdue list. PostgreSQL only.
 */
export class DossierReads {
  constructor(private readonly readDeps: { orm: MikroORM; calendars: CalendarStore }) {}

  protected em() {
    return this.readDeps.orm.em.fork();
  }

  /** Can this actor see this dossier? Citizens their own; officers their agency's; operators all. */
  protected visible(actor: Actor, row: Pick<DossierRow, 'citizen_id' | 'agency_code'>): boolean {
    if (actor.roles.includes('system_admin') || actor.roles.includes('operator')) return true;
    if (actor.roles.includes('citizen') && row.citizen_id === actor.id) return true;
    return (actor.roles.some(isOfficerRole) || actor.roles.includes('integration')) && actor.agencyCode === row.agency_code;
  }

  protected async load(actor: Actor, code: string): Promise<DossierRow> {
    const [row] = await this.em().execute<DossierRow[]>(`${SELECT_DOSSIER} where d.code = ?`, [code]);
    if (!row || !this.visible(actor, row)) throw Errors.notFound('Hồ sơ');
    return row;
  }

  /**
   * What anyone may know of a dossier by its code (public tracking): its procedure, status and dates,
   * nothing personal. Null when there is no such dossier.
   */
  async publicStatus(code: string) {
    const [row] = await this.em().execute<DossierRow[]>(`${SELECT_DOSSIER} where d.code = ?`, [code]);
    if (!row) return null;
    const { handler: _h, ...rest } = summary(row);
    return rest;
  }

  /** The citizen's tracking view: status, history, who handles it now, elapsed and remaining working time. */
  async track(actor: Actor, code: string) {
    // One round trip: the dossier with its history and results aggregated (issue 18: tracking close to a bare lookup).
    // Entries recorded before the submitter's name was kept fall back to the dossier's citizen.
    // A prepared statement (db/prepared.ts): planned once per connection, not on every request.
    const [row] = await preparedRead<DossierRow & { history: HistoryRow[]; results: ResultRow[]; calendar_move: CalendarMove | null }>(this.readDeps.orm, 'dossier-tracking', TRACKING, [code]);
    if (!row || !this.visible(actor, row)) throw Errors.notFound('Hồ sơ');
    const { history, results } = row;
    const cal = await this.readDeps.calendars.calendar();
    const now = new Date();
    let elapsedWorkingHours: number | null = null;
    let remainingWorkingHours: number | null = null;
    if (row.accepted_at) {
      const end = row.completed_at ? new Date(row.completed_at) : now;
      const elapsed = cal.elapsedMs(new Date(row.accepted_at), end, pausesOf(row));
      elapsedWorkingHours = round1(elapsed / HOUR_MS);
      // A finished dossier has no time left to count: its elapsed time is what it took.
      if (!row.completed_at) remainingWorkingHours = round1((row.processing_days * cal.workingDayMs - elapsed) / HOUR_MS);
    }
    return {
      ...summary(row),
      formData: row.form_data,
      formVersion: row.form_version,
      storeConsent: row.store_consent,
      processingDays: row.processing_days,
      feeAmount: row.fee_amount,
      feePaidAt: iso(row.fee_paid_at),
      pauses: row.pauses.map((p) => ({ from: instant(p.from), to: iso(p.to), reason: p.reason, reasonLabel: PAUSE_LABELS[p.reason] })),
      elapsedWorkingHours,
      remainingWorkingHours,
      history: history.map((h) => ({
        seq: h.seq,
        at: instant(h.at),
        action: h.action,
        actionLabel: ACTION_LABELS[h.action as keyof typeof ACTION_LABELS] ?? h.action,
        actor: actorRef(h),
        fromStatus: h.from_status,
        fromStatusLabel: h.from_status ? STATUS_LABELS[h.from_status] : null,
        toStatus: h.to_status,
        toStatusLabel: STATUS_LABELS[h.to_status],
        details: (h.payload ?? {}) as Record<string, unknown>,
      })),
      results: results.map((r) => ({ code: r.code, title: r.title, issuedAt: instant(r.issued_at), revokedAt: iso(r.revoked_at), revokeReason: r.revoke_reason })),
      // The last calendar change the job moved the deadlines by (its history entry follows when the process wakes).
      calendarMove: row.calendar_move
        ? { changeId: row.calendar_move.changeId, date: row.calendar_move.date, at: instant(row.calendar_move.at), from: dues(row.calendar_move.from), to: dues(row.calendar_move.to) }
        : null,
      // What was recorded up to this moment: the read model, whatever the engine's state (a slow engine delays nothing here).
      asOf: instant(now),
    };
  }

  async listOwn(actor: Actor, page: { limit: number; offset: number }) {
    const rows = await this.em().execute<DossierRow[]>(`${SELECT_DOSSIER} where d.citizen_id = ? order by d.received_at desc limit ? offset ?`, [actor.id, page.limit, page.offset]);
    return rows.map(summary);
  }

  /** An officer's work queue: their agency's dossiers at a step of their roles. */
  async queue(actor: Actor, f: { step?: DossierStatus; dueWithinHours?: number; overdue?: boolean; limit: number; offset: number }) {
    const roles = actor.roles.filter(isOfficerRole);
    // One role (the usual case) is an equality, so the queue index returns the page already in order.
    const where = ['d.agency_code = ?', roles.length === 1 ? 'd.step_role = ?' : 'd.step_role = any(?::text[])'];
    const params: unknown[] = [actor.agencyCode, roles.length === 1 ? roles[0] : `{${roles.join(',')}}`];
    if (f.step) {
      where.push('d.status = ?');
      params.push(f.step);
    }
    if (f.overdue) where.push('(d.overdue_level > 0 or d.acceptance_overdue)');
    if (f.dueWithinHours !== undefined) {
      where.push('coalesce(d.acceptance_due_at, d.legal_due_at) <= ?');
      params.push(new Date(Date.now() + f.dueWithinHours * HOUR_MS));
    }
    params.push(f.limit, f.offset);
    const rows = await this.em().execute<DossierRow[]>(
      `${SELECT_DOSSIER} where ${where.join(' and ')} order by coalesce(d.acceptance_due_at, d.legal_due_at), d.received_at limit ? offset ?`,
      params,
    );
    return rows.map(summary);
  }

  /** Supervisors: the agency's overdue dossiers, the most overdue first. */
  async overdue(actor: Actor, page: { limit: number; offset: number }) {
    const rows = await this.em().execute<DossierRow[]>(
      `${SELECT_DOSSIER} where d.agency_code = ? and (d.overdue_level > 0 or d.acceptance_overdue) and d.status not in ('completed', 'withdrawn', 'rejected', 'returned')
       order by d.overdue_level desc, coalesce(d.legal_due_at, d.acceptance_due_at) limit ? offset ?`,
      [actor.agencyCode, page.limit, page.offset],
    );
    return rows.map(summary);
  }

}

const PAUSE_LABELS = { supplement: 'Chờ công dân bổ sung hồ sơ', fee: 'Chờ nộp phí, lệ phí' } as const;

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function summary(row: DossierRow) {
  return {
    code: row.code,
    procedure: { code: row.procedure_code, name: row.procedure_name },
    agency: { code: row.agency_code, name: row.agency_name },
    status: row.status,
    statusLabel: STATUS_LABELS[row.status],
    receivedAt: instant(row.received_at),
    acceptedAt: iso(row.accepted_at),
    acceptanceDueAt: iso(row.acceptance_due_at),
    legalDueAt: iso(row.legal_due_at),
    acceptanceOverdue: row.acceptance_overdue,
    overdueLevel: row.overdue_level,
    currentRole: row.step_role,
    currentRoleLabel: row.step_role ? ROLE_LABELS[row.step_role] : null,
    handler: withRoleLabel(row.handler),
    completedAt: iso(row.completed_at),
  };
}
