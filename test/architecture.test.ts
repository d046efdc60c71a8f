import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// How the modules depend on each other: imports go one way (no cycles), and the reference model
// is pure and self-contained (it imports nothing of pinprick outside src/model but the error types).

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Static imports and re-exports of each file, as absolute paths of .ts files (dynamic imports are lazy loading, not structure). */
function importGraph(): Map<string, string[]> {
  const files = sourceFiles(SRC);
  const known = new Set(files);
  return new Map(
    files.map((f) => {
      const text = readFileSync(f, 'utf8');
      const deps = [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/gms)].map((m) => resolve(dirname(f), m[1]!.replace(/\.js$/, '.ts')));
      return [f, deps.filter((d) => known.has(d))];
    }),
  );
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === 'open') found.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(SRC, x)));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return found;
}

describe('module structure', () => {
  const graph = importGraph();

  it('the cycle finder finds a cycle (so the next test can fail)', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual([['a', 'b', 'c', 'a'].map((x) => relative(SRC, x))]);
  });

  it('has no import cycles', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(cycles(graph)).toEqual([]);
  });

  it('the model imports only the model (and the error types)', () => {
    const model = join(SRC, 'model');
    const outside = [...graph].flatMap(([f, deps]) => (f.startsWith(model) ? deps.filter((d) => !d.startsWith(model) && d !== join(SRC, 'errors.ts')).map((d) => `${relative(SRC, f)} -> ${relative(SRC, d)}`) : []));
    expect(outside).toEqual([]);
  });
});
