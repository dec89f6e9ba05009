import type { MikroORM } from '@mikro-orm/postgresql';
import { DEMO_AGENCIES, DEMO_CALENDAR_OVERRIDES, DEMO_PROCEDURES, DEMO_USERS } from './demo-data';

/** Inserts the demo data; rows already there are left as they are (a second start keeps edits). */
export async function seedDemoData(orm: MikroORM): Promise<void> {
  await orm.em.fork().transactional(async (tx) => {
    for (const a of DEMO_AGENCIES) {
      await tx.execute(
        'insert into agency (code, name, level, email, parent_code) values (?, ?, ?, ?, ?) on conflict (code) do update set parent_code = excluded.parent_code',
        [a.code, a.name, a.level, a.email, a.parentCode],
      );
    }
    for (const p of DEMO_PROCEDURES) {
      await tx.execute(
        `insert into procedure (code, name, agency_code, field, processing_days, fee_amount, form) values (?, ?, ?, ?, ?, ?, ?::jsonb) on conflict do nothing`,
        [p.code, p.name, p.agencyCode, p.field, p.processingDays, p.feeAmount, JSON.stringify(p.form)],
      );
      // Its first version in the catalogue, and its online service in official operation.
      await tx.execute(
        `insert into procedure_version (procedure_code, version, valid_from, name, field, agency_code, processing_days, fee_amount, form)
         values (?, 1, date '2026-01-01', ?, ?, ?, ?, ?, ?::jsonb) on conflict do nothing`,
        [p.code, p.name, p.field, p.agencyCode, p.processingDays, p.feeAmount, JSON.stringify(p.form)],
      );
      await tx.execute(
        `insert into online_service (code, procedure_code, agency_code, name, status, since) values (?, ?, ?, ?, 'official', now()) on conflict do nothing`,
        [`DV-${p.code}`, p.code, p.agencyCode, p.name],
      );
    }
    for (const u of DEMO_USERS) {
      await tx.execute(
        `insert into account (id, subject, kind, full_name, email, phone, address, agency_code, roles, bank_code) values (?, ?, ?, ?, ?, ?, ?, ?, ?::text[], ?) on conflict do nothing`,
        [u.id, u.subject, u.kind, u.fullName, u.email, u.phone, u.address ?? null, u.agencyCode, `{${u.roles.join(',')}}`, u.bankCode ?? null],
      );
    }
    for (const c of DEMO_CALENDAR_OVERRIDES) {
      await tx.execute('insert into calendar_override (date, kind, note) values (?, ?, ?) on conflict do nothing', [c.date, c.kind, c.note]);
    }
  });
}
