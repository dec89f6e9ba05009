import { z } from 'zod';
import { invalid } from '../errors';
import { dayOfIsoDate, isoDateOfDay, ISO_DATE_PATTERN } from '../working-time/local-time';

/** The figures of a dossier statistics row (báo cáo thống kê tình hình giải quyết hồ sơ). */
export const DossierFigure = z.enum([
  'received', // tiếp nhận
  'received_online', // trực tuyến
  'received_in_person', // trực tiếp
  'received_post', // qua dịch vụ bưu chính
  'resolved_on_time', // giải quyết đúng hạn
  'resolved_late', // giải quyết quá hạn
  'pending_on_time', // đang giải quyết, trong hạn
  'pending_overdue', // đang giải quyết, quá hạn
  'withdrawn', // công dân rút hồ sơ
  'refused', // từ chối tiếp nhận
  'returned', // trả lại (hết thời hạn chờ bổ sung, nộp phí)
]);
export type DossierFigure = z.infer<typeof DossierFigure>;

export const DOSSIER_FIGURE_LABELS: Record<DossierFigure, string> = {
  received: 'Tiếp nhận',
  received_online: 'Trực tuyến',
  received_in_person: 'Trực tiếp',
  received_post: 'Bưu chính',
  resolved_on_time: 'Giải quyết đúng hạn',
  resolved_late: 'Giải quyết quá hạn',
  pending_on_time: 'Đang giải quyết trong hạn',
  pending_overdue: 'Đang giải quyết quá hạn',
  withdrawn: 'Rút hồ sơ',
  refused: 'Từ chối tiếp nhận',
  returned: 'Trả lại hồ sơ',
};

/** How a statistics table's rows are formed: per agency, per province or ministry (the top of its tree), per field, per procedure. */
export const GroupBy = z.enum(['agency', 'top', 'field', 'procedure']);
export type GroupBy = z.infer<typeof GroupBy>;
export const GROUP_BY_LABELS: Record<GroupBy, string> = { agency: 'Cơ quan', top: 'Bộ, ngành, địa phương', field: 'Lĩnh vực', procedure: 'Thủ tục' };

/** A period of statistics: a day, a month (YYYY-MM), a quarter (YYYY-Qn), a year (YYYY, 1900–2099), or from…to (days, inclusive). */
export const PERIOD_PATTERN = `^(?:(?:19|20)\\d{2}(?:-Q[1-4]|-(?:0[1-9]|1[0-2]))?|${ISO_DATE_PATTERN})$`;

export interface Period {
  /** First day (YYYY-MM-DD, Vietnam), inclusive. */
  from: string;
  /** Last day, inclusive. */
  to: string;
  label: string;
}

const fmt = (day: string) => day.split('-').reverse().join('/');

/** The period a request names (the current month by default); a malformed one is refused (PERIOD_INVALID). */
export function periodOf(q: { period?: string; from?: string; to?: string }, today: string): Period {
  if (q.from || q.to) {
    // One day when only one end is given; the ends in order whichever way they come.
    const [from, to] = [q.from ?? q.to!, q.to ?? q.from!].sort();
    if (!new RegExp(`^${ISO_DATE_PATTERN}$`).test(from!) || !new RegExp(`^${ISO_DATE_PATTERN}$`).test(to!)) {
      throw invalid('PERIOD_INVALID', 'Ngày bắt đầu và ngày kết thúc có dạng YYYY-MM-DD.');
    }
    return { from: from!, to: to!, label: from === to ? `Ngày ${fmt(from!)}` : `Từ ${fmt(from!)} đến ${fmt(to!)}` };
  }
  const p = q.period ?? today.slice(0, 7);
  if (!new RegExp(PERIOD_PATTERN).test(p)) throw invalid('PERIOD_INVALID', 'Kỳ báo cáo là năm (2026), quý (2026-Q3), tháng (2026-07) hoặc ngày (2026-07-15).');
  const year = Number(p.slice(0, 4));
  const lastDay = (y: number, m: number) => isoDateOfDay(dayOfIsoDate(`${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01`) - 1);
  if (p.length === 4) return { from: `${p}-01-01`, to: `${p}-12-31`, label: `Năm ${p}` };
  if (p[5] === 'Q') {
    const q1 = (Number(p[6]) - 1) * 3 + 1;
    return { from: `${year}-${String(q1).padStart(2, '0')}-01`, to: lastDay(year, q1 + 2), label: `Quý ${p[6]} năm ${year}` };
  }
  if (p.length === 7) return { from: `${p}-01`, to: lastDay(year, Number(p.slice(5))), label: `Tháng ${p.slice(5)}/${year}` };
  return { from: p, to: p, label: `Ngày ${fmt(p)}` };
}

/** The day after a period's last day (the end of a half-open instant range). */
export function dayAfter(day: string): string {
  return isoDateOfDay(dayOfIsoDate(day) + 1);
}

/**
 * A period as the counters hold it: whole months (first days, inclusive) and the days at its edges — a
 * year reads 12 monthly rows per agency and procedure, not 365 daily ones.
 */
export function segmentsOf(p: { from: string; to: string }): { months: [string, string] | null; days: [string, string][] } {
  const from = dayOfIsoDate(p.from);
  const to = dayOfIsoDate(p.to);
  const firstOfMonth = (d: number) => dayOfIsoDate(`${isoDateOfDay(d).slice(0, 7)}-01`);
  const firstFull = isoDateOfDay(from).endsWith('-01') ? from : dayOfIsoDate(nextMonthOf(isoDateOfDay(from).slice(0, 7)));
  const lastFullEnd = isoDateOfDay(to + 1).endsWith('-01') ? to : firstOfMonth(to) - 1;
  if (firstFull > lastFullEnd) return { months: null, days: [[p.from, p.to]] };
  const days: [string, string][] = [];
  if (from < firstFull) days.push([p.from, isoDateOfDay(firstFull - 1)]);
  if (lastFullEnd < to) days.push([isoDateOfDay(lastFullEnd + 1), p.to]);
  return { months: [isoDateOfDay(firstFull), isoDateOfDay(firstOfMonth(lastFullEnd))], days };
}

/** The first day of the month after `YYYY-MM`. */
function nextMonthOf(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}
