import { cp, mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_OPTIONS } from '../workers/process-worker';

/**
 * The production build: the API and the worker as plain JavaScript (no TypeScript loader at run
 * time), their packages left to `npm ci --omit=dev`, and the workflow bundle made ahead of time (the
 * worker then starts without webpack). `dist/externals.json` lists every package the build imports.
 */
const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildProduction(outDir = `${root}dist`): Promise<{ externals: string[] }> {
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: { api: `${root}api/main.ts`, worker: `${root}workers/main.ts` },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  // The portal's templates and styles, next to the API that renders them.
  await cp(`${root}web/views`, `${outDir}/views`, { recursive: true });
  await cp(`${root}web/assets`, `${outDir}/assets`, { recursive: true });
  const { code } = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } });
  await writeFile(`${outDir}/workflow-bundle.js`, code);
  const externals = packagesOf(result.metafile);
  await writeFile(`${outDir}/externals.json`, `${JSON.stringify(externals, null, 2)}\n`);
  return { externals };
}

/** The packages (not Node's own modules) the bundles import, statically or dynamically. */
function packagesOf(meta: Metafile): string[] {
  const names = new Set<string>();
  for (const input of Object.values(meta.inputs)) {
    for (const imp of input.imports) {
      if (!imp.external || imp.path.startsWith('node:')) continue;
      const parts = imp.path.split('/');
      names.add(imp.path.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
    }
  }
  return [...names].sort();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { externals } = await buildProduction(process.argv[2]);
  process.stdout.write(`dist/: api.mjs, worker.mjs, workflow-bundle.js; packages: ${externals.join(', ')}\n`);
}
