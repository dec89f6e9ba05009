import type { MikroORM } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import { scheduleOf, type EscalationPolicy } from '../domain/dossier/deadlines';
import { appointmentNoticeKey, citizenMessage } from '../domain/dossier/messages';
import type { DossierState } from '../domain/dossier/state';
import type { CalendarStore } from '../services/calendar-store';
import type { OutboxMessage } from '../services/notifications';
import { appendAudit, enqueueMessages } from '../services/records';
import type { CalendarChange } from '../workflows/calendar/definitions';
import { affectedDossiers, calendarAfterChange } from './calendar';
import { snapshot } from './dossier';

interface Row {
  code: string; procedure_code: string; agency_code: string; citizen_id: string; seq: number; clocks_rechecked: boolean;
  acceptance_due_at: Date | string | null; legal_due_at: Date | string | null; after: Omit<DossierState, 'code' | 'procedureCode' | 'agencyCode' | 'citizenId'>;
  procedure_name: string; agency_name: string; full_name: string; email: string | null;
}

const isoOf = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

/** Whether an instant computed (ISO) and one read from the records are the same (both null included). */
export const sameInstant = (a: string | null, b: Date | string | null) => (a === null || b === null ? a === b : Date.parse(a) === new Date(b).getTime());

export interface DossierDeadlineDeps {
  orm: MikroORM;
  calendars: CalendarStore;
  policy: EscalationPolicy;
  publicUrl: string;
}

/**
 * A calendar change carried through the dossiers' records in bulk (issue 30). A day off can only move a
 * deadline later; a process that checks its clocks when it wakes (PATCHES.clocksRecheckedOnWake) takes the
 * new deadline when its old timer fires, so the job need not wake it: it writes the new deadlines to the
 * read model, the audit entry and the citizen's message, in one transaction per batch. A change that may
 * move deadlines earlier is written the same way and its processes are signalled as well (their timers must
 * fire earlier); so are processes recorded before the patch (which write their own records) and any that
 * recorded a step meanwhile.
 */
export function createDossierDeadlineActivities(deps: DossierDeadlineDeps) {
  return {
    async moveDossierDeadlines(input: CalendarChange & { after: string; limit: number }): Promise<{ moved: number; toSignal: string[]; last: string | null }> {
      const { cal, laterOnly } = await calendarAfterChange(deps.calendars, input);
      const [where, params] = affectedDossiers(input);
      const rows = await deps.orm.em.fork().execute<Row[]>(
        `select d.code, d.procedure_code, d.agency_code, d.citizen_id, d.seq, d.clocks_rechecked, d.acceptance_due_at, d.legal_due_at, h.after,
                p.name as procedure_name, a.name as agency_name, c.full_name, c.email
           from dossier d join dossier_history h on h.dossier_code = d.code and h.seq = d.seq
           join procedure p on p.code = d.procedure_code join agency a on a.code = d.agency_code join account c on c.id = d.citizen_id
          where ${where} order by d.code limit ?`,
        [...params, input.limit],
      );
      const toSignal: string[] = [];
      const moves: { row: Row; before: DossierState; after: DossierState }[] = [];
      for (const row of rows) {
        // A process recorded before issue 30 moves its own records when signalled.
        if (!row.clocks_rechecked) {
          toSignal.push(row.code);
          continue;
        }
        // A deadline that may move earlier needs its timer re-armed now: signalled too. The records are written
        // here all the same (the process may hold these very deadlines already — a day off the job moved in the
        // records only, then withdrawn — and then records nothing itself).
        if (!laterOnly) toSignal.push(row.code);
        // The deadlines as the records show them (what the citizen was last told; the job may have moved them before).
        const before: DossierState = {
          ...row.after, code: row.code, procedureCode: row.procedure_code, agencyCode: row.agency_code, citizenId: row.citizen_id,
          acceptanceDueAt: isoOf(row.acceptance_due_at), legalDueAt: isoOf(row.legal_due_at),
        };
        const s = scheduleOf(before, cal, deps.policy);
        // Unchanged here (an escalation rung after the deadline may still move): the process takes it when it wakes.
        if (sameInstant(s.acceptanceDueAt, row.acceptance_due_at) && sameInstant(s.legalDueAt, row.legal_due_at)) continue;
        moves.push({ row, before, after: { ...before, acceptanceDueAt: s.acceptanceDueAt, legalDueAt: s.legalDueAt } });
      }
      const at = new Date().toISOString();
      let moved = 0;
      if (moves.length > 0) {
        await deps.orm.em.fork().transactional(async (tx) => {
          const outbox: OutboxMessage[] = [];
          for (const { row, before, after } of moves) {
            const from = { acceptanceDueAt: before.acceptanceDueAt, legalDueAt: before.legalDueAt };
            const to = { acceptanceDueAt: after.acceptanceDueAt, legalDueAt: after.legalDueAt };
            const notice = { changeId: input.changeId, date: input.date, at, from, to };
            // Only if the process recorded nothing since it was read: otherwise it is signalled.
            const updated = await tx.execute<{ code: string }[]>(
              `update dossier set acceptance_due_at = ?, legal_due_at = ?, calendar_move = ?::jsonb, updated_at = now() where code = ? and seq = ? returning code`,
              [to.acceptanceDueAt, to.legalDueAt, JSON.stringify(notice), row.code, row.seq],
            );
            if (updated.length === 0) {
              if (laterOnly) toSignal.push(row.code);
              continue;
            }
            moved++;
            await appendAudit(tx, {
              at, actorId: null, actorRole: null, action: 'dossier.deadline_moved', entityType: 'dossier', entityId: row.code,
              before: snapshot(before), after: snapshot(after), requestId: input.changeId, dedupeKey: `${input.changeId}:${row.code}`,
            });
            const message = citizenMessage('deadline_moved', after, {
              procedureName: row.procedure_name, agencyName: row.agency_name, citizenName: row.full_name,
              trackingUrl: `${deps.publicUrl}/ho-so/${encodeURIComponent(row.code)}`, payload: { from }, resultCode: null,
            });
            if (message && row.email && after.legalDueAt) outbox.push({ dedupeKey: appointmentNoticeKey(row.code, after.legalDueAt), recipient: row.email, ...message });
          }
          await enqueueMessages(tx, outbox);
        });
      }
      Context.current().heartbeat(rows.at(-1)?.code);
      return { moved, toSignal, last: rows.at(-1)?.code ?? null };
    },
  };
}

export type DossierDeadlineActivities = ReturnType<typeof createDossierDeadlineActivities>;
