/**
 * Dependencies are used (issue 15, finding 11): node-forge was a runtime dependency nothing
 * imported and selfsigned a dev dependency nothing imported. Every runtime dependency is imported
 * by src/; every dev dependency is imported by tests, benchmarks or scripts, run by an npm script,
 * loaded as a plugin by stryker.config.json (npm run mutate), or types a package that is.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mjs|js)$/.test(name) ? [readFileSync(path, 'utf8')] : [];
  });
}

/** Packages a text imports: static and type imports, dynamic import(), require() and import.meta.resolve() (a bench loads one in a child process by its resolved path). */
function imported(texts: string[]): Set<string> {
  const names = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\.meta\.resolve\(\s*|\brequire\(\s*|^import\s+)['"]((?:@[\w.-]+\/)?[\w.-]+)[^'"]*['"]/gm)) names.add(m[1]!);
  }
  return names;
}

describe('package.json', () => {
  const src = imported(sources(join(ROOT, 'src')));
  const elsewhere = imported([...sources(join(ROOT, 'test')), ...sources(join(ROOT, 'bench')), readFileSync(join(ROOT, 'vitest.config.ts'), 'utf8')]);
  const scripts = Object.values(pkg.scripts).join('\n');
  const strykerPlugins = new Set((JSON.parse(readFileSync(join(ROOT, 'stryker.config.json'), 'utf8')) as { plugins?: string[] }).plugins ?? []);

  it('every runtime dependency is imported by src/', () => {
    expect(Object.keys(pkg.dependencies).filter((d) => !src.has(d))).toEqual([]);
  });

  it('every dev dependency is imported by tests, benchmarks or src types, run by a script, a Stryker plugin, or types one that is', () => {
    /** Packages whose command has another name. */
    const BINARY: Record<string, string> = { typescript: 'tsc', '@stryker-mutator/core': 'stryker' };
    const used = (d: string): boolean => {
      if (src.has(d) || elsewhere.has(d) || strykerPlugins.has(d) || new RegExp(`(^|[\\s&;])${BINARY[d] ?? d}\\s`).test(scripts)) return true;
      const typed = /^@types\/(.+)$/.exec(d)?.[1];
      return typed !== undefined && (typed === 'node' || used(typed.includes('__') ? `@${typed.replace('__', '/')}` : typed));
    };
    expect(Object.keys(pkg.devDependencies).filter((d) => !used(d))).toEqual([]);
  });

  it('node-forge is not a dependency of the CLI start: src/ imports it dynamically only', () => {
    const staticImports = sources(join(ROOT, 'src')).filter((t) => /^import\s+(?!type\b)[^;]*['"]node-forge['"]/m.test(t));
    expect(staticImports).toEqual([]);
  });
});
