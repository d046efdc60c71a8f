/**
 * Found in review (now fixed): error messages (src/scenario/source.ts, src/errors.ts):
 *  1. Not one line. Values and keys are quoted raw (describeValue, source.ts:88-94; the detail
 *     strings of scenario.ts/profile.ts; formatPath for keys), so a value or key holding "\n" or
 *     "\r" splits the message. Fix: escape control characters once, in the ScenarioError
 *     constructor (errors.ts) or in SourceDocument.error (source.ts:38-42), e.g.
 *     detail.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1)).
 *  2. Hints that never appear. Ajv is built without `verbose: true` (source.ts:75), so
 *     err.parentSchema is always undefined: "unknown key 'x'" never lists the expected keys
 *     (source.ts:117-119) and pattern errors never show the schema description (source.ts:129).
 *     Fix: new Ajv({ allErrors: false, strict: false, verbose: true }).
 *  3. Bad certificate names. With propertyNames, Ajv's first error is the nested `pattern` error
 *     (carrying err.propertyName), so the 'propertyNames' case (source.ts:142) is dead: the message
 *     is "certificates: a mapping is not valid here; expected to match …", located at the start of
 *     the certificates mapping, not at the bad name. Fix: at the top of schemaError, when
 *     err.propertyName is set, return source.error([...path, err.propertyName], "bad name …", true).
 *  4. anyOf (profile hosts). The first error is the first branch's `type` error, so a host mapping
 *     with a misspelt key says "hosts[0]: expected a string, got a mapping". Fix: when the errors
 *     contain an anyOf, report the error of the branch whose type matches the value (here the
 *     object branch: "unknown key 'includeSubdomain'"), else the anyOf message (source.ts:145).
 *  5. A second YAML document says "please use YAML.parseAllDocuments()": advice for a JavaScript
 *     caller, not for the author of a scenario file. Fix: map yaml's MULTIPLE_DOCS code to "a
 *     scenario file holds one document: remove the second '---'" (source.ts:24-27).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.js';
import { parseProfile } from '../../src/scenario/profile.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { PATTERN_WORDS } from '../../src/scenario/source.js';
import { defaultWorldSpec } from '../../src/world/spec.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const spec = defaultWorldSpec();
const HEAD = 'id: msg\ntitle: t\ncategory: attack\ndescription: d\n';

function message(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}
const scenario = (text: string) => message(() => parseScenario('m.yaml', text, spec, NOW));

describe('messages stay on one line whatever the input holds', () => {
  it.each([
    ['an enum value with a newline', 'id: msg\ntitle: t\ncategory: "attak\\nX"\ndescription: d\nchain: [genuine-leaf]\n'],
    ['a chain entry with a newline', `${HEAD}chain: ["genuine-leaf\\nrogue-leaf"]\n`],
    ['a chain entry with a carriage return', `${HEAD}chain: ["genuine-leaf\\r"]\n`],
    ['an unknown key with a newline', `${HEAD}"ch\\nain": [genuine-leaf]\nchain: [genuine-leaf]\n`],
    ['a pattern violation with a line separator', 'id: "a\\u2028b"\ntitle: t\ncategory: attack\ndescription: d\nchain: [genuine-leaf]\n'],
  ])('%s', (_what, text) => {
    expect(scenario(text)).not.toMatch(/[\n\r\u2028\u2029]/);
  });

  it('a profile pin with a newline', () => {
    expect(message(() => parseProfile('p.yaml', 'id: p\npins: ["genuine-leaf\\n"]\n', spec))).not.toContain('\n');
  });
});

describe('schema hints', () => {
  it('an unknown top-level key lists the keys that exist', () => {
    expect(scenario(`${HEAD}chian: [genuine-leaf]\nchain: [genuine-leaf]\n`)).toMatch(/^m\.yaml:5:1: chian: unknown key 'chian' \(expected one of: id, title, category, .*chain\)$/);
  });

  it('an unknown recipe key lists the recipe keys', () => {
    expect(scenario(`${HEAD}certificates:\n  l:\n    from: genuine-leaf\n    sujbect: CN=x\nchain: [l]\n`)).toMatch(/unknown key 'sujbect' \(expected one of: from, subject, issuer, key, .*\)$/);
  });

  it('a pattern violation says in words what to write, never a regular expression (issue 14, defect 9)', () => {
    const id = scenario('id: Bad_ID\ntitle: t\ncategory: attack\ndescription: d\nchain: [genuine-leaf]\n');
    expect(id).toContain("'Bad_ID' is not valid here; expected a kebab-case name");
    const at = scenario('id: x\ntitle: t\ncategory: attack\ndescription: d\ncertificates:\n  old:\n    from: genuine-leaf\n    notAfter: 1 year\nchain: [old]\n');
    expect(at).toContain("'1 year' is not valid here; expected a time: now, an offset from now such as -1d or +397d");
    expect(`${id}${at}`).not.toMatch(/\^|\$|\\d/);
  });

  it('every pattern in the scenario and profile schemas has its words', () => {
    const patterns: string[] = [];
    const walk = (node: unknown) => {
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node)) {
        if (k === 'pattern' && typeof v === 'string') patterns.push(v);
        else walk(v);
      }
    };
    for (const f of ['scenarios/scenario.schema.json', 'profiles/profile.schema.json', 'incidents/incident.schema.json', 'timelines/timeline.schema.json']) walk(JSON.parse(readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8')));
    expect(patterns.length).toBeGreaterThan(5);
    for (const p of patterns) expect(PATTERN_WORDS[p], p).toBeDefined();
  });
});

describe('bad certificate names', () => {
  it('are reported as a bad name at the name itself', () => {
    const text = `${HEAD}certificates:\n  fine-leaf:\n    from: genuine-leaf\n  Forged_Leaf:\n    from: genuine-leaf\nchain: [fine-leaf]\n`;
    expect(scenario(text)).toBe("m.yaml:8:3: certificates.Forged_Leaf: bad name 'Forged_Leaf': use lower-case letters, digits and '-'");
  });
});

describe('profile hosts given as a mapping', () => {
  it('a misspelt includeSubdomains is named, not "expected a string"', () => {
    const text = 'id: p\npins: [genuine-leaf]\nhosts:\n  - pattern: "*.pinprick.test"\n    includeSubdomain: true\n';
    const m = message(() => parseProfile('p.yaml', text, spec));
    expect(m).not.toMatch(/expected a string, got a mapping/);
    expect(m).toMatch(/includeSubdomain/);
  });
});

describe('YAML advice is for YAML authors', () => {
  it('a second document does not tell the user to call a JavaScript API', () => {
    const m = scenario(`${HEAD}chain: [genuine-leaf]\n---\nid: second\n`);
    expect(m).toMatch(/^m\.yaml:6:1: /);
    expect(m).not.toMatch(/parseAllDocuments|YAML\./);
  });
});

describe('profile checks (issue 14, defect 9)', () => {
  const profileError = (text: string): string => {
    try {
      parseProfile('p.yaml', text, defaultWorldSpec());
    } catch (err) {
      expect(err).toBeInstanceOf(ScenarioError);
      return (err as Error).message;
    }
    throw new Error('no error');
  };
  const HEAD = 'id: p\ntitle: P\ndescription: d\n';

  it.each([
    ['a wildcard inside a label', 'hosts: [api*.pinprick.test]\npins: [genuine-leaf]\n', "p.yaml:4:9: hosts[0]: 'api*.pinprick.test': a wildcard is allowed only as a leading '*.' or '**.'"],
    ['a wildcard in a middle label', 'hosts: [a.*.pinprick.test]\npins: [genuine-leaf]\n', "p.yaml:4:9: hosts[0]: 'a.*.pinprick.test': a wildcard is allowed only as a leading '*.' or '**.'"],
    ['an empty label', 'hosts: [{ pattern: api..pinprick.test }]\npins: [genuine-leaf]\n', "p.yaml:4:20: hosts[0].pattern: 'api..pinprick.test': empty label"],
  ])('refuses %s where it is written', (_what, body, message) => {
    expect(profileError(HEAD + body)).toBe(message);
  });

  it('suggests the nearest world key for a misspelt pin', () => {
    expect(profileError(`${HEAD}pins: [genuine-lef]\n`)).toMatch(/'genuine-lef' is neither a world key \(did you mean 'genuine-leaf'( or [^)]*)?\?\)/);
  });

  it('accepts leading wildcards', () => {
    expect(parseProfile('p.yaml', `${HEAD}hosts: ['*.pinprick.test', '**.example.test']\npins: [genuine-leaf]\n`, defaultWorldSpec()).hosts).toHaveLength(2);
  });
});
