import type { MikroORM } from '@mikro-orm/postgresql';
import type { Actor } from '../../domain/access/roles';
import { forbidden, notFound } from '../../domain/errors';

export interface AgencyNode { code: string; name: string; level: string; parentCode: string | null }

/** The agency tree: each agency's top (its ministry or province) and the agencies under one. */
export class AgencyTree {
  private readonly byCode: Map<string, AgencyNode>;
  constructor(readonly agencies: AgencyNode[]) {
    this.byCode = new Map(agencies.map((a) => [a.code, a]));
  }
  static async load(orm: MikroORM): Promise<AgencyTree> {
    const rows = await orm.em.fork().execute<{ code: string; name: string; level: string; parent_code: string | null }[]>('select code, name, level, parent_code from agency order by code');
    return new AgencyTree(rows.map((r) => ({ code: r.code, name: r.name, level: r.level, parentCode: r.parent_code })));
  }
  get(code: string): AgencyNode | undefined {
    return this.byCode.get(code);
  }
  /** The ministry or province an agency belongs to (itself at the top). */
  topOf(code: string): string {
    let a = this.byCode.get(code);
    for (let i = 0; a?.parentCode && i < 20; i++) a = this.byCode.get(a.parentCode);
    return a?.code ?? code;
  }
  /** The agency and every agency under it. */
  subtree(code: string): string[] {
    const out = [code];
    for (let i = 0; i < out.length; i++) for (const a of this.agencies) if (a.parentCode === out[i]) out.push(a.code);
    return out;
  }
}

/** Who sees the whole country's statistics. */
const NATIONAL_ROLES = ['operator', 'system_admin'] as const;
/** Who sees their agency and its sub-agencies (a ministry's or province's supervisor: its whole tree). */
const AGENCY_ROLES = ['supervising_officer', 'unit_leader'] as const;

export interface Scope {
  /** The agency asked for (null: the whole country). */
  root: AgencyNode | null;
  /** The agencies counted (null: all). */
  codes: string[] | null;
}

/**
 * The agencies an actor's statistics cover: the asked agency's tree if the actor may see it, else their own
 * tree; the whole country for operators and system administrators. Citizens and other roles see none.
 */
export function scopeOf(tree: AgencyTree, actor: Actor, agency?: string): Scope {
  const national = actor.roles.some((r) => (NATIONAL_ROLES as readonly string[]).includes(r));
  const local = actor.roles.some((r) => (AGENCY_ROLES as readonly string[]).includes(r)) && actor.agencyCode !== null;
  if (!national && !local) throw forbidden('STATISTICS_NOT_ALLOWED', 'Tài khoản không có quyền xem số liệu thống kê.');
  if (agency !== undefined && !tree.get(agency)) throw notFound('AGENCY_NOT_FOUND', `Không có cơ quan ${agency}.`);
  if (national) return agency ? { root: tree.get(agency)!, codes: tree.subtree(agency) } : { root: null, codes: null };
  const own = tree.subtree(actor.agencyCode!);
  const root = agency ?? actor.agencyCode!;
  if (!own.includes(root)) throw forbidden('STATISTICS_OUT_OF_SCOPE', 'Bạn chỉ xem được số liệu của cơ quan mình và các đơn vị trực thuộc.');
  return { root: tree.get(root)!, codes: tree.subtree(root) };
}
