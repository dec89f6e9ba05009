import { z } from 'zod';
import { StoreItemKind } from '../../domain/data-store/vocabulary';
import { AgencyCode, DossierCode, Instant, IsoDate, Page, ProcedureCode, ProcedureRef, QueryFlag, ResultCode } from '../schemas';

/** Requests and answers of the data store routes (Kho quản lý dữ liệu điện tử). */

export const StoreItemParams = z.object({ id: z.uuid() });

export const StoreListQuery = Page.extend({
  kind: StoreItemKind.optional().describe('result: kết quả giải quyết; document: thành phần hồ sơ đã được tiếp nhận'),
  hidden: QueryFlag.optional().describe('true: chỉ các mục đã ẩn'),
});

export const StoreItem = z.object({
  id: z.uuid(),
  kind: StoreItemKind,
  kindLabel: z.string(),
  title: z.string(),
  code: ResultCode.nullable().describe('Mã kết quả <mã hồ sơ>-KQ<n> (chỉ với kết quả)'),
  component: z.string().nullable().describe('Loại giấy tờ (tên thành phần hồ sơ), với thành phần hồ sơ'),
  procedure: z.object({ code: ProcedureCode, name: z.string() }),
  sourceDossierCode: DossierCode,
  agency: z.object({ code: AgencyCode, name: z.string() }).describe('Cơ quan ban hành kết quả hoặc xác nhận thành phần hồ sơ'),
  filename: z.string(),
  mimeType: z.string(),
  size: z.number().int().nonnegative().nullable(),
  sha256: z.string().describe('SHA-256 của tệp (thành phần hồ sơ) hoặc của nội dung kết quả (in trong văn bản ký số)'),
  validUntil: IsoDate.nullable(),
  keptAt: Instant,
  hiddenAt: Instant.nullable(),
  revokedAt: Instant.nullable().describe('Kết quả đã bị thu hồi: vẫn lưu, được đánh dấu'),
});

export const StoreList = z.object({ total: z.number().int().nonnegative(), items: z.array(StoreItem) });

export const HiddenBody = z.object({ hidden: z.boolean() }).strict();

export const ChoicesQuery = z.object({ procedureCode: ProcedureRef });
export const StoreChoices = z.object({
  components: z.array(z.object({ name: z.string(), label: z.string(), items: z.array(StoreItem) })),
});

export const ConsentBody = z.object({ consent: z.boolean() }).strict();
export const ConsentAnswer = z.object({ code: DossierCode, storeConsent: z.boolean() });
