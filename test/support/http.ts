import { expect } from '@jest/globals';
import { because } from './because';

/** The answer's JSON, after checking its status (the body is shown when the status is wrong). */
export async function json<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  because(text, () => expect(res.status).toBe(status));
  return JSON.parse(text) as T;
}
