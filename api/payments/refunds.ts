import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { isOfficerRole, type Actor } from '../../domain/access/roles';
import { REFUND_STATUS_LABELS, type RefundDecision, type RefundStatus } from '../../domain/payment/refund';
import { decideRefundUpdate, REFUND_WORKFLOW, type RefundWorkflowInput } from '../../workflows/payment/refund';
import { instant, iso } from '../../domain/working-time/local-time';
import { apiError, Errors, fromTemporal } from '../errors';

interface RefundRow {
  code: string; payment_id: string; citizen_id: string | null; agency_code: string; origin: 'citizen' | 'reconciliation'; reason: string; responsible: 'bank' | 'agency' | null;
  amount_vnd: string | null; status: RefundStatus | 'routing'; outcome_note: string | null; created_at: string; decided_at: string | null;
}
const LABELS: Record<RefundRow['status'], string> = { ...REFUND_STATUS_LABELS, routing: 'Đang kiểm tra, chuyển bên chịu trách nhiệm' };

/** Refund requests (000 §34.6): asked by the citizen or opened by reconciliation; decided by the bank or the agency. */
export class RefundService {
  constructor(private readonly deps: { orm: MikroORM; temporal: Client; taskQueue: string }) {}

  private view(r: RefundRow) {
    return {
      code: r.code, paymentId: r.payment_id, origin: r.origin, reason: r.reason, responsible: r.responsible, amountVnd: r.amount_vnd === null ? null : Number(r.amount_vnd),
      status: r.status, statusLabel: LABELS[r.status], outcomeNote: r.outcome_note, createdAt: instant(r.created_at), decidedAt: iso(r.decided_at),
    };
  }

  private async row(code: string) {
    const [r] = await this.deps.orm.em.fork().execute<RefundRow[]>('select r.*, p.agency_code from refund_request r join payment p on p.id = r.payment_id where r.code = ?', [code]);
    return r;
  }

  /** The citizen asks for a refund of a paid payment; the open request is answered if there is one. */
  async request(actor: Actor, paymentId: string, reason: string) {
    const em = this.deps.orm.em.fork();
    const [p] = await em.execute<{ citizen_id: string; agency_code: string; status: string }[]>('select citizen_id, agency_code, status from payment where id = ?', [paymentId]);
    if (!p || p.citizen_id !== actor.id) throw Errors.notFound('Giao dịch');
    if (p.status !== 'paid') throw apiError(409, 'NOT_PAID', 'Giao dịch chưa được thanh toán; không có khoản nào để hoàn.');
    const [open] = await em.execute<{ code: string }[]>("select code from refund_request where payment_id = ? and status in ('routing', 'at_bank', 'at_agency')", [paymentId]);
    if (open) return { created: false, refund: this.view((await this.row(open.code))!) };
    const code = `HT-${randomBytes(6).toString('hex').toUpperCase()}`;
    await em.execute("insert into refund_request (code, payment_id, citizen_id, origin, reason) values (?, ?, ?, 'citizen', ?)", [code, paymentId, actor.id, reason]);
    const input: RefundWorkflowInput = { code, paymentId, agencyCode: p.agency_code, citizenId: actor.id, discrepancyCode: null, reason };
    await this.deps.temporal.workflow.start(REFUND_WORKFLOW, { taskQueue: this.deps.taskQueue, workflowId: code, args: [input] });
    return { created: true, refund: this.view((await this.row(code))!) };
  }

  /** Requests routed to the actor's agency, waiting for its decision. */
  async awaitingAgency(actor: Actor) {
    const rows = await this.deps.orm.em.fork().execute<RefundRow[]>(
      "select r.*, p.agency_code from refund_request r join payment p on p.id = r.payment_id where r.status = 'at_agency' and p.agency_code = ? order by r.created_at", [actor.agencyCode]);
    return rows.map((r) => this.view(r));
  }

  /** The latest refund request of a payment (for the dossier's page). */
  async ofPayment(paymentId: string) {
    const [r] = await this.deps.orm.em.fork().execute<RefundRow[]>('select r.*, p.agency_code from refund_request r join payment p on p.id = r.payment_id where r.payment_id = ? order by r.created_at desc limit 1', [paymentId]);
    return r ? this.view(r) : null;
  }

  /** A request, for its citizen, the agency's officers and the operators. */
  async get(actor: Actor, code: string) {
    const r = await this.row(code);
    const visible = r && ((actor.roles.includes('citizen') && r.citizen_id === actor.id) || actor.roles.includes('operator')
      || ((actor.roles.some(isOfficerRole) || actor.roles.includes('integration')) && actor.agencyCode === r.agency_code));
    if (!visible) throw Errors.notFound('Yêu cầu hoàn tiền');
    return this.view(r);
  }

  /** The agency's fee officer or leader decides a request routed to the agency. */
  async decide(actor: Actor, code: string, decision: RefundDecision, requestId: string) {
    const r = await this.get(actor, code);
    if (r.status !== 'at_agency') throw apiError(409, 'WRONG_STEP', `Yêu cầu hoàn tiền đang ở trạng thái "${r.statusLabel}".`);
    try {
      const out = await this.deps.temporal.workflow.getHandle(code).executeUpdate(decideRefundUpdate, { args: [{ decision, actor: { ...actor, name: '' }, requestId }] });
      return { code: out.code, status: out.status, statusLabel: REFUND_STATUS_LABELS[out.status] };
    } catch (e) {
      throw fromTemporal(e);
    }
  }
}
