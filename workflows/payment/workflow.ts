import { condition, getExternalWorkflowHandle, log, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { PaymentActivities } from '../../activities/payment';
import { applyBankResult, CALLBACK_WAIT_MINUTES, chooseBank, PAYMENT_VALID_HOURS, type PaymentState } from '../../domain/payment/state';
import { feePaidOnlineSignal } from '../dossier/definitions';
import { createSerial, handleStep, PATCHES, RECORDING } from '../shared';
import { createVisibility } from '../visibility';
import { applySettlement, flagUnsettled, settlementDueAt } from '../../domain/payment/settlement';
import { bankResultUpdate, bankSettlementUpdate, chooseBankUpdate, paymentViewQuery, type PaymentWorkflowInput } from './definitions';

const acts = proxyActivities<PaymentActivities>(RECORDING);
const MINUTE = 60_000;
/** How long a late settlement is still waited for and recorded by the process (reconciliation keeps finding it after). */
const SETTLEMENT_WATCH_DAYS = 30;

/**
 * One payment request (RULES.md §4.1; 000 §31): the citizen picks a connected bank, pays there, and the
 * bank's signed result — callback, or the bank's answer when the portal asks after 15 minutes without
 * one — records the state-budget receipt, tells the citizen and the agency, and opens the dossier's fee
 * gate at once. Duplicate and out-of-order results change nothing twice. Unpaid, it expires after 24 hours.
 */
export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<PaymentState> {
  let state: PaymentState = {
    id: input.id, dossierCode: input.dossierCode, citizenId: input.citizenId, agencyCode: input.agencyCode, amountVnd: input.amountVnd,
    transactionType: input.transactionType, status: 'requested', bankCode: null, bankTxnId: null, atBankSince: null, receiptNumber: null, paidAt: null, seq: 1,
  };
  let recordedSeq = 0;
  let version = 0;
  const { serial, drained } = createSerial();
  const show = createVisibility();
  // Found by kind, agency and procedure from its first task on, even if its first step stalls.
  show({ kind: 'payment', agencyCode: state.agencyCode, status: state.status });
  const record = async (after: PaymentState, event: string, payload: Record<string, unknown>, actorId: string | null) => {
    await acts.recordPayment({ after, event, payload, actorId, at: new Date().toISOString() });
    recordedSeq = after.seq;
    show({ kind: 'payment', agencyCode: after.agencyCode, status: after.status });
  };
  const settle = async (after: PaymentState, payload: Record<string, unknown>) => {
    await record(after, after.status === 'paid' ? 'paid' : after.status, payload, null);
    if (after.status === 'paid' && after.dossierCode) {
      await getExternalWorkflowHandle(after.dossierCode).signal(feePaidOnlineSignal, {
        paymentId: after.id, bankCode: after.bankCode!, receiptNumber: after.receiptNumber!, amountVnd: after.amountVnd,
      });
    }
  };

  // The first record is queued before any update is handled (PATCHES.firstRecordFirst); processes started before queue it below.
  const requested = state;
  const firstRecord = patched(PATCHES.firstRecordFirst)
    ? serial(() => record(requested, 'requested', { amountVnd: requested.amountVnd, transactionType: requested.transactionType }, input.citizenId))
    : null;

  setHandler(paymentViewQuery, () => ({ state, recordedSeq }));
  handleStep(chooseBankUpdate, serial, {
    rule: ({ bankCode, actor }, at) => chooseBank(state, actor, bankCode, at),
    take: (after) => {
      state = after;
      version++;
    },
    commit: async (after, { bankCode, actor }) => {
      const opened = await acts.openAtBank(after);
      await record(after, 'at_bank', { bankCode, bankTxnId: opened.bankTxnId }, actor.id);
      return opened;
    },
  });

  setHandler(bankResultUpdate, async (result) => {
    const after = applyBankResult(state, result);
    if (!after) return { status: state.status, applied: false };
    state = after;
    version++;
    log.info('bank result', { id: state.id, status: state.status, bank: result.bankCode });
    await serial(() => settle(after, { bankCode: result.bankCode, bankTxnId: result.bankTxnId, receipt: result.receipt }));
    return { status: after.status, applied: true };
  });

  setHandler(bankSettlementUpdate, async (notice) => {
    const after = applySettlement(state, notice);
    if (!after) return { settled: Boolean(state.settledAt), applied: false };
    state = after;
    await serial(() => record(after, 'settled', { bankTxnId: notice.bankTxnId, settledAt: notice.settledAt, late: Boolean(after.settlementOverdue) }, null));
    return { settled: true, applied: true };
  });

  if (firstRecord) await firstRecord;
  else await serial(() => record(state, 'requested', { amountVnd: state.amountVnd, transactionType: state.transactionType }, input.citizenId));
  const expiresAt = Date.parse(input.requestedAt) + PAYMENT_VALID_HOURS * 60 * MINUTE;
  while (state.status !== 'paid' && state.status !== 'expired') {
    const v = version;
    // At the bank with no result yet: after 15 minutes the portal asks the bank itself.
    const askAt = state.status === 'at_bank' && state.atBankSince ? Date.parse(state.atBankSince) + CALLBACK_WAIT_MINUTES * MINUTE : Infinity;
    const next = Math.min(expiresAt, askAt);
    const changed = await condition(() => version !== v, Math.max(1, next - Date.now()));
    if (changed) continue;
    if (next === askAt) {
      const answer = await acts.askBank(state);
      const after = answer ? applyBankResult(state, answer) : null;
      if (after) {
        state = after;
        version++;
        await serial(() => settle(after, { bankCode: answer!.bankCode, bankTxnId: answer!.bankTxnId, receipt: answer!.receipt, askedBank: true }));
      } else {
        // Still nothing: ask again in another 15 minutes.
        state = { ...state, atBankSince: new Date().toISOString() };
      }
      continue;
    }
    if (state.status !== 'at_bank') {
      state = { ...state, status: 'expired', seq: state.seq + 1 };
      version++;
      const expired = state;
      await serial(() => record(expired, 'expired', {}, null));
    } else {
      // A payment still at the bank when it expires is settled by the bank's answer, not cut off.
      const answer = await acts.askBank(state);
      const after = answer ? applyBankResult(state, answer) : null;
      if (after?.status === 'paid') {
        state = after;
        version++;
        await serial(() => settle(after, { bankCode: answer!.bankCode, bankTxnId: answer!.bankTxnId, receipt: answer!.receipt, askedBank: true }));
      } else {
        state = { ...state, status: 'expired', seq: state.seq + 1 };
        version++;
        const expired = state;
        await serial(() => record(expired, 'expired', {}, null));
      }
    }
  }
  // T+1 (000 §33.4.a): the bank reports the money in the agency's account by the end of the next day; a
  // payment still unsettled then is asked of the bank, and if still unsettled flagged and escalated to the
  // bank's contact and the operators; a late settlement is still recorded when it comes.
  if (state.status === 'paid' && patched('t1-settlement')) {
    const due = Date.parse(settlementDueAt(state.paidAt ?? new Date().toISOString()));
    await condition(() => Boolean(state.settledAt), Math.max(1, due - Date.now()));
    if (!state.settledAt) {
      const answer = await acts.askBank(state);
      const settled = answer?.settledAt ? applySettlement(state, { bankCode: answer.bankCode, bankTxnId: answer.bankTxnId, portalPaymentId: answer.portalPaymentId, amountVnd: answer.amountVnd, settledAt: answer.settledAt }) : null;
      if (settled) {
        state = settled;
        await serial(() => record(settled, 'settled', { bankTxnId: settled.bankTxnId, settledAt: settled.settledAt, askedBank: true }, null));
      } else {
        state = flagUnsettled(state);
        const flagged = state;
        await serial(() => record(flagged, 'settlement_overdue', { dueAt: new Date(due).toISOString() }, null));
        await condition(() => Boolean(state.settledAt), SETTLEMENT_WATCH_DAYS * 24 * 60 * MINUTE);
      }
    }
  }
  await drained();
  return state;
}
