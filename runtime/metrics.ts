import client from 'prom-client';
import type { MikroORM } from '@mikro-orm/postgresql';

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
 * What the operators watch (issue 14): activities retrying from the console's attempt on, messages the
 * outbox could not send, alerts open. Read from the database at each scrape (one API process is scraped).
 */
export function registerOperationsGauges(orm: MikroORM, stalledFromAttempt: number): void {
  if (registry.getSingleMetric('operations_stalled_activities')) return;
  const count = async (sql: string, params: unknown[] = []) => {
    const [row] = await orm.em.fork().execute<{ n: number }[]>(sql, params);
    return row?.n ?? 0;
  };
  new client.Gauge({
    name: 'operations_stalled_activities', help: `Activities failing at attempt ${stalledFromAttempt} or later`, registers: [registry],
    async collect() { this.set(await count('select count(*)::int as n from stalled_activity where attempt >= ?', [stalledFromAttempt - 1])); },
  });
  new client.Gauge({
    name: 'operations_stuck_notifications', help: 'Messages not sent: given up (dead) or waiting to be sent again after a failure', labelNames: ['state'] as const, registers: [registry],
    async collect() {
      this.set({ state: 'dead' }, await count('select count(*)::int as n from notification where dead_at is not null'));
      this.set({ state: 'waiting' }, await count('select count(*)::int as n from notification where sent_at is null and dead_at is null and attempts > 0'));
    },
  });
  new client.Gauge({
    name: 'operations_alerts_open', help: 'Alerts to operators not yet cleared', registers: [registry],
    async collect() { this.set(await count('select count(*)::int as n from operations_alert where cleared_at is null')); },
  });
}

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
