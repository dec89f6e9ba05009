import type { Response } from 'express';
import { Router } from 'express';
import { OfficerRole } from '../../domain/access/roles';
import { mount } from '../access';
import type { DossierDocuments } from './documents';
import { DossierFileVersions, DossierParams, DossierResultParams, FileParams } from './schemas';

/** Who sees a dossier's files and documents: its citizen, the competent agency's officers and systems. */
const CONTENT_ACCESS = ['citizen', ...OfficerRole.options, 'integration'] as const;

/** Sends a stored file or an issued document: never interpreted by the browser as a page of this site. */
export function sendDocument(res: Response, doc: { content: Buffer; mimeType: string; filename: string; sha256?: string }, inline: boolean): void {
  res.setHeader('Content-Type', doc.mimeType);
  res.setHeader('Content-Length', String(doc.content.length));
  res.setHeader('Content-Disposition', `${inline ? 'inline' : 'attachment'}; filename="${doc.filename.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(doc.filename)}`);
  // A citizen's upload is data: no script of it ever runs in this origin.
  res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
  res.setHeader('Cache-Control', 'private, no-store');
  if (doc.sha256) res.setHeader('X-Content-SHA256', doc.sha256);
  res.end(doc.content);
}

/** The dossier's files (each version, supplements included) and its signed documents, for connected systems. */
export function dossierDocumentRoutes(documents: DossierDocuments): Router {
  const router = Router();
  mount(router, {
    method: 'get', path: '/api/dossiers/:code/files', tag: 'Hồ sơ', access: CONTENT_ACCESS, params: DossierParams, responses: { 200: DossierFileVersions },
    summary: 'Các tệp của hồ sơ theo từng phiên bản (kể cả bản bổ sung), mới nhất trước: thành phần, tên, định dạng, dung lượng, SHA-256.',
    handler: async (req, res) => void res.json({ versions: await documents.versions(req.actor!, String(req.params.code)) }),
  });
  mount(router, {
    method: 'get', path: '/api/dossiers/:code/files/:fileId', tag: 'Hồ sơ', access: CONTENT_ACCESS, params: FileParams, responses: { 200: null },
    binary: { mediaTypes: ['*/*'], description: 'Nội dung tệp (header X-Content-SHA256 mang mã băm SHA-256)' },
    summary: 'Tải một tệp của hồ sơ (người nộp và cán bộ cơ quan giải quyết).',
    handler: async (req, res) => {
      const f = await documents.file(req.actor!, String(req.params.code), String(req.params.fileId), String(req.id));
      sendDocument(res, f, false);
    },
  });
  mount(router, {
    method: 'get', path: '/api/dossiers/:code/receipt', tag: 'Hồ sơ', access: CONTENT_ACCESS, params: DossierParams, responses: { 200: null }, conflicts: true,
    binary: { mediaTypes: ['application/pdf'], description: 'Giấy tiếp nhận hồ sơ và hẹn trả kết quả (PDF ký số PAdES của cơ quan tiếp nhận)' },
    summary: 'Giấy tiếp nhận hồ sơ và hẹn trả kết quả, ký số bởi cơ quan (sau khi hồ sơ được tiếp nhận).',
    handler: async (req, res) => {
      const code = String(req.params.code);
      sendDocument(res, { content: await documents.receipt(req.actor!, code), mimeType: 'application/pdf', filename: `bien-nhan-${code}.pdf` }, false);
    },
  });
  mount(router, {
    method: 'get', path: '/api/dossiers/:code/results/:resultCode', tag: 'Hồ sơ', access: CONTENT_ACCESS, params: DossierResultParams, responses: { 200: null },
    binary: { mediaTypes: ['application/pdf'], description: 'Kết quả giải quyết (PDF ký số PAdES của cơ quan; kết quả đã thu hồi ghi rõ thời điểm thu hồi)' },
    summary: 'Kết quả giải quyết dạng văn bản điện tử ký số bởi cơ quan.',
    handler: async (req, res) => {
      const resultCode = String(req.params.resultCode);
      sendDocument(res, { content: await documents.result(req.actor!, String(req.params.code), resultCode), mimeType: 'application/pdf', filename: `ket-qua-${resultCode}.pdf` }, false);
    },
  });
  return router;
}
