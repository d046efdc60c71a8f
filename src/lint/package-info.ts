/**
 * What SARIF says about the tool: package.json's version and homepage. Read from the package root
 * (this module sits one folder below dist/, as the CLI bundle does: see src/cli/bundle.ts).
 */
import { readFileSync } from 'node:fs';

/** pinprick's version, and its homepage when package.json names one. */
export function packageInfo(): { version: string; homepage?: string } {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; homepage?: string };
  return { version: pkg.version, ...(pkg.homepage ? { homepage: pkg.homepage } : {}) };
}
