import { z } from 'zod';
import { Role } from '../../domain/access/roles';
import { LockKind } from '../../domain/accounts/lifecycle';
import { trimmedText } from '../../domain/text';
import { AgencyCode, AgencyRef, Instant, Items, Page, Uuid } from '../schemas';

/** Requests and answers of the account routes (quản lý tài khoản). */

export const AccountParams = z.object({ id: Uuid });
export const AccountPage = Page.extend({ limit: z.coerce.number().int().min(1).max(500).default(100), offset: z.coerce.number().int().min(0).max(10_000_000).default(0) });
export const ListQuery = AccountPage.extend({ agencyCode: AgencyRef.optional(), locked: z.enum(['true', 'false']).optional() });
export const LockBody = z.object({ kind: LockKind.exclude(['inactive']), note: trimmedText(10, 1000) }).strict();
export const UnlockBody = z.object({ note: trimmedText(10, 1000) }).strict();

export const AccountKind = z.enum(['citizen', 'officer', 'admin', 'operator', 'integration']);
export type AccountKind = z.infer<typeof AccountKind>;

export const AccountRow = z.object({
  id: Uuid,
  subject: z.string(),
  kind: AccountKind,
  kindLabel: z.string(),
  fullName: z.string(),
  agencyCode: AgencyCode.nullable(),
  roles: z.array(Role),
  roleLabels: z.array(z.string()),
  lastSignInAt: Instant.nullable(),
  lastActivityAt: Instant.nullable(),
  inactivityDueAt: Instant.nullable(),
  inactivityStage: z.number().int().min(0),
  lockedAt: Instant.nullable(),
  lockKind: LockKind.nullable(),
  lockKindLabel: z.string().nullable(),
  lockReason: z.string().nullable(),
});

export const LockResult = z.object({ id: Uuid, locked: z.boolean(), kind: LockKind.optional(), kindLabel: z.string().optional() });

export const ReviewSummary = z.object({
  id: Uuid,
  agencyCode: AgencyCode,
  period: z.string().regex(/^\d{4}-H[12]$/),
  openedAt: Instant,
  dueAt: Instant,
  confirmedAt: Instant.nullable(),
  confirmedBy: Uuid.nullable(),
  escalatedAt: Instant.nullable(),
  accounts: z.number().int().min(0),
});

export const Review = ReviewSummary.extend({
  report: z.array(z.object({ id: Uuid, name: z.string(), roles: z.array(Role), roleLabels: z.array(z.string()), lastSignInAt: Instant.nullable(), locked: z.boolean() })),
});

export const ReviewConfirmation = z.object({ id: Uuid, confirmedAt: Instant });

export const AccountList = Items(AccountRow);
export const ReviewList = Items(ReviewSummary);
