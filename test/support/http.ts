import { expect } from 'vitest';

/** The answer's JSON, after checking its status (the body is shown when the status is wrong). */
export async function json<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}
