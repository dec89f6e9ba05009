import { defineEntity, p } from '@mikro-orm/postgresql';

/** Entities that the application reads and writes through the unit of work. The dossier read
 * model and its history are written with keyed upserts in SQL (see activities/dossier), since each
 * write must be idempotent under activity retries. */

export const Agency = defineEntity({
  name: 'Agency',
  tableName: 'agency',
  properties: {
    code: p.string().primary(),
    name: p.string(),
    level: p.string(),
    email: p.string().nullable(),
  },
});

export const Procedure = defineEntity({
  name: 'Procedure',
  tableName: 'procedure',
  properties: {
    code: p.string().primary(),
    name: p.string(),
    agencyCode: p.string(),
    field: p.string(),
    processingDays: p.integer(),
    feeAmount: p.integer(),
    form: p.json<unknown>(),
    status: p.string(),
  },
});

export const Account = defineEntity({
  name: 'Account',
  tableName: 'account',
  properties: {
    id: p.uuid().primary(),
    subject: p.string().unique(),
    kind: p.string(),
    fullName: p.string(),
    email: p.string().nullable(),
    phone: p.string().nullable(),
    address: p.string().nullable(),
    agencyCode: p.string().nullable(),
    roles: p.array().$type<string[]>(),
    lastSignInAt: p.datetime().nullable(),
    lastActivityAt: p.datetime().nullable(),
    lockedAt: p.datetime().nullable(),
    lockReason: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export const CalendarOverride = defineEntity({
  name: 'CalendarOverride',
  tableName: 'calendar_override',
  properties: {
    date: p.string().primary().columnType('date'),
    kind: p.string(),
    note: p.string(),
    updatedBy: p.uuid().nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});

export const DossierResult = defineEntity({
  name: 'DossierResult',
  tableName: 'dossier_result',
  properties: {
    code: p.string().primary(),
    dossierCode: p.string(),
    n: p.integer(),
    title: p.string(),
    content: p.text(),
    sha256: p.string(),
    issuedAt: p.datetime(),
    issuedBy: p.uuid(),
    revokedAt: p.datetime().nullable(),
    revokedBy: p.uuid().nullable(),
    revokeReason: p.string().nullable(),
  },
});

export const ENTITIES = [Agency, Procedure, Account, CalendarOverride, DossierResult];
