import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { z } from 'zod';
import type { Actor } from '../../domain/access/roles';
import { appendAudit } from '../../services/records';
import { iso } from '../../domain/working-time/local-time';
import { apiError, Errors } from '../errors';
import type { DecisionBody } from './schemas';

type Decision = z.infer<typeof DecisionBody>;

/** The day before an ISO date. */
const dayBefore = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/**
 * The national procedure catalogue (Cơ sở dữ liệu quốc gia về TTHC): changed only by publication
 * decisions — new, amended, abolished, inter-agency (000 §16–20) — each recorded with its number, date
 * and issuer. Each amendment is a new version valid from its date; dossiers keep the version they were
 * submitted under. Abolishing a ministry's procedure abolishes its local copies (000 §19.1).
 */
export class CatalogueDecisions {
  constructor(private readonly orm: MikroORM) {}

  async record(actor: Actor, d: Decision, requestId: string) {
    const role = actor.roles.includes('system_admin') ? 'system_admin' : 'operator';
    return this.orm.em.fork().transactional(async (tx) => {
      const id = randomUUID();
      const [p] = await tx.execute<{ code: string; version: number; abolished_at: string | null }[]>('select code, version, abolished_at from procedure where code = ? for update', [d.procedureCode]);
      let version: number | null = null;
      let alsoAbolished: string[] = [];
      const insertDecision = (v: number | null, payload: unknown) => tx.execute(
        'insert into publication_decision (id, kind, number, decided_on, issuer, procedure_code, version, payload, recorded_by) values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)',
        [id, d.kind, d.number, d.decidedOn, d.issuer, d.procedureCode, v, JSON.stringify(payload), actor.id],
      );
      switch (d.kind) {
        case 'new':
        case 'inter_agency': {
          if (p) throw apiError(409, 'PROCEDURE_EXISTS', `Thủ tục "${d.procedureCode}" đã có trong cơ sở dữ liệu; hãy ghi quyết định sửa đổi.`);
          if (d.kind === 'new' && d.parentCode) await this.requireProcedure(tx, d.parentCode, 'parentCode');
          await this.requireAgency(tx, d.content.agencyCode);
          version = 1;
          await insertDecision(version, d.content);
          const c = d.content;
          await tx.execute(
            `insert into procedure (code, name, agency_code, field, processing_days, fee_amount, form, version, parent_code) values (?, ?, ?, ?, ?, ?, ?::jsonb, 1, ?)`,
            [d.procedureCode, c.name, c.agencyCode, c.field, c.processingDays, c.feeAmount, JSON.stringify(c.form), d.kind === 'new' ? (d.parentCode ?? null) : null],
          );
          await this.insertVersion(tx, d.procedureCode, 1, d.validFrom, c, id);
          break;
        }
        case 'amended': {
          if (!p) throw Errors.notFound('Thủ tục');
          if (p.abolished_at) throw apiError(409, 'PROCEDURE_ABOLISHED', 'Thủ tục đã bị bãi bỏ; không thể sửa đổi.');
          await this.requireAfterCurrent(tx, d.procedureCode, d.validFrom);
          await this.requireAgency(tx, d.content.agencyCode);
          version = p.version + 1;
          await insertDecision(version, d.content);
          await tx.execute('update procedure_version set valid_to = ? where procedure_code = ? and valid_to is null', [dayBefore(d.validFrom), d.procedureCode]);
          await this.insertVersion(tx, d.procedureCode, version, d.validFrom, d.content, id);
          const c = d.content;
          await tx.execute('update procedure set name = ?, agency_code = ?, field = ?, processing_days = ?, fee_amount = ?, form = ?::jsonb, version = ? where code = ?', [
            c.name, c.agencyCode, c.field, c.processingDays, c.feeAmount, JSON.stringify(c.form), version, d.procedureCode,
          ]);
          break;
        }
        case 'abolished': {
          if (!p) throw Errors.notFound('Thủ tục');
          if (p.abolished_at) throw apiError(409, 'PROCEDURE_ABOLISHED', 'Thủ tục đã bị bãi bỏ trước đó.');
          await this.requireAfterCurrent(tx, d.procedureCode, d.validFrom);
          await insertDecision(null, {});
          // The procedure and, through every level, the local copies made of it.
          const rows = await tx.execute<{ code: string }[]>(
            `with recursive copies(code) as (select ?::text union select p.code from procedure p join copies c on p.parent_code = c.code)
             select code from copies`,
            [d.procedureCode],
          );
          const codes = rows.map((r) => r.code);
          await tx.execute(`update procedure set abolished_at = (?::date)::timestamp at time zone 'Asia/Ho_Chi_Minh' where code = any(?::text[]) and abolished_at is null`, [d.validFrom, `{${codes.join(',')}}`]);
          await tx.execute('update procedure_version set valid_to = ? where procedure_code = any(?::text[]) and valid_to is null', [dayBefore(d.validFrom), `{${codes.join(',')}}`]);
          alsoAbolished = codes.filter((c) => c !== d.procedureCode);
          break;
        }
      }
      await appendAudit(tx, {
        at: new Date().toISOString(), actorId: actor.id, actorRole: role, action: `catalogue.${d.kind}`, entityType: 'procedure', entityId: d.procedureCode,
        before: p ? { version: p.version } : null, after: { version, decision: { number: d.number, decidedOn: d.decidedOn, issuer: d.issuer }, alsoAbolished }, requestId, dedupeKey: `decision:${id}`,
      });
      return { id, kind: d.kind, procedureCode: d.procedureCode, version, alsoAbolished };
    });
  }

  private async insertVersion(tx: EntityManager, code: string, version: number, validFrom: string, c: Extract<Decision, { content: unknown }>['content'], decisionId: string) {
    await tx.execute(
      `insert into procedure_version (procedure_code, version, valid_from, name, field, agency_code, processing_days, fee_amount, form, required_documents, decision_id)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?)`,
      [code, version, validFrom, c.name, c.field, c.agencyCode, c.processingDays, c.feeAmount, JSON.stringify(c.form), JSON.stringify(c.requiredDocuments ?? []), decisionId],
    );
  }

  /** A change takes effect after the version in force began (the versions' periods never overlap). */
  private async requireAfterCurrent(tx: EntityManager, code: string, validFrom: string) {
    const [open] = await tx.execute<{ valid_from: string }[]>("select to_char(valid_from, 'YYYY-MM-DD') as valid_from from procedure_version where procedure_code = ? and valid_to is null order by version desc limit 1", [code]);
    if (open && open.valid_from >= validFrom) {
      throw apiError(409, 'VALID_FROM_TOO_EARLY', 'Ngày có hiệu lực phải sau ngày có hiệu lực của phiên bản hiện hành.', [{ field: 'validFrom', code: 'TOO_EARLY', message: `Phải sau ngày ${open.valid_from}.` }]);
    }
  }

  private async requireProcedure(tx: EntityManager, code: string, field: string) {
    const [r] = await tx.execute('select code from procedure where code = ?', [code]);
    if (!r) throw apiError(404, 'UNKNOWN_PROCEDURE', `Thủ tục "${code}" không tồn tại.`, [{ field, code: 'UNKNOWN_PROCEDURE', message: 'Mã thủ tục không đúng.' }]);
  }

  private async requireAgency(tx: EntityManager, code: string) {
    const [r] = await tx.execute('select code from agency where code = ?', [code]);
    if (!r) throw apiError(404, 'UNKNOWN_AGENCY', `Cơ quan "${code}" không tồn tại.`, [{ field: 'content.agencyCode', code: 'UNKNOWN_AGENCY', message: 'Mã cơ quan không đúng.' }]);
  }

  /** A procedure's versions with the decisions that made them. */
  async versions(code: string) {
    const em = this.orm.em.fork();
    const [p] = await em.execute<{ code: string; abolished_at: string | null }[]>('select code, abolished_at from procedure where code = ?', [code]);
    if (!p) throw Errors.notFound('Thủ tục');
    const rows = await em.execute<{ version: number; valid_from: string; valid_to: string | null; name: string; processing_days: number; fee_amount: number; agency_code: string; required_documents: string[]; number: string | null; decided_on: string | null; issuer: string | null; kind: string | null }[]>(
      `select v.version, to_char(v.valid_from, 'YYYY-MM-DD') as valid_from, to_char(v.valid_to, 'YYYY-MM-DD') as valid_to, v.name, v.processing_days, v.fee_amount, v.agency_code, v.required_documents,
              d.number, to_char(d.decided_on, 'YYYY-MM-DD') as decided_on, d.issuer, d.kind
         from procedure_version v left join publication_decision d on d.id = v.decision_id where v.procedure_code = ? order by v.version`,
      [code],
    );
    return {
      code, abolishedAt: iso(p.abolished_at),
      versions: rows.map((v) => ({
        version: v.version, validFrom: v.valid_from, validTo: v.valid_to, name: v.name, processingDays: v.processing_days, feeAmount: v.fee_amount, agencyCode: v.agency_code,
        requiredDocuments: v.required_documents, decision: v.number ? { number: v.number, decidedOn: v.decided_on!, issuer: v.issuer!, kind: v.kind! } : null,
      })),
    };
  }
}
