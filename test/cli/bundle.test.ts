/**
 * bin/pinprick.js runs the bundled CLI (dist/cli/main.bundle.js, built by `npm run build` through
 * src/cli/bundle.ts) only while it is current, and the compiled modules otherwise; the bundle
 * keeps every import.meta.url-relative path of the modules it holds.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli');

describe('the bundled CLI', () => {
  const tmp = tempDir('pinprick-bundle-');
  afterAll(() => tmp.cleanup());

  /** A package layout with stand-in entry points that say which one ran. */
  function layout(name: string): { run: () => string; cli: string; touch: (file: string, seconds: number) => void } {
    const root = join(tmp.path, name);
    const cli = join(root, 'dist', 'cli');
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(cli, { recursive: true });
    mkdirSync(join(root, 'dist', 'world'), { recursive: true });
    copyFileSync(join(ROOT, 'bin', 'pinprick.js'), join(root, 'bin', 'pinprick.js'));
    writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
    writeFileSync(join(cli, 'main.js'), "export function main() { console.log('modules'); }\n");
    writeFileSync(join(root, 'dist', 'world', 'store.js'), 'export {};\n');
    writeFileSync(join(cli, 'main.bundle.js'), "export function main() { console.log('bundle'); }\n");
    writeFileSync(join(cli, 'main.bundle.json'), JSON.stringify({ inputs: ['main.js', '../world/store.js'] }));
    const touch = (file: string, seconds: number) => utimesSync(join(cli, file), seconds, seconds);
    touch('main.js', 1000);
    touch('../world/store.js', 1000);
    touch('main.bundle.js', 2000);
    return { run: () => execFileSync(process.execPath, [join(root, 'bin', 'pinprick.js')], { encoding: 'utf8' }).trim(), cli, touch };
  }

  it('runs the bundle while no compiled file it holds is newer', () => {
    expect(layout('current').run()).toBe('bundle');
  });

  it('runs the compiled modules once any of them is newer than the bundle (a bare tsc since the build)', () => {
    const l = layout('stale');
    l.touch('../world/store.js', 3000);
    expect(l.run()).toBe('modules');
  });

  it('runs the compiled modules when the bundle, its input list or an input is missing', () => {
    const a = layout('no-list');
    rmSync(join(a.cli, 'main.bundle.json'));
    expect(a.run()).toBe('modules');
    const b = layout('no-bundle');
    rmSync(join(b.cli, 'main.bundle.js'));
    expect(b.run()).toBe('modules');
    const c = layout('input-gone');
    rmSync(join(c.cli, '..', 'world', 'store.js'));
    expect(c.run()).toBe('modules');
  });

  it('is current after npm run build, and holds the whole CLI', () => {
    expect(existsSync(join(CLI, 'main.bundle.js')), 'run npm run build first').toBe(true);
    const { inputs } = JSON.parse(readFileSync(join(CLI, 'main.bundle.json'), 'utf8')) as { inputs: string[] };
    expect(inputs).toEqual(expect.arrayContaining(['main.js', 'fast-args.js', '../scenario/source.js', '../world/store.js']));
    expect(execFileSync(process.execPath, [join(ROOT, 'bin', 'pinprick.js'), '--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('holds modules that resolve paths from import.meta.url only one folder below dist/, where the bundle is', () => {
    const { inputs } = JSON.parse(readFileSync(join(CLI, 'main.bundle.json'), 'utf8')) as { inputs: string[] };
    const usingUrl = inputs.filter((f) => readFileSync(join(CLI, f), 'utf8').includes('import.meta.url'));
    expect(usingUrl.length).toBeGreaterThan(0);
    for (const f of usingUrl) expect(f, f).toMatch(/^(?:[^/.][^/]*|\.\.\/[^/.][^/]*\/[^/]+)\.js$/);
  });
});
