import type { MikroORM } from '@mikro-orm/postgresql';
import { alertMessage, dueAlerts, type AlertPolicy, type IntegrationAccountUse } from '../domain/operations/alerts';
import { agencyRecipients, enqueueMessages, operatorRecipients } from '../services/records';

export interface WatchOutcome {
  raised: number;
  cleared: number;
  open: number;
}

/** The operators' watch: integration accounts checked against the alert policy, in one transaction. */
export function createOperationsActivities(deps: { orm: MikroORM; alerts?: AlertPolicy }) {
  const policy = deps.alerts ?? { silentMinutes: 24 * 60, failingCalls: 20 };
  return {
    /** Raises the alerts now due (operators told once, through the outbox), clears those no longer due. Safe to repeat. */
    async watchIntegrations(): Promise<WatchOutcome> {
      return deps.orm.em.fork().transactional(async (tx) => {
        const rows = await tx.execute<{ id: string; subject: string; full_name: string; email: string | null; agency_code: string | null; created_at: string; last_activity_at: string | null; failed_calls_in_row: number; last_failed_call_at: string | null }[]>(
          "select id, subject, full_name, email, agency_code, created_at, last_activity_at, failed_calls_in_row, last_failed_call_at from account where kind = 'integration' and locked_at is null");
        const accounts: IntegrationAccountUse[] = rows.map((r) => ({
          subject: r.subject, name: r.full_name, createdAt: new Date(r.created_at).toISOString(), lastActivityAt: r.last_activity_at ? new Date(r.last_activity_at).toISOString() : null,
          failedCallsInRow: r.failed_calls_in_row, lastFailedCallAt: r.last_failed_call_at ? new Date(r.last_failed_call_at).toISOString() : null,
        }));
        const due = dueAlerts(accounts, new Date(), policy);
        const open = await tx.execute<{ id: string; kind: string; subject: string }[]>('select id, kind, subject from operations_alert where cleared_at is null for update');
        const isDue = (o: { kind: string; subject: string }) => due.some((d) => d.kind === o.kind && d.subject === o.subject);
        const gone = open.filter((o) => !isDue(o));
        if (gone.length > 0) await tx.execute('update operations_alert set cleared_at = now() where id in (?)', [gone.map((g) => g.id)]);
        const operators = await operatorRecipients(tx);
        let raised = 0;
        for (const d of due.filter((x) => !open.some((o) => o.kind === x.kind && o.subject === x.subject))) {
          const [row] = await tx.execute<{ id: string }[]>(
            'insert into operations_alert (kind, subject, detail) values (?, ?, ?::jsonb) on conflict do nothing returning id', [d.kind, d.subject, JSON.stringify(d.detail)]);
          if (!row) continue;
          raised++;
          const msg = alertMessage(d);
          // 000 §52: the portal's operators, and the connected agency's technical administrators (its unit
          // administrators and the system's own contact address).
          const account = rows.find((r) => r.subject === d.subject)!;
          const agencyAdmins = account.agency_code ? await agencyRecipients(tx, account.agency_code, ['unit_admin']) : [];
          const contact = account.email ? [{ id: account.id, email: account.email }] : [];
          const recipients = [...operators, ...agencyAdmins, ...contact].filter((r, i, all) => all.findIndex((x) => x.id === r.id) === i);
          await enqueueMessages(tx, recipients.map((o) => ({ dedupeKey: `alert:${row.id}:${o.id}`, recipient: o.email, ...msg })));
        }
        return { raised, cleared: gone.length, open: open.length - gone.length + raised };
      });
    },
  };
}

export type OperationsActivities = ReturnType<typeof createOperationsActivities>;
