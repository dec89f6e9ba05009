import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import { PROJECT_ROOT } from '../../runtime/tools';

/**
 * The lint guard that keeps workflow code deterministic holds at every folder depth (issue 10: the old
 * pattern `../activities/*` missed `../../activities/…`): value imports of side-effect layers fail,
 * type imports pass.
 */
const eslint = new ESLint({ cwd: PROJECT_ROOT });

async function problems(code: string, filePath: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: `${PROJECT_ROOT}${filePath}` });
  return r!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('the workflow import guard', () => {
  const refused: [string, string][] = [
    ['an activity factory, two folders up', "import { createDossierActivities } from '../../activities/dossier';\nexport const x = createDossierActivities;\n"],
    ['a service, two folders up', "import { appendAudit } from '../../services/records';\nexport const x = appendAudit;\n"],
    ['the database layer', "import { openOrm } from '../../db/orm';\nexport const x = openOrm;\n"],
    ['the runtime', "import { loadConfig } from '../../runtime/config';\nexport const x = loadConfig;\n"],
    ['a Node built-in', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['the Temporal client', "import { Client } from '@temporalio/client';\nexport const x = Client;\n"],
  ];
  for (const [what, code] of refused) {
    it(`refuses ${what} in workflows/dossier/`, async () => {
      expect(await problems(code, 'workflows/dossier/guard-probe.ts')).toHaveLength(1);
    });
  }

  it('allows types from activities and values from the domain and the workflow SDK', async () => {
    const code = [
      "import type { DossierActivities } from '../../activities/dossier';",
      "import { applyAction } from '../../domain/dossier/state';",
      "import { proxyActivities } from '@temporalio/workflow';",
      'export const acts = proxyActivities<DossierActivities>({ startToCloseTimeout: 1000 });',
      'export const apply = applyAction;',
      '',
    ].join('\n');
    expect(await problems(code, 'workflows/dossier/guard-probe.ts')).toEqual([]);
  });

  it('the same imports outside workflow code are not its concern', async () => {
    expect(await problems("import { appendAudit } from '../services/records';\nexport const x = appendAudit;\n", 'activities/guard-probe.ts')).toEqual([]);
  });
});
