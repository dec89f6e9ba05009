import { pino, type Logger } from 'pino';

/** Structured JSON logs, one object per line. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', name = 'dvc'): Logger {
  return pino({
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Credentials never reach the logs.
    redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'],
  });
}
export type { Logger };
