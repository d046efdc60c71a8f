#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by npm ci/install via `prepare`).
// The build also bundles it into one file (dist/cli/main.bundle.js, see src/cli/bundle.ts), which
// starts faster (one module to load instead of ~60). It is used only while no compiled file it
// was made from is newer (a bare `tsc` since the last build, say); otherwise dist/ as compiled.
import { readFileSync, statSync } from 'node:fs';

function entry() {
  const dist = new URL('../dist/cli/', import.meta.url);
  try {
    const bundle = new URL('main.bundle.js', dist);
    const built = statSync(bundle).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(new URL('main.bundle.json', dist), 'utf8'));
    if (Array.isArray(inputs) && inputs.length && inputs.every((f) => statSync(new URL(f, dist)).mtimeMs <= built)) return bundle.href;
  } catch {
    // No bundle, or an input is gone: the compiled modules.
  }
  return new URL('main.js', dist).href;
}

const { main } = await import(entry());
main(process.argv.slice(2));
