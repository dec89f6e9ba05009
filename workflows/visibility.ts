import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { AgencyCode, OverdueLevel, ProcedureCode, ProcessKind, ProcessStatus, type ProcessView } from './search-attributes';
import { PATCHES } from './shared';

/**
 * Keeps the process's search attributes current (workflows/search-attributes.ts): called after each
 * recorded change; only what changed is upserted. Behind a patch: a process started before it replays
 * without these commands and starts showing itself at its first change after the deploy.
 */
export function createVisibility() {
  let shown: Partial<Record<string, string | number>> = {};
  return (view: ProcessView): void => {
    if (!patched(PATCHES.searchAttributes)) return;
    const next: [SearchAttributeUpdatePair['key'], string | number | null | undefined][] = [
      [ProcessKind, view.kind], [AgencyCode, view.agencyCode], [ProcessStatus, view.status], [OverdueLevel, view.overdueLevel ?? 0], [ProcedureCode, view.procedureCode],
    ];
    const pairs = next.filter(([key, value]) => value !== null && value !== undefined && shown[key.name] !== value);
    if (pairs.length === 0) return;
    upsertSearchAttributes(pairs.map(([key, value]) => ({ key, value }) as SearchAttributeUpdatePair));
    shown = { ...shown, ...Object.fromEntries(pairs.map(([key, value]) => [key.name, value as string | number])) };
  };
}
