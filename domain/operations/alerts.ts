/**
 * Alerts about connected systems (000 §52: the agencies' technical administrators are told, by email among
 * other means, when their one-stop system loses its connection with the Portal; the Portal's operators
 * handle the incident, 002 §32): an integration account that has not called for the configured time, or
 * whose calls keep failing. Pure rule; the watch activity applies it.
 */
export type AlertKind = 'integration_silent' | 'integration_failing';

export interface IntegrationAccountUse {
  subject: string;
  name: string;
  createdAt: string;
  lastActivityAt: string | null;
  failedCallsInRow: number;
  lastFailedCallAt: string | null;
}

export interface AlertPolicy {
  silentMinutes: number;
  failingCalls: number;
}

export interface DueAlert {
  kind: AlertKind;
  subject: string;
  detail: Record<string, string | number | null>;
}

export const ALERT_LABELS: Record<AlertKind, string> = {
  integration_silent: 'Hệ thống kết nối không gọi đến Cổng',
  integration_failing: 'Hệ thống kết nối gọi lỗi liên tục',
};

/** The alerts that should be open now: one per account and kind, as long as the condition holds. */
export function dueAlerts(accounts: IntegrationAccountUse[], now: Date, policy: AlertPolicy): DueAlert[] {
  const silentSince = now.getTime() - policy.silentMinutes * 60_000;
  const out: DueAlert[] = [];
  for (const a of accounts) {
    const last = Date.parse(a.lastActivityAt ?? a.createdAt);
    if (last < silentSince) out.push({ kind: 'integration_silent', subject: a.subject, detail: { name: a.name, lastActivityAt: a.lastActivityAt, silentMinutes: policy.silentMinutes } });
    if (a.failedCallsInRow >= policy.failingCalls) out.push({ kind: 'integration_failing', subject: a.subject, detail: { name: a.name, failedCallsInRow: a.failedCallsInRow, lastFailedCallAt: a.lastFailedCallAt } });
  }
  return out;
}

/** The operators' message for a newly raised alert. */
export function alertMessage(a: DueAlert): { subject: string; body: string } {
  const name = String(a.detail.name ?? a.subject);
  const body = a.kind === 'integration_silent'
    ? `Hệ thống ${name} (${a.subject}) không gọi đến Cổng Dịch vụ công từ ${a.detail.lastActivityAt ?? 'khi được cấp tài khoản'} (quá ${a.detail.silentMinutes} phút). Đề nghị kiểm tra kết nối.`
    : `Hệ thống ${name} (${a.subject}) gọi đến Cổng Dịch vụ công bị lỗi ${a.detail.failedCallsInRow} lần liên tiếp (lần gần nhất ${a.detail.lastFailedCallAt}). Đề nghị kiểm tra kết nối.`;
  return { subject: `[Cảnh báo] ${ALERT_LABELS[a.kind]}: ${name}`, body };
}
