/**
 * Issue 15, finding 7: placeholders are shell-quoted when filled, so a template that quotes one
 * again (`--pins '{pins}'`) unquotes it: `''sha256//A;sha256//B''` runs `sha256//B` as a second
 * command. The scanner finds placeholders inside single quotes, double quotes, `$'...'` and after a
 * backslash; `templateProblem` refuses such a template in one line saying what to write instead.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillTemplate, PLACEHOLDERS, quotedPlaceholders, templateProblem, takesConfiguration } from '../../src/harness/template.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('quotedPlaceholders: placeholders inside POSIX shell quoting', () => {
  it.each<[string, string, [string, string, number][]]>([
    ['bare placeholders', 'curl --proxy {proxy} --cacert {cafile} {url}', []],
    ['the README example: env vars in quotes are fine', 'curl -sS --proxy {proxy} ${PINPRICK_PINS:+--pinnedpubkey "$PINPRICK_PINS"} {url}', []],
    ['npm start', 'node examples/clients/correct-client.mjs --url {url} --proxy {proxy} --cafile {cafile} --pins "$PINPRICK_PINS" --report-uri {reportUri}', []],
    ['single quotes', "curl --pinnedpubkey '{pins}' {url}", [['pins', 'single', 22]]],
    ['double quotes', 'curl "{url}"', [['url', 'double', 7]]],
    ['inside a longer double-quoted word', 'curl -H "X-Pins: {pins}" {url}', [['pins', 'double', 18]]],
    ['$\'...\' (ANSI-C quoting)', "echo $'a {host}'", [['host', 'ansi-c', 10]]],
    ['$"..." (locale quoting, a double quote)', 'echo $"{host}"', [['host', 'double', 8]]],
    ['after a backslash', 'echo \\{pins}', [['pins', 'backslash', 7]]],
    ['a quote closed before it', "echo 'a'{pins}'b'", []],
    ['a single quote inside double quotes does not open one', `echo "it's" {pins}`, []],
    ['a double quote inside single quotes does not open one', `echo '"' {pins} '"'`, []],
    ['an escaped quote does not open one', "echo \\' {pins} \\'", []],
    ['an escaped double quote inside double quotes does not close them', 'echo "a\\" {pins}"', [['pins', 'double', 11]]],
    ['a backslash inside single quotes escapes nothing', "echo 'a\\' {pins}", []],
    ['a backslash in $\'...\' escapes the quote', "echo $'a\\' {pins}'", [['pins', 'ansi-c', 12]]],
    ['command substitution inside double quotes: its own words', 'echo "$(cat {cafile})"', []],
    ['backquotes inside double quotes: their own words', 'echo "`cat {cafile}`"', []],
    ['quotes inside a command substitution', "echo $(echo '{pins}')", [['pins', 'single', 14]]],
    ['nested parentheses in a command substitution', "echo $( (echo a) ; echo {pins} ) '{url}'", [['url', 'single', 35]]],
    ['a comment', "curl {url} # don't quote {pins}", []],
    ['# inside a word is not a comment', "echo a#'{pins}'", [['pins', 'single', 9]]],
    ['an unclosed quote', "echo '{pins}", [['pins', 'single', 7]]],
    ['not a placeholder', "echo '{other}' '{ pins }'", []],
    ['several', `a '{url}' "{host}" {port} \\{pins}`, [['url', 'single', 4], ['host', 'double', 12], ['pins', 'backslash', 28]]],
  ])('%s: %s', (_what, template, expected) => {
    expect(quotedPlaceholders(template).map((q) => [q.name, q.quoting, q.column])).toEqual(expected);
  });

  it('counts lines and columns in a template of several lines', () => {
    expect(quotedPlaceholders("curl {url} \\\n  --pinnedpubkey '{pins}'").map((q) => [q.line, q.column])).toEqual([[2, 19]]);
  });
});

describe('templateProblem: one line saying why and what to write', () => {
  it.each([
    ["curl --pinnedpubkey '{pins}' {url}", "{pins} is inside single quotes at column 22; placeholders are shell-quoted already: write {pins}, not '{pins}'"],
    ['curl -H "X-Pins: {pins}" {url}', '{pins} is inside double quotes at column 18; placeholders are shell-quoted already: write "X-Pins: "{pins}, not "X-Pins: {pins}"'],
    [`curl "{url}/a {host}"`, '{url} is inside double quotes at column 7; placeholders are shell-quoted already: write {url}"/a "{host}, not "{url}/a {host}"'],
    ['echo \\{pins}', '{pins} is escaped with a backslash at column 7; placeholders are shell-quoted already: write {pins}, not \\{pins}'],
    ["echo '{pins}", "{pins} is inside single quotes at column 7 (never closed); placeholders are shell-quoted already: write it outside quotes"],
    [`a '{url}' "{host}"`, "{url} is inside single quotes at column 4; placeholders are shell-quoted already: write {url}, not '{url}' (and 1 more placeholder in quotes elsewhere)"],
    ["curl {url} \\\n  --pinnedpubkey '{pins}'", "{pins} is inside single quotes at line 2, column 19; placeholders are shell-quoted already: write {pins}, not '{pins}'"],
  ])('%s', (template, message) => {
    expect(templateProblem(template)).toBe(message);
    expect(message).not.toContain('\n');
  });

  it('is undefined for a template with bare placeholders', () => {
    expect(templateProblem('curl --proxy {proxy} --cacert {cafile} ${PINPRICK_PINS:+--pinnedpubkey "$PINPRICK_PINS"} {url}')).toBeUndefined();
  });

  it('its suggestion passes the check and, filled, gives the shell the intended word', () => {
    const value = `A;B'C"D$(echo E)F\`echo G\`H\\I J`;
    for (const template of ["printf '[%s]' '{pins}'", 'printf \'[%s]\' "X-Pins: {pins}"', `printf '[%s]' "{url}/a {host}"`]) {
      const [, rewrite, original] = /write (.*), not (.*)$/.exec(templateProblem(template)!)!;
      const fixed = template.replace(original!, rewrite!);
      expect(templateProblem(fixed), fixed).toBeUndefined();
      const filled = fillTemplate(fixed, { pins: value, url: value, host: value });
      const words = execFileSync('/bin/sh', ['-c', filled], { encoding: 'utf8' });
      const intended = template.includes('{pins}') && !template.includes('X-Pins') ? `[${value}]` : template.includes('X-Pins') ? `[X-Pins: ${value}]` : `[${value}/a ${value}]`;
      expect(words).toBe(intended);
    }
  });
});

/**
 * A model of the grammar the property draws from: words, spaces, bare placeholders, single- and
 * double-quoted strings holding letters, spaces and placeholders, and backslash escapes. Whether
 * each placeholder is quoted is known by construction; the real /bin/sh is the second oracle: a
 * placeholder filled with a value full of metacharacters comes out of `printf` intact exactly
 * when it was not quoted again.
 */
type Piece = { text: string; placeholders: { name: string; quoted: boolean }[] };
const name = fc.constantFrom(...PLACEHOLDERS);
const letters = fc.stringMatching(/^[a-z]{1,4}$/);
const inner = fc.array(fc.oneof(letters.map((t) => ({ text: t, p: [] as string[] })), fc.constant({ text: ' ', p: [] as string[] }), name.map((n) => ({ text: `{${n}}`, p: [n] }))), { maxLength: 4 });
const quotedPiece = (open: string, close: string) =>
  inner.map((parts): Piece => ({ text: `${open}${parts.map((x) => x.text).join('')}${close}`, placeholders: parts.flatMap((x) => x.p.map((n) => ({ name: n, quoted: true }))) }));
const piece: fc.Arbitrary<Piece> = fc.oneof(
  letters.map((t): Piece => ({ text: t, placeholders: [] })),
  fc.constant<Piece>({ text: ' ', placeholders: [] }),
  name.map((n): Piece => ({ text: `{${n}}`, placeholders: [{ name: n, quoted: false }] })),
  name.map((n): Piece => ({ text: `\\{${n}}`, placeholders: [{ name: n, quoted: true }] })),
  fc.constantFrom("\\'", '\\"', '\\ ').map((t): Piece => ({ text: t, placeholders: [] })),
  quotedPiece("'", "'"),
  quotedPiece('"', '"'),
);

describe('quotedPlaceholders, by property', () => {
  it('finds exactly the placeholders the template quotes (a model of the grammar)', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const template = pieces.map((p) => p.text).join('');
        const expected = pieces.flatMap((p) => p.placeholders).filter((p) => p.quoted).map((p) => p.name);
        expect(quotedPlaceholders(template).map((q) => q.name)).toEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it('agrees with /bin/sh: a placeholder with one of them alone in a quoted or bare word prints its value intact exactly when it is not quoted again', () => {
    const value = `A;B'C"D$(echo E)F\`echo G\`H\\I J|K&L`;
    const contexts = fc.constantFrom('{x}', "'{x}'", '"{x}"', '\\{x}', "'a'{x}'b'", '"a"{x}', "'a {x} b'", '"a {x} b"');
    fc.assert(
      fc.property(contexts, fc.array(piece.filter((p) => p.placeholders.length === 0), { maxLength: 3 }), (context, filler) => {
        const template = `printf '[%s]\\n' ${filler.map((p) => p.text).join('')} ${context.replace('{x}', '{pins}')}`;
        const quoted = quotedPlaceholders(template).length > 0;
        let printed = '';
        try {
          printed = execFileSync('/bin/sh', ['-c', fillTemplate(template, { pins: value })], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        } catch (err) {
          printed = String((err as { stdout?: string }).stdout ?? '');
        }
        expect(printed.includes(value), `${template} -> ${printed}`).toBe(!quoted);
      }),
      { numRuns: 150 },
    );
  });
});

describe('every shipped and documented template passes the check', () => {
  /** `--client '...'` in Markdown and scripts, and template-looking strings in the tests. */
  const templatesIn = (text: string) => [...text.matchAll(/--client '([^']*\{[a-zA-Z]+\}[^']*)'/g)].map((m) => m[1]!);

  it('README.md, examples/, package.json (npm start) and bench/', () => {
    const files = ['README.md', 'package.json', ...readdirSync(join(ROOT, 'examples/clients')).map((f) => `examples/clients/${f}`)];
    const found: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      const templates = f === 'package.json' ? templatesIn(JSON.parse(text).scripts.start) : templatesIn(text);
      for (const t of templates) {
        found.push(`${f}: ${t}`);
        expect(templateProblem(t), `${f}: ${t}`).toBeUndefined();
      }
    }
    expect(found.length).toBeGreaterThanOrEqual(5);
    // examples/clients/curl.md also shows a curl command with placeholders outside --client: it is a template too.
    for (const line of readFileSync(join(ROOT, 'examples/clients/curl.md'), 'utf8').split('\n').filter((l) => /^curl .*\{url\}/.test(l))) {
      expect(templateProblem(line), line).toBeUndefined();
    }
    const bench = readFileSync(join(ROOT, 'bench/suite.ts'), 'utf8');
    for (const m of bench.matchAll(/= `(curl [^`]*)`;/g)) expect(templateProblem(m[1]!.replace(/\\\$/g, '$')), m[1]).toBeUndefined();
  });

  it('the tests\' own client templates', () => {
    const seen: string[] = [];
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []));
    for (const file of walk(join(ROOT, 'test'))) {
      if (file.endsWith('template.test.ts')) continue;
      const text = readFileSync(file, 'utf8');
      // String and template literals that start a client command and hold a placeholder.
      const literals = [
        ...text.matchAll(/'((?:curl|node|stat|sh|wget)\b[^'\n]*\{(?:url|proxy|cafile|port|host|pins|reportUri)\}[^'\n]*)'/g),
        ...text.matchAll(/`((?:curl|node|stat|sh|wget)\b[^`\n]*\{(?:url|proxy|cafile|port|host|pins|reportUri)\}[^`\n]*)`/g),
      ];
      for (const m of literals) {
        const t = m[1]!.replace(/\\\$/g, '$').replace(/\\\\/g, '\\');
        seen.push(t);
        expect(templateProblem(t), `${file}: ${t}`).toBeUndefined();
      }
    }
    expect(seen.length).toBeGreaterThanOrEqual(8);
  });
});

describe('takesConfiguration: a dynamic-pinning client names the configuration URL', () => {
  it.each([
    ['node examples/clients/dynamic-client.mjs --config-url {configUrl} --url {url}', true],
    ['sh -c \'my-app --config "$PINPRICK_CONFIG_URL"\'', true],
    ['my-app --config ${PINPRICK_CONFIG_URL}', true],
    ['node examples/clients/correct-client.mjs --url {url} --proxy {proxy} --cafile {cafile}', false],
    ['my-app --config-key {configKey}', false],
    ['echo $PINPRICK_CONFIG_URLS', false],
  ])('%s: %s', (template, expected) => {
    expect(takesConfiguration(template)).toBe(expected);
  });
});
