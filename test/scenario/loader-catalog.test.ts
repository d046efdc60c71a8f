/**
 * Found in review (now fixed): loadCatalog (src/scenario/scenario.ts):
 *  1. Wrong position for an id clash (scenario.ts:157): the ScenarioError is always at 1:1, which
 *     in a scenario that starts with the usual `# yaml-language-server` comment is the comment,
 *     not the `id:` that clashes. Fix: keep the id's position when parsing (e.g. add
 *     `idLine`/`idCol` from source.position(['id']) to Scenario.source, as chainLines is) and use
 *     it in the clash error.
 *  2. A dangling symlink (or an entry removed while listing) named *.yaml in a scenario folder
 *     crashes the catalog with a bare ENOENT Error from statSync (scenario.ts:143), which is
 *     neither a ScenarioError nor an InputError. Fix: use readdirSync(dir, { withFileTypes: true })
 *     and keep entries whose target stats as a file inside a try/catch, turning a failing stat
 *     into ScenarioError(file, 1, 1, `cannot read: ${code}`) as loadScenarioFile does.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, ScenarioError } from '../../src/errors.js';
import { loadCatalog } from '../../src/scenario/scenario.js';
import { defaultWorldSpec } from '../../src/world/spec.js';
import { tempDir } from '../helpers/tmp.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const spec = defaultWorldSpec();
const tmp = tempDir('pinprick-catalog-bugs-');
afterAll(() => tmp.cleanup());

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('loadCatalog', () => {
  it("locates an id clash at the clashing id, not at the file's first line", () => {
    const dir = join(tmp.path, 'clash');
    mkdirSync(dir);
    writeFileSync(join(dir, 'mine.yaml'), '# yaml-language-server: $schema=./scenario.schema.json\nid: control-genuine\ntitle: t\ncategory: control\ndescription: d\nchain: [genuine-leaf]\n');
    const err = thrown(() => loadCatalog(spec, { dirs: [dir], now: NOW }));
    expect(err).toBeInstanceOf(ScenarioError);
    expect(`${(err as ScenarioError).line}:${(err as ScenarioError).col}`).toBe('2:5');
  });

  it('a dangling *.yaml symlink in a user folder is a pinprick error, not a bare ENOENT', () => {
    const dir = join(tmp.path, 'dangling');
    mkdirSync(dir);
    symlinkSync(join(dir, 'gone.yaml'), join(dir, 'link.yaml'));
    const err = thrown(() => loadCatalog(spec, { dirs: [dir], builtin: false, now: NOW }));
    expect(err instanceof ScenarioError || err instanceof InputError || err === undefined).toBe(true);
  });
});
