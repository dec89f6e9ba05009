import type { MikroORM } from '@mikro-orm/postgresql';
import { demoUser } from '../../db/demo-data';

/**
 * Dossiers of March 2019 (no other test uses that year), written as the records hold them: the daily
 * counters follow from the rows' own trigger. Hà Nội's Department of Justice: 3 online, 2 in person,
 * 1 by post; completed on time 2, late 1, withdrawn 1, refused 1; open overdue 1 (received online, so
 * part of the 3); a test dossier (online, refused) is never counted. Hồ Chí Minh City: 2 received online, 1 completed on time.
 */
export const MARCH_2019 = [
  { code: 'HNI-STP-190304-900001', agency: 'HNI-STP', proc: 'STP-KS', channel: 'online', received: '2019-03-04T09:00:00+07:00', status: 'completed', due: '2019-03-08T17:00:00+07:00', done: '2019-03-07T10:00:00+07:00' },
  { code: 'HNI-STP-190304-900002', agency: 'HNI-STP', proc: 'STP-KS', channel: 'online', received: '2019-03-04T10:00:00+07:00', status: 'completed', due: '2019-03-08T17:00:00+07:00', done: '2019-03-12T10:00:00+07:00' },
  { code: 'HNI-STP-190305-900003', agency: 'HNI-STP', proc: 'STP-LLTP', channel: 'in_person', received: '2019-03-05T09:00:00+07:00', status: 'completed', due: '2019-03-19T17:00:00+07:00', done: '2019-03-18T15:00:00+07:00' },
  { code: 'HNI-STP-190306-900004', agency: 'HNI-STP', proc: 'STP-KS', channel: 'post', received: '2019-03-06T09:00:00+07:00', status: 'withdrawn', due: null, done: '2019-03-07T09:00:00+07:00' },
  { code: 'HNI-STP-190311-900005', agency: 'HNI-STP', proc: 'STP-LLTP', channel: 'online', received: '2019-03-11T09:00:00+07:00', status: 'processing', due: '2019-03-25T17:00:00+07:00', done: null, overdue: 1 },
  { code: 'HNI-STP-190312-900006', agency: 'HNI-STP', proc: 'STP-KS', channel: 'online', received: '2019-03-12T09:00:00+07:00', status: 'rejected', due: null, done: '2019-03-12T15:00:00+07:00', test: true },
  { code: 'HNI-STP-190313-900007', agency: 'HNI-STP', proc: 'STP-KS', channel: 'in_person', received: '2019-03-13T09:00:00+07:00', status: 'rejected', due: null, done: '2019-03-13T15:00:00+07:00' },
  { code: 'HCM-SKHDT-190304-900008', agency: 'HCM-SKHDT', proc: 'KHDT-DNTN', channel: 'online', received: '2019-03-04T09:00:00+07:00', status: 'completed', due: '2019-03-07T17:00:00+07:00', done: '2019-03-06T09:00:00+07:00' },
  { code: 'HCM-SKHDT-190305-900009', agency: 'HCM-SKHDT', proc: 'KHDT-DNTN', channel: 'online', received: '2019-03-05T09:00:00+07:00', status: 'supplement_requested', due: null, done: null },
] as const;

/** Inserts the rows (as received) and then closes them (as their processes would), once. */
export async function insertMarch2019(orm: MikroORM): Promise<void> {
  const em = orm.em.fork();
  const citizen = demoUser('congdan1').id;
  for (const d of MARCH_2019) {
    const inserted = await em.execute(
      `insert into dossier (code, procedure_code, agency_code, citizen_id, status, form_data, received_at, processing_days, fee_amount, channel, is_test, seq, legal_due_at, overdue_level)
       values (?, ?, ?, ?, 'submitted', '{}'::jsonb, ?, 5, 0, ?, ?, 1, ?, ?) on conflict (code) do nothing returning code`,
      [d.code, d.proc, d.agency, citizen, d.received, d.channel, 'test' in d, d.due, 'overdue' in d ? d.overdue : 0],
    );
    if (inserted.length === 0) continue;
    if ((d.status as string) !== 'submitted') await em.execute('update dossier set status = ?, completed_at = ? where code = ?', [d.status, d.done, d.code]);
  }
}
