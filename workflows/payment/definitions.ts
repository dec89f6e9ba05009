import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../../domain/access/roles';
import type { PaymentState } from '../../domain/payment/state';
import type { BankResult, BankSettlement } from '../../domain/payment/vocabulary';

export const PAYMENT_WORKFLOW = 'paymentWorkflow';

/** What the request is: the payment's identity (its state at the start), when, and the request that made it. */
export type PaymentWorkflowInput = Pick<PaymentState, 'id' | 'dossierCode' | 'citizenId' | 'agencyCode' | 'amountVnd' | 'transactionType'> & {
  requestedAt: string;
  requestId: string | null;
};

/** The citizen picks a bank: the process registers the payment there and answers where to send the citizen. */
export const chooseBankUpdate = defineUpdate<{ payUrl: string; bankTxnId: string }, [{ bankCode: string; actor: Actor }]>('chooseBank');
/** A bank's result, its signature already verified by the API. */
export const bankResultUpdate = defineUpdate<{ status: PaymentState['status']; applied: boolean }, [BankResult]>('bankResult');
export const paymentViewQuery = defineQuery<{ state: PaymentState; recordedSeq: number }>('paymentView');
/** The bank's settlement notice (money in the agency's account), its signature already verified by the API. */
export const bankSettlementUpdate = defineUpdate<{ settled: boolean; applied: boolean }, [BankSettlement]>('bankSettlement');
