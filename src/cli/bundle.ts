/**
 * Build step (`npm run build` runs `node dist/cli/bundle.js` after tsc): bundle the compiled CLI
 * (dist/cli/main.js and every dist module it reaches) into dist/cli/main.bundle.js, packages left
 * external. Node 20 spends ~0.45 ms resolving, reading and linking each ES module, and
 * `pinprick serve` reaches ~60 of them: a third of its cold start, against a bare TLS server that
 * loads none. The bundle keeps dynamic imports lazy (a module runs when first imported, as before).
 *
 * bin/pinprick.js runs the bundle only while none of the compiled files it was made from is newer
 * (so a bare `tsc` never leaves the CLI running stale code); it reads their list from
 * dist/cli/main.bundle.json. Every module that computes paths from import.meta.url lives one
 * folder below dist/, as the bundle does, so `../..` still names the package root.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const CLI_DIR = dirname(fileURLToPath(import.meta.url));
/** The bundle, next to the compiled entry point. */
export const BUNDLE_FILE = join(CLI_DIR, 'main.bundle.js');
/** The compiled files the bundle holds, relative to its folder. */
export const BUNDLE_INPUTS_FILE = join(CLI_DIR, 'main.bundle.json');

/** Bundle dist/cli/main.js; returns how many compiled modules went in. */
export async function bundleCli(): Promise<number> {
  const result = await build({
    entryPoints: [join(CLI_DIR, 'main.js')],
    outfile: BUNDLE_FILE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  const cwd = process.cwd();
  const inputs = Object.keys(result.metafile.inputs).map((p) => relative(CLI_DIR, join(cwd, p)).split('\\').join('/'));
  writeFileSync(BUNDLE_INPUTS_FILE, JSON.stringify({ inputs }) + '\n');
  return inputs.length;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = await bundleCli();
  process.stdout.write(`bundle: ${n} compiled modules in ${BUNDLE_FILE}\n`);
}
