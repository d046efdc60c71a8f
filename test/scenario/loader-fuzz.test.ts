/**
 * Property tests of the scenario loader: whatever text it is given (random strings, JSON, objects
 * built from the scenario's own keys, mutated built-in scenarios, random bytes, alias bombs, deep
 * nesting), parseScenario returns a Scenario or throws a located ScenarioError, and returns fast.
 * Runs are seeded (override with PINPRICK_FUZZ_SEED) so a failure reproduces.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ScenarioError } from '../../src/errors.js';
import { BUILTIN_SCENARIOS_DIR, CATEGORIES, parseScenario, validateScenario, type Scenario } from '../../src/scenario/scenario.js';
import { certificateKeys, defaultWorldSpec } from '../../src/world/spec.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const FILE = 'fuzz/scenario.yaml';
const spec = defaultWorldSpec();
const SEED = Number(process.env.PINPRICK_FUZZ_SEED ?? 20260301);
const RUNS = 400;
/** Generous per-property ceiling: the whole file must stay well under 20 s on a 2-core machine. */
const PROPERTY_MS = 6_000;

const WORLD_CERTS = Object.keys(spec.certs);
// Keys a certificate may hold: the config-signing keys are refused there (issue 19).
const WORLD_KEYS = Object.keys(certificateKeys(spec));
const TOP_KEYS = ['id', 'title', 'category', 'description', 'incident', 'hosts', 'trust', 'at', 'expect', 'certificates', 'chain'];
const RECIPE_KEYS = ['from', 'subject', 'issuer', 'key', 'keyType', 'notBefore', 'notAfter', 'ca', 'pathLen', 'keyUsage', 'extKeyUsage', 'dns', 'ip', 'hash', 'ski', 'aki', 'certificatePolicies', 'policyConstraints'];
const BUILTINS = readdirSync(BUILTIN_SCENARIOS_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => readFileSync(join(BUILTIN_SCENARIOS_DIR, f), 'utf8'));

/**
 * The loader's contract for one text: a Scenario whose names all resolve, or a ScenarioError for
 * FILE with a line:col inside the text. Anything else is rethrown with the text that caused it.
 */
function loaderContract(text: string): 'scenario' | 'refused' {
  let scenario: Scenario;
  try {
    scenario = parseScenario(FILE, text, spec, NOW);
  } catch (err) {
    if (!(err instanceof ScenarioError)) {
      throw new Error(`parseScenario threw ${(err as Error)?.constructor?.name ?? typeof err} (${String((err as Error)?.message ?? err)}) for ${JSON.stringify(text.slice(0, 300))}`);
    }
    const maxLine = text.split('\n').length;
    if (!err.message.startsWith(`${FILE}:`) || err.file !== FILE) throw new Error(`message does not start with the file: ${err.message}`);
    if (!(err.line >= 1 && err.line <= maxLine && err.col >= 1)) throw new Error(`position ${err.line}:${err.col} outside a ${maxLine}-line text: ${err.message}`);
    if (err.message.includes('    at ')) throw new Error(`stack text in message: ${err.message}`);
    return 'refused';
  }
  const local = scenario.certificates ?? {};
  const known = (n: string) => Object.hasOwn(spec.certs, n) || Object.hasOwn(local, n);
  if (typeof scenario.id !== 'string' || !CATEGORIES.includes(scenario.category)) throw new Error(`bad scenario shape for ${JSON.stringify(text)}`);
  if (scenario.chain.length < 1 || !scenario.chain.every(known)) throw new Error(`unresolved chain ${JSON.stringify(scenario.chain)}`);
  if (!(scenario.trust ?? []).every(known)) throw new Error(`unresolved trust ${JSON.stringify(scenario.trust)}`);
  if (scenario.source.chainLines.length !== scenario.chain.length) throw new Error('chainLines do not follow the chain');
  return 'scenario';
}

/** Assert a property within the time budget. */
function assertFast<T>(arb: fc.Arbitrary<T>, toText: (v: T) => string, runs = RUNS): { scenarios: number; refused: number } {
  const tally = { scenarios: 0, refused: 0 };
  const start = performance.now();
  fc.assert(
    fc.property(arb, (v) => {
      if (loaderContract(toText(v)) === 'scenario') tally.scenarios++;
      else tally.refused++;
    }),
    { numRuns: runs, seed: SEED },
  );
  expect(performance.now() - start).toBeLessThan(PROPERTY_MS);
  return tally;
}

// ---- value pools -------------------------------------------------------------------------------

const anyScalar = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  // Calendar-impossible and out-of-range times match the schema's pattern and must still be ScenarioErrors.
  fc.constantFrom('', 'now', '-1d', '+397d', '1 year', '2026-01-01', '2026-13-45', '2027-02-30', '+99999999999y', 'self', 'new', 'genuine-leaf', 'sha256/x'),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: anyScalar },
  { weight: 1, arbitrary: fc.array(anyScalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), anyScalar, { maxKeys: 3 }) },
);
const certName = fc.oneof(fc.constantFrom(...WORLD_CERTS), fc.constantFrom('local-a', 'local-b', 'self', 'new'), fc.string({ maxLength: 12 }));
const localName = fc.oneof(fc.constantFrom('local-a', 'local-b', 'local-c'), fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/), fc.string({ maxLength: 10 }));

/** A recipe whose keys are the schema's and whose values are sometimes right, often not. */
const looseRecipe = fc.record(
  {
    from: fc.oneof(fc.constantFrom(...WORLD_CERTS), anyValue),
    subject: fc.oneof(fc.constantFrom('CN=api.pinprick.test', 'CN=x, O=y'), anyValue),
    issuer: fc.oneof(certName, anyValue),
    key: fc.oneof(fc.constantFrom(...WORLD_KEYS, 'new'), anyValue),
    keyType: fc.oneof(fc.constantFrom('rsa-2048', 'ec-p256', 'ec-p384', 'dsa'), anyValue),
    notBefore: fc.oneof(fc.constantFrom('-1d', '+10d', 'now', '2026-01-01', 'yesterday'), anyValue),
    notAfter: fc.oneof(fc.constantFrom('+1d', '-10d', '+397d', '2027-01-01', '+1 year'), anyValue),
    ca: fc.oneof(fc.boolean(), anyValue),
    pathLen: fc.oneof(fc.integer({ min: -1, max: 20 }), anyValue),
    keyUsage: fc.oneof(fc.subarray(['digitalSignature', 'keyCertSign', 'cRLSign', 'bogus']), anyValue),
    extKeyUsage: fc.oneof(fc.constant(['serverAuth']), anyValue),
    dns: fc.oneof(fc.constant(['api.pinprick.test']), anyValue),
    ip: fc.oneof(fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 6 })), { maxLength: 3 }), anyValue),
    hash: fc.oneof(fc.constantFrom('SHA-1', 'SHA-256', 'MD5'), anyValue),
    ski: fc.oneof(fc.boolean(), anyValue),
    aki: fc.oneof(fc.boolean(), anyValue),
  },
  { requiredKeys: [] },
);

/** A document built from the scenario's own keys with random (mostly plausible) values. */
const looseScenario = fc.record(
  {
    id: fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), anyValue),
    title: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), anyValue),
    category: fc.oneof(fc.constantFrom(...CATEGORIES, 'attak'), anyValue),
    description: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), anyValue),
    incident: fc.oneof(fc.record({ name: anyValue, year: fc.oneof(fc.integer({ min: 1980, max: 2110 }), anyValue), reference: anyValue }, { requiredKeys: [] }), anyValue),
    hosts: fc.oneof(fc.array(fc.oneof(fc.domain(), fc.string({ maxLength: 8 })), { maxLength: 3 }), anyValue),
    trust: fc.oneof(fc.array(certName, { maxLength: 3 }), anyValue),
    at: fc.oneof(fc.constantFrom('now', '+400d', '2021-10-01', '2021-10-01T12:00:00Z', 'tomorrow', '2021-02-30'), anyValue),
    expect: fc.oneof(fc.constantFrom('accept', 'reject', 'depends-on-pins', 'maybe'), anyValue),
    certificates: fc.oneof(fc.dictionary(localName, fc.oneof({ weight: 4, arbitrary: looseRecipe }, { weight: 1, arbitrary: anyValue }), { maxKeys: 3 }), anyValue),
    chain: fc.oneof(fc.array(certName, { minLength: 0, maxLength: 18 }), anyValue),
    extra: anyValue,
  },
  { requiredKeys: [] },
);

/** A scenario that is valid by construction: world names, local certificates issued in order. */
const validScenario = fc
  .record({
    id: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,30}$/),
    category: fc.constantFrom(...CATEGORIES),
    expect: fc.option(fc.constantFrom('accept', 'reject', 'depends-on-pins'), { nil: undefined }),
    hosts: fc.option(fc.array(fc.domain(), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    at: fc.option(fc.constantFrom('now', '+400d', '-30d', '2021-10-01', '2021-09-30T14:01:15Z'), { nil: undefined }),
    locals: fc.array(
      fc.record({
        from: fc.constantFrom(...WORLD_CERTS),
        key: fc.option(fc.constantFrom(...WORLD_KEYS, 'new'), { nil: undefined }),
        issuerPick: fc.nat(),
        notBefore: fc.option(fc.constantFrom('-400d', '-30d', '-1d', 'now'), { nil: undefined }),
        notAfter: fc.option(fc.constantFrom('+1d', '+30d', '+397d'), { nil: undefined }),
        hash: fc.option(fc.constantFrom('SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'), { nil: undefined }),
        ip: fc.option(fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { maxLength: 2 }), { nil: undefined }),
      }),
      { maxLength: 4 },
    ),
    chainPicks: fc.array(fc.nat(), { minLength: 1, maxLength: 16 }),
    trustPicks: fc.option(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    json: fc.boolean(),
  })
  .map((r) => {
    const certificates: Record<string, Record<string, unknown>> = {};
    const names: string[] = [];
    r.locals.forEach((l, i) => {
      const name = `local-${i}`;
      // Issuers only among world certificates and earlier locals: no cycles by construction.
      const issuers = ['self', ...WORLD_CERTS, ...names];
      const recipe: Record<string, unknown> = { from: l.from, issuer: issuers[l.issuerPick % issuers.length] };
      if (l.key !== undefined) recipe.key = l.key;
      // An explicit pair keeps the validity possible whatever `from` brings.
      if (l.notBefore !== undefined || l.notAfter !== undefined) {
        recipe.notBefore = l.notBefore ?? '-1d';
        recipe.notAfter = l.notAfter ?? '+397d';
      }
      if (l.hash) recipe.hash = l.hash;
      if (l.ip) recipe.ip = l.ip;
      certificates[name] = recipe;
      names.push(name);
    });
    const pool = [...WORLD_CERTS, ...names];
    const doc: Record<string, unknown> = {
      id: r.id,
      title: `Random scenario ${r.id}`,
      category: r.category,
      description: 'Generated by the loader fuzz test.',
      ...(r.expect ? { expect: r.expect } : {}),
      ...(r.hosts ? { hosts: r.hosts } : {}),
      ...(r.at ? { at: r.at } : {}),
      ...(names.length ? { certificates } : {}),
      ...(r.trustPicks ? { trust: r.trustPicks.map((p) => pool[p % pool.length]) } : {}),
      chain: r.chainPicks.map((p) => pool[p % pool.length]),
    };
    return r.json ? JSON.stringify(doc, null, 2) : stringifyYaml(doc);
  });

// ---- text mutations of a built-in scenario -----------------------------------------------------

type Mutation =
  | { kind: 'delete-line' | 'duplicate-line' | 'tab-indent' | 'dedent' | 'swap-lines'; at: number; to: number }
  | { kind: 'insert-char'; at: number; ch: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'delete-key' | 'duplicate-key' | 'retype-key'; at: number; value: unknown }
  | { kind: 'rename-key'; at: number; name: string }
  | { kind: 'recipe-field'; at: number; field: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete-line', 'duplicate-line', 'tab-indent', 'dedent', 'swap-lines'), at: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('insert-char'), at: fc.nat(), ch: fc.constantFrom(':', '-', '[', ']', '{', '}', '"', "'", '\t', '\n', '&', '*', '!', '|', '>', '#', '%', '@', '`', ',', '?', '\u0000', '\ufeff') }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ kind: fc.constantFrom('delete-key', 'duplicate-key', 'retype-key'), at: fc.nat(), value: anyValue }),
  fc.record({ kind: fc.constant('rename-key'), at: fc.nat(), name: fc.oneof(fc.constantFrom(...TOP_KEYS, 'chian', 'sujbect'), fc.string({ minLength: 1, maxLength: 8 })) }),
  fc.record({ kind: fc.constant('recipe-field'), at: fc.nat(), field: fc.constantFrom(...RECIPE_KEYS, 'sujbect'), value: anyValue }),
);

/** Apply one mutation: line edits on the text, key edits on the parsed document. */
function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const i = m.at % Math.max(lines.length, 1);
  switch (m.kind) {
    case 'delete-line':
      return lines.filter((_, j) => j !== i).join('\n');
    case 'duplicate-line':
      return [...lines.slice(0, i + 1), lines[i], ...lines.slice(i + 1)].join('\n');
    case 'tab-indent':
      return lines.map((l, j) => (j === i ? `\t${l}` : l)).join('\n');
    case 'dedent':
      return lines.map((l, j) => (j === i ? l.trimStart() : l)).join('\n');
    case 'swap-lines': {
      const k = m.to % lines.length;
      const out = [...lines];
      [out[i], out[k]] = [out[k]!, out[i]!];
      return out.join('\n');
    }
    case 'insert-char': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.ch + text.slice(at);
    }
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    default:
      break;
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { logLevel: "silent" });
  } catch {
    return text; // an earlier mutation broke the YAML: key edits do not apply
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return text;
  const obj = doc as Record<string, unknown>;
  const keys = Object.keys(obj);
  const key = keys[m.at % keys.length]!;
  switch (m.kind) {
    case 'delete-key':
      delete obj[key];
      return stringifyYaml(obj);
    case 'retype-key':
      obj[key] = m.value;
      return stringifyYaml(obj);
    case 'duplicate-key':
      // A second `key:` line at the end of the document: the loader must call it a duplicate.
      return `${stringifyYaml(obj)}${stringifyYaml({ [key]: m.value })}`;
    case 'rename-key': {
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k === key ? m.name : k] = obj[k];
      return stringifyYaml(out);
    }
    case 'recipe-field': {
      const certs = obj.certificates;
      if (!certs || typeof certs !== 'object') return stringifyYaml({ ...obj, certificates: { 'fuzz-cert': { from: 'genuine-leaf', [m.field]: m.value } } });
      const names = Object.keys(certs);
      const target = names.length ? (certs as Record<string, unknown>)[names[m.at % names.length]!] : undefined;
      if (!target || typeof target !== 'object' || Array.isArray(target)) return text;
      (target as Record<string, unknown>)[m.field] = m.value;
      return stringifyYaml(obj);
    }
  }
}

const builtinText = fc.constantFrom(...BUILTINS);

// ---- properties --------------------------------------------------------------------------------

describe('parseScenario never throws anything but a ScenarioError', () => {
  it('random strings (binary units, ASCII, YAML punctuation soup)', () => {
    assertFast(fc.string({ unit: 'binary', maxLength: 200 }), (s) => s);
    assertFast(fc.string({ unit: 'grapheme-ascii', maxLength: 200 }), (s) => s);
    const token = fc.constantFrom('id', 'chain', 'certificates', ':', ': ', ' ', '  ', '\n', '\t', '- ', '[', ']', '{', '}', ',', '&a ', '*a', '!!str ', '!!map ', '!x ', '"', "'", '#', '? ', '|', '>', '<<: ', '---\n', '...\n', '%YAML 1.2\n', 'genuine-leaf', 'self', '~', '\r\n', '\\');
    assertFast(fc.array(token, { maxLength: 60 }), (ts) => ts.join(''));
  });

  it('random bytes decoded as UTF-8 and as Latin-1', () => {
    assertFast(fc.uint8Array({ maxLength: 300 }), (b) => Buffer.from(b).toString('utf8'));
    assertFast(fc.uint8Array({ maxLength: 300 }), (b) => Buffer.from(b).toString('latin1'));
  });

  it('random JSON documents', () => {
    assertFast(fc.json({ maxDepth: 4 }), (s) => s);
    assertFast(fc.jsonValue({ maxDepth: 3 }), (v) => JSON.stringify(v, null, 2) ?? 'null');
  });

  it("documents built from the scenario's own keys with random values (YAML and JSON)", () => {
    const yaml = assertFast(looseScenario, (o) => stringifyYaml(o));
    const json = assertFast(looseScenario, (o) => JSON.stringify(o));
    // The generator must reach past the schema sometimes, or the semantic checks go untested.
    expect(yaml.refused + json.refused).toBeGreaterThan(0);
  });

  it('built-in scenarios with one to three mutations (lines, keys, fields, bytes)', () => {
    const t = assertFast(fc.tuple(builtinText, fc.array(mutation, { minLength: 1, maxLength: 3 })), ([text, ms]) => ms.reduce(mutate, text), 500);
    expect(t.refused).toBeGreaterThan(0);
    expect(t.scenarios).toBeGreaterThan(0);
  });

  it('scenarios valid by construction always load, with every chain line located', () => {
    const start = performance.now();
    fc.assert(
      fc.property(validScenario, (text) => {
        let s: Scenario;
        try {
          s = parseScenario(FILE, text, spec, NOW);
        } catch (err) {
          throw new Error(`valid scenario refused: ${(err as Error).message}\n${text}`);
        }
        expect(s.chain.length).toBeGreaterThan(0);
        expect(s.source.chainLines.every((l) => l >= 1 && l <= text.split('\n').length)).toBe(true);
      }),
      { numRuns: 300, seed: SEED },
    );
    expect(performance.now() - start).toBeLessThan(PROPERTY_MS);
  });
});

/**
 * What `scenarios validate` reports agrees with the loader: nothing when it loads (and the same
 * scenario), else a list holding the loader's own line, every line located inside the text, in
 * file order, none twice, and nothing thrown but through that list.
 */
function validateContract(text: string): void {
  let loaded: Scenario | undefined;
  let refusal: string | undefined;
  try {
    loaded = parseScenario(FILE, text, spec, NOW);
  } catch (err) {
    refusal = (err as Error).message;
  }
  let result: ReturnType<typeof validateScenario>;
  try {
    result = validateScenario(FILE, text, spec, NOW);
  } catch (err) {
    throw new Error(`validateScenario threw ${(err as Error)?.constructor?.name} (${String((err as Error)?.message ?? err)}) for ${JSON.stringify(text.slice(0, 300))}`);
  }
  const lines = result.problems.map((p) => p.message);
  const context = `${JSON.stringify(text.slice(0, 300))}\n${lines.join('\n')}`;
  if (loaded) {
    if (lines.length || !isDeepStrictEqual(result.scenario, loaded)) throw new Error(`loads, but validate says otherwise: ${context}`);
    return;
  }
  if (!lines.includes(refusal!)) throw new Error(`the loader's line ${JSON.stringify(refusal)} is not among validate's: ${context}`);
  if (new Set(lines).size !== lines.length) throw new Error(`a line twice: ${context}`);
  const maxLine = text.split('\n').length;
  result.problems.forEach((p, i) => {
    if (!(p instanceof ScenarioError) || p.file !== FILE || p.line < 1 || p.line > maxLine || p.col < 1) throw new Error(`badly located: ${p.message}`);
    const prev = result.problems[i - 1];
    if (prev && (prev.line > p.line || (prev.line === p.line && prev.col > p.col))) throw new Error(`out of file order: ${context}`);
  });
}

describe('validateScenario (every problem) agrees with the loader (first problem)', () => {
  const check = <T>(arb: fc.Arbitrary<T>, toText: (v: T) => string, runs: number) => {
    const start = performance.now();
    fc.assert(
      fc.property(arb, (v) => validateContract(toText(v))),
      { numRuns: runs, seed: SEED },
    );
    expect(performance.now() - start).toBeLessThan(PROPERTY_MS);
  };

  it("documents built from the scenario's own keys, mutated built-ins, valid scenarios", () => {
    check(looseScenario, (o) => stringifyYaml(o), 300);
    check(fc.tuple(builtinText, fc.array(mutation, { minLength: 1, maxLength: 3 })), ([text, ms]) => ms.reduce(mutate, text), 300);
    check(validScenario, (t) => t, 100);
  });

  it('YAML punctuation soup and random JSON', () => {
    const token = fc.constantFrom('id', 'chain', 'certificates', ':', ': ', ' ', '  ', '\n', '- ', '[', ']', '{', '}', ',', '&a ', '*a', '"', '#', 'genuine-leaf', 'self');
    check(fc.array(token, { maxLength: 60 }), (ts) => ts.join(''), 200);
    check(fc.jsonValue({ maxDepth: 3 }), (v) => JSON.stringify(v, null, 2) ?? 'null', 200);
  });
});

describe('resource exhaustion', () => {
  /** Run one text and return how long it took; it must end in a ScenarioError. */
  function refusedWithin(text: string, ms: number): ScenarioError {
    const start = performance.now();
    let thrown: unknown;
    try {
      parseScenario(FILE, text, spec, NOW);
    } catch (err) {
      thrown = err;
    }
    expect(performance.now() - start).toBeLessThan(ms);
    expect(thrown).toBeInstanceOf(ScenarioError);
    return thrown as ScenarioError;
  }

  it('a "billion laughs" alias bomb is refused quickly at the alias cap', () => {
    const levels = ['lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`l${i}: &${cur} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = ['id: laughs', 'title: t', 'category: attack', 'description: d', 'chain: [genuine-leaf]', ...levels, ''].join('\n');
    const e = refusedWithin(bomb, 2_000);
    expect(e.message).toMatch(/^fuzz\/scenario\.yaml:1:1: invalid YAML: Excessive alias count/);
  });

  it('an alias bomb hidden inside a field the schema checks is refused too', () => {
    const bomb = [
      'id: laughs-in-chain',
      'title: t',
      'category: attack',
      'description: d',
      'a: &a [genuine-leaf, genuine-leaf, genuine-leaf, genuine-leaf, genuine-leaf, genuine-leaf, genuine-leaf, genuine-leaf]',
      ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(8).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`),
      'chain: *i',
      '',
    ].join('\n');
    refusedWithin(bomb, 2_000);
  });

  it('a few legitimate aliases are fine (the cap is not "no aliases")', () => {
    const text = 'id: aliased\ntitle: t\ncategory: control\ndescription: d\ntrust: &roots [genuine-root]\nchain: [genuine-leaf, genuine-intermediate]\nhosts: &h [api.pinprick.test]\n';
    expect(parseScenario(FILE, text, spec, NOW).trust).toEqual(['genuine-root']);
  });

  it.each([
    ['flow sequences', (n: number) => '['.repeat(n) + ']'.repeat(n)],
    ['flow mappings', (n: number) => '{a: '.repeat(n) + '1' + '}'.repeat(n)],
    ['JSON objects', (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)],
    ['block mappings', (n: number) => Array.from({ length: Math.min(n, 3000) }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n'],
    ['block sequences', (n: number) => Array.from({ length: Math.min(n, 3000) }, (_, i) => `${' '.repeat(i * 2)}-`).join('\n') + ' x\n'],
  ])('a document of deeply nested %s is refused, not a stack overflow crash', (_what, make) => {
    for (const depth of [100, 1_000, 20_000]) {
      refusedWithin(make(depth), 5_000);
    }
  });

  it('deep nesting inside a scenario field is refused at that field', () => {
    const text = `id: deep\ntitle: t\ncategory: control\ndescription: d\nchain: ${'['.repeat(500)}genuine-leaf${']'.repeat(500)}\n`;
    const e = refusedWithin(text, 2_000);
    expect(e.message).toMatch(/^fuzz\/scenario\.yaml:5:9: chain\[0\]: expected a string, got a list$/);
  });

  it('a long but flat document loads in reasonable time', () => {
    // 50,000 lines, under the file size limit; a value that long is over the value limit (test/scenario/input-limits.test.ts).
    const text = `id: long\ntitle: t\ncategory: control\ndescription: |\n  one line of text\n${'# line of text\n'.repeat(50_000)}chain: [genuine-leaf]\n`;
    const start = performance.now();
    expect(parseScenario(FILE, text, spec, NOW).id).toBe('long');
    expect(performance.now() - start).toBeLessThan(5_000);
  });
});
