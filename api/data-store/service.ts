import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Actor } from '../../domain/access/roles';
import { ineligibility, INELIGIBILITY_MESSAGES, STORE_KIND_LABELS, type StoreItemKind, type StoreSource } from '../../domain/data-store/vocabulary';
import type { FieldError, ProcedureForm } from '../../domain/dossier/form';
import type { StoredFile } from '../../domain/dossier/vocabulary';
import { isoDateOfDay, localDayNumber } from '../../domain/working-time/local-time';
import type { FileStore } from '../../services/file-store';
import { appendAudit } from '../../services/records';
import { instant, iso } from '../../domain/working-time/local-time';
import { storedContent, type DossierDocuments } from '../dossiers/documents';
import { apiError, Errors } from '../errors';

interface ItemRow {
  id: string;
  kind: StoreItemKind;
  component: string | null;
  procedure_code: string;
  procedure_name: string;
  title: string;
  source_dossier_code: string;
  agency_code: string;
  agency_name: string;
  result_code: string | null;
  file_id: string | null;
  filename: string | null;
  mime_type: string | null;
  size: number | null;
  sha256: string;
  valid_until: string | null;
  kept_at: string;
  hidden_at: string | null;
  revoked_at: string | null;
  total?: number;
}

const SELECT_ITEM = `select i.id, i.kind, i.component, i.procedure_code, p.name as procedure_name, i.title, i.source_dossier_code, i.agency_code,
       a.name as agency_name, i.result_code, i.file_id, i.filename, i.mime_type, i.size, i.sha256, to_char(i.valid_until, 'YYYY-MM-DD') as valid_until,
       i.kept_at, i.hidden_at, r.revoked_at
  from data_store_item i join agency a on a.code = i.agency_code join procedure p on p.code = i.procedure_code
  left join dossier_result r on r.code = i.result_code`;

export interface StoreListQuery {
  kind?: StoreItemKind;
  /** Results the owner hid: listed only when asked. */
  hidden?: boolean;
  limit: number;
  offset: number;
}

const today = () => isoDateOfDay(localDayNumber(Date.now()));

/**
 * The citizen's electronic data store (Kho quản lý dữ liệu điện tử, 003 §16): each account sees, downloads,
 * hides (results) and deletes (documents) only its own items, every access written to the audit log; a new
 * dossier takes a component from it instead of an upload (003 §16.4). An agency sees an item only as a file
 * of a dossier submitted to it (DossierDocuments), never the store itself.
 */
export class DataStoreService {
  constructor(private readonly deps: { orm: MikroORM; files: FileStore; documents: DossierDocuments }) {}

  private em() {
    return this.deps.orm.em.fork();
  }

  private audit(tx: EntityManager, actor: Actor, action: string, entityId: string, after: unknown, requestId: string) {
    return appendAudit(tx, { at: new Date().toISOString(), actorId: actor.id, actorRole: 'citizen', action: `store.${action}`, entityType: 'data_store_item', entityId, before: null, after, requestId, dedupeKey: null });
  }

  private async own(em: EntityManager, actor: Actor, id: string, lock = false): Promise<ItemRow> {
    const [row] = await em.execute<ItemRow[]>(`${SELECT_ITEM} where i.id = ? and i.owner_id = ? and i.deleted_at is null${lock ? ' for update of i' : ''}`, [id, actor.id]);
    if (!row) throw Errors.notFound('Mục trong Kho dữ liệu');
    return row;
  }

  /** The owner's items, newest first, with how many there are; the viewing itself is audited. */
  async list(actor: Actor, q: StoreListQuery, requestId: string) {
    return this.em().transactional(async (tx) => {
      const rows = await tx.execute<ItemRow[]>(
        `${SELECT_ITEM.replace('r.revoked_at', 'r.revoked_at, count(*) over ()::int as total')}
          where i.owner_id = ? and i.deleted_at is null and (?::text is null or i.kind = ?) and (i.hidden_at is not null) = ?
          order by i.kept_at desc, i.id limit ? offset ?`,
        [actor.id, q.kind ?? null, q.kind ?? null, q.hidden ?? false, q.limit, q.offset],
      );
      await this.audit(tx, actor, 'list', `account:${actor.id}`, { kind: q.kind ?? null, hidden: q.hidden ?? false, offset: q.offset, count: rows.length }, requestId);
      const total = rows[0]?.total ?? (q.offset > 0 ? (await tx.execute<{ n: number }[]>(
        'select count(*)::int as n from data_store_item where owner_id = ? and deleted_at is null and (?::text is null or kind = ?) and (hidden_at is not null) = ?',
        [actor.id, q.kind ?? null, q.kind ?? null, q.hidden ?? false],
      ))[0]!.n : 0);
      return { total, items: rows.map(itemView) };
    });
  }

  /** One item's content: a document's file, a result's signed PDF (stored once; a revoked one says so). */
  async content(actor: Actor, id: string, requestId: string) {
    const item = await this.own(this.em(), actor, id);
    const doc = item.kind === 'result' ? await this.resultPdf(actor, item) : await this.storedFile(item.file_id!);
    await this.em().transactional((tx) => this.audit(tx, actor, 'download', id, { sha256: doc.sha256 }, requestId));
    return doc;
  }

  /**
   * Deletes a document from the store, which withdraws the consent to keep it (003 §11.5); a dossier that
   * used it keeps its own copy. A result cannot be deleted, only hidden from the owner's list.
   */
  async remove(actor: Actor, id: string, requestId: string) {
    await this.em().transactional(async (tx) => {
      const item = await this.own(tx, actor, id, true);
      if (item.kind === 'result') throw apiError(409, 'RESULT_NOT_DELETABLE', 'Kết quả giải quyết thủ tục hành chính không xóa được khỏi Kho; bạn có thể ẩn kết quả khỏi danh sách của mình.');
      await tx.execute('update data_store_item set deleted_at = now() where id = ?', [id]);
      await this.audit(tx, actor, 'consent_withdrawn', id, { sourceDossierCode: item.source_dossier_code, component: item.component, sha256: item.sha256 }, requestId);
    });
  }

  /** Hides an item from the owner's list, or shows it again; it stays in the store either way. */
  async setHidden(actor: Actor, id: string, hidden: boolean, requestId: string) {
    return this.em().transactional(async (tx) => {
      await this.own(tx, actor, id, true);
      await tx.execute(`update data_store_item set hidden_at = ${hidden ? 'coalesce(hidden_at, now())' : 'null'} where id = ?`, [id]);
      await this.audit(tx, actor, hidden ? 'hide' : 'show', id, { hidden }, requestId);
      return itemView((await tx.execute<ItemRow[]>(`${SELECT_ITEM} where i.id = ?`, [id]))[0]!);
    });
  }

  /**
   * For each file component of a form, the owner's items that may stand for it (newest first, at most
   * `limit` each): kept documents of its kind, results of the procedures it accepts; never revoked,
   * expired or of a format it refuses. Hidden results are offered too: hiding only tidies the list.
   */
  async choices(actor: Actor, form: ProcedureForm, requestId: string, limit = 50): Promise<Record<string, ReturnType<typeof itemView>[]>> {
    const out: Record<string, ReturnType<typeof itemView>[]> = {};
    const now = today();
    for (const c of form.files) {
      const accepted = c.acceptsResultsOf ?? [];
      const rows = await this.em().execute<ItemRow[]>(
        `${SELECT_ITEM}
          where i.owner_id = ? and i.deleted_at is null and r.revoked_at is null and (i.valid_until is null or i.valid_until >= ?::date)
            and ((i.kind = 'document' and i.component = ?) or (i.kind = 'result' and i.procedure_code = any(?::text[])))
          order by i.kept_at desc, i.id limit ?`,
        [actor.id, now, c.name, `{${accepted.join(',')}}`, limit * 2],
      );
      out[c.name] = rows.filter((r) => ineligibility(c, facts(r), now) === null).slice(0, limit).map(itemView);
    }
    const offered = Object.values(out).reduce((n, items) => n + items.length, 0);
    await this.em().transactional((tx) => this.audit(tx, actor, 'choices', `account:${actor.id}`, { components: form.files.map((c) => c.name), offered }, requestId));
    return out;
  }

  /**
   * The files a new dossier takes from the store (component → item id), checked like an upload: the
   * component exists and was not also uploaded, the item is the citizen's and may stand for it. Each
   * becomes the dossier's own file entry, with where it came from. All errors at once.
   */
  async filesFor(actor: Actor, form: ProcedureForm, chosen: Record<string, string>, uploaded: ReadonlySet<string>): Promise<{ files: StoredFile[]; errors: FieldError[] }> {
    const errors: FieldError[] = [];
    const files: StoredFile[] = [];
    const now = today();
    for (const [name, id] of Object.entries(chosen)) {
      const c = form.files.find((x) => x.name === name);
      if (!c) {
        errors.push({ field: name, code: 'UNKNOWN_COMPONENT', message: `Thủ tục không có thành phần hồ sơ "${name}".` });
        continue;
      }
      if (uploaded.has(name)) {
        errors.push({ field: name, code: 'UPLOAD_AND_STORE', message: `Thành phần "${c.label}": chọn tải tệp lên hoặc lấy từ Kho dữ liệu, không cả hai.` });
        continue;
      }
      const [item] = /^[0-9a-f-]{36}$/i.test(id) ? await this.em().execute<ItemRow[]>(`${SELECT_ITEM} where i.id = ? and i.owner_id = ? and i.deleted_at is null`, [id, actor.id]) : [];
      if (!item) {
        errors.push({ field: name, code: 'STORE_ITEM_NOT_FOUND', message: `Thành phần "${c.label}": giấy tờ đã chọn không có trong Kho dữ liệu của bạn.` });
        continue;
      }
      const why = ineligibility(c, facts(item), now);
      if (why) {
        errors.push({ field: name, code: `STORE_ITEM_${why}`, message: `Thành phần "${c.label}": ${INELIGIBILITY_MESSAGES[why]}` });
        continue;
      }
      const file = item.kind === 'result' ? await this.resultFile(actor, item) : { fileId: item.file_id!, filename: item.filename!, mimeType: item.mime_type!, size: item.size!, sha256: item.sha256 };
      if (file.size > c.maxBytes) {
        errors.push({ field: name, code: 'FILE_TOO_LARGE', message: `Thành phần "${c.label}": giấy tờ trong Kho vượt quá dung lượng thành phần này cho phép.` });
        continue;
      }
      const source: StoreSource = {
        itemId: item.id, kind: item.kind, dossierCode: item.source_dossier_code, agencyCode: item.agency_code, sha256: item.sha256, keptAt: instant(item.kept_at),
        ...(item.result_code ? { resultCode: item.result_code } : {}),
      };
      files.push({ component: name, ...file, source });
    }
    return { files, errors };
  }

  private async storedFile(fileId: string) {
    const [f] = await this.em().execute<{ filename: string; mime_type: string; sha256: string; content: Buffer | null }[]>(
      'select filename, mime_type, sha256, content from stored_file where id = ?', [fileId],
    );
    if (!f) throw Errors.notFound('Tệp');
    return { filename: f.filename, mimeType: f.mime_type, sha256: f.sha256, content: await storedContent(this.deps.files, f) };
  }

  /**
   * A result's signed PDF, signed and stored the first time it is needed, then always the same bytes (its
   * hash does not change from one download to the next). A revoked result is signed afresh: it says so.
   */
  private async resultFile(actor: Actor, item: ItemRow): Promise<Omit<StoredFile, 'component'>> {
    const filename = `ket-qua-${item.result_code}.pdf`;
    if (item.file_id) {
      const [f] = await this.em().execute<{ size: number; sha256: string }[]>('select size, sha256 from stored_file where id = ?', [item.file_id]);
      return { fileId: item.file_id, filename, mimeType: 'application/pdf', size: f!.size, sha256: f!.sha256 };
    }
    const pdf = await this.deps.documents.result(actor, item.source_dossier_code, item.result_code!);
    const sha256 = await this.deps.files.put(pdf);
    const fileId = randomUUID();
    return this.em().transactional(async (tx) => {
      await tx.execute('insert into stored_file (id, owner_id, filename, mime_type, size, sha256) values (?, ?, ?, ?, ?, ?)', [fileId, actor.id, filename, 'application/pdf', pdf.length, sha256]);
      const [won] = await tx.execute<{ file_id: string }[]>('update data_store_item set file_id = ?, size = ? where id = ? and file_id is null returning file_id', [fileId, pdf.length, item.id]);
      if (won) return { fileId, filename, mimeType: 'application/pdf', size: pdf.length, sha256 };
      // Signed meanwhile by another request: its copy is the one kept.
      const [kept] = await tx.execute<{ file_id: string; size: number; sha256: string }[]>(
        'select i.file_id, f.size, f.sha256 from data_store_item i join stored_file f on f.id = i.file_id where i.id = ?', [item.id],
      );
      await tx.execute('delete from stored_file where id = ?', [fileId]);
      return { fileId: kept!.file_id, filename, mimeType: 'application/pdf', size: kept!.size, sha256: kept!.sha256 };
    });
  }

  private async resultPdf(actor: Actor, item: ItemRow) {
    const filename = `ket-qua-${item.result_code}.pdf`;
    if (item.revoked_at) return { filename, mimeType: 'application/pdf', content: await this.deps.documents.result(actor, item.source_dossier_code, item.result_code!), sha256: undefined };
    const f = await this.resultFile(actor, item);
    return { ...(await this.storedFile(f.fileId)), filename };
  }
}

function facts(r: ItemRow) {
  return { kind: r.kind, component: r.component, procedureCode: r.procedure_code, mimeType: r.mime_type, revoked: r.revoked_at !== null, validUntil: r.valid_until };
}

/** An item as its owner sees it. */
export function itemView(r: ItemRow) {
  return {
    id: r.id,
    kind: r.kind,
    kindLabel: STORE_KIND_LABELS[r.kind],
    title: r.title,
    code: r.result_code,
    component: r.component,
    procedure: { code: r.procedure_code, name: r.procedure_name },
    sourceDossierCode: r.source_dossier_code,
    agency: { code: r.agency_code, name: r.agency_name },
    filename: r.kind === 'result' ? `ket-qua-${r.result_code}.pdf` : r.filename!,
    mimeType: r.kind === 'result' ? 'application/pdf' : r.mime_type!,
    size: r.size,
    sha256: r.sha256,
    validUntil: r.valid_until,
    keptAt: instant(r.kept_at),
    hiddenAt: iso(r.hidden_at),
    revokedAt: iso(r.revoked_at),
  };
}
export type StoreItemView = ReturnType<typeof itemView>;
