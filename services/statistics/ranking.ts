import type { MikroORM } from '@mikro-orm/postgresql';
import type { Actor } from '../../domain/access/roles';
import { notFound } from '../../domain/errors';
import { CRITERION_LABELS, evaluate, LEVEL_LABELS, RankingCriterion, type RankingPolicy, type Rates } from '../../domain/statistics/ranking';
import { AgencyTree, scopeOf } from './scope';

/**
 * The yearly evaluation of 000 §30 per ministry and province (the tops of the agency tree), from the
 * monthly counters and the year's feedback and payments; published (public) once the year is over, and
 * provisional for supervisors during the year (§30.3).
 */
export class RankingService {
  constructor(private readonly deps: { orm: MikroORM; policy: RankingPolicy; today: () => string }) {}

  async year(year: number, actor: Actor | null) {
    const current = Number(this.deps.today().slice(0, 4));
    const tree = await AgencyTree.load(this.deps.orm);
    // During the year only those who see statistics read the provisional figures.
    if (year > current || (year === current && (!actor || !canSeeStatistics(tree, actor)))) {
      throw notFound('RANKING_NOT_PUBLISHED', `Kết quả đánh giá năm ${year} chưa được công bố (công bố hằng năm sau khi kết thúc năm).`);
    }
    const from = `${year}-01-01T00:00:00+07:00`;
    const to = `${year + 1}-01-01T00:00:00+07:00`;
    const em = () => this.deps.orm.em.fork();
    const [dossiers, feedback, payments, unrecorded] = await Promise.all([
      em().execute<{ agency_code: string; online: number; received: number; with_fee: number; on_time: number; late: number }[]>(
        `select agency_code, sum(received_online)::int as online, sum(received_online + received_in_person + received_post)::int as received, sum(with_fee)::int as with_fee,
                sum(resolved_on_time)::int as on_time, sum(resolved_late)::int as late
           from dossier_stat_month where month between ?::date and ?::date group by agency_code`, [`${year}-01-01`, `${year}-12-01`]),
      em().execute<{ agency_code: string; on_time: number; late: number }[]>(
        `select agency_code, count(*) filter (where answer_due_at is null or closed_at <= answer_due_at)::int as on_time, count(*) filter (where closed_at > answer_due_at)::int as late
           from feedback where closed_at >= ? and closed_at < ? and status = 'published' group by agency_code`, [from, to]),
      em().execute<{ agency_code: string; n: number }[]>(
        'select agency_code, count(*)::int as n from payment where paid_at >= ? and paid_at < ? and dossier_code is not null group by agency_code', [from, to]),
      // Dossiers the portal holds that their process never recorded (status not synchronised), an hour on.
      em().execute<{ agency_code: string; n: number }[]>(
        `select agency_code, count(*)::int as n from dossier where seq = 0 and not is_test and received_at >= ? and received_at < least(?::timestamptz, now() - interval '1 hour') group by agency_code`, [from, to]),
    ]);
    const rates = new Map<string, Rates>();
    const of = (agency: string) => {
      const top = tree.topOf(agency);
      let r = rates.get(top);
      if (!r) rates.set(top, (r = Object.fromEntries(RankingCriterion.options.map((c) => [c, { part: 0, whole: 0 }])) as Rates));
      return r;
    };
    for (const d of dossiers) {
      const r = of(d.agency_code);
      r.on_time.part += d.on_time;
      r.on_time.whole += d.on_time + d.late;
      r.online.part += d.online;
      r.online.whole += d.received;
      r.online_payment.whole += d.with_fee;
      r.status_sync.part += d.received;
      r.status_sync.whole += d.received;
    }
    for (const f of feedback) {
      const r = of(f.agency_code);
      r.feedback.part += f.on_time;
      r.feedback.whole += f.on_time + f.late;
    }
    for (const p of payments) of(p.agency_code).online_payment.part += p.n;
    for (const u of unrecorded) of(u.agency_code).status_sync.part -= u.n;
    const items = [...rates.entries()].map(([code, r]) => {
      const e = evaluate(r, this.deps.policy);
      return {
        code, name: tree.get(code)?.name ?? code, score: e.score, level: e.level, levelLabel: LEVEL_LABELS[e.level],
        criteria: e.criteria.map((c) => ({ ...c, label: CRITERION_LABELS[c.criterion], part: r[c.criterion].part, whole: r[c.criterion].whole })),
      };
    }).sort((a, b) => b.score - a.score || a.name.localeCompare(b.name, 'vi'));
    return { year, provisional: year === current, policy: this.deps.policy, items: items.map((x, i) => ({ rank: i + 1, ...x })) };
  }
}

function canSeeStatistics(tree: AgencyTree, actor: Actor): boolean {
  try {
    scopeOf(tree, actor);
    return true;
  } catch {
    return false;
  }
}
