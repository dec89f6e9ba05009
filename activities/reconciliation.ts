import type { MikroORM } from '@mikro-orm/postgresql';
import { permanentFailure } from './failures';
import type { RefundRequest } from '../domain/payment/refund';
import { DISCREPANCY_KIND_LABELS, DISCREPANCY_STATUS_LABELS, discrepancyDueAt, RESPONSIBLE_LABELS, type DiscrepancyCase, type DiscrepancyState } from '../domain/payment/discrepancy';
import { formatVnHuman, isoDateOfDay, localDayNumber } from '../domain/working-time';
import type { CalendarStore } from '../services/calendar-store';
import { loadDailyFile } from '../services/payments/daily-files';
import type { BankDirectory } from '../services/payments/banks';
import { reconcileDay } from '../services/payments/reconcile';
import { agencyRecipients, appendAudit, enqueueMessages, operatorRecipients } from '../services/records';

export interface ReconciliationActivityDeps {
  orm: MikroORM;
  calendars: CalendarStore;
  publicUrl: string;
  banks?: BankDirectory;
  log: { warn: (o: object, msg: string) => void };
}

/** How far back the daily run catches up missed days. */
const CATCH_UP_DAYS = 31;
export type DiscrepancyEvent = 'open' | 'close' | 'clear' | 'overdue' | 'deadline_moved';

/** Side effects of daily reconciliation: the banks' statements fetched, the comparison, the cases' records. */
export function createReconciliationActivities(deps: ReconciliationActivityDeps) {
  const { orm } = deps;
  const databaseUrl = () => String(orm.config.get('clientUrl'));

  /** The days to reconcile now: from the day after the last one reconciled (at most 31 days back) to yesterday. */
  async function daysToReconcile(input: { now: string }): Promise<string[]> {
    const yesterday = localDayNumber(Date.parse(input.now)) - 1;
    const [last] = await orm.em.fork().execute<{ day: string | null }[]>("select to_char(max(business_day), 'YYYY-MM-DD') as day from reconciliation_run");
    const lastDay = last?.day ? localDayNumber(Date.parse(`${last.day}T12:00:00+07:00`)) : yesterday - 1;
    const days: string[] = [];
    for (let d = Math.max(lastDay + 1, yesterday - CATCH_UP_DAYS + 1); d <= yesterday; d++) days.push(isoDateOfDay(d));
    return days;
  }

  /** Each connected bank's statement of the day that has not been uploaded, fetched from the bank (signature checked). */
  async function fetchMissingStatements(input: { day: string }): Promise<{ fetched: string[]; unavailable: string[] }> {
    const present = new Set((await orm.em.fork().execute<{ party_code: string }[]>(
      "select party_code from reconciliation_file where kind = 'bank_statement' and business_day = ?", [input.day],
    )).map((r) => r.party_code));
    const fetched: string[] = [];
    const unavailable: string[] = [];
    for (const bank of deps.banks?.list() ?? []) {
      if (present.has(bank.code)) continue;
      try {
        const s = await bank.statement(input.day);
        await loadDailyFile(databaseUrl(), { kind: 'bank_statement', partyCode: bank.code, day: input.day, source: s.body, origin: 'fetched', uploadedBy: null, digestSigned: s.digestSigned });
        fetched.push(bank.code);
      } catch (e) {
        // Reconciled without it; the bank's relations wait for its file (an upload runs the day again).
        deps.log.warn({ bank: bank.code, day: input.day, err: e }, 'bank statement unavailable');
        unavailable.push(bank.code);
      }
    }
    return { fetched, unavailable };
  }

  /** A case's clock (the end of the next working day after it was found); after an announced change, by a calendar read after it. */
  async function computeDiscrepancyDue(input: { detectedAt: string; calendarChangedAt: string }): Promise<string> {
    return discrepancyDueAt(input.detectedAt, await deps.calendars.calendar(Date.parse(input.calendarChangedAt)));
  }

  /** The comparison of the day; the new cases with their clock, and the open ones no longer found. */
  async function reconcile(input: { day: string; now: string }): Promise<{ opened: DiscrepancyCase[]; cleared: string[] }> {
    const due = discrepancyDueAt(input.now, await deps.calendars.calendar());
    const outcome = await reconcileDay(orm, input.day, new Date(input.now), due);
    const opened = outcome.opened.length === 0 ? [] : await orm.em.fork().execute<{ code: string; kind: DiscrepancyCase['kind']; responsible: DiscrepancyCase['responsible']; agency_code: string | null; bank_code: string | null }[]>(
      'select code, kind, responsible, agency_code, bank_code from payment_discrepancy where code = any(?::text[]) order by code', [`{${outcome.opened.join(',')}}`],
    );
    return {
      opened: opened.map((r) => ({ code: r.code, kind: r.kind, responsible: r.responsible, agencyCode: r.agency_code, bankCode: r.bank_code, detectedAt: input.now, dueAt: due })),
      cleared: outcome.cleared,
    };
  }

  /** A case's step: its record, history, audit; the responsible party told of it, and the operators of a missed clock. */
  async function recordDiscrepancy(input: { after: DiscrepancyState; event: DiscrepancyEvent; actor: { id: string; role: string } | null; at: string; payload: Record<string, unknown>; requestId: string | null }): Promise<void> {
    const s = input.after;
    const key = `discrepancy:${s.code}:${s.seq}`;
    await orm.em.fork().transactional(async (tx) => {
      const [d] = await tx.execute<{ detail: string; business_day: string; portal_payment_id: string | null; due_at: string }[]>(
        "select detail, to_char(business_day, 'DD/MM/YYYY') as business_day, portal_payment_id, due_at from payment_discrepancy where code = ?", [s.code],
      );
      if (!d) throw permanentFailure(`discrepancy ${s.code} has no record`);
      const note = typeof input.payload.note === 'string' ? input.payload.note : null;
      await tx.execute(
        `update payment_discrepancy set status = ?, seq = ?, escalated_at = case when ? then coalesce(escalated_at, ?::timestamptz) end,
            closed_at = case when ? <> 'open' then ?::timestamptz end, closed_by = coalesce(?, closed_by), note = coalesce(?, note),
            due_at = case when ? = 'deadline_moved' then ?::timestamptz else due_at end where code = ? and seq < ?`,
        [s.status, s.seq, s.escalated, input.at, s.status, input.at, input.actor?.id ?? null, note, input.event, typeof input.payload.dueAt === 'string' ? input.payload.dueAt : null, s.code, s.seq],
      );
      await tx.execute(
        'insert into payment_discrepancy_history (code, seq, at, event, actor_id, status, payload) values (?, ?, ?, ?, ?, ?, ?::jsonb) on conflict do nothing',
        [s.code, s.seq, input.at, input.event, input.actor?.id ?? null, s.status, JSON.stringify(input.payload)],
      );
      await appendAudit(tx, {
        at: input.at, actorId: input.actor?.id ?? null, actorRole: input.actor?.role ?? null, action: `discrepancy.${input.event}`, entityType: 'payment_discrepancy', entityId: s.code,
        before: null, after: { status: s.status, escalated: s.escalated }, requestId: input.requestId, dedupeKey: key,
      });
      if (input.event !== 'open' && input.event !== 'overdue') return;
      const party = s.responsible === 'agency' && s.agencyCode
        ? await agencyRecipients(tx, s.agencyCode, input.event === 'open' ? ['fee_officer'] : ['fee_officer', 'unit_leader'])
        : [];
      const bankContact = s.responsible === 'bank' && s.bankCode ? deps.banks?.get(s.bankCode)?.contactEmail ?? null : null;
      const operators = s.responsible !== 'agency' || input.event === 'overdue' ? await operatorRecipients(tx) : [];
      const subject = `${input.event === 'open' ? 'Chênh lệch đối soát' : 'Quá hạn xử lý chênh lệch'} ${s.code}: ${DISCREPANCY_KIND_LABELS[s.kind]}`;
      const body = `Đối soát thanh toán ngày ${d.business_day}: ${DISCREPANCY_KIND_LABELS[s.kind].toLowerCase()}${d.portal_payment_id ? ` (giao dịch ${d.portal_payment_id})` : ''}.\n${d.detail}.\n`
        + `Bên chịu trách nhiệm: ${RESPONSIBLE_LABELS[s.responsible]}. Trạng thái: ${DISCREPANCY_STATUS_LABELS[s.status]}.\n`
        + `Hạn xử lý: ${formatVnHuman(new Date(d.due_at))} (chậm nhất trong ngày làm việc tiếp theo).\n\nXem tại: ${deps.publicUrl}/api/reconciliation/discrepancies/${encodeURIComponent(s.code)}`
        + '\n\nThư này được gửi tự động từ Cổng Dịch vụ công quốc gia.';
      await enqueueMessages(tx, [
        ...(bankContact ? [{ dedupeKey: `${key}:bank`, recipient: bankContact, subject, body }] : []),
        ...[...party, ...operators].map((r) => ({ dedupeKey: `${key}:${r.id}`, recipient: r.email, subject, body })),
      ]);
    });
  }

  /**
   * Money the bank took twice or over the amount (000 §34.6): a refund request opened for the case, for
   * the bank to refund; null when there is nothing to refund or a refund of the payment is already open.
   */
  async function openRefundForCase(input: { code: string }): Promise<RefundRequest | null> {
    return orm.em.fork().transactional(async (tx) => {
      const [c] = await tx.execute<{ kind: string; portal_payment_id: string | null; bank_amount_vnd: string | null; portal_amount_vnd: string | null }[]>(
        'select kind, portal_payment_id, bank_amount_vnd, portal_amount_vnd from payment_discrepancy where code = ?', [input.code]);
      if (!c?.portal_payment_id) return null;
      if (c.kind === 'amount_differs' && !(Number(c.bank_amount_vnd) > Number(c.portal_amount_vnd))) return null;
      const [p] = await tx.execute<{ citizen_id: string; agency_code: string }[]>('select citizen_id, agency_code from payment where id = ?', [c.portal_payment_id]);
      if (!p) return null;
      const code = `HT-${input.code.slice(3)}`;
      const reason = c.kind === 'duplicate_payment' ? 'Ngân hàng thu trùng (phát hiện khi đối soát)' : 'Ngân hàng thu thừa so với số tiền phải nộp (phát hiện khi đối soát)';
      const [r] = await tx.execute<{ code: string }[]>(
        `insert into refund_request (code, payment_id, citizen_id, origin, discrepancy_code, reason) values (?, ?, ?, 'reconciliation', ?, ?) on conflict do nothing returning code`,
        [code, c.portal_payment_id, p.citizen_id, input.code, reason]);
      const [existing] = r ? [r] : await tx.execute<{ code: string }[]>('select code from refund_request where code = ?', [code]);
      return existing ? { code, paymentId: c.portal_payment_id, agencyCode: p.agency_code, citizenId: null, discrepancyCode: input.code, reason } : null;
    });
  }

  return { daysToReconcile, fetchMissingStatements, reconcile, recordDiscrepancy, openRefundForCase, computeDiscrepancyDue };
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
