import { createHash, randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Actor } from '../../domain/access/roles';
import { checkSubmission, ProcedureForm } from '../../domain/dossier/form';
import type { DossierAction, StoredFile } from '../../domain/dossier/vocabulary';
import { DOSSIER_TEXT_FIELDS, STATUS_LABELS, TERMINAL_STATUSES, type DossierStatus } from '../../domain/dossier/vocabulary';
import { formatVnHuman } from '../../domain/working-time';
import type { CalendarStore } from '../../services/calendar-store';
import { recordSubmission } from '../../services/dossier-intake';
import { accepting, submissionTarget } from '../../services/procedure-catalogue';
import { SERVICE_STATUS_LABELS } from '../../domain/publication/vocabulary';
import { appendAudit, enqueueMessages } from '../../services/records';
import { revocationMessage } from '../../domain/dossier/messages';
import { DOSSIER_WORKFLOW, dossierViewQuery, performActionUpdate, type DossierWorkflowInput } from '../../workflows/dossier/definitions';
import { availableActions } from '../../domain/dossier/state';
import type { DossierActionType } from '../../domain/dossier/vocabulary';
import { instant } from '../../domain/working-time/local-time';
import type { Components, UploadedFile } from '../uploads';
import { apiError, certainlyRefused, Errors, fromTemporal } from '../errors';
import type { FileStore } from '../../services/file-store';
import { derivedUuid, updateIdOf } from '../idempotency';
import type { DataStoreService } from '../data-store/service';
import { DossierReads } from './reads';
import { sniff, storeFiles } from './uploaded-files';


export interface DossierServiceDeps {
  orm: MikroORM;
  temporal: Client;
  taskQueue: string;
  calendars: CalendarStore;
  log: Logger;
  /** For links in the messages the API itself queues. */
  publicUrl: string;
  /** Where uploaded files' contents go (PostgreSQL keeps their metadata and hash). */
  files: FileStore;
  /** The citizens' data store: components given from it instead of an upload. */
  store: DataStoreService;
}

export interface SubmissionInput {
  procedureCode: string;
  formData: Record<string, unknown>;
  files: UploadedFile[];
  fromStore?: Record<string, string>;
  storeConsent?: boolean;
  idempotencyKey: string | null;
  requestId: string;
}

/**
 * The steps that change a dossier behind the API and the portal: submission, actions, supplements,
 * consent, revocation. What reads a dossier (tracking, queues, lists) is DossierReads, which this extends.
 */
export class DossierService extends DossierReads {
  constructor(private readonly deps: DossierServiceDeps) {
    super(deps);
  }

  /**
   * The file components a submission may carry: its procedure's, or, while its code is not known yet
   * (or names no procedure), any component of the catalogue; the full check narrows it afterwards.
   */
  async uploadComponents(procedureCode: string | null): Promise<Components> {
    const rows = await this.em().execute<{ name: string; max_bytes: number }[]>(
      `select c->>'name' as name, max((c->>'maxBytes')::bigint) as max_bytes
         from procedure p cross join lateral jsonb_array_elements(p.form->'files') c
        where ?::text is null or p.code = ? or not exists (select 1 from procedure q where q.code = ?)
        group by 1`,
      [procedureCode, procedureCode, procedureCode],
    );
    return new Map(rows.map((r) => [r.name, Number(r.max_bytes)]));
  }

  /** The file components a supplement to this dossier may carry (not found unless the actor sees it). */
  async supplementComponents(actor: Actor, code: string): Promise<Components> {
    const row = await this.load(actor, code);
    const [proc] = await this.em().execute<{ form: unknown }[]>('select form from procedure where code = ?', [row.procedure_code]);
    return new Map(ProcedureForm.parse(proc!.form).files.map((c) => [c.name, c.maxBytes]));
  }

  /**
   * A submission. `fromStore` names, per file component, an item of the citizen's data store given instead
   * of an upload; `storeConsent` is the citizen's consent that the documents, once accepted, are kept in
   * their store (003 §11.5).
   */
  async submit(actor: Actor, input: SubmissionInput) {
    const em = this.em();
    const target = await submissionTarget(em, input.procedureCode, new Date());
    if (!target) throw apiError(404, 'UNKNOWN_PROCEDURE', `Thủ tục "${input.procedureCode}" không tồn tại.`);
    if (target.abolished) throw apiError(409, 'PROCEDURE_ABOLISHED', 'Thủ tục hành chính này đã bị bãi bỏ hoặc chưa có hiệu lực; không tiếp nhận hồ sơ mới.');
    if (!accepting(target.service)) {
      const status = target.service ? `"${SERVICE_STATUS_LABELS[target.service.status]}"` : 'chưa được công bố';
      throw apiError(409, 'SERVICE_NOT_ACCEPTING', `Dịch vụ công trực tuyến của thủ tục này đang ${status}; chưa tiếp nhận hồ sơ mới. Hồ sơ đã nộp trước đó vẫn được giải quyết.`);
    }
    const service = target.service!;
    const proc = { code: target.code, agency_code: target.agencyCode, processing_days: target.processingDays, fee_amount: target.feeAmount, form: target.form, waiting_days: target.waitingDays };
    // A retry with the same Idempotency-Key answers the dossier it made and stores nothing again.
    const fingerprint = input.idempotencyKey ? submissionFingerprint(input) : null;
    const replay = input.idempotencyKey ? await this.replayOf(actor, input.idempotencyKey, fingerprint!) : null;
    if (replay) return replay;
    const form = ProcedureForm.parse(proc.form);
    const sniffed = await sniff(input.files);
    const fromStore = await this.deps.store.filesFor(actor, form, input.fromStore ?? {}, new Set(input.files.map((f) => f.fieldname)));
    const errors = [
      ...fromStore.errors,
      ...checkSubmission(form, input.formData, [
        ...sniffed.map((x) => x.info),
        ...fromStore.files.map((f) => ({ component: f.component, filename: f.filename, detectedMimeType: f.mimeType, size: f.size })),
      ]),
    ];
    if (errors.length > 0) throw apiError(422, 'SUBMISSION_INVALID', 'Hồ sơ chưa hợp lệ; vui lòng sửa các mục được chỉ ra. Hồ sơ chưa được gửi.', errors);

    const receivedAt = new Date();
    const recorded = await em.transactional(async (tx) => {
      const stored = [...await storeFiles(tx, this.deps.files, actor, sniffed), ...fromStore.files];
      const r = await recordSubmission(tx, {
        procedureCode: proc.code,
        agencyCode: proc.agency_code,
        citizenId: actor.id,
        processingDays: proc.processing_days,
        feeAmount: proc.fee_amount,
        formData: input.formData,
        files: stored,
        receivedAt,
        idempotencyKey: input.idempotencyKey,
        idempotencyFingerprint: fingerprint,
        procedureVersion: target.version,
        serviceCode: service.code,
        // Dossiers sent to a service in testing are test dossiers (kept out of statistics).
        isTest: service.status === 'testing',
        storeConsent: input.storeConsent ?? false,
      });
      // Another request with the key committed meanwhile: roll this one back, files included.
      if (!r.created) throw new ConcurrentReplay();
      return r;
    }).catch(async (e: unknown) => {
      // The same key sent concurrently: the first insert wins, this one rolled back (files included).
      if (input.idempotencyKey && (e instanceof ConcurrentReplay || (e as { code?: string }).code === '23505')) return this.replayOf(actor, input.idempotencyKey, fingerprint!);
      throw e;
    });
    if (!recorded) throw new Error('idempotent submission vanished');
    if ('message' in recorded) return recorded;
    const { code, created } = recorded;
    if (created) {
      const wfInput: DossierWorkflowInput = {
        code,
        procedureCode: proc.code,
        agencyCode: proc.agency_code,
        citizenId: actor.id,
        processingDays: proc.processing_days,
        feeAmount: proc.fee_amount,
        receivedAt: receivedAt.toISOString(),
        requestId: input.requestId,
        waiting: proc.waiting_days,
      };
      await this.startWorkflow(wfInput).catch((e: unknown) => {
        // The submission is recorded; the worker's recovery starts its process. Nothing is lost.
        this.deps.log.error({ err: e, code }, 'workflow start failed; recovery will start it');
      });
    }
    const [row] = await this.em().execute<{ received_at: string; status: DossierStatus }[]>('select received_at, status from dossier where code = ?', [code]);
    return receipt(code, row!.status, new Date(row!.received_at), created);
  }

  /** The dossier an earlier request with this key made, as its answer; a different request with the key is refused. */
  private async replayOf(actor: Actor, key: string, fingerprint: string) {
    const [row] = await this.em().execute<{ code: string; status: DossierStatus; received_at: string; idempotency_fingerprint: string | null }[]>(
      'select code, status, received_at, idempotency_fingerprint from dossier where citizen_id = ? and idempotency_key = ?',
      [actor.id, key],
    );
    if (!row) return null;
    if (row.idempotency_fingerprint !== null && row.idempotency_fingerprint !== fingerprint) {
      throw apiError(422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key này đã được dùng cho một hồ sơ có nội dung khác; hãy dùng khóa mới cho hồ sơ mới.', [
        { field: 'idempotency-key', code: 'IDEMPOTENCY_KEY_REUSED', message: `Khóa đã dùng cho hồ sơ ${row.code}.` },
      ]);
    }
    return receipt(row.code, row.status, new Date(row.received_at), false);
  }

  async startWorkflow(input: DossierWorkflowInput) {
    try {
      await this.deps.temporal.workflow.start(DOSSIER_WORKFLOW, { taskQueue: this.deps.taskQueue, workflowId: input.code, args: [input] });
    } catch (e) {
      if ((e as Error).name === 'WorkflowExecutionAlreadyStartedError') return;
      throw e;
    }
  }

  async act(actor: Actor, code: string, action: DossierAction, requestId: string, idempotencyKey: string | null = null) {
    await this.load(actor, code);
    const handle = this.deps.temporal.workflow.getHandle(code);
    // A retried request (same key and content) is the same update: applied once, answered alike.
    const updateId = updateIdOf(actor.id, idempotencyKey, { code, action });
    // The step's free text stays in the records; the process is given its id (and the actor's id, not name).
    const fields = DOSSIER_TEXT_FIELDS[action.type] ?? [];
    const texts = Object.fromEntries(Object.entries(action).filter(([k, v]) => fields.includes(k) && v !== undefined));
    let textId: string | null = null;
    let sent: Record<string, unknown> = action;
    if (Object.keys(texts).length > 0) {
      textId = updateId ? derivedUuid(updateId, 'dossier-text') : randomUUID();
      await this.em().execute('insert into dossier_text (id, dossier_code, action, body, author_id) values (?, ?, ?, ?::jsonb, ?) on conflict (id) do nothing', [
        textId, code, action.type, JSON.stringify(texts), actor.id,
      ]);
      sent = { ...Object.fromEntries(Object.entries(action).filter(([k]) => !fields.includes(k))), textId };
    }
    try {
      const r = await handle.executeUpdate(performActionUpdate, { args: [{ action: sent as DossierAction, actor: { ...actor, name: '' }, requestId }], ...(updateId ? { updateId } : {}) });
      return { ...r, statusLabel: STATUS_LABELS[r.status] };
    } catch (e) {
      // Only a certain refusal removes the text: after a timeout the step may have been applied and refer to it.
      if (textId && certainlyRefused(e)) await this.em().execute('delete from dossier_text where id = ?', [textId]);
      throw fromTemporal(e);
    }
  }

  /**
   * The steps this actor may take now: the process's live state asked with the rule its update
   * validator applies (pages offer exactly these). A closed dossier offers none.
   */
  async availableActions(actor: Actor, code: string): Promise<DossierActionType[]> {
    const row = await this.load(actor, code);
    if (TERMINAL_STATUSES.includes(row.status)) return [];
    try {
      const view = await this.deps.temporal.workflow.getHandle(code).query(dossierViewQuery);
      return availableActions(view.state, actor, new Date().toISOString());
    } catch (e) {
      throw fromTemporal(e);
    }
  }

  /**
   * A supplement: checked against the form like a submission, files stored, then the workflow step.
   * `fromStore` takes components from the citizen's data store by the same rule as a submission (003 §16.4),
   * each with its provenance.
   */
  async supplement(actor: Actor, code: string, formData: Record<string, unknown>, files: UploadedFile[], requestId: string, fromStore: Record<string, string> = {}) {
    const row = await this.load(actor, code);
    if (row.status !== 'supplement_requested') throw apiError(409, 'WRONG_STEP', `Hồ sơ không ở trạng thái chờ bổ sung (hiện tại: "${STATUS_LABELS[row.status]}").`);
    const [proc] = await this.em().execute<{ form: unknown }[]>('select form from procedure where code = ?', [row.procedure_code]);
    const form = ProcedureForm.parse(proc!.form);
    const sniffed = await sniff(files);
    const resent = new Set(files.map((f) => f.fieldname));
    const taken = await this.deps.store.filesFor(actor, form, fromStore, resent);
    // Components neither re-sent nor taken from the store keep the previous version's files.
    const [prev] = await this.em().execute<{ files: StoredFile[] }[]>('select files from dossier_version where dossier_code = ? order by version desc limit 1', [code]);
    const replaced = new Set([...resent, ...Object.keys(fromStore)]);
    const kept = (prev?.files ?? []).filter((f) => !replaced.has(f.component));
    const errors = [
      ...taken.errors,
      ...checkSubmission(form, formData, [
        ...sniffed.map((x) => x.info),
        ...[...kept, ...taken.files].map((k) => ({ component: k.component, filename: k.filename, detectedMimeType: k.mimeType, size: k.size })),
      ]),
    ];
    if (errors.length > 0) throw apiError(422, 'SUBMISSION_INVALID', 'Bản bổ sung chưa hợp lệ; vui lòng sửa các mục được chỉ ra. Chưa có gì được gửi.', errors);
    // The form and files go to the records; the process is given only their reference (no personal data in its history).
    const draftId = randomUUID();
    await this.em().transactional(async (tx) => {
      const stored = await storeFiles(tx, this.deps.files, actor, sniffed);
      await tx.execute('insert into dossier_supplement (id, dossier_code, form_data, files, created_by) values (?, ?, ?::jsonb, ?::jsonb, ?)', [
        draftId, code, JSON.stringify(formData), JSON.stringify([...kept, ...stored, ...taken.files]), actor.id,
      ]);
    });
    return this.act(actor, code, { type: 'supplement', draftId }, requestId);
  }

  /**
   * The citizen's consent that the dossier's documents are kept in their data store once accepted (003
   * §11.5): given or withdrawn until the agency accepts the dossier; afterwards each kept document is
   * withdrawn from the store on its own.
   */
  async setStoreConsent(actor: Actor, code: string, consent: boolean, requestId: string) {
    const row = await this.load(actor, code);
    if (row.citizen_id !== actor.id) throw Errors.notFound('Hồ sơ');
    await this.em().transactional(async (tx) => {
      const [u] = await tx.execute<{ store_consent: boolean }[]>(
        "update dossier set store_consent = ? where code = ? and accepted_at is null and status in ('submitted', 'supplement_requested') returning store_consent",
        [consent, code],
      );
      if (!u) throw apiError(409, 'ALREADY_ACCEPTED', 'Hồ sơ đã được tiếp nhận (hoặc đã kết thúc): sự đồng ý lưu giữ đã được áp dụng; bạn có thể xóa từng giấy tờ trong Kho dữ liệu.');
      await appendAudit(tx, {
        at: new Date().toISOString(), actorId: actor.id, actorRole: 'citizen', action: 'dossier.store_consent', entityType: 'dossier', entityId: code,
        before: null, after: { storeConsent: consent }, requestId, dedupeKey: null,
      });
    });
    return { code, storeConsent: consent };
  }

  /**
   * Revocation of a result (thu hồi kết quả, 003 §15.1): recorded with its time, entered in the
   * dossier's history, the citizen told (through the outbox), the audit naming the role used; the result
   * stays retrievable. One transaction: all of it or nothing.
   */
  async revokeResult(actor: Actor, resultCode: string, reason: string, requestId: string) {
    const role = actor.roles.find((r) => REVOKING_ROLES.includes(r as (typeof REVOKING_ROLES)[number])) ?? 'unit_leader';
    return this.em().transactional(async (tx) => {
      const [r] = await tx.execute<{ code: string; dossier_code: string; agency_code: string; revoked_at: Date | null }[]>(
        'select r.code, r.dossier_code, d.agency_code, r.revoked_at from dossier_result r join dossier d on d.code = r.dossier_code where r.code = ? for update of r',
        [resultCode],
      );
      if (!r || r.agency_code !== actor.agencyCode) throw Errors.notFound('Kết quả');
      if (r.revoked_at) throw apiError(409, 'ALREADY_REVOKED', 'Kết quả này đã bị thu hồi trước đó.');
      const [d] = await tx.execute<{ seq: number; status: DossierStatus; procedure_name: string; agency_name: string; full_name: string; email: string | null }[]>(
        `select d.seq, d.status, p.name as procedure_name, a.name as agency_name, c.full_name, c.email
           from dossier d join procedure p on p.code = d.procedure_code join agency a on a.code = d.agency_code join account c on c.id = d.citizen_id
          where d.code = ? for update of d`,
        [r.dossier_code],
      );
      const [u] = await tx.execute<{ revoked_at: string }[]>('update dossier_result set revoked_at = now(), revoked_by = ?, revoke_reason = ? where code = ? returning revoked_at', [actor.id, reason, resultCode]);
      const seq = d!.seq + 1;
      const key = `dossier:${r.dossier_code}:${seq}`;
      const payload = { resultCode, reason };
      await tx.execute('update dossier set seq = ?, updated_at = now() where code = ?', [seq, r.dossier_code]);
      await tx.execute(
        // The process's state does not change: before and after are the last recorded state.
        `insert into dossier_history (dossier_code, seq, at, action, actor_id, actor_name, actor_role, from_status, to_status, before, after, payload, request_id)
         select ?, ?, ?, 'revoke_result', ?, ?, ?, ?, ?, h.after, h.after, ?::jsonb, ?
           from dossier_history h where h.dossier_code = ? order by h.seq desc limit 1`,
        [r.dossier_code, seq, u!.revoked_at, actor.id, actor.name, role, d!.status, d!.status, JSON.stringify(payload), requestId, r.dossier_code],
      );
      await appendAudit(tx, {
        at: new Date(u!.revoked_at).toISOString(), actorId: actor.id, actorRole: role, action: 'result.revoke', entityType: 'dossier_result', entityId: resultCode,
        before: { revokedAt: null }, after: { revokedAt: u!.revoked_at, reason }, requestId, dedupeKey: key,
      });
      if (d!.email) {
        const msg = revocationMessage({
          code: r.dossier_code, resultCode, reason, procedureName: d!.procedure_name, agencyName: d!.agency_name, citizenName: d!.full_name,
          trackingUrl: `${this.deps.publicUrl}/ho-so/${encodeURIComponent(r.dossier_code)}`,
        });
        await enqueueMessages(tx, [{ dedupeKey: `${key}:citizen`, recipient: d!.email, ...msg }]);
      }
      return { code: resultCode, revokedAt: instant(u!.revoked_at), reason };
    });
  }
}

/** Who may revoke a result (the route's access). */
const REVOKING_ROLES = ['unit_leader'] as const;

class ConcurrentReplay extends Error {}

/** The answer to a submission (the official receipt time is the one recorded). */
function receipt(code: string, status: DossierStatus, at: Date, created: boolean) {
  return {
    code,
    status,
    statusLabel: STATUS_LABELS[status],
    receivedAt: instant(at),
    created,
    message: `Hồ sơ đã được gửi thành công. Thời điểm tiếp nhận trên hệ thống: ${formatVnHuman(at)}. Mã hồ sơ: ${code}.`,
  };
}

/** What a submission carried: procedure, form (keys in order) and each file's component, size and SHA-256. */
function submissionFingerprint(input: SubmissionInput): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
  const files = input.files
    .map((f) => `${f.fieldname}:${f.size}:${createHash('sha256').update(f.buffer).digest('hex')}`)
    .sort();
  // What a submission from before the data store carried hashes as it did then.
  const fromStore = Object.entries(input.fromStore ?? {}).map(([c, id]) => `${c}:store:${id}`).sort();
  const consent = input.storeConsent ? ['store-consent'] : [];
  return createHash('sha256').update(JSON.stringify([input.procedureCode, canonical(input.formData), [...files, ...fromStore, ...consent]])).digest('hex');
}

