import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

export const httpDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3, 10],
  registers: [registry],
});

export const notificationsSent = new client.Counter({
  name: 'notifications_sent_total',
  help: 'Notifications delivered, by channel and outcome',
  labelNames: ['channel', 'outcome'] as const,
  registers: [registry],
});

export const activityFailures = new client.Counter({
  name: 'activity_failures_total',
  help: 'Failed activity attempts, by activity and whether the engine retries them',
  labelNames: ['activity', 'retryable'] as const,
  registers: [registry],
});

/**
 * The API's metrics, followed by the Temporal worker's (its Rust core serves them in Prometheus
 * format on WORKER_METRICS_ADDRESS), so that one scrape shows both.
 */
export async function renderMetrics(workerMetricsAddress?: string): Promise<string> {
  let text = await registry.metrics();
  if (workerMetricsAddress) {
    try {
      const res = await fetch(`http://${workerMetricsAddress}/metrics`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) text += `\n# Temporal worker (${workerMetricsAddress})\n${await res.text()}`;
    } catch {
      text += `\n# Temporal worker metrics unreachable at ${workerMetricsAddress}\n`;
    }
  }
  return text;
}
