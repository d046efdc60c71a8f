/**
 * Every malformed scenario under fixtures/malformed/ is refused with one ScenarioError whose
 * one-line message points at the offending node. Each fixture's first line says what to expect:
 * `# expect: REGEX`, matched against the message after its leading file path.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PinprickError, ScenarioError } from '../../src/errors.js';
import { loadScenarioFile, parseScenario } from '../../src/scenario/scenario.js';
import { defaultWorldSpec } from '../../src/world/spec.js';
import { tempDir } from '../helpers/tmp.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'malformed');
const spec = defaultWorldSpec();

/** The fixture files with their expectation line. */
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((name) => {
    const file = join(FIXTURES, name);
    const text = readFileSync(file, 'utf8');
    const expectLine = /^# expect: (.+)$/m.exec(text.split('\n')[0] ?? '')?.[1];
    return { name, file, text, expectLine };
  });

/** Run the loader and return what it threw (failing the test when it returned). */
function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected the scenario to be refused, but it loaded');
}

/** What a message must never contain: a stack trace, an error class prefix, library internals. */
const STACKISH = /\n|^\s+at |\bat [^\s]+ \(|node_modules|file:\/\/|\b[A-Z][A-Za-z]*Error:|\[object /;

/** Shared checks for one refusal: a ScenarioError, one line, file first, line:col in range. */
function checkRefusal(err: unknown, file: string, text: string): ScenarioError {
  expect(err).toBeInstanceOf(ScenarioError);
  const e = err as ScenarioError;
  expect(e).toBeInstanceOf(PinprickError);
  expect(e.code).toBe('E_SCENARIO');
  expect(e.message).not.toContain('\n');
  expect(e.message).not.toMatch(STACKISH);
  expect(e.message.startsWith(`${file}:`)).toBe(true);
  expect(e.message).toBe(`${file}:${e.line}:${e.col}: ${e.detail}`);
  expect(e.line).toBeGreaterThanOrEqual(1);
  expect(e.line).toBeLessThanOrEqual(text.split('\n').length);
  expect(e.col).toBeGreaterThanOrEqual(1);
  return e;
}

describe('malformed scenario fixtures', () => {
  it('has at least 22 fixtures, each with an "# expect:" first line that pins line:col', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(22);
    for (const f of fixtures) {
      expect(f.expectLine, f.name).toBeDefined();
      expect(f.expectLine, f.name).toMatch(/^\^:\d+:\d+: /);
    }
  });

  describe.each(fixtures)('$name', ({ file, text, expectLine }) => {
    it('parseScenario throws one located ScenarioError with the expected message', () => {
      const e = checkRefusal(refusal(() => parseScenario(file, text, spec, NOW)), file, text);
      expect(e.message.slice(file.length)).toMatch(new RegExp(expectLine!));
    });

    it('loadScenarioFile reads the file and throws the same error', () => {
      const viaParse = refusal(() => parseScenario(file, text, spec, NOW)) as Error;
      const viaLoad = checkRefusal(refusal(() => loadScenarioFile(file, spec, NOW)), file, text);
      expect(viaLoad.message).toBe(viaParse.message);
    });
  });
});

describe('refusals that need no fixture file', () => {
  const tmp = tempDir('pinprick-scenario-errors-');
  afterAll(() => tmp.cleanup());

  it.each([
    ['an empty text', ''],
    ['only blank lines', '\n\n   \n'],
    ['only a comment', '# nothing here\n'],
  ])('%s is not a scenario: a mapping is expected at 1:1', (_what, text) => {
    const e = checkRefusal(refusal(() => parseScenario('empty.yaml', text, spec, NOW)), 'empty.yaml', text || '\n');
    expect(e.message).toBe('empty.yaml:1:1: expected a mapping, got null');
  });

  it('a plain scalar document is not a mapping', () => {
    const e = checkRefusal(refusal(() => parseScenario('scalar.yaml', 'just words\n', spec, NOW)), 'scalar.yaml', 'just words\n');
    expect(e.message).toBe("scalar.yaml:1:1: expected a mapping, got 'just words'");
  });

  it('a JSON scenario is located the same way as YAML (JSON is YAML)', () => {
    const text = '{\n  "id": "json-scenario",\n  "title": "t",\n  "category": "control",\n  "description": "d",\n  "chain": ["genuine-leaf", "nope"]\n}\n';
    const e = checkRefusal(refusal(() => parseScenario('s.json', text, spec, NOW)), 's.json', text);
    expect(e.line).toBe(6);
    expect(e.col).toBe(29); // the opening quote of "nope"
    expect(e.detail).toMatch(/^chain\[1\]: unknown certificate 'nope'/);
  });

  it('a missing file is a ScenarioError at line 1 naming the errno', () => {
    const file = join(tmp.path, 'absent.yaml');
    const e = checkRefusal(refusal(() => loadScenarioFile(file, spec, NOW)), file, '');
    expect(e.message).toBe(`${file}:1:1: cannot read: ENOENT`);
  });

  it('a folder given as a file is a ScenarioError, not an EISDIR crash', () => {
    const dir = join(tmp.path, 'folder.yaml');
    mkdirSync(dir);
    const e = checkRefusal(refusal(() => loadScenarioFile(dir, spec, NOW)), dir, '');
    expect(e.message).toBe(`${dir}:1:1: cannot read: EISDIR`);
  });

  it('an error in the second of two certificates points at the second one', () => {
    const text = [
      'id: second-cert',
      'title: t',
      'category: attack',
      'description: d',
      'certificates:',
      '  fine-leaf:',
      '    from: genuine-leaf',
      '  broken-leaf:',
      '    from: genuine-leaf',
      '    hash: MD4',
      'chain: [fine-leaf, broken-leaf]',
      '',
    ].join('\n');
    const e = checkRefusal(refusal(() => parseScenario('two.yaml', text, spec, NOW)), 'two.yaml', text);
    expect(e.message).toBe("two.yaml:10:11: certificates.broken-leaf.hash: expected one of: SHA-1, SHA-256, SHA-384, SHA-512; got 'MD4'");
  });

  it('relative validity is judged at the injected clock, absolute dates too', () => {
    const text = (nb: string, na: string) =>
      `id: dated\ntitle: t\ncategory: validation\ndescription: d\ncertificates:\n  l:\n    from: genuine-leaf\n    notBefore: ${nb}\n    notAfter: ${na}\nchain: [l]\n`;
    // 2026-02-01 is before NOW, so "-1d" (2026-02-28) is after it: fine.
    expect(parseScenario('ok.yaml', text('2026-02-01', '-1d'), spec, NOW).chain).toEqual(['l']);
    // 2026-04-01 is after NOW + 10d: impossible, reported on notAfter.
    const e = checkRefusal(refusal(() => parseScenario('bad.yaml', text('2026-04-01', '+10d'), spec, NOW)), 'bad.yaml', text('2026-04-01', '+10d'));
    expect(e.message).toBe('bad.yaml:9:15: certificates.l.notAfter: impossible validity: notAfter (+10d) is not after notBefore (2026-04-01)');
  });

  it('an impossible validity coming only from notBefore is reported on notBefore', () => {
    // genuine-leaf runs -1d..+397d; moving only notBefore past +397d is impossible.
    const text = 'id: nb\ntitle: t\ncategory: validation\ndescription: d\ncertificates:\n  l:\n    from: genuine-leaf\n    notBefore: +2y\nchain: [l]\n';
    const e = checkRefusal(refusal(() => parseScenario('nb.yaml', text, spec, NOW)), 'nb.yaml', text);
    expect(e.message).toBe('nb.yaml:8:16: certificates.l.notBefore: impossible validity: notAfter (+397d) is not after notBefore (+2y)');
  });
});
