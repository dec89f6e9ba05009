import type { MikroORM } from '@mikro-orm/postgresql';
import type { Actor } from '../../domain/access/roles';
import { FEEDBACK_STATUS_LABELS, FEEDBACK_TERMINAL, type FeedbackStatus } from '../../domain/feedback/vocabulary';
import { dayAfter, DossierFigure, periodOf, segmentsOf, type GroupBy, type Period } from '../../domain/statistics/vocabulary';
import { instant, iso } from '../../domain/working-time/local-time';
import { AgencyTree, scopeOf, type Scope } from './scope';

/** The figures kept by day and month (the others — pending — are the open dossiers now). */
const DAILY = ['received_online', 'received_in_person', 'received_post', 'resolved_on_time', 'resolved_late', 'withdrawn', 'refused', 'returned'] as const;

export type DossierFigures = Record<DossierFigure, number> & { onTimeRate: number | null };
export interface StatRow<F> { key: string; label: string; figures: F }
export interface StatQuery { period?: string; from?: string; to?: string; by: GroupBy; agency?: string }

export interface FeedbackFigures { received: number; answeredOnTime: number; answeredLate: number; onTimeRate: number | null; open: number; overdue: number; byStage: Partial<Record<FeedbackStatus, number>> }
export interface PaymentFigures { count: number; amountVnd: number }

const emptyDossier = (): DossierFigures => ({ ...(Object.fromEntries(DossierFigure.options.map((f) => [f, 0])) as Record<DossierFigure, number>), onTimeRate: null });
const rate = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10000) / 100 : null);
const dayStart = (day: string) => `${day}T00:00:00+07:00`;

/**
 * Supervisors' statistics (issue 16): every figure from the daily counters (dossier_stat_day) or from the
 * open dossiers and the period's feedback and payments through their indexes — never a scan of every
 * dossier. Rows are per agency, per ministry or province, per field or per procedure; totals beside them.
 */
export class StatisticsService {
  constructor(private readonly deps: { orm: MikroORM; today: () => string }) {}

  private em() {
    return this.deps.orm.em.fork();
  }

  /** The period and the agencies a request covers, checked against the actor's scope. */
  async frame(actor: Actor, q: { period?: string; from?: string; to?: string; agency?: string }): Promise<{ period: Period; scope: Scope; tree: AgencyTree }> {
    const period = periodOf(q, this.deps.today());
    const tree = await AgencyTree.load(this.deps.orm);
    return { period, scope: scopeOf(tree, actor, q.agency), tree };
  }

  async dossiers(actor: Actor, q: StatQuery) {
    const { period, scope, tree } = await this.frame(actor, q);
    const agencies = scope.codes ? 'and agency_code = any(?::text[])' : '';
    const args = (...a: unknown[]) => (scope.codes ? [...a, pgArray(scope.codes)] : a);
    const [daily, open, procedures] = await Promise.all([
      this.counters(period, scope.codes),
      this.em().execute<Record<string, string | number>[]>(
        `select agency_code, procedure_code, count(*) filter (where not (overdue_level > 0 or acceptance_overdue))::int as pending_on_time,
                count(*) filter (where overdue_level > 0 or acceptance_overdue)::int as pending_overdue
           from dossier where completed_at is null and not is_test and received_at < ?::timestamptz ${agencies} group by agency_code, procedure_code`, args(dayStart(dayAfter(period.to)))),
      this.procedures(),
    ]);
    const rows = new Map<string, StatRow<DossierFigures>>();
    const total = emptyDossier();
    const add = (r: Record<string, string | number>, figures: readonly (DossierFigure | (typeof DAILY)[number])[]) => {
      const { key, label } = groupOf(q.by, String(r.agency_code), String(r.procedure_code), tree, procedures);
      const row = rows.get(key) ?? { key, label, figures: emptyDossier() };
      rows.set(key, row);
      for (const f of figures) {
        row.figures[f as DossierFigure] += Number(r[f] ?? 0);
        total[f as DossierFigure] += Number(r[f] ?? 0);
      }
    };
    for (const r of daily) add(r, DAILY);
    for (const r of open) add(r, ['pending_on_time', 'pending_overdue']);
    const finish = (f: DossierFigures) => {
      f.received = f.received_online + f.received_in_person + f.received_post;
      f.onTimeRate = rate(f.resolved_on_time, f.resolved_on_time + f.resolved_late);
      return f;
    };
    return {
      period, by: q.by, agency: scope.root ? { code: scope.root.code, name: scope.root.name } : null,
      pendingAsOf: instant(new Date()),
      rows: [...rows.values()].map((r) => ({ ...r, figures: finish(r.figures) })).sort((a, b) => a.label.localeCompare(b.label, 'vi')),
      total: finish(total),
    };
  }

  /** The daily counters of a period per agency and procedure: whole months from the monthly rows, the edges from the daily ones. */
  async counters(period: Period, codes: string[] | null): Promise<Record<string, string | number>[]> {
    const { months, days } = segmentsOf(period);
    const agencies = codes ? 'and agency_code = any(?::text[])' : '';
    const parts: string[] = [];
    const params: unknown[] = [];
    const sums = DAILY.map((c) => `${c}`).join(', ');
    if (months) {
      parts.push(`select agency_code, procedure_code, ${sums} from dossier_stat_month where month between ?::date and ?::date ${agencies}`);
      params.push(months[0], months[1], ...(codes ? [pgArray(codes)] : []));
    }
    for (const [from, to] of days) {
      parts.push(`select agency_code, procedure_code, ${sums} from dossier_stat_day where day between ?::date and ?::date ${agencies}`);
      params.push(from, to, ...(codes ? [pgArray(codes)] : []));
    }
    return this.em().execute<Record<string, string | number>[]>(
      `select agency_code, procedure_code, ${DAILY.map((c) => `sum(${c})::int as ${c}`).join(', ')}
         from (${parts.join(' union all ')}) x group by agency_code, procedure_code`, params);
  }

  async feedback(actor: Actor, q: StatQuery) {
    const { period, scope, tree } = await this.frame(actor, q);
    const by: GroupBy = q.by === 'top' ? 'top' : 'agency';
    const agencies = scope.codes ? 'and agency_code = any(?::text[])' : '';
    const from = dayStart(period.from);
    const to = dayStart(dayAfter(period.to));
    const args = (...a: unknown[]) => (scope.codes ? [...a, pgArray(scope.codes)] : a);
    const [received, answered, open] = await Promise.all([
      this.em().execute<{ agency_code: string; n: number }[]>(`select agency_code, count(*)::int as n from feedback where received_at >= ? and received_at < ? ${agencies} group by agency_code`, args(from, to)),
      this.em().execute<{ agency_code: string; on_time: number; late: number }[]>(
        `select agency_code, count(*) filter (where answer_due_at is null or closed_at <= answer_due_at)::int as on_time, count(*) filter (where closed_at > answer_due_at)::int as late
           from feedback where closed_at >= ? and closed_at < ? and status = 'published' ${agencies} group by agency_code`, args(from, to)),
      this.em().execute<{ agency_code: string; status: FeedbackStatus; n: number; overdue: number }[]>(
        `select agency_code, status, count(*)::int as n, count(*) filter (where classification_level > 0 or answer_overdue or result_entry_overdue)::int as overdue
           from feedback where closed_at is null and received_at < ? ${agencies} group by agency_code, status`, args(to)),
    ]);
    const rows = new Map<string, StatRow<FeedbackFigures>>();
    const empty = (): FeedbackFigures => ({ received: 0, answeredOnTime: 0, answeredLate: 0, onTimeRate: null, open: 0, overdue: 0, byStage: {} });
    const total = empty();
    const rowOf = (agency: string) => {
      const { key, label } = groupOf(by, agency, '', tree, new Map());
      const row = rows.get(key) ?? { key, label, figures: empty() };
      rows.set(key, row);
      return row.figures;
    };
    for (const r of received) for (const f of [rowOf(r.agency_code), total]) f.received += r.n;
    for (const r of answered) for (const f of [rowOf(r.agency_code), total]) {
      f.answeredOnTime += r.on_time;
      f.answeredLate += r.late;
    }
    for (const r of open) for (const f of [rowOf(r.agency_code), total]) {
      if (FEEDBACK_TERMINAL.includes(r.status)) continue;
      f.open += r.n;
      f.overdue += r.overdue;
      f.byStage[r.status] = (f.byStage[r.status] ?? 0) + r.n;
    }
    const finish = (f: FeedbackFigures) => ({ ...f, onTimeRate: rate(f.answeredOnTime, f.answeredOnTime + f.answeredLate) });
    return {
      period, by, agency: scope.root ? { code: scope.root.code, name: scope.root.name } : null, stageLabels: FEEDBACK_STATUS_LABELS,
      rows: [...rows.values()].map((r) => ({ ...r, figures: finish(r.figures) })).sort((a, b) => a.label.localeCompare(b.label, 'vi')),
      total: finish(total),
    };
  }

  async payments(actor: Actor, q: StatQuery) {
    const { period, scope, tree } = await this.frame(actor, q);
    const by: GroupBy = q.by === 'top' ? 'top' : 'agency';
    const agencies = scope.codes ? 'and agency_code = any(?::text[])' : '';
    const params: unknown[] = [dayStart(period.from), dayStart(dayAfter(period.to))];
    if (scope.codes) params.push(pgArray(scope.codes));
    const paid = await this.em().execute<{ agency_code: string; n: number; amount: string }[]>(
      `select agency_code, count(*)::int as n, coalesce(sum(amount_vnd), 0)::text as amount from payment where paid_at >= ? and paid_at < ? ${agencies} group by agency_code`, params);
    const rows = new Map<string, StatRow<PaymentFigures>>();
    const total: PaymentFigures = { count: 0, amountVnd: 0 };
    for (const r of paid) {
      const { key, label } = groupOf(by, r.agency_code, '', tree, new Map());
      const row = rows.get(key) ?? { key, label, figures: { count: 0, amountVnd: 0 } };
      rows.set(key, row);
      for (const f of [row.figures, total]) {
        f.count += r.n;
        f.amountVnd += Number(r.amount);
      }
    }
    return { period, by, agency: scope.root ? { code: scope.root.code, name: scope.root.name } : null, rows: [...rows.values()].sort((a, b) => a.label.localeCompare(b.label, 'vi')), total };
  }

  /**
   * The dossiers behind one figure (drill-down), for one row key of a grouping, in the same scope: the
   * period's received or closed dossiers through their dated indexes, or the open ones. Keyset pages.
   */
  async *dossierList(actor: Actor, q: StatQuery & { figure: DossierFigure; key?: string; pageSize?: number; offset?: number }): AsyncGenerator<DossierLine[]> {
    const { period, scope, tree } = await this.frame(actor, q);
    const procedures = await this.procedures();
    let codes = scope.codes;
    let procedureFilter: string[] | null = null;
    if (q.key !== undefined) {
      if (q.by === 'agency' || q.by === 'top') {
        // A row the table does not have lists no dossier (as a field or procedure without dossiers).
        const sub = !tree.get(q.key) ? [] : q.by === 'top' ? tree.subtree(q.key) : [q.key];
        codes = codes ? codes.filter((c) => sub.includes(c)) : sub;
      } else {
        procedureFilter = [...procedures.values()].filter((p) => (q.by === 'field' ? p.field === q.key : p.code === q.key)).map((p) => p.code);
      }
    }
    const from = dayStart(period.from);
    const to = dayStart(dayAfter(period.to));
    const where: string[] = ['not d.is_test'];
    const params: unknown[] = [];
    const f = q.figure;
    if (f.startsWith('received')) {
      where.push('d.received_at >= ? and d.received_at < ?');
      params.push(from, to);
      if (f !== 'received') {
        where.push('d.channel = ?');
        params.push(f.slice('received_'.length));
      }
    } else if (f.startsWith('pending')) {
      where.push('d.completed_at is null and d.received_at < ?', f === 'pending_overdue' ? '(d.overdue_level > 0 or d.acceptance_overdue)' : 'not (d.overdue_level > 0 or d.acceptance_overdue)');
      params.push(to);
    } else {
      where.push('d.completed_at >= ? and d.completed_at < ?');
      params.push(from, to);
      const status = { resolved_on_time: 'completed', resolved_late: 'completed', withdrawn: 'withdrawn', refused: 'rejected', returned: 'returned' }[f as 'withdrawn'];
      where.push('d.status = ?');
      params.push(status);
      if (f === 'resolved_on_time') where.push('(d.legal_due_at is null or d.completed_at <= d.legal_due_at)');
      if (f === 'resolved_late') where.push('d.completed_at > d.legal_due_at');
    }
    if (codes) {
      where.push('d.agency_code = any(?::text[])');
      params.push(pgArray(codes));
    }
    if (procedureFilter) {
      where.push('d.procedure_code = any(?::text[])');
      params.push(pgArray(procedureFilter));
    }
    // Pages follow the index the figure is found by: the day received, or the day closed.
    const order = f.startsWith('received') || f.startsWith('pending') ? 'received_at' : 'completed_at';
    const size = q.pageSize ?? 5000;
    let after: [string, string] | null = null;
    let offset = q.offset ?? 0;
    for (;;) {
      const page: DossierRow[] = await this.em().execute<DossierRow[]>(
        `select d.${order}::text as cursor_at, d.code, d.procedure_code, d.agency_code, d.status, d.channel, d.received_at, d.legal_due_at, d.completed_at
           from dossier d where ${where.join(' and ')} ${after ? `and (d.${order}, d.code) > (?::timestamptz, ?)` : ''}
          order by d.${order}, d.code limit ? offset ?`, [...params, ...(after ?? []), size, offset]);
      offset = 0;
      if (page.length === 0) return;
      yield page.map((r) => ({
        code: r.code, procedureCode: r.procedure_code, procedureName: procedures.get(r.procedure_code)?.name ?? r.procedure_code, agencyCode: r.agency_code,
        agencyName: tree.get(r.agency_code)?.name ?? r.agency_code, status: r.status, channel: r.channel,
        receivedAt: instant(r.received_at), legalDueAt: iso(r.legal_due_at), completedAt: iso(r.completed_at),
      }));
      if (page.length < size) return;
      const last = page.at(-1)!;
      after = [last.cursor_at, last.code];
    }
  }

  async procedures(): Promise<Map<string, { code: string; name: string; field: string }>> {
    const rows = await this.em().execute<{ code: string; name: string; field: string }[]>('select code, name, field from procedure');
    return new Map(rows.map((r) => [r.code, r]));
  }
}

interface DossierRow { cursor_at: string; code: string; procedure_code: string; agency_code: string; status: string; channel: string; received_at: string; legal_due_at: string | null; completed_at: string | null }
export interface DossierLine {
  code: string; procedureCode: string; procedureName: string; agencyCode: string; agencyName: string; status: string; channel: string;
  receivedAt: string; legalDueAt: string | null; completedAt: string | null;
}

/** A text array parameter (agency and procedure codes hold no quotes, commas or braces). */
const pgArray = (values: string[]) => `{${values.map((v) => `"${v}"`).join(',')}}`;

/** A statistics row's key and label for one agency and procedure under a grouping. */
function groupOf(by: GroupBy, agency: string, procedure: string, tree: AgencyTree, procedures: Map<string, { name: string; field: string }>) {
  switch (by) {
    case 'agency':
      return { key: agency, label: tree.get(agency)?.name ?? agency };
    case 'top': {
      const top = tree.topOf(agency);
      return { key: top, label: tree.get(top)?.name ?? top };
    }
    case 'field': {
      const field = procedures.get(procedure)?.field ?? 'Khác';
      return { key: field, label: field };
    }
    case 'procedure':
      return { key: procedure, label: procedures.get(procedure)?.name ?? procedure };
  }
}
