import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_OPTIONS } from '../../workers/process-worker';

interface Compiler { hooks: { normalModuleFactory: { tap(name: string, fn: (nmf: { hooks: { afterResolve: { tap(name: string, fn: (d: { createData: { resource?: string } }) => void): void } } }) => void): void } } }

const VISIBILITY = fileURLToPath(new URL('../../workflows/visibility.ts', import.meta.url));
const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Another deploy's workflow code: the process workflows bundled with workflows/visibility.ts replaced
 * by a fixture (`test/fixtures/<deploy>/visibility.ts`) — the code before a change, or a bad change.
 */
export async function workflowsDeployedWith(deploy: 'before-search-attributes' | 'nondeterministic-deploy') {
  const replacement = fileURLToPath(new URL(`../fixtures/${deploy}/visibility.ts`, import.meta.url));
  const plugin = {
    apply(compiler: Compiler) {
      compiler.hooks.normalModuleFactory.tap(deploy, (nmf) => nmf.hooks.afterResolve.tap(deploy, (d) => {
        if (d.createData.resource === VISIBILITY) d.createData.resource = replacement;
      }));
    },
  };
  return bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: quiet, webpackConfigHook: (config) => ({ ...config, plugins: [...(config.plugins ?? []), plugin as never] }) });
}
