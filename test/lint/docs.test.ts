import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { PROJECT_ROOT } from '../../runtime/tools';

/**
 * The map cannot drift (issue 32): every link between the README and docs/ leads to a file that exists,
 * and every row of the rules table (docs/rules.md) names code and tests that exist, with the functions
 * and states it names found in the files of its row.
 */
const root = PROJECT_ROOT.replace(/\/$/, '');
const docs = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? docs(p) : p.endsWith('.md') ? [p] : [];
  });
const pages = [join(root, 'README.md'), ...docs(join(root, 'docs'))];

describe('the README and docs/', () => {
  it('link only to files that exist in the repository', () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const [, target] of readFileSync(page, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const file = resolve(dirname(page), target!.replace(/#.*$/, ''));
        // (links out of the repository, to ../shared/, are the workplace's texts)
        if (relative(root, file).startsWith('..')) continue;
        if (!existsSync(file)) broken.push(`${relative(root, page)} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('reach every page of docs/ from the README', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const unlinked = pages.slice(1).map((p) => relative(root, p)).filter((p) => !readme.includes(`](${p})`));
    expect(unlinked).toEqual([]);
  });
});

describe('the rules table', () => {
  const rows = readFileSync(join(root, 'docs/rules.md'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| rule') && !l.startsWith('|---'))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));

  it('has a row for every process rule group of RULES.md (time, §1 to §5, the alerts)', () => {
    for (const group of ['Time', '§1.', '§2.', '§3.', '§4.', '§5.', '§52']) expect(rows.some(([rule]) => rule!.includes(group))).toBe(true);
  });

  it('names files that exist, and functions and states found in them', () => {
    const problems: string[] = [];
    for (const [rule, code, proof] of rows) {
      const quoted = [...`${code} ${proof}`.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      const files = quoted.filter((q) => q.includes('/'));
      for (const f of files) if (!existsSync(join(root, f))) problems.push(`${rule}: ${f} does not exist`);
      const sources = files.filter((f) => existsSync(join(root, f)) && statSync(join(root, f)).isFile()).map((f) => readFileSync(join(root, f), 'utf8'));
      if (!files.some((f) => f.startsWith('test/') && (proof ?? '').includes(f))) problems.push(`${rule}: no test file named`);
      for (const name of [...(code ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((q) => !q.includes('/'))) {
        if (!/^\w+$/.test(name)) problems.push(`${rule}: \`${name}\` is not a path (name files from the repository's root)`);
        if (!sources.some((s) => s.includes(name))) problems.push(`${rule}: \`${name}\` is in none of ${files.join(', ') || '(no file named)'}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
