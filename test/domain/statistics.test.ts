import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RANKING_POLICY, evaluate, levelOf, RankingPolicy, type Rates } from '../../domain/statistics/ranking';
import { periodOf, segmentsOf } from '../../domain/statistics/vocabulary';

/** Periods as supervisors name them, their counters' segments, and the ranking's arithmetic (issue 16, 000 §30). */
describe('statistics periods', () => {
  it('names years, quarters, months, days and ranges; the current month by default', () => {
    expect(periodOf({ period: '2024' }, '2026-11-29')).toEqual({ from: '2024-01-01', to: '2024-12-31', label: 'Năm 2024' });
    expect(periodOf({ period: '2024-Q1' }, '2026-11-29')).toMatchObject({ from: '2024-01-01', to: '2024-03-31' });
    expect(periodOf({ period: '2024-02' }, '2026-11-29')).toMatchObject({ from: '2024-02-01', to: '2024-02-29' });
    expect(periodOf({ period: '2023-12' }, '2026-11-29')).toMatchObject({ from: '2023-12-01', to: '2023-12-31' });
    expect(periodOf({}, '2026-11-29')).toMatchObject({ from: '2026-11-01', to: '2026-11-30' });
    expect(periodOf({ from: '2026-03-10', to: '2026-01-05' }, '2026-11-29')).toMatchObject({ from: '2026-01-05', to: '2026-03-10' });
    expect(periodOf({ from: '2026-03-10' }, '2026-11-29')).toMatchObject({ from: '2026-03-10', to: '2026-03-10' });
    expect(() => periodOf({ period: '2026-13' }, '2026-11-29')).toThrow(/Kỳ báo cáo/);
  });

  it('reads whole months from the monthly counters and only the edges from the daily ones', () => {
    expect(segmentsOf({ from: '2025-01-01', to: '2025-12-31' })).toEqual({ months: ['2025-01-01', '2025-12-01'], days: [] });
    expect(segmentsOf({ from: '2025-01-15', to: '2025-04-10' })).toEqual({ months: ['2025-02-01', '2025-03-01'], days: [['2025-01-15', '2025-01-31'], ['2025-04-01', '2025-04-10']] });
    expect(segmentsOf({ from: '2025-02-03', to: '2025-02-20' })).toEqual({ months: null, days: [['2025-02-03', '2025-02-20']] });
    expect(segmentsOf({ from: '2024-02-01', to: '2024-02-29' })).toEqual({ months: ['2024-02-01', '2024-02-01'], days: [] });
    expect(segmentsOf({ from: '2025-01-31', to: '2025-02-01' })).toEqual({ months: null, days: [['2025-01-31', '2025-02-01']] });
  });
});

describe('the yearly ranking', () => {
  const rates = (r: Partial<Record<keyof Rates, [number, number]>>): Rates => ({
    on_time: { part: 0, whole: 0 }, online: { part: 0, whole: 0 }, feedback: { part: 0, whole: 0 }, online_payment: { part: 0, whole: 0 }, status_sync: { part: 0, whole: 0 },
    ...Object.fromEntries(Object.entries(r).map(([k, [part, whole]]) => [k, { part, whole }])),
  });

  it('weighs each criterion, gives a missing one\'s points to the others, and classifies into the five levels', () => {
    const all = evaluate(rates({ on_time: [90, 100], online: [50, 100], feedback: [8, 10], online_payment: [1, 2], status_sync: [100, 100] }));
    expect(all.score).toBeCloseTo(0.9 * 40 + 0.5 * 20 + 0.8 * 15 + 0.5 * 15 + 10, 2);
    expect(all.level).toBe('fair');
    const noFee = evaluate(rates({ on_time: [100, 100], online: [100, 100], feedback: [10, 10], status_sync: [100, 100] }));
    expect(noFee).toMatchObject({ score: 100, level: 'excellent' });
    expect(noFee.criteria.find((c) => c.criterion === 'online_payment')).toMatchObject({ rate: null, weight: 0, points: 0 });
    expect(evaluate(rates({})).score).toBe(0);
    expect([90, 89.99, 80, 65, 50, 49.99].map((s) => levelOf(s))).toEqual(['excellent', 'good', 'good', 'fair', 'average', 'weak']);
  });

  it('a configured policy must sum to 100 points and descend', () => {
    expect(RankingPolicy.safeParse(DEFAULT_RANKING_POLICY).success).toBe(true);
    expect(RankingPolicy.safeParse({ ...DEFAULT_RANKING_POLICY, weights: { ...DEFAULT_RANKING_POLICY.weights, on_time: 50 } }).success).toBe(false);
    expect(RankingPolicy.safeParse({ ...DEFAULT_RANKING_POLICY, thresholds: { excellent: 80, good: 90, fair: 65, average: 50 } }).success).toBe(false);
  });
});
