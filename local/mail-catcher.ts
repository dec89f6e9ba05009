import { createOrchestrator, getDefaultConfig, Logger, type MailDevConfig } from 'maildev';

/** A local SMTP catcher with a web inbox (MailDev), bound to 127.0.0.1. */
export async function startMailCatcher(opts: { smtpPort: number; webPort: number; mailDir?: string }) {
  const config = {
    ...getDefaultConfig(),
    smtp: opts.smtpPort,
    web: opts.webPort,
    ip: '127.0.0.1',
    webIp: '127.0.0.1',
    silent: true,
    ...(opts.mailDir ? { mailDirectory: opts.mailDir } : {}),
  } as MailDevConfig;
  const orchestrator = createOrchestrator({ config, logger: new Logger({ silent: true }) });
  await orchestrator.start();
  return {
    smtpUrl: `smtp://127.0.0.1:${opts.smtpPort}`,
    webUrl: `http://127.0.0.1:${opts.webPort}`,
    stop: () => orchestrator.stop(),
  };
}
