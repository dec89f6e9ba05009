import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { startEmbeddedPostgres } from './embedded-postgres';
import { openOrm } from '../db/orm';
import { migrate } from '../db/orm';
import { seedDemoData } from '../db/seed';
import { ConfigError, loadConfig } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { startPlatform } from '../runtime/platform';
import { PROJECT_ROOT } from '../runtime/tools';
import { DEMO_MACHINE_CLIENTS } from '../db/demo-data';
import { startIdentityProvider } from './identity-provider';
import { startMailCatcher } from './mail-catcher';
import { startSmsCatcher } from './sms-catcher';
import { startBankSimulator } from './bank-simulator';
import { startTemporalDevServer } from './temporal-dev-server';
import { StackAlreadyRunning, StackRecordFile } from './stack-record';

/**
 * `./platform start`: the whole platform on embedded defaults. Each component is started here
 * unless its environment variable points at an existing one (DATABASE_URL, TEMPORAL_ADDRESS,
 * OIDC_ISSUER, SMTP_URL). Data lives in .data/ and is reused by the next start.
 */
const env = process.env;
const dataDir = env.DVC_DATA_DIR ?? `${PROJECT_ROOT}.data`;
mkdirSync(dataDir, { recursive: true });
const log = createLogger(env.LOG_LEVEL ?? 'info', 'platform');
const stops: (() => Promise<unknown>)[] = [];
const port = Number(env.PORT ?? 3000);
const publicUrl = env.PUBLIC_URL ?? `http://localhost:${port}`;

function localSecret(name: string): string {
  const file = `${dataDir}/${name}`;
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

let record: StackRecordFile | null = null;

async function main() {
  const claimed = await StackRecordFile.claim(dataDir, { postgres: `${dataDir}/postgres/postmaster.pid` });
  record = claimed.record;
  if (claimed.cleaned.length > 0) {
    process.stderr.write(`» Lần chạy trước đã dừng đột ngột; đã dừng những gì nó để lại: ${claimed.cleaned.join(', ')}\n`);
    log.warn({ cleaned: claimed.cleaned }, 'stopped what a crashed start left running');
  }
  // Started by ./platform: if the launcher goes away (killed), the stack stops too.
  const launcher = process.ppid;
  setInterval(() => {
    if (process.ppid !== launcher) {
      log.warn('launcher gone; stopping');
      void shutdown(1);
    }
  }, 1000).unref();
  const urls: Record<string, string> = {};
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: `${dataDir}/postgres`, port: Number(env.EMBEDDED_PG_PORT ?? 54329), database: 'dvc' });
    stops.push(pg.stop);
    record.child('postgres', Number(readFileSync(`${dataDir}/postgres/postmaster.pid`, 'utf8').split('\n')[0]));
    databaseUrl = pg.url;
    urls['PostgreSQL (embedded)'] = pg.url.replace(/:[^:@/]+@/, ':***@'); // no password in the banner
  }
  let temporalAddress = env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const t = await startTemporalDevServer({ dataDir: `${dataDir}/temporal`, port: Number(env.TEMPORAL_DEV_PORT ?? 7233), uiPort: Number(env.TEMPORAL_UI_PORT ?? 8233) });
    stops.push(t.stop);
    record.child('temporal', t.pid);
    temporalAddress = t.address;
    urls['Temporal (dev server)'] = t.address;
    if (t.uiUrl) urls['Temporal Web UI'] = t.uiUrl;
  }
  const oidc: Record<string, string> = {};
  if (!env.OIDC_ISSUER) {
    const clientSecret = localSecret('oidc-client-secret');
    const idp = await startIdentityProvider({ port: Number(env.OIDC_PORT ?? 3001), clientId: 'dvc-portal', clientSecret, redirectUris: [`${publicUrl}/auth/callback`], integrationClients: DEMO_MACHINE_CLIENTS });
    stops.push(idp.close);
    Object.assign(oidc, {
      OIDC_ISSUER: idp.issuer, OIDC_AUTHORIZATION_URL: idp.authorizationURL, OIDC_TOKEN_URL: idp.tokenURL,
      OIDC_USERINFO_URL: idp.userInfoURL, OIDC_JWKS_URL: idp.jwksURL, OIDC_CLIENT_ID: 'dvc-portal', OIDC_CLIENT_SECRET: clientSecret,
    });
    urls['OpenID provider (demo users, password "demo")'] = idp.issuer;
  }
  let smtpUrl = env.SMTP_URL;
  if (!smtpUrl) {
    const mail = await startMailCatcher({ smtpPort: Number(env.MAIL_SMTP_PORT ?? 1025), webPort: Number(env.MAIL_WEB_PORT ?? 1080), mailDir: `${dataDir}/mail` });
    stops.push(mail.stop);
    smtpUrl = mail.smtpUrl;
    urls['Mail inbox (MailDev)'] = mail.webUrl;
  }
  const smsEnv: Record<string, string> = {};
  if (!env.SMS_GATEWAY_URL) {
    const smsKey = localSecret('sms-gateway-key');
    const sms = await startSmsCatcher({ port: Number(env.SMS_PORT ?? 1090), apiKey: smsKey });
    stops.push(sms.close);
    Object.assign(smsEnv, { SMS_GATEWAY_URL: sms.url, SMS_GATEWAY_KEY: smsKey });
    urls['SMS inbox (local gateway)'] = sms.url;
  }
  const bankEnv: Record<string, string> = {};
  if (!env.PAYMENT_BANKS) {
    // Two simulated banks (the outside organisations), with their own payment pages and signed callbacks.
    // BANK_SIM_PORT and the next port (0: any free ports).
    const base = Number(env.BANK_SIM_PORT ?? 1091);
    const banks = [
      await startBankSimulator({ port: base, code: 'NH-MOT', name: 'Ngân hàng Một (giả lập)', apiKey: localSecret('bank-mot-key') }),
      await startBankSimulator({ port: base === 0 ? 0 : base + 1, code: 'NH-HAI', name: 'Ngân hàng Hai (giả lập)', apiKey: localSecret('bank-hai-key') }),
    ];
    for (const b of banks) stops.push(b.close);
    bankEnv.PAYMENT_BANKS = JSON.stringify(banks.map((b) => ({ code: b.code, name: b.name, url: b.url, apiKey: b.apiKey, publicKey: b.publicKeyPem, contactEmail: `doisoat@${b.code.toLowerCase()}.example` })));
    urls['Banks (simulated)'] = banks.map((b) => b.url).join(', ');
  }
  const cfg = loadConfig({
    SESSION_SECRET: localSecret('session-secret'),
    METRICS_TOKEN: localSecret('metrics-token'),
    WORKER_METRICS_ADDRESS: env.WORKER_METRICS_ADDRESS ?? '127.0.0.1:9464',
    // Receipts and results are signed with agency certificates from a local certificate authority.
    ...(env.SIGNING_KEYS_DIR ? {} : { SIGNING_KEYS_DIR: `${dataDir}/pki`, SIGNING_LOCAL_CA: 'true', SIGNING_KEYS_PASSPHRASE: localSecret('signing-passphrase') }),
    ...(env.FILE_STORE_DIR ? {} : { FILE_STORE_DIR: `${dataDir}/files` }),
    ...env,
    ...oidc,
    ...smsEnv,
    ...bankEnv,
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    SMTP_URL: smtpUrl,
  });
  const orm = await openOrm(cfg.DATABASE_URL);
  await migrate(orm);
  await seedDemoData(orm);
  await orm.close();
  const platform = await startPlatform(cfg, log, { api: true, worker: true });
  stops.push(() => platform.stop());
  urls['Portal (start here)'] = publicUrl;
  urls['Sign in'] = `${publicUrl}/auth/login`;
  urls['API docs'] = `${publicUrl}/docs`;
  urls['Health / readiness'] = `${publicUrl}/health, ${publicUrl}/ready`;
  urls['Metrics (Bearer token in .data/metrics-token)'] = `${publicUrl}/metrics`;
  const width = Math.max(...Object.keys(urls).map((k) => k.length));
  process.stdout.write(`\nCổng Dịch vụ công — nền tảng xử lý hồ sơ đang chạy (Ctrl-C để dừng)\n${Object.entries(urls).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n\n`);
}

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  log.info('stopping');
  let stoppedAll = true;
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (e) {
      stoppedAll = false;
      log.error({ err: e }, 'stop failed');
    }
  }
  // The record stays if something may still run: the next start stops it.
  if (stoppedAll) record?.release();
  process.exit(code);
}
// embedded-postgres stops its servers on SIGINT/SIGTERM by itself and exits (130) while the API and the
// worker still use them; this process owns the order of the stop, so only its own handlers remain.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.removeAllListeners(signal);
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));
main().catch((e: unknown) => {
  if (e instanceof StackAlreadyRunning) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  if (e instanceof ConfigError) process.stderr.write(`${e.message}\n`);
  else {
    log.error({ err: e }, 'start failed');
    process.stderr.write(`Không khởi động được nền tảng: ${(e as Error).message}\n`);
  }
  void shutdown(1);
});
