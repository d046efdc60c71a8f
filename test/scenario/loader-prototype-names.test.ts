/**
 * Found in review, now fixed (src/scenario/scenario.ts:58, 64, 65, 76, 98; src/scenario/profile.ts:45, 50): names
 * are checked with the `in` operator against plain objects (world.certs, world.keys, and the
 * scenario's own `certificates` from yaml's toJS), so every Object.prototype member counts as
 * defined: `chain: [toString]`, `trust: [isPrototypeOf]`, `from: hasOwnProperty`,
 * `issuer: valueOf`, `key: constructor` all load. The dangling name surfaces only later, as a
 * WorldError from presentScenario without file:line:col ("world 'default' has no certificate
 * 'toString'"), and a profile with `pins: [constructor]` loads and then crashes resolveProfile
 * with a TypeError (profile.ts:92: `RAW_PIN.exec(p)![1]` on null). A local certificate named
 * `constructor` (the only prototype name the kebab-case pattern lets through) is refused with the
 * wrong reason, "'constructor' is already a world certificate".
 * Fix: replace `x in obj` by `Object.hasOwn(obj, x)` in those lines (and read with
 * `Object.hasOwn(world.certs, f) ? world.certs[f] : undefined` at scenario.ts:68 and 98), or keep
 * names in Maps.
 */
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.js';
import { parseProfile } from '../../src/scenario/profile.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { defaultWorldSpec } from '../../src/world/spec.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const spec = defaultWorldSpec();
const HEAD = 'id: proto\ntitle: t\ncategory: attack\ndescription: d\n';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error('loaded, but names nothing that exists');
}

describe('Object.prototype member names are not certificates, keys or pins', () => {
  it.each([
    ['chain: [toString]', 'chain: [toString]\n', /^p\.yaml:5:9: chain\[0\]: unknown certificate 'toString'/],
    ['chain: [__proto__]', 'chain: [__proto__]\n', /^p\.yaml:5:9: chain\[0\]: unknown certificate '__proto__'/],
    ['trust: [isPrototypeOf]', 'trust: [isPrototypeOf]\nchain: [genuine-leaf]\n', /^p\.yaml:5:9: trust\[0\]: unknown certificate 'isPrototypeOf'/],
    ['from: hasOwnProperty', 'certificates:\n  l:\n    from: hasOwnProperty\nchain: [l]\n', /^p\.yaml:7:11: certificates\.l\.from: unknown world certificate 'hasOwnProperty'/],
    ['issuer: valueOf', 'certificates:\n  l:\n    from: genuine-leaf\n    issuer: valueOf\nchain: [l]\n', /^p\.yaml:8:13: certificates\.l\.issuer: unknown issuer 'valueOf'/],
    ['key: constructor', 'certificates:\n  l:\n    from: genuine-leaf\n    key: constructor\nchain: [l]\n', /^p\.yaml:8:10: certificates\.l\.key: unknown key 'constructor'/],
  ])('%s is a dangling reference', (_what, body, message) => {
    expect(refusal(() => parseScenario('p.yaml', HEAD + body, spec, NOW))).toMatch(message);
  });

  it("a local certificate named 'constructor' is fine, or refused for a true reason", () => {
    const text = `${HEAD}certificates:\n  constructor:\n    from: genuine-leaf\nchain: [constructor]\n`;
    let message = '';
    try {
      parseScenario('p.yaml', text, spec, NOW);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toMatch(/already a world certificate/);
  });

  it('profile pins: [constructor] is neither a world key nor a pin', () => {
    expect(refusal(() => parseProfile('p.yaml', 'id: p\npins: [constructor]\n', spec))).toMatch(/^p\.yaml:2:8: pins\[0\]: 'constructor' is neither a world key/);
  });

  it('profile trust: [toString] is an unknown world certificate', () => {
    expect(refusal(() => parseProfile('p.yaml', 'id: p\npins: [genuine-leaf]\ntrust: [toString]\n', spec))).toBe("p.yaml:3:9: trust[0]: unknown world certificate 'toString'");
  });
});
