import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { PROJECT_ROOT } from '../../runtime/tools';

/**
 * The floors of the code, lowest first (README, "The map"): a module imports from its own folder or a
 * lower floor. Three kinds of import are not upward: a workflow's type-only import of its activities
 * (the SDK's proxyActivities pattern; erased, never in the bundle), a process entry point (`main.ts`,
 * which wires everything), and an import explained on the line above it by a comment `// upward: …`.
 */
export const FLOORS = ['types', 'domain', 'workflows', 'db', 'services', 'activities', 'workers', 'runtime', 'api', 'web', 'local', 'bench', 'scripts'];

interface Import { file: string; line: number; target: string; typeOnly: boolean; explained: boolean }

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(PROJECT_ROOT, dir), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name).slice(PROJECT_ROOT.length));
}

/** Every relative import of the file that leaves its top-level folder. */
export function crossFolderImports(file: string, code: string): Import[] {
  const lines = code.split('\n');
  const found: Import[] = [];
  lines.forEach((text, i) => {
    const m = /^\s*(?:import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'/.exec(text) ?? /^\s*import\s+'(\.[^']+)'/.exec(text);
    if (!m) return;
    const spec = m.length === 3 ? m[2]! : m[1]!;
    const target = normalize(join(dirname(file), spec));
    if (target.split('/')[0] === file.split('/')[0]) return;
    found.push({ file, line: i + 1, target, typeOnly: m.length === 3 && Boolean(m[1]), explained: /\/\/\s*upward:/.test(lines[i - 1] ?? '') });
  });
  return found;
}

export function upward(imp: Import): boolean {
  const from = FLOORS.indexOf(imp.file.split('/')[0]!);
  const to = FLOORS.indexOf(imp.target.split('/')[0]!);
  if (to <= from) return false;
  if (imp.typeOnly && imp.file.startsWith('workflows/') && imp.target.startsWith('activities/')) return false;
  if (imp.file.endsWith('/main.ts')) return false;
  return !imp.explained;
}

describe('the floors of the code', () => {
  it('every import outside the tests goes to its own folder or a lower floor, or says in one line why not', async () => {
    const files = (await Promise.all(FLOORS.map(sourceFiles))).flat();
    expect(files.length).toBeGreaterThan(100);
    const imports = (await Promise.all(files.map(async (f) => crossFolderImports(f, await readFile(join(PROJECT_ROOT, f), 'utf8'))))).flat();
    expect(imports.length).toBeGreaterThan(300);
    expect(imports.filter(upward).map((i) => `${i.file}:${i.line} → ${i.target}`)).toEqual([]);
  });

  it('finds an upward import, and accepts it only with its reason on the line above', () => {
    const code = "import { iso } from '../../domain/working-time/local-time';\nimport { apiRoutes } from '../../api/app';\n";
    const imports = crossFolderImports('services/operations/probe.ts', code);
    expect(imports.map((i) => [i.target, upward(i)])).toEqual([['domain/working-time/local-time', false], ['api/app', true]]);
    const explained = crossFolderImports('services/operations/probe.ts', `// upward: the probe's reason\n${code.split('\n')[1]}\n`);
    expect(explained.map(upward)).toEqual([false]);
    // A workflow's type-only import of its activities is the SDK's pattern; a value import is not.
    expect(crossFolderImports('workflows/x/w.ts', "import type { A } from '../../activities/a';\n").map(upward)).toEqual([false]);
    expect(crossFolderImports('workflows/x/w.ts', "import { a } from '../../activities/a';\n").map(upward)).toEqual([true]);
  });
});
