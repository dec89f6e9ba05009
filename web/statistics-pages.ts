import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router } from 'express';
import { parse } from '../api/errors';
import { ListFilter, STATISTICS_READERS, StatQuery } from '../api/statistics/routes';
import { STATUS_LABELS, type DossierStatus } from '../domain/dossier/vocabulary';
import { CRITERION_LABELS, LEVEL_LABELS } from '../domain/statistics/ranking';
import { DOSSIER_FIGURE_LABELS, DossierFigure, GROUP_BY_LABELS } from '../domain/statistics/vocabulary';
import type { DossierLine, StatisticsService } from '../services/statistics/figures';
import type { RankingService } from '../services/statistics/ranking';
import { AgencyTree, scopeOf } from '../services/statistics/scope';
import type { MikroORM } from '@mikro-orm/postgresql';
import { renderPage } from './render';
import { signedIn } from './session';

// The library's browser build, next to its main file (the package exports no path to it).
const chartJs = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
const LIST_PAGE = 50;

/** The filters a statistics page was asked with, as a query string for its links (drill-down, exports). */
function queryOf(q: Record<string, unknown>): string {
  return new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined && v !== '').map(([k, v]): [string, string] => [k, String(v)])).toString();
}

/** Form values come as strings; an empty field is no filter. */
function filters(query: Record<string, unknown>) {
  const q: Record<string, string> = {};
  for (const k of ['period', 'from', 'to', 'by', 'agency']) if (typeof query[k] === 'string' && query[k] !== '') q[k] = query[k];
  return q;
}

/**
 * Supervisors' statistics pages (issue 16): the tables with each figure linking to its dossiers, a chart
 * (Chart.js, drawn from the table's own figures; the table stays the accessible source), exports; and the
 * yearly ranking, public once published.
 */
export function statisticsPages(orm: MikroORM, services: { statistics: StatisticsService; ranking: RankingService }): Router {
  const router = Router();
  router.get('/assets/vendor/chart.umd.min.js', (_req, res) => res.sendFile(chartJs, { maxAge: '1d' }));

  router.get('/thong-ke', signedIn([...STATISTICS_READERS]), async (req, res, next) => {
    try {
      const raw = filters(req.query as Record<string, unknown>);
      const q = parse(StatQuery, raw);
      const [dossiers, feedback, payments, tree] = await Promise.all([
        services.statistics.dossiers(req.actor!, q), services.statistics.feedback(req.actor!, q), services.statistics.payments(req.actor!, q), AgencyTree.load(orm),
      ]);
      const own = scopeOf(tree, req.actor!);
      const agencies = own.codes ? own.codes.map((c) => tree.get(c)!) : tree.agencies;
      const chart = {
        labels: dossiers.rows.map((r) => r.label),
        series: (['received', 'resolved_on_time', 'resolved_late', 'pending_overdue'] as const).map((f) => ({ label: DOSSIER_FIGURE_LABELS[f], data: dossiers.rows.map((r) => r.figures[f]) })),
      };
      renderPage(req, res, 'statistics', 'Thống kê tình hình giải quyết', {
        dossiers, feedback, payments, raw, query: queryOf(raw), agencies, figures: DossierFigure.options, figureLabels: DOSSIER_FIGURE_LABELS, groupLabels: GROUP_BY_LABELS,
        chart: JSON.stringify(chart).replace(/</g, '\\u003c'), national: own.codes === null, year: Number(dossiers.period.from.slice(0, 4)),
      });
    } catch (e) {
      next(e);
    }
  });

  router.get('/thong-ke/ho-so', signedIn([...STATISTICS_READERS]), async (req, res, next) => {
    try {
      // A list is reached from a figure of the statistics; opened without one (a bookmark, a typed address),
      // the reader gets the statistics form with what was given, not an error page (issue 33).
      if (typeof req.query.figure !== 'string' || req.query.figure === '') {
        const given = queryOf(filters(req.query as Record<string, unknown>));
        return void res.redirect(303, `/thong-ke${given ? `?${given}` : ''}`);
      }
      const raw = { ...filters(req.query as Record<string, unknown>), figure: String(req.query.figure ?? ''), ...(typeof req.query.key === 'string' && req.query.key ? { key: req.query.key } : {}) };
      const page = Math.max(1, Math.min(1000, Number(req.query.trang) || 1));
      const q = parse(ListFilter, raw);
      const pages = services.statistics.dossierList(req.actor!, { ...q, pageSize: LIST_PAGE + 1, offset: (page - 1) * LIST_PAGE });
      const first: DossierLine[] = (await pages.next()).value ?? [];
      await pages.return(undefined);
      const period = (await services.statistics.frame(req.actor!, q)).period;
      renderPage(req, res, 'statistics-list', `Hồ sơ: ${DOSSIER_FIGURE_LABELS[q.figure]}`, {
        items: first.slice(0, LIST_PAGE).map((d) => ({ ...d, statusLabel: STATUS_LABELS[d.status as DossierStatus] ?? d.status })), more: first.length > LIST_PAGE, page,
        figureLabel: DOSSIER_FIGURE_LABELS[q.figure], period, rowKey: raw.key ?? null, query: queryOf(raw), back: queryOf(filters(req.query as Record<string, unknown>)),
      });
    } catch (e) {
      next(e);
    }
  });

  router.get(['/xep-hang', '/xep-hang/:year'], async (req, res, next) => {
    try {
      const year = req.params.year ? Number(req.params.year) : new Date().getFullYear() - 1;
      if (!Number.isInteger(year) || year < 2000 || year > 2100) return next();
      const r = await services.ranking.year(year, req.actor ?? null);
      renderPage(req, res, 'ranking', `Đánh giá, xếp hạng năm ${year}`, { r, levels: LEVEL_LABELS, criteria: CRITERION_LABELS });
    } catch (e) {
      next(e);
    }
  });
  return router;
}
