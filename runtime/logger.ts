import { pino, type DestinationStream, type Logger } from 'pino';

/** Structured JSON logs, one object per line (to stdout, or to the given stream). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', name = 'dvc', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Credentials never reach the logs: cookies, tokens, and the one-time code of a sign-in callback.
    redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]', 'req.query.code', 'req.query.state'],
  };
  return destination ? pino(options, destination) : pino(options);
}
export type { Logger };
