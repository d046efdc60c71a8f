/**
 * Input limits of scenario and profile files (issue 15, finding 8): a file over MAX_SOURCE_BYTES is
 * one line at 1:1 before any parsing; a value over MAX_SCALAR_CHARS is one line at the value; files
 * just under the limits load, even the worst case for yaml's quadratic duplicate-key check; the
 * linear duplicate-key check says exactly what yaml's own check said, where it said it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { LineCounter, parseDocument } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.js';
import { loadProfileFile, parseProfile } from '../../src/scenario/profile.js';
import { loadScenarioFile, parseScenario } from '../../src/scenario/scenario.js';
import { MAX_NODES, MAX_SCALAR_CHARS, MAX_SOURCE_BYTES, SourceDocument } from '../../src/scenario/source.js';
import { defaultWorldSpec } from '../../src/world/spec.js';
import { tempDir } from '../helpers/tmp.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const spec = defaultWorldSpec();
const FILE = 'limits/scenario.yaml';
const HEAD = 'id: big\ntitle: t\ncategory: control\ndescription: d\nchain: [genuine-leaf, genuine-intermediate]\n';

/** `text` padded with a comment to exactly `bytes` bytes. */
function padTo(text: string, bytes: number): string {
  const pad = bytes - Buffer.byteLength(text) - 3;
  expect(pad).toBeGreaterThanOrEqual(0);
  return `${text}# ${'x'.repeat(pad)}\n`;
}

function refusal(run: () => unknown): ScenarioError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a refusal');
}

describe('file size (MAX_SOURCE_BYTES)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('is 1 MiB', () => expect(MAX_SOURCE_BYTES).toBe(1024 * 1024));

  it('a scenario one byte over the limit is one line at 1:1, in text and on disk; one at the limit loads', () => {
    const over = padTo(HEAD, MAX_SOURCE_BYTES + 1);
    expect(refusal(() => parseScenario(FILE, over, spec, NOW)).message).toBe(`${FILE}:1:1: too large for a scenario file: ${MAX_SOURCE_BYTES + 1} bytes (limit ${MAX_SOURCE_BYTES} bytes)`);
    const file = join(tmp.path, 'over.yaml');
    writeFileSync(file, over);
    expect(refusal(() => loadScenarioFile(file, spec, NOW)).message).toBe(`${file}:1:1: too large for a scenario file: ${MAX_SOURCE_BYTES + 1} bytes (limit ${MAX_SOURCE_BYTES} bytes)`);
    const at = join(tmp.path, 'at.yaml');
    writeFileSync(at, padTo(HEAD, MAX_SOURCE_BYTES));
    expect(loadScenarioFile(at, spec, NOW).id).toBe('big');
  });

  it('counts bytes, not characters', () => {
    const text = `${HEAD}# ${'é'.repeat(MAX_SOURCE_BYTES / 2)}\n`;
    expect(text.length).toBeLessThan(MAX_SOURCE_BYTES);
    expect(refusal(() => parseScenario(FILE, text, spec, NOW)).detail).toMatch(/^too large for a scenario file: \d+ bytes \(limit 1048576 bytes\)$/);
  });

  it('a profile over the limit is refused the same way; one at the limit loads', () => {
    const head = 'id: big\npins: [genuine-intermediate, backup-1]\n';
    const file = join(tmp.path, 'profile.yaml');
    writeFileSync(file, padTo(head, MAX_SOURCE_BYTES + 1));
    expect(refusal(() => loadProfileFile(file, spec)).message).toBe(`${file}:1:1: too large for a profile file: ${MAX_SOURCE_BYTES + 1} bytes (limit ${MAX_SOURCE_BYTES} bytes)`);
    expect(refusal(() => parseProfile('p.yaml', padTo(head, MAX_SOURCE_BYTES + 1), spec)).detail).toMatch(/^too large for a profile file/);
    writeFileSync(file, padTo(head, MAX_SOURCE_BYTES));
    expect(loadProfileFile(file, spec).id).toBe('big');
  });

  it('the worst case for the duplicate-key check (125 s before the fix): a mapping with as many keys as 1 MiB holds is parsed, then refused for its node count at 1:1', () => {
    const lines: string[] = [];
    let size = Buffer.byteLength(HEAD) + 'certificates:\n'.length;
    for (let i = 0; ; i++) {
      const line = `  c${i.toString(36)}: {}\n`;
      if (size + line.length > MAX_SOURCE_BYTES) break;
      lines.push(line);
      size += line.length;
    }
    expect(lines.length).toBeGreaterThan(80_000);
    const text = `${HEAD}certificates:\n${lines.join('')}`;
    expect(refusal(() => SourceDocument.parse(FILE, text)).message).toMatch(new RegExp(`^${FILE}:1:1: too many values: \\d+ YAML nodes \\(keys, values, lists, mappings; limit ${MAX_NODES}\\)$`));
  });
});

describe('node count (MAX_NODES)', () => {
  /** A scenario whose certificates mapping brings the file to exactly `nodes` YAML nodes (`nodes` even; each entry is a key and a mapping). */
  const withNodes = (nodes: number, extra = '') => {
    // The top mapping, four scalar pairs, chain with its list and one item, certificates and its mapping: 14 nodes.
    const head = 'id: big\ntitle: t\ncategory: control\ndescription: d\nchain: [genuine-leaf]\ncertificates:\n';
    return `${head}${Array.from({ length: (nodes - 14) / 2 }, (_, i) => `  c${i}: {}\n`).join('')}${extra}`;
  };

  it('a file at the limit parses, with its keys all there; one node more is refused at 1:1', () => {
    const at = SourceDocument.parse(FILE, withNodes(MAX_NODES));
    expect(Object.keys((at.value as { certificates: object }).certificates)).toHaveLength((MAX_NODES - 14) / 2);
    expect(refusal(() => SourceDocument.parse(FILE, withNodes(MAX_NODES, 'title2: x\n'))).message).toBe(
      `${FILE}:1:1: too many values: ${MAX_NODES + 2} YAML nodes (keys, values, lists, mappings; limit ${MAX_NODES})`,
    );
  });

  it('a key repeated among thousands is found where yaml found it', () => {
    const text = withNodes(MAX_NODES - 2) + '  c7: {}\n';
    expect(refusal(() => SourceDocument.parse(FILE, text)).message).toBe(`${FILE}:${text.split('\n').length - 1}:3: invalid YAML: Map keys must be unique`);
    expect(yamlsOwnVerdict(text)).toBe(loaderVerdict(text));
  });
});

describe('value length (MAX_SCALAR_CHARS)', () => {
  it('a description at the limit loads; one character more is one line at the value', () => {
    const at = `id: long\ntitle: t\ncategory: control\ndescription: ${'d'.repeat(MAX_SCALAR_CHARS)}\nchain: [genuine-leaf]\n`;
    expect(parseScenario(FILE, at, spec, NOW).description).toHaveLength(MAX_SCALAR_CHARS);
    const over = at.replace('description: d', 'description: dd');
    expect(refusal(() => parseScenario(FILE, over, spec, NOW)).message).toBe(`${FILE}:4:14: a value of ${MAX_SCALAR_CHARS + 1} characters is too long (limit ${MAX_SCALAR_CHARS} characters)`);
  });

  it('a 10 MB value is refused (before: accepted), and so is a long key, a long block scalar and a long list item', () => {
    expect(refusal(() => parseScenario(FILE, `id: x\ndescription: ${'d'.repeat(10_000_000)}\n`, spec, NOW)).detail).toMatch(/^too large for a scenario file/);
    // An implicit key is at most 1024 characters in YAML: a long key is an explicit one.
    const key = `${HEAD}? ${'k'.repeat(MAX_SCALAR_CHARS + 1)}\n: 1\n`;
    expect(refusal(() => parseScenario(FILE, key, spec, NOW)).message).toBe(`${FILE}:6:3: a value of ${MAX_SCALAR_CHARS + 1} characters is too long (limit ${MAX_SCALAR_CHARS} characters)`);
    const block = `id: x\ntitle: t\ndescription: |\n${'  0123456789abcdef\n'.repeat(MAX_SCALAR_CHARS / 16)}chain: [a]\n`;
    expect(refusal(() => parseScenario(FILE, block, spec, NOW)).message).toMatch(new RegExp(`^${FILE}:3:14: a value of \\d+ characters is too long`));
    const item = `id: x\nhosts:\n  - a\n  - ${'h'.repeat(MAX_SCALAR_CHARS + 1)}\n`;
    expect(refusal(() => parseScenario(FILE, item, spec, NOW)).message).toMatch(new RegExp(`^${FILE}:4:5: a value of`));
  });
});

/** What yaml's own (quadratic) duplicate-key check said first: the message and position the loader gave before issue 15. */
function yamlsOwnVerdict(text: string): string {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true, logLevel: 'error' });
  const first = doc.errors[0];
  if (!first) {
    try {
      doc.toJS({ maxAliasCount: 100 });
      return 'ok';
    } catch (err) {
      return `${FILE}:1:1: invalid YAML: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  const pos = lines.linePos(first.pos[0]);
  const message = first.code === 'MULTIPLE_DOCS' ? "a file holds one document: remove the second '---'" : first.message.split('\n')[0];
  return `${FILE}:${pos.line}:${pos.col}: invalid YAML: ${message}`;
}

function loaderVerdict(text: string): string {
  try {
    SourceDocument.parse(FILE, text);
    return 'ok';
  } catch (err) {
    if (err instanceof ScenarioError && err.detail.startsWith('invalid YAML')) return err.message;
    throw err;
  }
}

describe('duplicate keys, found in linear time', () => {
  const key = fc.constantFrom('a', 'b', '"a"', "'b'", '1', '"1"', '01', '0x1', 'true', '"true"', 'null', '~', '""', 'a b', '&k a', '!!str 1', '.nan', '.NaN', '-0', '0', '*k', '? c');
  const scalar = fc.constantFrom('1', 'x', '"y"', '~', '[1, 2]', '{}', '&k v');
  const flowMap = fc.array(fc.tuple(key, scalar), { maxLength: 4 }).map((pairs) => `{${pairs.map(([k, v]) => `${k.replace('? ', '')}: ${v}`).join(', ')}}`);
  // No blank lines: after a line of only spaces yaml placed a duplicate at the end of the value
  // before it (see the next test); the loader now places it at the key.
  const junk = fc.constantFrom('# note', ']', '[unclosed', 'x: y: z', '\t- tab', '---', ': lone');
  /** A block mapping of up to three levels, lines of junk here and there. */
  const block = (depth: number): fc.Arbitrary<string[]> =>
    fc
      .array(
        fc.oneof(
          fc.tuple(key, fc.oneof(scalar, flowMap)).map(([k, v]) => [`${k}: ${v}`]),
          ...(depth < 3 ? [fc.tuple(key, block(depth + 1)).map(([k, lines]) => [`${k}:`, ...lines.map((l) => `  ${l}`)])] : []),
          junk.map((j) => [j]),
        ),
        { minLength: 1, maxLength: 6 },
      )
      .map((groups) => groups.flat());

  it('property: the same first error, message and line:col, as yaml checking duplicates itself', () => {
    fc.assert(
      fc.property(block(0), (lines) => {
        const text = lines.join('\n') + '\n';
        expect(loaderVerdict(text), text).toBe(yamlsOwnVerdict(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('the fixtures keep their message and place', () => {
    const text = 'id: duplicate-key\ntitle: Duplicate key\ncategory: control\ndescription: d\nchain: [a]\nchain: [b]\n';
    expect(loaderVerdict(text)).toBe(`${FILE}:6:1: invalid YAML: Map keys must be unique`);
    expect(loaderVerdict('a: {x: 1, y: 2, x: 3}\n')).toBe(`${FILE}:1:17: invalid YAML: Map keys must be unique`);
  });

  it('after a line of only spaces, the duplicate is placed at the key (yaml placed it at the end of the value before)', () => {
    const text = 'a:\n  b:\n    c:\n      \n  b: 1\n';
    expect(yamlsOwnVerdict(text)).toBe(`${FILE}:3:7: invalid YAML: Map keys must be unique`);
    expect(loaderVerdict(text)).toBe(`${FILE}:5:3: invalid YAML: Map keys must be unique`);
  });
});
