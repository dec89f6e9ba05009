import type { EntityManager } from '@mikro-orm/postgresql';
import { formatVnTime } from '../domain/working-time/local-time';
import type { FeedbackChannel } from '../domain/feedback/vocabulary';

export interface NewFeedback {
  citizenId: string | null;
  channel: FeedbackChannel;
  title: string;
  content: string;
  contact: { name: string; address: string; phone: string; email: string | null };
  agencyCode: string;
  dossierCode: string | null;
  procedureCode: string | null;
  disagreesWith: string | null;
  receivedAt: Date;
  keyedBy: string | null;
}

/** Feedback code: `PAKN-<yymmdd>-<number>`. */
export async function nextFeedbackCode(em: EntityManager, at: Date): Promise<string> {
  const [row] = await em.execute<{ n: string }[]>("select nextval('feedback_number') as n");
  return `PAKN-${formatVnTime(at).slice(2, 10).replaceAll('-', '')}-${String(row!.n).padStart(6, '0')}`;
}

/** Records received feedback before its workflow starts (seq 0 until the workflow takes it over). */
export async function recordFeedback(em: EntityManager, f: NewFeedback): Promise<string> {
  const code = await nextFeedbackCode(em, f.receivedAt);
  await em.execute(
    `insert into feedback (code, citizen_id, channel, title, content, contact, origin_agency_code, agency_code, dossier_code, procedure_code, disagrees_with,
       status, received_at, keyed_by, escalated, seq)
     values (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
    [code, f.citizenId, f.channel, f.title, f.content, JSON.stringify(f.contact), f.agencyCode, f.agencyCode, f.dossierCode, f.procedureCode, f.disagreesWith,
      f.disagreesWith ? 'processing' : 'received', f.receivedAt, f.keyedBy, f.disagreesWith !== null],
  );
  return code;
}
