import { Router } from 'express';
import type { DossierService } from '../api/dossiers/service';
import type { FeedbackService } from '../api/feedback/service';
import { isOfficerRole, type Role } from '../domain/access/roles';
import { STEP_ROLE } from '../domain/dossier/state';
import { DossierStatus, STATUS_LABELS } from '../domain/dossier/vocabulary';
import { renderPage } from './render';
import { signedIn } from './session';

const STEP_ROLES = ['receiving_officer', 'processing_officer', 'fee_officer', 'unit_leader', 'result_officer'] as const;
const PAGE_SIZE = 25;
/** "Due soon": within this many hours of its deadline. */
const DUE_SOON_HOURS = 24;

const pageOf = (v: unknown) => Math.max(1, Math.min(1000, Number.parseInt(String(v ?? '1'), 10) || 1));

/**
 * The officers' pages: the work queue of their steps (due-soon and overdue badges, filters) and, for
 * supervisors and unit leaders, their agency's overdue board — dossiers and feedback, by rung and step,
 * the most overdue and oldest first. The lists are the API's own queries.
 */
export function officerPages(services: { dossiers: DossierService; feedback: FeedbackService }): Router {
  const router = Router();

  router.get('/can-bo', signedIn(STEP_ROLES), async (req, res, next) => {
    try {
      const actor = req.actor!;
      const roles = actor.roles.filter(isOfficerRole);
      const steps = DossierStatus.options.filter((s) => roles.includes(STEP_ROLE[s] as never));
      const step = DossierStatus.safeParse(req.query.buoc).success && steps.includes(req.query.buoc as DossierStatus) ? (req.query.buoc as DossierStatus) : undefined;
      const filter = req.query.loc === 'qua-han' ? 'overdue' : req.query.loc === 'sap-den-han' ? 'dueSoon' : 'all';
      const page = pageOf(req.query.trang);
      const items = await services.dossiers.queue(actor, {
        step, overdue: filter === 'overdue' || undefined, dueWithinHours: filter === 'dueSoon' ? DUE_SOON_HOURS : undefined,
        limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE,
      });
      const soon = Date.now() + DUE_SOON_HOURS * 3600_000;
      const rows = items.slice(0, PAGE_SIZE).map((d) => {
        const due = d.acceptanceDueAt ?? d.legalDueAt;
        const overdue = d.overdueLevel > 0 || d.acceptanceOverdue;
        return { ...d, due, overdue, dueSoon: !overdue && due !== null && new Date(due).getTime() <= soon };
      });
      const query = (p: number) => new URLSearchParams({ ...(step ? { buoc: step } : {}), ...(filter !== 'all' ? { loc: req.query.loc as string } : {}), trang: String(p) }).toString();
      renderPage(req, res, 'queue', 'Hồ sơ cần xử lý', {
        rows, steps: steps.map((s) => ({ value: s, label: STATUS_LABELS[s] })), step, filter: req.query.loc ?? '', page, more: items.length > PAGE_SIZE, query,
      });
    } catch (e) {
      next(e);
    }
  });

  router.get('/giam-sat', signedIn(['supervising_officer', 'unit_leader'] satisfies Role[]), async (req, res, next) => {
    try {
      const actor = req.actor!;
      const page = pageOf(req.query.trang);
      const [dossiers, feedback] = await Promise.all([
        services.dossiers.overdue(actor, { limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE }),
        services.feedback.overdue(actor, { limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE }),
      ]);
      // Grouped by rung (the most overdue first), then by step, as the query already orders them.
      const groups = new Map<string, typeof dossiers>();
      for (const d of dossiers.slice(0, PAGE_SIZE)) {
        const rung = d.overdueLevel > 0 ? `Quá hạn giải quyết — mức ${d.overdueLevel}` : 'Quá hạn tiếp nhận';
        const key = `${rung} · ${d.statusLabel}`;
        groups.set(key, [...(groups.get(key) ?? []), d]);
      }
      renderPage(req, res, 'overdue', 'Giám sát hồ sơ quá hạn', {
        groups: [...groups].map(([title, items]) => ({ title, items })), feedback: feedback.slice(0, PAGE_SIZE), page,
        more: dossiers.length > PAGE_SIZE || feedback.length > PAGE_SIZE,
      });
    } catch (e) {
      next(e);
    }
  });
  return router;
}
