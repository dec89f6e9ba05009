import { z } from 'zod';
import { ROLE_LABELS, type Role } from '../domain/access/roles';
import { ISO_DATE_PATTERN } from '../domain/working-time/local-time';

/**
 * Building blocks of the API's answers and parameters, shared by every module's schemas: the OpenAPI
 * document is generated from them and, in tests, every answer is checked against them.
 */

/** An instant: ISO 8601 with Vietnam's offset, `2026-11-29T08:25:58.313+07:00`. */
export const Instant = z.iso.datetime({ offset: true, precision: 3 }).regex(/\+07:00$/).describe('Thời điểm theo ISO 8601, múi giờ Việt Nam (+07:00)');

/** A calendar date, `YYYY-MM-DD`, that exists, in 1900–2099 (the pattern knows the months and leap years). */
const ISO_DATE = new RegExp(`^${ISO_DATE_PATTERN}$`);
export const IsoDate = z
  .string()
  .regex(ISO_DATE, 'Ngày không tồn tại (dạng YYYY-MM-DD, năm 1900–2099)')
  .describe('Ngày dạng YYYY-MM-DD');

/** A code beside its Vietnamese label. */
export const labelled = <T extends z.ZodType>(code: T) => ({ code, label: z.string() });

/** Paging of every list route. */
export const Page = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** A list answer. */
export const Items = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

/** Codes of agencies (`HNI-STP`), procedures (`STP-KS`), dossiers (`HNI-STP-261129-000001`), results, feedback. */
export const AgencyCode = z.string().regex(/^[A-Z]{2,10}-[A-Z]{2,12}$/).describe('Mã cơ quan, ví dụ HNI-STP');
export const ProcedureCode = z.string().regex(/^[A-Z]{2,10}-[A-Z]{2,12}$/).describe('Mã thủ tục, ví dụ STP-KS');
export const DossierCode = z.string().regex(/^[A-Z]{2,10}-[A-Z]{2,12}-\d{6}-\d{6}$/).describe('Mã hồ sơ, ví dụ HNI-STP-261129-000001');
export const ResultCode = z.string().regex(/^[A-Z]{2,10}-[A-Z]{2,12}-\d{6}-\d{6}-KQ\d{1,3}$/).describe('Mã kết quả: <mã hồ sơ>-KQ<n>');
export const FeedbackCode = z.string().regex(/^PAKN-\d{6}-\d{6}$/).describe('Mã phản ánh, kiến nghị, ví dụ PAKN-261129-000001');
export const Uuid = z.uuid();

/** In a request, a code that must name an existing agency or procedure: the document lists them. */
export const AgencyRef = AgencyCode.meta({ 'x-catalogue': 'agencies' });
export const ProcedureRef = ProcedureCode.meta({ 'x-catalogue': 'procedures' });

/** Who did something, as a person reads it. */
export const ActorRef = z.object({ id: z.string().nullable(), name: z.string().nullable(), role: z.string().nullable(), roleLabel: z.string().nullable() });

/** A history row's actor columns as an ActorRef (null for the engine's own events). */
export function actorRef(row: { actor_id: string | null; actor_name: string | null; actor_role: string | null }): z.infer<typeof ActorRef> | null {
  if (!row.actor_name && !row.actor_id) return null;
  return { id: row.actor_id, name: row.actor_name, role: row.actor_role, roleLabel: row.actor_role ? (ROLE_LABELS[row.actor_role as Role] ?? row.actor_role) : null };
}

/** The officer handling a dossier or a feedback, with the label of the role they act in. */
export const withRoleLabel = <H extends { role: Role }>(h: H | null) => (h ? { ...h, roleLabel: ROLE_LABELS[h.role] } : null);

/** Every error answer: HTTP status, machine-readable code, Vietnamese message, field details. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string().describe('Mã lỗi, ví dụ VALIDATION_FAILED'),
    message: z.string().describe('Thông báo tiếng Việt'),
    details: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })).optional(),
    lockKind: z.string().nullable().optional(),
    requestId: z.string(),
  }),
});

/** A yes/no query or form value: the strings `true` and `false`, read as a boolean. */
export const QueryFlag = z.enum(['true', 'false']).transform((v) => v === 'true');
