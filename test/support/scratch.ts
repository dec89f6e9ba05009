import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder for a server the tests start (never the project's .data/). */
export const scratchDir = (prefix: string) => mkdtemp(join(tmpdir(), `dvc-test-${prefix}-`));

export const removeScratch = (dir: string) => rm(dir, { recursive: true, force: true, maxRetries: 3 });
