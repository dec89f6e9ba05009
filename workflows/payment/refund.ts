import { condition, defineQuery, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Actor } from '../../domain/access/roles';
import { decideRefund, type RefundDecision, type RefundRequest, type RefundState } from '../../domain/payment/refund';
import type { RefundActivities } from '../../activities/refund';
import { createSerial, handleStep, RECORDING } from '../shared';
import { createVisibility } from '../visibility';

export const REFUND_WORKFLOW = 'refundWorkflow';
/** The workflow starts from the refund as it was asked for. */
export type RefundWorkflowInput = RefundRequest;
export const decideRefundUpdate = defineUpdate<{ code: string; status: RefundState['status'] }, [{ decision: RefundDecision; actor: Actor; requestId: string | null }]>('decideRefund');
export const refundViewQuery = defineQuery<{ state: RefundState | null; recordedSeq: number }>('refundView');

const acts = proxyActivities<RefundActivities>(RECORDING);

/**
 * A refund (000 §34.6): checked against the records and routed — money taken twice or over the amount
 * to the bank, which refunds it (its signed answer recorded); anything else to the agency's fee officers,
 * who decide. The citizen is told the outcome.
 */
export async function refundWorkflow(input: RefundWorkflowInput): Promise<RefundState> {
  let state: RefundState | null = null;
  let recordedSeq = 0;
  const { serial, drained } = createSerial();
  const show = createVisibility();
  // Found by kind, agency and procedure from its first task on, even if its first step stalls.
  show({ kind: 'refund', agencyCode: input.agencyCode, status: 'routing' });
  const record = async (after: RefundState, event: string, actor: { id: string; role: string } | null, payload: Record<string, unknown>, requestId: string | null) => {
    await acts.recordRefund({ after, event, actor, at: new Date().toISOString(), payload, requestId });
    recordedSeq = after.seq;
    show({ kind: 'refund', agencyCode: after.agencyCode, status: after.status });
  };
  setHandler(refundViewQuery, () => ({ state, recordedSeq }));
  handleStep(decideRefundUpdate, serial, {
    rule: ({ decision, actor }) => decideRefund(state!, actor, decision),
    take: (t) => void (state = t.state),
    commit: async (t, { decision, actor, requestId }) => {
      await record(t.state, decision.approve ? 'agency_refunded' : 'agency_refused', { id: actor.id, role: t.role }, { note: decision.note }, requestId);
      return { code: t.state.code, status: t.state.status };
    },
  });

  const route = await acts.routeRefund({ code: input.code, paymentId: input.paymentId });
  const routed: RefundState = { code: input.code, paymentId: input.paymentId, agencyCode: input.agencyCode, status: route.responsible === 'bank' ? 'at_bank' : 'at_agency', amountVnd: route.amountVnd, seq: 1 };
  state = routed;
  await serial(() => record(routed, 'routed', null, { ...route }, null));
  if (routed.status === 'at_bank') {
    const answer = await acts.orderBankRefund({ code: input.code, paymentId: input.paymentId, bankTxnId: route.bankTxnId!, amountVnd: route.amountVnd, reason: input.reason });
    const done: RefundState = { ...routed, status: answer.status === 'refunded' ? 'refunded' : 'refused', seq: routed.seq + 1 };
    state = done;
    await serial(() => record(done, answer.status === 'refunded' ? 'bank_refunded' : 'bank_refused', null, { ...answer }, null));
  }
  await condition(() => state!.status === 'refunded' || state!.status === 'refused');
  await drained();
  return state;
}
