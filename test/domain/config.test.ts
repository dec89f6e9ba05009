import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../runtime/config';

const valid = {
  DATABASE_URL: 'postgres://u:p@localhost:5432/dvc',
  OIDC_ISSUER: 'https://vneid.example.gov.vn',
  OIDC_AUTHORIZATION_URL: 'https://vneid.example.gov.vn/auth',
  OIDC_TOKEN_URL: 'https://vneid.example.gov.vn/token',
  OIDC_USERINFO_URL: 'https://vneid.example.gov.vn/me',
  OIDC_CLIENT_ID: 'dvc',
  OIDC_CLIENT_SECRET: '0123456789abcdef',
  SESSION_SECRET: '0123456789abcdef0123456789abcdef',
  SMTP_URL: 'smtp://mail:25',
};

describe('configuration from the environment', () => {
  it('accepts a complete environment and applies the defaults', () => {
    const cfg = loadConfig(valid);
    expect(cfg.PORT).toBe(3000);
    expect(cfg.WORKING_SESSIONS).toEqual([{ start: 450, end: 690 }, { start: 780, end: 1020 }]);
    expect(cfg.RANKING_POLICY.weights.on_time).toBe(40);
    expect(cfg.PAYMENT_BANKS).toEqual([]);
  });

  it('a configured ranking policy is checked: points summing to 100, thresholds descending, JSON', () => {
    const policy = { weights: { on_time: 50, online: 20, feedback: 10, online_payment: 10, status_sync: 10 }, thresholds: { excellent: 95, good: 85, fair: 70, average: 50 } };
    expect(loadConfig({ ...valid, RANKING_POLICY: JSON.stringify(policy) }).RANKING_POLICY).toEqual(policy);
    expect(() => loadConfig({ ...valid, RANKING_POLICY: JSON.stringify({ ...policy, weights: { ...policy.weights, on_time: 60 } }) })).toThrow(/RANKING_POLICY.*weights must sum to 100/);
    expect(() => loadConfig({ ...valid, RANKING_POLICY: '{not json' })).toThrow(/RANKING_POLICY.*phải là JSON/);
  });

  it('names every wrong variable and says why', () => {
    const bad = { ...valid, DATABASE_URL: 'mysql://x', SESSION_SECRET: 'short', WORKING_SESSIONS: '13:00-11:00', PORT: 'abc' } as Record<string, string>;
    delete bad.SMTP_URL;
    let message = '';
    try {
      loadConfig(bad);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    for (const name of ['DATABASE_URL', 'SESSION_SECRET', 'WORKING_SESSIONS', 'PORT', 'SMTP_URL']) expect(message).toContain(name);
    expect(message).toContain('cần ít nhất 32 ký tự');
  });
});
