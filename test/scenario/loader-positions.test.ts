/**
 * Found in review, now fixed (src/scenario/source.ts:52, 40, 22): a key that is not a plain scalar with the same
 * string value as in the JavaScript object is never found by SourceDocument.position, so the
 * error falls back to the start of the document (1:1) instead of the key:
 *  - a null key (`~: x`, or `: x`) becomes '' in toJS but 'null' in String(p.key.value);
 *  - a collection key (`? [a, b]`) is not a Scalar at all (isScalar fails).
 * The null case also reads badly: formatPath(['']) is '', so the message starts ": unknown key ''".
 * And the loader, which should only throw, writes to stderr: yaml's toJS emits a Node process
 * warning ("Keys with collection values will be stringified…") through process.emitWarning.
 * Fix: in position(), match a pair by the same key string toJS uses (null -> '', a collection ->
 * String(node)), and fall back to the parent map's node rather than the document; print an empty
 * key as `(empty key)`; pass `logLevel: 'error'` to parseDocument (source.ts:22) so yaml never
 * warns on the process.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScenarioError } from '../../src/errors.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { defaultWorldSpec } from '../../src/world/spec.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const spec = defaultWorldSpec();
const HEAD = 'id: pos\ntitle: t\ncategory: control\ndescription: d\n';

function refusal(text: string): ScenarioError {
  try {
    parseScenario('k.yaml', text, spec, NOW);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a refusal');
}

afterEach(() => vi.restoreAllMocks());

describe('unknown keys that are not plain strings', () => {
  it('a null key is located at its line, and named readably', () => {
    const e = refusal(`${HEAD}~: stray\nchain: [genuine-leaf]\n`);
    expect(`${e.line}:${e.col}`).toBe('5:1');
    expect(e.detail).not.toMatch(/^: /);
  });

  it('a collection key is located at its line', () => {
    const e = refusal(`${HEAD}? [a, b]\n: stray\nchain: [genuine-leaf]\n`);
    expect(e.line).toBe(5);
  });

  it('loading never writes a process warning', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    refusal(`${HEAD}? [a, b]\n: stray\nchain: [genuine-leaf]\n`);
    expect(warn).not.toHaveBeenCalled();
  });
});
