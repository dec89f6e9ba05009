import { z } from 'zod';

/**
 * The evaluation of 000 §30 (đánh giá việc giải quyết thủ tục hành chính, cung cấp dịch vụ công): computed
 * automatically from the portal's own data per year, per ministry or province (the top of each agency tree),
 * classified by score into five levels (§30.2). The guide of criteria belongs to the Government Office
 * (§30.4); until it is issued the platform applies this policy, configurable (RANKING_POLICY).
 */
export const RankingCriterion = z.enum([
  'on_time', // tỷ lệ hồ sơ giải quyết đúng hạn
  'online', // tỷ lệ hồ sơ tiếp nhận trực tuyến
  'feedback', // tỷ lệ phản ánh, kiến nghị trả lời đúng hạn
  'online_payment', // tỷ lệ hồ sơ có phí được thanh toán trực tuyến
  'status_sync', // tỷ lệ hồ sơ có trạng thái được đồng bộ (ghi nhận bởi quy trình)
]);
export type RankingCriterion = z.infer<typeof RankingCriterion>;

export const CRITERION_LABELS: Record<RankingCriterion, string> = {
  on_time: 'Giải quyết đúng hạn',
  online: 'Tiếp nhận trực tuyến',
  feedback: 'Trả lời phản ánh, kiến nghị đúng hạn',
  online_payment: 'Thanh toán trực tuyến',
  status_sync: 'Đồng bộ trạng thái hồ sơ',
};

export const RankingLevel = z.enum(['excellent', 'good', 'fair', 'average', 'weak']);
export type RankingLevel = z.infer<typeof RankingLevel>;
export const LEVEL_LABELS: Record<RankingLevel, string> = { excellent: 'Xuất sắc', good: 'Tốt', fair: 'Khá', average: 'Trung bình', weak: 'Yếu' };

export const RankingPolicy = z.object({
  /** Points of each criterion (they sum to 100). */
  weights: z.record(RankingCriterion, z.number().min(0).max(100)),
  /** The lowest score of each level above Yếu (descending). */
  thresholds: z.object({ excellent: z.number(), good: z.number(), fair: z.number(), average: z.number() }),
}).refine((p) => Math.abs(Object.values(p.weights).reduce((a, b) => a + b, 0) - 100) < 1e-9, { message: 'weights must sum to 100' })
  .refine((p) => p.thresholds.excellent > p.thresholds.good && p.thresholds.good > p.thresholds.fair && p.thresholds.fair > p.thresholds.average && p.thresholds.average > 0, { message: 'thresholds must descend' });
export type RankingPolicy = z.infer<typeof RankingPolicy>;

export const DEFAULT_RANKING_POLICY: RankingPolicy = {
  weights: { on_time: 40, online: 20, feedback: 15, online_payment: 15, status_sync: 10 },
  thresholds: { excellent: 90, good: 80, fair: 65, average: 50 },
};

/** A criterion's rate: the part and the whole it is a share of (no whole: the criterion does not apply). */
export type Rates = Record<RankingCriterion, { part: number; whole: number }>;

export interface Evaluation {
  /** 0–100, two decimals. */
  score: number;
  level: RankingLevel;
  criteria: { criterion: RankingCriterion; rate: number | null; weight: number; points: number }[];
}

/**
 * The score: each criterion's rate times its weight; a criterion without data (no fee-bearing dossier, no
 * feedback) gives its weight to the others in proportion, so that an agency is not marked down for what it
 * did not have to do. No data at all scores 0 (Yếu).
 */
export function evaluate(rates: Rates, policy: RankingPolicy = DEFAULT_RANKING_POLICY): Evaluation {
  const applicable = RankingCriterion.options.filter((c) => rates[c].whole > 0);
  const applicableWeight = applicable.reduce((a, c) => a + (policy.weights[c] ?? 0), 0);
  const criteria = RankingCriterion.options.map((criterion) => {
    const { part, whole } = rates[criterion];
    const rate = whole > 0 ? Math.min(1, part / whole) : null;
    const weight = rate === null || applicableWeight === 0 ? 0 : ((policy.weights[criterion] ?? 0) * 100) / applicableWeight;
    return { criterion, rate, weight: round2(weight), points: round2(rate === null ? 0 : rate * weight) };
  });
  const score = round2(criteria.reduce((a, c) => a + (c.rate === null ? 0 : c.rate * c.weight), 0));
  return { score, level: levelOf(score, policy), criteria };
}

export function levelOf(score: number, policy: RankingPolicy = DEFAULT_RANKING_POLICY): RankingLevel {
  const t = policy.thresholds;
  return score >= t.excellent ? 'excellent' : score >= t.good ? 'good' : score >= t.fair ? 'fair' : score >= t.average ? 'average' : 'weak';
}

const round2 = (x: number) => Math.round(x * 100) / 100;
