import { loadConfig } from '../../runtime/config';
import { testContext } from './context';
import { testLogger } from './capture-logs';
import { removeScratch, scratchDir } from './scratch';
import { startPlatform } from '../../runtime/platform';
import { startIdentityProvider } from '../../local/identity-provider';
import { startTemporalDevServer } from '../../local/temporal-dev-server';
import { startSmsCatcher } from '../../local/sms-catcher';
import { DEMO_MACHINE_CLIENTS } from '../../db/demo-data';
import { freePort } from './ports';
import { startSmtpCatcher } from './smtp';
import { startBankSimulator } from '../../local/bank-simulator';

/**
 * The real platform for API tests: the test PostgreSQL, a Temporal dev server, the local OpenID
 * provider and an SMTP server, with the worker and the API running in this process.
 */
/** The metrics scraper's token in tests. */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789';

/** Limits far above what a test sends, so that only the tests of the limits meet them. */
const GENEROUS_LIMITS = { RATE_LIMIT_SIGN_IN: '10000/1m', RATE_LIMIT_SUBMISSIONS: '10000/1m', RATE_LIMIT_FEEDBACK: '10000/1m', RATE_LIMIT_PUBLIC_SEARCH: '10000/1m' };

export async function startTestPlatform(opts: { databaseUrl?: string; env?: Record<string, string> } = {}) {
  const dataDir = await scratchDir('temporal');
  const temporal = await startTemporalDevServer({ dataDir, port: await freePort(), uiPort: 0, headless: true, onLog: (line) => testLogger().warn({ component: 'temporal-dev-server' }, line) });
  const smtp = await startSmtpCatcher();
  const sms = await startSmsCatcher({ port: 0, apiKey: 'test-sms-key-0123' });
  // Two simulated banks (payment intermediaries): the second delivers every callback twice.
  const banks = [
    await startBankSimulator({ port: 0, code: 'NH-MOT', name: 'Ngân hàng Một (giả lập)', apiKey: 'test-bank-key-mot-0123' }),
    await startBankSimulator({ port: 0, code: 'NH-HAI', name: 'Ngân hàng Hai (giả lập)', apiKey: 'test-bank-key-hai-0123', duplicateCallbacks: true }),
  ];
  const apiPort = await freePort();
  const apiUrl = `http://localhost:${apiPort}`;
  const clientSecret = 'test-client-secret-0123456789';
  const idp = await startIdentityProvider({ port: await freePort(), clientId: 'dvc-test', clientSecret, redirectUris: [`${apiUrl}/auth/callback`], integrationClients: DEMO_MACHINE_CLIENTS });
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    PORT: String(apiPort),
    PUBLIC_URL: apiUrl,
    DATABASE_URL: opts.databaseUrl ?? testContext().databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: `dossier-api-${process.pid}`,
    // Test files share a database, each platform with its own engine: none may start another's processes
    // (under load a submission can wait longer than the production default before its process records it).
    PROCESS_RECOVERY_AFTER_SECONDS: '3600',
    // A calendar change waits for every worker's cached calendar before it moves deadlines in the records.
    CALENDAR_CACHE_SECONDS: '1',
    OIDC_ISSUER: idp.issuer,
    OIDC_AUTHORIZATION_URL: idp.authorizationURL,
    OIDC_TOKEN_URL: idp.tokenURL,
    OIDC_USERINFO_URL: idp.userInfoURL,
    OIDC_JWKS_URL: idp.jwksURL,
    OIDC_CLIENT_ID: 'dvc-test',
    OIDC_CLIENT_SECRET: clientSecret,
    SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
    METRICS_TOKEN: TEST_METRICS_TOKEN,
    SMTP_URL: smtp.url,
    SMS_GATEWAY_URL: sms.url,
    SMS_GATEWAY_KEY: 'test-sms-key-0123',
    MAX_UPLOAD_BYTES: String(6 * 1024 * 1024),
    WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
    // Test files share one database: each platform counts under its own keys.
    RATE_LIMIT_PREFIX: `test-${process.pid}-${apiPort}`,
    // Agency certificates from a local certificate authority in the scratch directory.
    SIGNING_KEYS_DIR: `${dataDir}/pki`,
    FILE_STORE_DIR: `${dataDir}/files`,
    SIGNING_LOCAL_CA: 'true',
    SIGNING_KEYS_PASSPHRASE: 'test-signing-passphrase',
    PAYMENT_BANKS: JSON.stringify(banks.map((b) => ({ code: b.code, name: b.name, url: b.url, apiKey: b.apiKey, publicKey: b.publicKeyPem, contactEmail: `doisoat@${b.code.toLowerCase()}.example` }))),
    ...GENEROUS_LIMITS,
    ...opts.env,
  };
  const cfg = loadConfig(env);
  const platform = await startPlatform(cfg, testLogger(), { api: true, worker: true });
  return {
    apiUrl,
    cfg,
    /** The environment the platform was configured from (for processes started beside it). */
    env,
    idp,
    smtp,
    sms,
    banks,
    orm: platform.services.orm,
    temporal: platform.services.temporal,
    async stop() {
      await platform.stop();
      await idp.close();
      await smtp.close();
      await sms.close();
      for (const b of banks) await b.close();
      await temporal.stop();
      await removeScratch(dataDir);
    },
  };
}

export { integrationSession, machineClientOf, pdfBytes, signIn, type Session } from './sessions';
