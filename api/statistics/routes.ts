import { Router, type Response } from 'express';
import { z } from 'zod';
import { STATUS_LABELS, type DossierStatus } from '../../domain/dossier/vocabulary';
import { RankingCriterion, RankingLevel } from '../../domain/statistics/ranking';
import { DOSSIER_FIGURE_LABELS, DossierFigure, GroupBy, PERIOD_PATTERN } from '../../domain/statistics/vocabulary';
import type { DossierLine, StatisticsService } from '../../services/statistics/figures';
import type { RankingService } from '../../services/statistics/ranking';
import { TABLE_MEDIA_TYPES, writeTable, type Column, type TableFormat } from '../../services/statistics/tables';
import { mount } from '../access';
import { parse } from '../errors';
import { AgencyRef, Instant, IsoDate } from '../schemas';
import { dossierColumns, feedbackColumns, paymentColumns, rankingColumns, type Table } from './columns';

/** Who reads statistics: supervisors of their tree, operators and system administrators (the service checks the tree). */
export const STATISTICS_READERS = ['supervising_officer', 'unit_leader', 'operator', 'system_admin'] as const;

export const StatQuery = z.object({
  period: z.string().regex(new RegExp(PERIOD_PATTERN)).optional().describe('Kỳ: năm (2026), quý (2026-Q3), tháng (2026-07) hoặc ngày (2026-07-15); mặc định tháng hiện tại'),
  from: IsoDate.optional().describe('Khoảng tùy chọn: ngày đầu (thay cho kỳ)'),
  to: IsoDate.optional().describe('Khoảng tùy chọn: ngày cuối, tính cả ngày đó'),
  by: GroupBy.default('agency').describe('Dòng theo: cơ quan, bộ/ngành/địa phương, lĩnh vực, thủ tục'),
  agency: AgencyRef.optional().describe('Cơ quan (gồm các đơn vị trực thuộc); mặc định cơ quan của người xem, toàn quốc với quản trị, vận hành'),
}).strict();
const Format = z.object({ format: z.enum(['csv', 'xlsx']).default('xlsx') });
/** One figure's dossiers (one cell of a table). */
export const ListFilter = StatQuery.extend({
  figure: DossierFigure, key: z.string().min(1).max(200).optional().describe('Dòng của bảng (mã cơ quan, tên lĩnh vực, mã thủ tục)'),
}).strict();
const ListQuery = ListFilter.extend({ limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).max(100_000).default(0) }).strict();
const ListExport = ListFilter.extend(Format.shape).strict();

const Period = z.object({ from: IsoDate, to: IsoDate, label: z.string() });
const Agency = z.object({ code: z.string(), name: z.string() }).nullable();
const Rate = z.number().min(0).max(100).nullable().describe('Tỷ lệ phần trăm (null khi không có số liệu)');
const DossierFigures = z.object({ ...Object.fromEntries(DossierFigure.options.map((f) => [f, z.number().int()])), onTimeRate: Rate });
const row = <F extends z.ZodType>(figures: F) => z.object({ key: z.string(), label: z.string(), figures });
const FeedbackFigures = z.object({
  received: z.number().int(), answeredOnTime: z.number().int(), answeredLate: z.number().int(), onTimeRate: Rate, open: z.number().int(), overdue: z.number().int(),
  byStage: z.record(z.string(), z.number().int()),
});
const PaymentFigures = z.object({ count: z.number().int(), amountVnd: z.number().int() });
const DossierLine = z.object({
  code: z.string(), procedureCode: z.string(), procedureName: z.string(), agencyCode: z.string(), agencyName: z.string(), status: z.string(), statusLabel: z.string(), channel: z.string(),
  receivedAt: Instant, legalDueAt: Instant.nullable(), completedAt: Instant.nullable(),
});
const Ranking = z.object({
  year: z.number().int(), provisional: z.boolean(), policy: z.object({ weights: z.record(z.string(), z.number()), thresholds: z.record(z.string(), z.number()) }),
  items: z.array(z.object({
    rank: z.number().int(), code: z.string(), name: z.string(), score: z.number(), level: RankingLevel, levelLabel: z.string(),
    criteria: z.array(z.object({ criterion: RankingCriterion, label: z.string(), rate: z.number().nullable(), weight: z.number(), points: z.number(), part: z.number().int(), whole: z.number().int() })),
  })),
});
const TABLE_FILE = { mediaTypes: [TABLE_MEDIA_TYPES.xlsx, TABLE_MEDIA_TYPES.csv], description: 'Bảng số liệu dạng XLSX hoặc CSV (UTF-8, có BOM)' };

/** Streams a table as a file download (a refused request has answered as JSON before the file starts). */
async function sendTable<T>(res: Response, format: TableFormat, name: string, table: Table<T>, pages: AsyncIterable<T[]> | Iterable<T[]>) {
  res.setHeader('content-type', TABLE_MEDIA_TYPES[format]);
  res.setHeader('content-disposition', `attachment; filename="${name}.${format}"`);
  await writeTable(res, format, table.title, table.columns as Column<T>[], pages);
  res.end();
}

/** Supervisors' statistics, their drill-down lists and exports, and the yearly ranking (issue 16, 000 §30). */
export function statisticsRoutes(stats: StatisticsService, ranking: RankingService): Router {
  const router = Router();
  const TAG = 'Thống kê, đánh giá';
  mount(router, {
    method: 'get', path: '/api/statistics/dossiers', tag: TAG, access: STATISTICS_READERS, query: StatQuery,
    responses: { 200: z.object({ period: Period, by: GroupBy, agency: Agency, pendingAsOf: Instant, rows: z.array(row(DossierFigures)), total: DossierFigures }) },
    summary: 'Tình hình giải quyết hồ sơ theo kỳ: tiếp nhận (trực tuyến, trực tiếp, bưu chính), giải quyết đúng hạn, quá hạn, đang giải quyết trong hạn, quá hạn (tại thời điểm xem), rút, từ chối, trả lại; theo cơ quan, bộ/ngành/địa phương, lĩnh vực, thủ tục.',
    handler: async (req, res) => void res.json(await stats.dossiers(req.actor!, parse(StatQuery, req.query))),
  });
  mount(router, {
    method: 'get', path: '/api/statistics/dossiers/list', tag: TAG, access: STATISTICS_READERS, query: ListQuery,
    responses: { 200: z.object({ items: z.array(DossierLine), more: z.boolean() }) },
    summary: 'Danh sách hồ sơ của một số liệu (một ô của bảng thống kê), theo trang.',
    handler: async (req, res) => {
      const q = parse(ListQuery, req.query);
      const pages = stats.dossierList(req.actor!, { ...q, pageSize: q.limit + 1, offset: q.offset });
      const first = (await pages.next()).value ?? [];
      await pages.return(undefined);
      res.json({ items: first.slice(0, q.limit).map(withStatusLabel), more: first.length > q.limit });
    },
  });
  mount(router, {
    method: 'get', path: '/api/statistics/dossiers/list/export', tag: TAG, access: STATISTICS_READERS, query: ListExport, responses: { 200: null }, binary: TABLE_FILE,
    summary: 'Xuất toàn bộ danh sách hồ sơ của một số liệu (XLSX hoặc CSV).',
    handler: async (req, res) => {
      const q = parse(ListExport, req.query);
      const pages = stats.dossierList(req.actor!, q);
      const first = await pages.next(); // a refused request answers as JSON before the file starts
      const all = (async function* () {
        if (!first.done) yield first.value.map(withStatusLabel);
        for await (const p of pages) yield p.map(withStatusLabel);
      })();
      await sendTable(res, q.format, `ho-so-${q.figure}`, dossierListTable(DOSSIER_FIGURE_LABELS[q.figure]), all);
    },
  });
  mount(router, {
    method: 'get', path: '/api/statistics/feedback', tag: TAG, access: STATISTICS_READERS, query: StatQuery,
    responses: { 200: z.object({ period: Period, by: GroupBy, agency: Agency, stageLabels: z.record(z.string(), z.string()), rows: z.array(row(FeedbackFigures)), total: FeedbackFigures }) },
    summary: 'Phản ánh, kiến nghị theo kỳ: tiếp nhận, trả lời đúng hạn, quá hạn, tỷ lệ đúng hạn; đang xử lý theo từng bước (theo cơ quan hoặc bộ/ngành/địa phương).',
    handler: async (req, res) => void res.json(await stats.feedback(req.actor!, parse(StatQuery, req.query))),
  });
  mount(router, {
    method: 'get', path: '/api/statistics/payments', tag: TAG, access: STATISTICS_READERS, query: StatQuery,
    responses: { 200: z.object({ period: Period, by: GroupBy, agency: Agency, rows: z.array(row(PaymentFigures)), total: PaymentFigures }) },
    summary: 'Thanh toán trực tuyến theo kỳ: số giao dịch thành công và số tiền (theo cơ quan hoặc bộ/ngành/địa phương).',
    handler: async (req, res) => void res.json(await stats.payments(req.actor!, parse(StatQuery, req.query))),
  });
  mount(router, {
    method: 'get', path: '/api/statistics/:table/export', tag: TAG, access: STATISTICS_READERS,
    params: z.object({ table: z.enum(['dossiers', 'feedback', 'payments']) }), query: StatQuery.extend(Format.shape).strict(), responses: { 200: null }, binary: TABLE_FILE,
    summary: 'Xuất bảng thống kê (hồ sơ, phản ánh kiến nghị, thanh toán) ra XLSX hoặc CSV, cùng bộ lọc.',
    handler: async (req, res) => {
      const q = parse(StatQuery.extend(Format.shape), req.query);
      const name = `thong-ke-${req.params.table}-${q.period ?? `${q.from ?? ''}-${q.to ?? ''}`}`;
      if (req.params.table === 'dossiers') {
        const r = await stats.dossiers(req.actor!, q);
        return sendTable(res, q.format, name, dossierColumns(r.by, r.period.label), [[...r.rows, { key: '', label: 'Tổng cộng', figures: r.total }]]);
      }
      if (req.params.table === 'feedback') {
        const r = await stats.feedback(req.actor!, q);
        return sendTable(res, q.format, name, feedbackColumns(r.by, r.period.label), [[...r.rows, { key: '', label: 'Tổng cộng', figures: r.total }]]);
      }
      const r = await stats.payments(req.actor!, q);
      return sendTable(res, q.format, name, paymentColumns(r.by, r.period.label), [[...r.rows, { key: '', label: 'Tổng cộng', figures: r.total }]]);
    },
  });
  const Year = z.object({ year: z.coerce.number().int().min(2000).max(2100) });
  mount(router, {
    method: 'get', path: '/api/ranking/:year', tag: TAG, access: 'public', params: Year, responses: { 200: Ranking },
    summary: 'Đánh giá, xếp hạng bộ, ngành, địa phương theo năm (000 Điều 30): điểm từng tiêu chí và mức Xuất sắc, Tốt, Khá, Trung bình, Yếu; công khai sau khi kết thúc năm, năm hiện tại là số liệu tạm tính cho người giám sát.',
    handler: async (req, res) => void res.json(await ranking.year(parse(Year, req.params).year, req.actor ?? null)),
  });
  mount(router, {
    method: 'get', path: '/api/ranking/:year/export', tag: TAG, access: 'public', params: Year, query: Format.strict(), responses: { 200: null }, binary: TABLE_FILE,
    summary: 'Xuất kết quả đánh giá, xếp hạng của năm ra XLSX hoặc CSV.',
    handler: async (req, res) => {
      const r = await ranking.year(parse(Year, req.params).year, req.actor ?? null);
      await sendTable(res, parse(Format, req.query).format, `xep-hang-${r.year}`, rankingColumns(r.year), [r.items]);
    },
  });
  return router;
}

const withStatusLabel = <L extends { status: string }>(l: L) => ({ ...l, statusLabel: STATUS_LABELS[l.status as DossierStatus] ?? l.status });

type Line = ReturnType<typeof withStatusLabel<DossierLine>>;

function dossierListTable(figure: string): Table<Line> {
  return {
    title: `Hồ sơ - ${figure}`,
    columns: [
      { header: 'Mã hồ sơ', value: (d) => d.code, width: 26 },
      { header: 'Thủ tục', value: (d) => d.procedureName, width: 40 },
      { header: 'Cơ quan', value: (d) => d.agencyName, width: 36 },
      { header: 'Kênh tiếp nhận', value: (d) => CHANNEL_LABELS[d.channel] ?? d.channel },
      { header: 'Trạng thái', value: (d) => d.statusLabel, width: 24 },
      { header: 'Tiếp nhận', value: (d) => d.receivedAt, width: 30 },
      { header: 'Hạn giải quyết', value: (d) => d.legalDueAt, width: 30 },
      { header: 'Kết thúc', value: (d) => d.completedAt, width: 30 },
    ],
  };
}

const CHANNEL_LABELS: Record<string, string> = { online: 'Trực tuyến', in_person: 'Trực tiếp', post: 'Bưu chính' };
