import { Router } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ProcedureForm } from '../../domain/dossier/form';
import { submissionTarget } from '../../services/procedure-catalogue';
import { mount } from '../access';
import { sendDocument } from '../dossiers/document-routes';
import { apiError, parse } from '../errors';
import { ChoicesQuery, HiddenBody, StoreChoices, StoreItem, StoreItemParams, StoreList, StoreListQuery } from './schemas';
import type { DataStoreService } from './service';

/** The procedure's current form (the one a submission is checked against). */
export async function currentForm(orm: MikroORM, procedureCode: string): Promise<ProcedureForm> {
  const target = await submissionTarget(orm.em.fork(), procedureCode, new Date());
  if (!target || target.abolished) {
    const message = `Thủ tục "${procedureCode}" không tồn tại hoặc không còn hiệu lực.`;
    throw apiError(422, 'UNKNOWN_PROCEDURE', message, [{ field: 'procedureCode', code: 'UNKNOWN_PROCEDURE', message }]);
  }
  return ProcedureForm.parse(target.form);
}

/** The citizen's own data store: only its owner reaches these routes' items. */
export function dataStoreRoutes(orm: MikroORM, store: DataStoreService): Router {
  const router = Router();
  mount(router, {
    method: 'get', path: '/api/store', tag: 'Kho dữ liệu', access: ['citizen'], query: StoreListQuery, responses: { 200: StoreList },
    summary: 'Kho quản lý dữ liệu điện tử của tôi: kết quả giải quyết (kể cả đã thu hồi, được đánh dấu) và thành phần hồ sơ đã được lưu giữ, mới nhất trước. Mỗi lần truy cập được ghi nhật ký.',
    handler: async (req, res) => void res.json(await store.list(req.actor!, parse(StoreListQuery, req.query), String(req.id))),
  });
  mount(router, {
    method: 'get', path: '/api/store/choices', tag: 'Kho dữ liệu', access: ['citizen'], query: ChoicesQuery, responses: { 200: StoreChoices },
    summary: 'Giấy tờ trong Kho dùng được cho từng thành phần hồ sơ của một thủ tục (giấy tờ cùng loại, kết quả của thủ tục được chấp nhận; không gồm kết quả đã thu hồi, hết hiệu lực).',
    handler: async (req, res) => {
      const form = await currentForm(orm, parse(ChoicesQuery, req.query).procedureCode);
      const items = await store.choices(req.actor!, form, String(req.id));
      res.json({ components: form.files.map((c) => ({ name: c.name, label: c.label, items: items[c.name] ?? [] })) });
    },
  });
  mount(router, {
    method: 'get', path: '/api/store/items/:id/content', tag: 'Kho dữ liệu', access: ['citizen'], params: StoreItemParams, responses: { 200: null },
    binary: { mediaTypes: ['*/*'], description: 'Nội dung: tệp thành phần hồ sơ, hoặc kết quả dạng PDF ký số của cơ quan (header X-Content-SHA256 mang mã băm của tệp)' },
    summary: 'Tải một mục trong Kho của tôi.',
    handler: async (req, res) => sendDocument(res, await store.content(req.actor!, String(req.params.id), String(req.id)), false),
  });
  mount(router, {
    method: 'put', path: '/api/store/items/:id/hidden', tag: 'Kho dữ liệu', access: ['citizen'], params: StoreItemParams, body: HiddenBody, responses: { 200: StoreItem },
    summary: 'Ẩn một mục khỏi danh sách của tôi (hoặc hiện lại); mục vẫn được lưu trong Kho.',
    handler: async (req, res) => void res.json(await store.setHidden(req.actor!, String(req.params.id), parse(HiddenBody, req.body).hidden, String(req.id))),
  });
  mount(router, {
    method: 'delete', path: '/api/store/items/:id', tag: 'Kho dữ liệu', access: ['citizen'], params: StoreItemParams, responses: { 204: null }, conflicts: true,
    summary: 'Xóa một thành phần hồ sơ khỏi Kho (rút lại sự đồng ý lưu giữ); hồ sơ đã dùng nó vẫn giữ bản của mình. Kết quả giải quyết không xóa được (409), chỉ ẩn được.',
    handler: async (req, res) => {
      await store.remove(req.actor!, String(req.params.id), String(req.id));
      res.status(204).end();
    },
  });
  return router;
}
