import type { MikroORM } from '@mikro-orm/postgresql';
import type { Actor } from '../../domain/access/roles';
import { isOfficerRole } from '../../domain/access/roles';
import { ProcedureForm } from '../../domain/dossier/form';
import type { StoredFile } from '../../domain/dossier/vocabulary';
import type { StoreSource } from '../../domain/data-store/vocabulary';
import { appendAudit } from '../../services/records';
import { formatVnHuman } from '../../domain/working-time';
import type { AgencySigning} from '../../services/signing/agency-signing';
import { SigningUnavailable } from '../../services/signing/agency-signing';
import { buildPdf, type DocumentContent } from '../../services/signing/pdf-document';
import { instant, iso } from '../../domain/working-time/local-time';
import { apiError, Errors } from '../errors';
import { FileDamaged, type FileStore } from '../../services/file-store';

interface DossierRef {
  code: string;
  citizen_id: string;
  citizen_name: string;
  agency_code: string;
  agency_name: string;
  procedure_code: string;
  procedure_name: string;
  form: unknown;
  fee_amount: number;
  received_at: string;
  accepted_at: string | null;
}

/**
 * A stored file's bytes: from the file store, checked against the SHA-256 recorded when it was stored (a
 * file uploaded before the file store may still have its content in its row, until `npm run files:move`).
 */
export async function storedContent(files: FileStore, f: { content: Buffer | null; sha256: string }): Promise<Buffer> {
  try {
    return f.content ?? await files.get(f.sha256);
  } catch (e) {
    if (e instanceof FileDamaged) throw apiError(500, 'FILE_DAMAGED', 'Tệp lưu trữ không còn khớp với mã băm khi lưu nên không được trả về; bộ phận vận hành đã được ghi nhận để khôi phục từ bản sao lưu.');
    throw e;
  }
}

/** One file of one version of a dossier, as its owner and the agency see it. */
export interface DossierFileInfo extends StoredFile {
  componentLabel: string;
}

/**
 * What a dossier carries beyond its status: the files of each version (supplements included) and the
 * signed documents issued for it — the electronic receipt and each result (003 §14), PDF signed in
 * PAdES with the issuing agency's certificate. Only the citizen who submitted and the competent agency's
 * officers (and its connected systems) see them.
 */
export class DossierDocuments {
  constructor(private readonly deps: { orm: MikroORM; signing: AgencySigning; publicUrl: string; files: FileStore }) {}

  private em() {
    return this.deps.orm.em.fork();
  }

  private async dossier(actor: Actor, code: string): Promise<DossierRef> {
    const [row] = await this.em().execute<DossierRef[]>(
      `select d.code, d.citizen_id, c.full_name as citizen_name, d.agency_code, a.name as agency_name, d.procedure_code, p.name as procedure_name,
              p.form, d.fee_amount, d.received_at, d.accepted_at
         from dossier d join procedure p on p.code = d.procedure_code join agency a on a.code = d.agency_code join account c on c.id = d.citizen_id
        where d.code = ?`,
      [code],
    );
    const owner = row && actor.roles.includes('citizen') && row.citizen_id === actor.id;
    const agency = row && (actor.roles.some(isOfficerRole) || actor.roles.includes('integration')) && actor.agencyCode === row.agency_code;
    if (!row || !(owner || agency)) throw Errors.notFound('Hồ sơ');
    return row;
  }

  /** Every version's files, newest version first. */
  async versions(actor: Actor, code: string) {
    const d = await this.dossier(actor, code);
    const labels = new Map(ProcedureForm.parse(d.form).files.map((c) => [c.name, c.label]));
    const rows = await this.em().execute<{ version: number; submitted_at: string; files: StoredFile[] }[]>(
      'select version, submitted_at, files from dossier_version where dossier_code = ? order by version desc',
      [code],
    );
    const checks = await this.sourceChecks(rows.flatMap((v) => v.files));
    return rows.map((v) => ({
      version: v.version,
      submittedAt: instant(v.submitted_at),
      files: v.files.map((f) => ({ ...f, componentLabel: labels.get(f.component) ?? f.component, ...(checks.has(f.fileId) ? { sourceCheck: checks.get(f.fileId)! } : {}) })),
    }));
  }

  /**
   * For the files a citizen gave from their data store: whether what the dossier holds is what the store
   * held (the file's SHA-256 equals the one recorded from the store; for a result, the result's content
   * still hashes to it), who issued or confirmed it, and whether the result was revoked since.
   */
  private async sourceChecks(files: StoredFile[]) {
    const sourced = files.filter((f) => f.source);
    const out = new Map<string, { hashMatches: boolean; agencyName: string; revokedAt: string | null }>();
    if (sourced.length === 0) return out;
    const rows = await this.em().execute<{ file_id: string; file_sha256: string | null; result_sha256: string | null; content_sha256: string | null; revoked_at: string | null; agency_name: string | null }[]>(
      `select x.file_id, f.sha256 as file_sha256, r.sha256 as result_sha256, encode(sha256(convert_to(r.content, 'UTF8')), 'hex') as content_sha256, r.revoked_at, a.name as agency_name
         from jsonb_to_recordset(?::jsonb) as x(file_id uuid, result_code text, agency_code text)
         left join stored_file f on f.id = x.file_id left join dossier_result r on r.code = x.result_code left join agency a on a.code = x.agency_code`,
      [JSON.stringify(sourced.map((f) => ({ file_id: f.fileId, result_code: f.source!.resultCode ?? null, agency_code: f.source!.agencyCode })))],
    );
    const byFile = new Map(rows.map((r) => [r.file_id, r]));
    for (const f of sourced) {
      const r = byFile.get(f.fileId);
      const src = f.source!;
      const hashMatches = r !== undefined && r.file_sha256 === f.sha256 && (src.kind === 'result' ? r.result_sha256 === src.sha256 && r.content_sha256 === src.sha256 : src.sha256 === f.sha256);
      out.set(f.fileId, { hashMatches, agencyName: r?.agency_name ?? src.agencyCode, revokedAt: iso(r?.revoked_at ?? null) });
    }
    return out;
  }

  /** One file's content, if it belongs to a version of this dossier. */
  async file(actor: Actor, code: string, fileId: string, requestId: string) {
    const d = await this.dossier(actor, code);
    const [f] = await this.em().execute<{ filename: string; mime_type: string; size: number; sha256: string; content: Buffer | null; source: StoreSource | null }[]>(
      `select s.filename, s.mime_type, s.size, s.sha256, s.content, x.source
         from stored_file s
         cross join lateral (select f->'source' as source from dossier_version v, jsonb_array_elements(v.files) f
                              where v.dossier_code = ? and f->>'fileId' = ? limit 1) x
        where s.id = ?`,
      [code, fileId, fileId],
    );
    if (!f) throw Errors.notFound('Tệp');
    // A file the citizen gave from their data store, read by the agency: an access to the store, audited.
    if (f.source && d.citizen_id !== actor.id) {
      await this.em().transactional((tx) => appendAudit(tx, {
        at: new Date().toISOString(), actorId: actor.id, actorRole: actor.roles.find((r) => r !== 'citizen') ?? null, action: 'store.agency_read', entityType: 'data_store_item',
        entityId: f.source!.itemId, before: null, after: { dossierCode: code, fileId, agencyCode: actor.agencyCode ?? null }, requestId, dedupeKey: null,
      }));
    }
    return { filename: f.filename, mimeType: f.mime_type, size: f.size, sha256: f.sha256, content: await storedContent(this.deps.files, f) };
  }

  private async sign(d: DossierRef, content: DocumentContent, reason: string): Promise<Buffer> {
    try {
      return await this.deps.signing.sign(await buildPdf(content), { code: d.agency_code, name: d.agency_name }, reason, this.deps.publicUrl);
    } catch (e) {
      if (e instanceof SigningUnavailable) throw apiError(503, 'SIGNING_UNAVAILABLE', `Cơ quan ${d.agency_name} chưa có chứng thư số để ký văn bản; vui lòng thử lại sau.`);
      throw e;
    }
  }

  /**
   * The electronic receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả), once the dossier is accepted: its
   * code, the receipt times, the agency, the appointment (legal deadline as set at acceptance), the files.
   */
  async receipt(actor: Actor, code: string): Promise<Buffer> {
    const d = await this.dossier(actor, code);
    const [accept] = await this.em().execute<{ at: string; due: string | null }[]>(
      "select at, after->>'legalDueAt' as due from dossier_history where dossier_code = ? and action = 'accept' order by seq limit 1",
      [code],
    );
    if (!accept) throw apiError(409, 'NOT_ACCEPTED', 'Hồ sơ chưa được tiếp nhận nên chưa có giấy tiếp nhận.');
    const [version] = await this.em().execute<{ version: number; files: StoredFile[] }[]>(
      'select version, files from dossier_version where dossier_code = ? and submitted_at <= ? order by version desc limit 1',
      [code, accept.at],
    );
    const labels = new Map(ProcedureForm.parse(d.form).files.map((c) => [c.name, c.label]));
    return this.sign(d, {
      issuer: d.agency_name.toUpperCase(),
      title: 'Giấy tiếp nhận hồ sơ và hẹn trả kết quả',
      subject: `Giấy tiếp nhận hồ sơ ${d.code}`,
      keywords: [d.code, d.procedure_code, 'biên nhận'],
      facts: [
        ['Mã hồ sơ', d.code],
        ['Thủ tục', d.procedure_name],
        ['Người nộp hồ sơ', d.citizen_name],
        ['Cơ quan tiếp nhận', d.agency_name],
        ['Thời điểm tiếp nhận trên hệ thống', formatVnHuman(new Date(d.received_at))],
        ['Thời điểm tiếp nhận hồ sơ', formatVnHuman(new Date(accept.at))],
        ['Hẹn trả kết quả', accept.due ? formatVnHuman(new Date(accept.due)) : 'Theo thời hạn giải quyết của thủ tục'],
        ['Phí, lệ phí', d.fee_amount === 0 ? 'Không thu phí' : `${d.fee_amount.toLocaleString('vi-VN')} đồng`],
      ],
      paragraphs: [{
        heading: `Thành phần hồ sơ (phiên bản ${version?.version ?? 1})`,
        text: (version?.files ?? []).map((f, i) => `${i + 1}. ${labels.get(f.component) ?? f.component}: ${f.filename} (SHA-256 ${f.sha256.slice(0, 16)}…)`).join('\n') || 'Không có tệp đính kèm.',
      }],
      footer: `Văn bản điện tử được ký số bởi ${d.agency_name}. Tra cứu hồ sơ tại ${this.deps.publicUrl}/tra-cuu?ma=${d.code}`,
    }, 'Tiếp nhận hồ sơ');
  }

  /** A result (kết quả giải quyết) as a signed document; a revoked one says so, and since when. */
  async result(actor: Actor, code: string, resultCode: string): Promise<Buffer> {
    const d = await this.dossier(actor, code);
    const [r] = await this.em().execute<{ code: string; title: string; content: string; sha256: string; issued_at: string; revoked_at: string | null; revoke_reason: string | null }[]>(
      'select code, title, content, sha256, issued_at, revoked_at, revoke_reason from dossier_result where code = ? and dossier_code = ?',
      [resultCode, code],
    );
    if (!r) throw Errors.notFound('Kết quả');
    return this.sign(d, {
      issuer: d.agency_name.toUpperCase(),
      title: r.title,
      subject: `Kết quả giải quyết ${r.code}`,
      keywords: [r.code, d.code, d.procedure_code, 'kết quả'],
      notice: r.revoked_at ? `ĐÃ BỊ THU HỒI lúc ${formatVnHuman(new Date(r.revoked_at))}${r.revoke_reason ? ` — Lý do: ${r.revoke_reason}` : ''}` : undefined,
      facts: [
        ['Số kết quả', r.code],
        ['Mã hồ sơ', d.code],
        ['Thủ tục', d.procedure_name],
        ['Người nhận', d.citizen_name],
        ['Cơ quan ban hành', d.agency_name],
        ['Thời điểm ban hành', formatVnHuman(new Date(r.issued_at))],
      ],
      paragraphs: [{ heading: 'Nội dung', text: r.content }],
      footer: `Văn bản điện tử được ký số bởi ${d.agency_name}. Mã kiểm tra nội dung (SHA-256): ${r.sha256}.`,
    }, r.revoked_at ? 'Kết quả giải quyết (đã thu hồi)' : 'Kết quả giải quyết thủ tục hành chính');
  }
}
