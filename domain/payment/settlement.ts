import { localDayNumber, localDayStart } from '../working-time/local-time';
import type { BankSettlement } from './vocabulary';
import type { PaymentState } from './state';

/**
 * T+1 settlement (RULES.md §4.2; 000 §33.4.a: "không chậm hơn ngày T+1"): the money of a payment debited
 * on day T reaches the beneficiary agency's account by the end of the next calendar day, Vietnam time.
 * The text counts days, not working days; the interbank exception it names is left to the bank's report.
 * The instant returned is the first moment that is late (00:00 of T+2).
 */
export function settlementDueAt(debitedAt: string): string {
  return new Date(localDayStart(localDayNumber(Date.parse(debitedAt)) + 2)).toISOString();
}

/** A bank's settlement notice for this payment, or nothing when it does not match (another payment, not paid, already settled). */
export function applySettlement(s: PaymentState, n: BankSettlement): PaymentState | null {
  if (s.status !== 'paid' || s.settledAt || n.portalPaymentId !== s.id || n.bankCode !== s.bankCode || n.bankTxnId !== s.bankTxnId || n.amountVnd !== s.amountVnd) return null;
  return { ...s, settledAt: n.settledAt, seq: s.seq + 1 };
}

/** Still unsettled at the deadline: flagged (once), to be escalated to the bank's contact and the operators. */
export function flagUnsettled(s: PaymentState): PaymentState {
  return { ...s, settlementOverdue: true, seq: s.seq + 1 };
}
