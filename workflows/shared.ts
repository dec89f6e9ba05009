import { ApplicationFailure } from '@temporalio/workflow';
import { DomainError } from '../domain/errors';

/** A refused action becomes a failed update (type = the error code), never a failed workflow task. */
export function toFailure(e: unknown): unknown {
  if (e instanceof DomainError) {
    return ApplicationFailure.create({ type: e.code, message: e.message, nonRetryable: true, details: [{ status: e.status }] });
  }
  return e;
}

/** Runs side effects one after another, in the order the changes happened. */
export function createSerial() {
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn);
    chain = p.catch(() => undefined);
    return p;
  };
  return { serial, drained: () => chain };
}
