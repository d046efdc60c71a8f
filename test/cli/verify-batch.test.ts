/**
 * `pinprick verify --batch` (issue 15, finding 9): exactly one answer per input line, in order,
 * each naming its line; a blank line is answered too; a line of the wrong shape gets a plain
 * message saying what was expected, never a JavaScript internal.
 */
import { Readable } from 'node:stream';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerBatch } from '../../src/cli/commands/verify-batch.js';
import { pemOf } from '../../src/world/pem.js';
import { openWorld } from '../../src/world/store.js';
import type { World } from '../../src/world/world.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** What an answer must never show: JavaScript's own messages and names. */
const INTERNAL = /is not a function|is not iterable|Cannot read prop|undefined|\[object |TypeError|SyntaxError|RangeError|Unexpected token|in JSON at position|is not valid JSON/;

interface Answer {
  line?: number;
  error?: string;
  code?: string;
  expected?: string;
}

const answersOf = (stdout: string): Answer[] => (stdout === '' ? [] : stdout.replace(/\n$/, '').split('\n').map((l) => JSON.parse(l) as Answer));

describe('pinprick verify --batch: one answer per line, each naming its line', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  let world: World;
  let good: string;
  const pem = (n: string) => pemOf(world.cert(n).der, 'CERTIFICATE');
  beforeAll(async () => {
    world = (await openWorld({ certsDir })).world;
    good = JSON.stringify({ peer: pem('genuine-leaf'), chain: [pem('genuine-intermediate')], roots: [pem('genuine-root')], host: 'api.pinprick.test' });
  });
  afterAll(() => tmp.cleanup());

  it('a blank line gets an error answer of its own, so the answers after it stay aligned with their lines', async () => {
    const input = [good, '', 'not json', '   ', JSON.stringify({ peer: pem('genuine-leaf'), roots: [pem('rogue-root')] }), good].join('\n') + '\n';
    const r = await runCli(['verify', '--batch'], { certsDir, input });
    expect(r.code, r.stderr).toBe(0);
    const answers = answersOf(r.stdout);
    expect(answers.map((a) => a.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(answers.map((a) => a.code ?? 'error')).toEqual(['ok', 'error', 'error', 'error', 'untrusted', 'ok']);
    expect(answers[1]!.error).toMatch(/^blank line; expected a JSON object/);
    expect(answers[3]!.error).toMatch(/^blank line/);
    expect(answers[2]!.error).toMatch(/^not JSON; expected a JSON object/);
  });

  it('CRLF line ends and a last line without a newline are lines like any other', async () => {
    const r = await runCli(['verify', '--batch'], { certsDir, input: `${good}\r\n\r\n${good}` });
    expect(answersOf(r.stdout).map((a) => [a.line, a.code ?? 'error'])).toEqual([
      [1, 'ok'],
      [2, 'error'],
      [3, 'ok'],
    ]);
  });

  it('every field of the wrong type is named with what was expected, never with a JavaScript message', async () => {
    const base = () => ({ peer: pem('genuine-leaf'), chain: [pem('genuine-intermediate')], roots: [pem('genuine-root')] });
    const cases: [unknown, RegExp][] = [
      [{ ...base(), host: 5 }, /^host: expected a string \(a DNS name or IP address\), got number 5$/],
      [{ ...base(), host: ['a'] }, /^host: expected a string .*, got a list$/],
      [{ ...base(), peer: 5 }, /^peer: expected a string \(PEM\), got number 5$/],
      [{ ...base(), peer: undefined }, /^missing "peer": the end-entity certificate, a PEM string$/],
      [{ ...base(), roots: pem('genuine-root') }, /^roots: expected a list of PEM strings, got a string$/],
      [{ ...base(), roots: [pem('genuine-root'), 7] }, /^roots\[1\]: expected a string \(PEM\), got number 7$/],
      [{ ...base(), roots: undefined }, /^missing "roots": the trust anchors, a list of PEM strings$/],
      [{ ...base(), chain: {} }, /^chain: expected a list of PEM strings, got a mapping$/],
      [{ ...base(), chain: [null] }, /^chain\[0\]: expected a string \(PEM\), got null$/],
      [{ ...base(), at: 1700000000 }, /^at: expected a string \(an ISO 8601 date\), got number 1700000000$/],
      [{ ...base(), at: 'yesterday' }, /^at: 'yesterday' is not an ISO 8601 date/],
      [{ ...base(), pins: 'sha256//x' }, /^pins: expected a list of pin strings \(sha256\/\/BASE64\), got a string$/],
      [{ ...base(), pins: [true] }, /^pins\[0\]: expected a string \(sha256\/\/BASE64\), got boolean true$/],
      [{ ...base(), pins: ['sha256//short'] }, /^pins\[0\]: 'sha256\/\/short' is not a pin: expected sha256\/\/BASE64/],
      [{ ...base(), pin: [] }, /^unknown field "pin" \(fields: peer, chain, roots, host, at, pins\)$/],
      [{ ...base(), roots: ['no PEM here'] }, /^roots\[0\]: neither PEM nor a DER certificate$/],
      [[base()], /^expected a JSON object .*, got a list$/],
      ['peer', /^expected a JSON object .*, got a string$/],
      [null, /^expected a JSON object .*, got null$/],
      [42, /^expected a JSON object .*, got number 42$/],
    ];
    const r = await runCli(['verify', '--batch'], { certsDir, input: cases.map(([c]) => JSON.stringify(c)).join('\n') + '\n' });
    expect(r.code, r.stderr).toBe(0);
    const answers = answersOf(r.stdout);
    expect(answers).toHaveLength(cases.length);
    answers.forEach((a, i) => {
      expect(a.line).toBe(i + 1);
      expect(a.error, JSON.stringify(cases[i]![0])).toMatch(cases[i]![1]);
      expect(a.error).not.toMatch(INTERNAL);
    });
  });

  it('property, through the real CLI: any sequence of lines gets as many answers, answer i naming line i + 1', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyLine(), { maxLength: 12 }), async (lines) => {
        const r = await runCli(['verify', '--batch'], { certsDir, input: lines.map((l) => l + '\n').join('') });
        expect(r.code, r.stderr).toBe(0);
        const answers = answersOf(r.stdout);
        expect(answers.map((a) => a.line)).toEqual(lines.map((_, i) => i + 1));
        for (const a of answers) if (a.error !== undefined) expect(a.error).not.toMatch(INTERNAL);
      }),
      { numRuns: 6 },
    );
  });
});

/** One input line: any text without a newline, any JSON, or an object with the batch fields holding any JSON. */
function anyLine(): fc.Arbitrary<string> {
  const field = fc.constantFrom('peer', 'chain', 'roots', 'host', 'at', 'pins', 'other');
  return fc.oneof(
    fc.string({ unit: 'grapheme' }).map((s) => s.replace(/\n/g, ' ')),
    fc.constantFrom('', ' ', '\t', '\r', '{}', '[]', 'null'),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.dictionary(field, fc.jsonValue(), { maxKeys: 7 }).map((o) => JSON.stringify(o)),
  );
}

describe('answerBatch (what the command runs on stdin)', () => {
  it('property: for any lines and any chunking of the bytes, as many answers as lines, answer i naming line i + 1, no JavaScript message', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyLine(), { maxLength: 30 }), fc.boolean(), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }), async (lines, crlf, cuts) => {
        const bytes = Buffer.from(lines.map((l) => l + (crlf ? '\r\n' : '\n')).join(''));
        const chunks: Buffer[] = [];
        for (let at = 0, i = 0; at < bytes.length; i++) {
          const size = cuts[i % cuts.length]!;
          chunks.push(bytes.subarray(at, at + size));
          at += size;
        }
        const answers: Answer[] = [];
        for await (const a of answerBatch(Readable.from(chunks))) answers.push(JSON.parse(a) as Answer);
        expect(answers.map((a) => a.line)).toEqual(lines.map((_, i) => i + 1));
        for (const a of answers) {
          expect(a.error === undefined).toBe(a.code !== undefined);
          if (a.error !== undefined) expect(a.error).not.toMatch(INTERNAL);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('an empty input has no answer; a last line without a newline has one', async () => {
    const all = async (text: string) => {
      const out: string[] = [];
      for await (const a of answerBatch(Readable.from([Buffer.from(text)]))) out.push(a);
      return out.map((a) => JSON.parse(a) as Answer);
    };
    expect(await all('')).toEqual([]);
    expect((await all('x')).map((a) => a.line)).toEqual([1]);
    expect((await all('x\n')).map((a) => a.line)).toEqual([1]);
    expect((await all('\n')).map((a) => a.line)).toEqual([1]);
    expect((await all('x\n\n')).map((a) => a.line)).toEqual([1, 2]);
  });
});
