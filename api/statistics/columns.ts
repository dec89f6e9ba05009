import { DOSSIER_FIGURE_LABELS, DossierFigure, GROUP_BY_LABELS, type GroupBy } from '../../domain/statistics/vocabulary';
import { FEEDBACK_STATUS_LABELS, FEEDBACK_TERMINAL, FeedbackStatus } from '../../domain/feedback/vocabulary';
import { CRITERION_LABELS, RankingCriterion } from '../../domain/statistics/ranking';
import type { DossierFigures, FeedbackFigures, PaymentFigures, StatRow } from '../../services/statistics/figures';
import type { Column } from '../../services/statistics/tables';

/** A table as exported: its sheet title and columns (the same headings as the pages). */
export interface Table<T> { title: string; columns: Column<T>[] }

const OPEN_STAGES = FeedbackStatus.options.filter((s) => !FEEDBACK_TERMINAL.includes(s));

export function dossierColumns(by: GroupBy, period: string): Table<StatRow<DossierFigures>> {
  return {
    title: `Hồ sơ ${period}`,
    columns: [
      { header: GROUP_BY_LABELS[by], value: (r) => r.label, width: 44 },
      ...DossierFigure.options.map((f): Column<StatRow<DossierFigures>> => ({ header: DOSSIER_FIGURE_LABELS[f], value: (r) => r.figures[f] })),
      { header: 'Tỷ lệ đúng hạn (%)', value: (r) => r.figures.onTimeRate },
    ],
  };
}

export function feedbackColumns(by: GroupBy, period: string): Table<StatRow<FeedbackFigures>> {
  return {
    title: `PAKN ${period}`,
    columns: [
      { header: GROUP_BY_LABELS[by], value: (r) => r.label, width: 44 },
      { header: 'Tiếp nhận', value: (r) => r.figures.received },
      { header: 'Trả lời đúng hạn', value: (r) => r.figures.answeredOnTime },
      { header: 'Trả lời quá hạn', value: (r) => r.figures.answeredLate },
      { header: 'Tỷ lệ đúng hạn (%)', value: (r) => r.figures.onTimeRate },
      { header: 'Đang xử lý', value: (r) => r.figures.open },
      { header: 'Đang xử lý quá hạn', value: (r) => r.figures.overdue },
      ...OPEN_STAGES.map((s): Column<StatRow<FeedbackFigures>> => ({ header: FEEDBACK_STATUS_LABELS[s], value: (r) => r.figures.byStage[s] ?? 0 })),
    ],
  };
}

export function paymentColumns(by: GroupBy, period: string): Table<StatRow<PaymentFigures>> {
  return {
    title: `Thanh toán ${period}`,
    columns: [
      { header: GROUP_BY_LABELS[by], value: (r) => r.label, width: 44 },
      { header: 'Số giao dịch thành công', value: (r) => r.figures.count },
      { header: 'Số tiền (đồng)', value: (r) => r.figures.amountVnd, width: 18 },
    ],
  };
}

type RankedItem = { rank: number; name: string; score: number; levelLabel: string; criteria: { criterion: RankingCriterion; rate: number | null; points: number }[] };

export function rankingColumns(year: number): Table<RankedItem> {
  return {
    title: `Xếp hạng năm ${year}`,
    columns: [
      { header: 'Hạng', value: (r) => r.rank, width: 8 },
      { header: 'Bộ, ngành, địa phương', value: (r) => r.name, width: 44 },
      { header: 'Điểm', value: (r) => r.score },
      { header: 'Xếp loại', value: (r) => r.levelLabel },
      ...RankingCriterion.options.map((c): Column<RankedItem> => ({
        header: `${CRITERION_LABELS[c]} (%)`,
        value: (r) => {
          const x = r.criteria.find((k) => k.criterion === c)?.rate;
          return x === null || x === undefined ? null : Math.round(x * 10000) / 100;
        },
      })),
    ],
  };
}
