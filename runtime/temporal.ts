import { Runtime, DefaultLogger, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

let installed = false;

/**
 * Installs the Temporal runtime once per process: workflow, activity and SDK logs go to the same
 * JSON log (with their request ids), and the worker's metrics are served in Prometheus format.
 */
export function installTemporalRuntime(log: Logger, metricsAddress?: string): void {
  if (installed) return;
  installed = true;
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };
  const temporalLog = log.child({ component: 'temporal' });
  Runtime.install({
    // The process decides when to stop (Ctrl-C stops the API, then drains the worker).
    shutdownSignals: [],
    logger: new DefaultLogger('INFO', (entry) => temporalLog[levels[entry.level]]({ ...entry.meta }, entry.message)),
    // The engine core's own warnings join the same log instead of the console.
    telemetryOptions: { logging: { forward: {} }, ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : {}) },
  });
}
