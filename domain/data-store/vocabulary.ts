import { z } from 'zod';
import type { FileComponent } from '../dossier/form';

/**
 * The citizen's electronic data store (Kho quản lý dữ liệu điện tử, 003 §16): what it holds and the rule
 * that decides which item may stand for a file component of a new dossier. Shared by the API, the pages and
 * the activities that keep items.
 */

/** A result of a procedure (kết quả giải quyết) or a document of an accepted dossier (thành phần hồ sơ). */
export const StoreItemKind = z.enum(['result', 'document']);
export type StoreItemKind = z.infer<typeof StoreItemKind>;

export const STORE_KIND_LABELS: Record<StoreItemKind, string> = {
  result: 'Kết quả giải quyết thủ tục hành chính',
  document: 'Thành phần hồ sơ đã được tiếp nhận',
};

/**
 * Where a dossier's file came from when the citizen chose it from the store instead of uploading it: the
 * item, the dossier it was kept from, the agency that issued or confirmed it, and the hash the store held
 * (a document's file SHA-256; a result's content SHA-256, the one printed in its signed PDF). The dossier
 * keeps this with its own reference to the file: deleting the store copy later changes nothing here.
 */
export const StoreSource = z.object({
  itemId: z.uuid(),
  kind: StoreItemKind,
  dossierCode: z.string(),
  resultCode: z.string().optional(),
  agencyCode: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  keptAt: z.string(),
});
export type StoreSource = z.infer<typeof StoreSource>;

/** What the eligibility rule needs to know of an item. */
export interface StoreItemFacts {
  kind: StoreItemKind;
  component: string | null;
  procedureCode: string;
  mimeType: string | null;
  revoked: boolean;
  /** The last day it is valid (Vietnam date), if it has one. */
  validUntil: string | null;
}

/** Why an item cannot fill a component; null when it can. */
export type Ineligibility = 'OTHER_KIND' | 'REVOKED' | 'EXPIRED' | 'FORMAT';

/**
 * Whether an item may stand for a component (003 §16.4: what is kept is used again): a kept document of
 * the same kind (the component's name), or a result of a procedure the component accepts; never a revoked
 * or expired one, and only in a format the component allows (a result is a signed PDF).
 */
export function ineligibility(c: Pick<FileComponent, 'name' | 'mimeTypes' | 'acceptsResultsOf'>, item: StoreItemFacts, today: string): Ineligibility | null {
  const sameKind = item.kind === 'document' ? item.component === c.name : (c.acceptsResultsOf ?? []).includes(item.procedureCode);
  if (!sameKind) return 'OTHER_KIND';
  if (item.revoked) return 'REVOKED';
  if (item.validUntil && item.validUntil < today) return 'EXPIRED';
  const mime = item.kind === 'result' ? 'application/pdf' : item.mimeType;
  if (!mime || !c.mimeTypes.includes(mime)) return 'FORMAT';
  return null;
}

export const INELIGIBILITY_MESSAGES: Record<Ineligibility, string> = {
  OTHER_KIND: 'Giấy tờ đã chọn trong Kho không phải loại mà thành phần hồ sơ này yêu cầu.',
  REVOKED: 'Kết quả đã chọn trong Kho đã bị thu hồi, không dùng được cho hồ sơ mới.',
  EXPIRED: 'Giấy tờ đã chọn trong Kho đã hết hiệu lực.',
  FORMAT: 'Định dạng của giấy tờ đã chọn trong Kho không thuộc các định dạng thành phần này chấp nhận.',
};
