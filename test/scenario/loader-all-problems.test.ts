/**
 * validateScenario, what `pinprick scenarios validate` reports (issue 14, defect 9): every problem
 * of a file, one line each, in file order, each worded and located exactly as the loader words and
 * locates it when it is the file's only problem; no line twice and no cascade of one mistake.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.js';
import { BUILTIN_SCENARIOS_DIR, parseScenario, validateScenario } from '../../src/scenario/scenario.js';
import { defaultWorldSpec } from '../../src/world/spec.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const FILE = 'all.yaml';
const spec = defaultWorldSpec();
const HEAD = 'id: all\ntitle: t\ncategory: attack\ndescription: d\n';

/** The loader's one line for a text (the first problem), or undefined when it loads. */
function loaderLine(text: string): string | undefined {
  try {
    parseScenario(FILE, text, spec, NOW);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
}

/** The lines validate reports for a text. */
const lines = (text: string) => validateScenario(FILE, text, spec, NOW).problems.map((p) => p.message);

describe('every problem, worded and placed as the loader does when it is the only one', () => {
  // One file made of parts, each with exactly one problem (or none), and its clean form.
  const parts: [what: string, part: string, clean: string][] = [
    ['head', 'id: all\ntitle: t\ndescription: d\n', 'id: all\ntitle: t\ndescription: d\n'],
    ['enum', 'category: atack\n', 'category: attack\n'],
    ['pattern', 'hosts: [api.pinprick.test, "bad host"]\n', ''],
    ['impossible date', 'at: 2026-02-30\n', ''],
    ['certificates', 'certificates:\n', 'certificates:\n'],
    ['unknown key', '  unknown-key:\n    from: genuine-leaf\n    key: genuine-lef\n', '  unknown-key:\n    from: genuine-leaf\n'],
    ['reversed validity', '  reversed:\n    from: genuine-leaf\n    notBefore: +2d\n    notAfter: +1d\n', ''],
    ['bad name', '  Bad_Name: { from: genuine-leaf }\n', ''],
    ['wrong type', '  typed: { from: genuine-leaf, pathLen: -1.5 }\n', ''],
    ['cycle', '  a: { from: genuine-intermediate, issuer: b }\n  b: { from: genuine-intermediate, issuer: a }\n', ''],
    ['unknown in chain', 'chain: [unknown-key, no-such-cert]\n', 'chain: [unknown-key]\n'],
    ['unknown in trust', 'trust: [genuine-root, nope]\n', ''],
  ];
  const whole = parts.map(([, part]) => part).join('');

  it('the file with every problem gives one line per problem, in file order', () => {
    expect(lines(whole)).toEqual([
      `${FILE}:4:11: category: expected one of: attack, rotation, validation, control, calibration, dynamic; got 'atack'`,
      expect.stringMatching(/^all\.yaml:5:28: hosts\[1\]: 'bad host' is not valid here; expected a host name/),
      `${FILE}:6:5: at: bad time '2026-02-30': expected 'now', an offset like -1d, +397d, +20y, or an ISO 8601 date`,
      expect.stringMatching(/^all\.yaml:10:10: certificates\.unknown-key\.key: unknown key 'genuine-lef'; did you mean 'genuine-leaf' or 'genuine-leaf-2'\? \(expected 'new' or a world key: /),
      `${FILE}:14:15: certificates.reversed.notAfter: impossible validity: notAfter (+1d) is not after notBefore (+2d)`,
      `${FILE}:15:3: certificates.Bad_Name: bad name 'Bad_Name': use lower-case letters, digits and '-'`,
      `${FILE}:16:41: certificates.typed.pathLen: expected a integer, got number -1.5`,
      `${FILE}:17:44: certificates.a.issuer: issuer cycle: a -> b -> a`,
      expect.stringMatching(/^all\.yaml:19:22: chain\[1\]: unknown certificate 'no-such-cert'/),
      expect.stringMatching(/^all\.yaml:20:23: trust\[1\]: unknown certificate 'nope'/),
    ]);
  });

  it("each line is the loader's own line for the file with that problem alone", () => {
    const got = lines(whole);
    const alone = parts
      .filter(([, part, clean]) => part !== clean)
      .map(([what], _, problems) => {
        // Every other part clean, padded to its line count, so positions stay where they were.
        const text = parts.map(([w, part, clean]) => (w === what || !problems.some(([p]) => p === w) ? part : keepLines(clean, part))).join('');
        const line = loaderLine(text);
        expect(line, what).toBeDefined();
        return line;
      });
    expect(alone).toEqual(got);
  });

  it('the loader still throws only the first problem', () => {
    expect(loaderLine(whole)).toBe(lines(whole)[0]);
  });
});

describe('one mistake, one line', () => {
  it('a wrong type is not also a minimum missed', () => {
    expect(lines(`${HEAD}certificates:\n  x: { from: genuine-leaf, pathLen: -1.5 }\nchain: [x]\n`)).toEqual([
      `${FILE}:6:37: certificates.x.pathLen: expected a integer, got number -1.5`,
    ]);
  });

  it('a certificate name the schema refuses is one line at the name, and the chain may still use it', () => {
    expect(lines(`${HEAD}certificates:\n  Mine: { from: genuine-leaf }\nchain: [Mine]\n`)).toEqual([`${FILE}:6:3: certificates.Mine: bad name 'Mine': use lower-case letters, digits and '-'`]);
  });

  it('a field the schema refused is not checked again (a bad time is one line, not also "bad time")', () => {
    expect(lines(`${HEAD}certificates:\n  x: { from: genuine-leaf, notAfter: tomorrow }\nchain: [x]\n`)).toEqual([
      expect.stringMatching(/^all\.yaml:6:38: certificates\.x\.notAfter: 'tomorrow' is not valid here; expected a time/),
    ]);
  });

  it('an unknown from is not also "missing subject, issuer, key"; an unknown key not also a keyType mismatch', () => {
    expect(lines(`${HEAD}certificates:\n  x: { from: genuine-lef, key: no-key, keyType: ec-p256 }\nchain: [x]\n`)).toEqual([
      expect.stringMatching(/^all\.yaml:6:14: certificates\.x\.from: unknown world certificate 'genuine-lef'/),
    ]);
    expect(lines(`${HEAD}certificates:\n  x: { from: genuine-leaf, key: no-key, keyType: ec-p256 }\nchain: [x]\n`)).toEqual([
      expect.stringMatching(/^all\.yaml:6:33: certificates\.x\.key: unknown key 'no-key'/),
    ]);
  });

  it('an issuer cycle is one line, however many certificates are on it or lead into it', () => {
    const text = `${HEAD}certificates:\n  c: { from: genuine-leaf, issuer: a }\n  a: { from: genuine-intermediate, issuer: b }\n  b: { from: genuine-intermediate, issuer: a }\nchain: [c]\n`;
    expect(lines(text)).toEqual([`${FILE}:6:36: certificates.c.issuer: issuer cycle: c -> a -> b -> a`]);
    expect(loaderLine(text)).toBe(lines(text)[0]);
  });

  it('certificates that is not a mapping is one line; the chain names it would define are not "unknown"', () => {
    expect(lines(`${HEAD}certificates: [mine]\nchain: [mine, genuine-intermediate]\n`)).toEqual([`${FILE}:5:15: certificates: expected a mapping, got a list`]);
  });

  it('every missing key is named, and an unknown key beside them', () => {
    expect(lines('id: few\nchian: [genuine-leaf]\n')).toEqual([
      `${FILE}:1:1: missing required key 'title'`,
      `${FILE}:1:1: missing required key 'category'`,
      `${FILE}:1:1: missing required key 'description'`,
      `${FILE}:1:1: missing required key 'chain'`,
      expect.stringMatching(/^all\.yaml:2:1: chian: unknown key 'chian' \(expected one of: id, title, /),
    ]);
  });

  it('a document that is not a mapping, and a YAML syntax error, are one line each', () => {
    expect(lines('- a\n- b\n')).toEqual([`${FILE}:1:1: expected a mapping, got a list`]);
    expect(lines(`${HEAD}chain: [genuine-leaf\n`)).toHaveLength(1);
  });
});

describe('the id, for the uniqueness check', () => {
  it('is given whenever the schema accepts it, whatever else is wrong; never when it refuses it', () => {
    expect(validateScenario(FILE, `${HEAD}chain: [nope]\n`, spec, NOW).id).toEqual({ value: 'all', line: 1, col: 5 });
    expect(validateScenario(FILE, 'id: All\ntitle: t\ncategory: attack\ndescription: d\nchain: [genuine-leaf]\n', spec, NOW).id).toBeUndefined();
    expect(validateScenario(FILE, 'title: t\n', spec, NOW).id).toBeUndefined();
  });
});

describe('files without problems', () => {
  it('every built-in scenario has none, and gives the scenario the loader gives', () => {
    for (const name of readdirSync(BUILTIN_SCENARIOS_DIR).filter((f) => f.endsWith('.yaml'))) {
      const file = join(BUILTIN_SCENARIOS_DIR, name);
      const text = readFileSync(file, 'utf8');
      const v = validateScenario(file, text, spec, NOW);
      expect(v.problems.map((p) => p.message), name).toEqual([]);
      expect(v.scenario).toEqual(parseScenario(file, text, spec, NOW));
    }
  });
});

describe('the malformed fixtures (one problem each)', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'malformed');
  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort())('%s: the loader\'s line is among validate\'s', (name) => {
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    let thrown: string | undefined;
    try {
      parseScenario(file, text, spec, NOW);
    } catch (err) {
      thrown = (err as Error).message;
    }
    const got = validateScenario(file, text, spec, NOW).problems.map((p) => p.message);
    expect(got).toContain(thrown);
    expect(new Set(got).size).toBe(got.length);
  });
});

/** `replacement` padded with comment lines to as many lines as `original`, so later positions do not move. */
function keepLines(replacement: string, original: string): string {
  const missing = original.split('\n').length - replacement.split('\n').length;
  expect(missing, `${JSON.stringify(replacement)} is longer than ${JSON.stringify(original)}`).toBeGreaterThanOrEqual(0);
  return replacement + '#\n'.repeat(missing);
}
