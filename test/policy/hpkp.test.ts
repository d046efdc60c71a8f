/**
 * HPKP (RFC 7469) headers where servers and frameworks set them: nginx, h2o, helmet 3,
 * secure_headers, a response dump; the hosts they pin (server_name, h2o's hosts, or the unnamed
 * host a caller binds); what user agents would refuse as notes; the writers; the model's verdicts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PinPolicy } from '../../src/model/index.js';
import { bindHost, PolicyFileError, UNNAMED_HOST } from '../../src/policy/format.js';
import { hpkpFormat } from '../../src/policy/formats/hpkp.js';
import { detectFormat } from '../../src/policy/registry.js';
import { readFixture, twoChains, verdictFor, type TwoChains } from './helpers.js';

const sha256 = (value: string) => ({ hash: 'sha256' as const, value });
const E5 = 'f5sNSaddZZm2EJN69IzlbM56tRHrNcGEjvI5k998/L8=';
const R10 = 'o+6K4YBTOmEYdLcJdqbDVrZgoyjs1PQ5pN63vUAjMIo=';
const BACKUP = 'XiZ7gQLjNrKdFRmUYJcFINgVkuGRH86nxoDOvHtWTkk=';
const CDN = '5hkpRTYrPelTcs4Mdldex+atQdmaVGFpQDvspWticqk=';
const SPARE = 'Lko/SkoGY2m5afTUMCKxvnGW2YlccIRcZ5v/7lFtBuQ=';
const CHECKOUT = 'ivwjKFukKZ3YLfGmG1a6e9NmzQ2BzwYMzP9xqNQA338=';
const CHECKOUT_BACKUP = 'JMioyfpoT90jzj0v5UZuFyfX7YobKuTe/khIfBnOXOQ=';

describe('hpkp: reading headers where servers and frameworks set them', () => {
  it('nginx: each server block pins its server_name; includeSubDomains covers subdomains, .example.com is the name and every subdomain, the report-only header is not enforced', () => {
    const r = readFixture(hpkpFormat, 'northwind-shop.conf');
    expect(r.policy).toEqual({
      rules: [
        { domains: [{ pattern: 'api.northwind-shop.com', includeSubdomains: true }], pins: [sha256(E5), sha256(BACKUP)], enforce: true },
        { domains: [{ pattern: '**.northwind-shop.com' }], pins: [sha256(R10), sha256(BACKUP)], enforce: false },
      ],
    });
    expect(r.sources).toEqual([
      { at: { line: 20, column: 5 }, pins: [{ line: 20, column: 45 }, { line: 20, column: 104 }] },
      { at: { line: 38, column: 5 }, pins: [{ line: 38, column: 58 }, { line: 38, column: 119 }], enforce: { line: 38, column: 5 } },
    ]);
    expect(r.reportUris).toEqual(['https://reports.northwind-shop.com/hpkp', 'https://reports.northwind-shop.com/hpkp-ro']);
    expect(r.notes).toEqual([]);
    expect(r.hostless).toBeUndefined();
    // Browsers sent the header: no app platform is implied.
    expect(r.platform).toBeUndefined();
  });

  it('an nginx snippet meant for inclusion names no server: the unnamed host, bound by the caller', () => {
    const r = readFixture(hpkpFormat, 'hpkp-snippet.conf');
    expect(r.hostless).toBe(true);
    expect(r.policy.rules).toEqual([{ domains: [{ pattern: UNNAMED_HOST }], pins: [sha256('Qxg5cFz3rvU4GuJTZ8OleckbSFy8wAUBU2rdfp5MWhc='), sha256(SPARE)], enforce: true }]);
    const bound = bindHost(r, 'shop.example');
    expect(bound.policy.rules[0]!.domains).toEqual([{ pattern: 'shop.example' }]);
    expect(bound.hostless).toBeUndefined();
    expect(bindHost(bound, 'other.example')).toBe(bound);
  });

  it('h2o: header.add at host and at path level, the hosts: key without its port', () => {
    const r = readFixture(hpkpFormat, 'h2o.conf');
    expect(r.policy.rules).toEqual([
      { domains: [{ pattern: 'static.northwind-shop.com' }], pins: [sha256(CDN), sha256(SPARE)], enforce: true },
      { domains: [{ pattern: 'status.northwind-shop.com' }], pins: [sha256(CHECKOUT), sha256(CHECKOUT_BACKUP)], enforce: false },
    ]);
    // Pins inside the double-quoted YAML scalar are located past its escapes.
    expect(r.sources[0]).toEqual({ at: { line: 13, column: 17 }, pins: [{ line: 13, column: 47 }, { line: 13, column: 108 }] });
    expect(r.sources[1]!.pins).toEqual([{ line: 28, column: 55 }, { line: 28, column: 114 }]);
    expect(r.notes).toEqual([]);
  });

  it('helmet 3 hpkp() in an Express app: maxAge computed, includeSubDomains, setIf noted; the host is the one serving the app', () => {
    const r = readFixture(hpkpFormat, 'server.js');
    expect(r.policy.rules).toEqual([{ domains: [{ pattern: UNNAMED_HOST, includeSubdomains: true }], pins: [sha256(CHECKOUT), sha256(CHECKOUT_BACKUP)], enforce: true }]);
    expect(r.sources).toEqual([{ at: { line: 14, column: 10 }, pins: [{ line: 17, column: 8 }, { line: 18, column: 8 }] }]);
    expect(r.reportUris).toEqual(['https://reports.northwind-shop.com/hpkp']);
    expect(r.notes).toEqual([{ kind: 'other', at: { line: 23, column: 5 }, detail: 'the header is sent only to the requests setIf accepts' }]);
    expect(r.hostless).toBe(true);
  });

  it('secure_headers in a Rails initializer: report_only, include_subdomains, pins as {sha256: …}', () => {
    const r = readFixture(hpkpFormat, 'secure_headers.rb');
    expect(r.policy.rules).toEqual([{ domains: [{ pattern: UNNAMED_HOST, includeSubdomains: true }], pins: [sha256(R10), sha256(BACKUP)], enforce: false }]);
    expect(r.sources).toEqual([{ at: { line: 8, column: 10 }, pins: [{ line: 14, column: 18 }, { line: 15, column: 18 }], enforce: { line: 8, column: 10 } }]);
    expect(r.notes).toEqual([]);
  });

  it('a response dump (curl -sI): the header line, any case', () => {
    const r = readFixture(hpkpFormat, 'response-headers.txt');
    expect(r.policy.rules).toEqual([{ domains: [{ pattern: UNNAMED_HOST }], pins: [sha256('8FguvKsgs66bdjqttJH66SJDVHVjfeewaJ//J845m+s='), sha256('UtOcHkWdbP3E4xo0LtL1i4qPbrdIHu0p5Zlw0nmoexE=')], enforce: true }]);
    expect(r.sources[0]).toEqual({ at: { line: 5, column: 1 }, pins: [{ line: 5, column: 30 }, { line: 5, column: 89 }] });
  });
});

describe('hpkp: what the reader tells lint', () => {
  const header = (value: string) => hpkpFormat.read('headers.txt', `Public-Key-Pins: ${value}\n`);
  const rows: [string, string, { pins: number; notes: [string, string, RegExp][] }][] = [
    ['no max-age: required (RFC 7469 2.1.2), browsers refused the header', `pin-sha256="${E5}"; pin-sha256="${BACKUP}"`, { pins: 2, notes: [['other', '1:1', /^no max-age: RFC 7469 section 2\.1\.2 requires it/]] }],
    ['max-age=0 forgets the pins', `pin-sha256="${E5}"; max-age=0`, { pins: 1, notes: [['other', '1:85', /^max-age=0 tells user agents to forget/]] }],
    ['max-age not a number', `pin-sha256="${E5}"; max-age=60d`, { pins: 1, notes: [['other', '1:85', /^max-age '60d' is not a number of seconds/]] }],
    ['max-age twice', `pin-sha256="${E5}"; max-age=600; max-age=60`, { pins: 1, notes: [['other', '1:90', /^max-age is given twice/]] }],
    ['pin-sha1 is not RFC 7469', `pin-sha1="o9VPi5IjvOWM5mABBhFdvlDid/E="; pin-sha256="${E5}"; max-age=600`, { pins: 1, notes: [['malformed-pin', '1:28', /^'pin-sha1': RFC 7469 defines pin-sha256 only/]] }],
    ['a hex digest where base64 belongs', `pin-sha256="${'ab'.repeat(32)}"; pin-sha256="${E5}"; max-age=600`, { pins: 1, notes: [['malformed-pin', '1:30', /is a hex SHA-256 digest; pins are base64/]] }],
    ['an unknown directive is ignored', `pin-sha256="${E5}"; max-age=600; preload`, { pins: 1, notes: [['other', '1:90', /^unknown directive 'preload' \(user agents ignore it\)$/]] }],
  ];
  it.each(rows)('%s', (_what, value, want) => {
    const r = header(value);
    expect(r.policy.rules[0]!.pins).toHaveLength(want.pins);
    expect(r.notes.map((n) => [n.kind, `${n.at.line}:${n.at.column}`, n.detail])).toEqual(want.notes.map(([k, at, d]) => [k, at, expect.stringMatching(d)]));
  });

  it('the report-only header needs no max-age (Chromium did not require one there)', () => {
    expect(hpkpFormat.read('h.txt', `Public-Key-Pins-Report-Only: pin-sha256="${E5}"; pin-sha256="${BACKUP}"\n`).notes).toEqual([]);
  });

  it('a bare header value, and Apache\'s Header set with escaped quotes', () => {
    expect(hpkpFormat.read('value.txt', `pin-sha256="${E5}"; max-age=60\n`).policy.rules[0]!.pins).toEqual([sha256(E5)]);
    const apache = hpkpFormat.read('ssl.conf', `<VirtualHost *:443>\n  Header always set Public-Key-Pins "pin-sha256=\\"${E5}\\"; pin-sha256=\\"${BACKUP}\\"; max-age=600"\n</VirtualHost>\n`);
    expect(apache.policy.rules[0]!.pins).toEqual([sha256(E5), sha256(BACKUP)]);
    expect(apache.sources[0]!.pins).toEqual([{ line: 2, column: 51 }, { line: 2, column: 112 }]);
  });

  it('nginx: a regex server_name leaves the host unnamed, with a note; an http-level header is inherited by the servers without add_header of their own', () => {
    const regex = hpkpFormat.read('site.conf', `server {\n  server_name ~^(?<sub>.+)\\.example\\.com$;\n  add_header Public-Key-Pins 'pin-sha256="${E5}"; max-age=600';\n}\n`);
    expect(regex.policy.rules[0]!.domains).toEqual([{ pattern: UNNAMED_HOST }]);
    expect(regex.notes).toEqual([{ kind: 'other', at: { line: 2, column: 15 }, detail: expect.stringMatching(/^server_name '~\^\(\?<sub>\.\+\)\\\.example\\\.com\$' is a regular expression: give the host/) }]);
    const inherited = hpkpFormat.read(
      'nginx.conf',
      `http {\n  add_header Public-Key-Pins 'pin-sha256="${E5}"; max-age=600' always;\n  server { server_name a.example; }\n  server { server_name b.example *.c.example; add_header X-Frame-Options DENY; }\n  server { server_name d.example; }\n}\n`,
    );
    expect(inherited.policy.rules[0]!.domains).toEqual([{ pattern: 'a.example' }, { pattern: 'd.example' }]);
  });

  it("helmet's own refusals (fewer than two sha256s, no maxAge) are noted", () => {
    const r = hpkpFormat.read('app.js', `app.use(helmet.hpkp({ sha256s: ['${E5}'] }));\n`);
    expect(r.notes.map((n) => n.detail)).toEqual(["helmet's hpkp throws when the app starts: it needs a maxAge, at least two sha256s, and a reportUri when reportOnly is set", expect.stringMatching(/^no max-age/)]);
  });
});

describe('hpkp: files that cannot be read stop with file:line:col', () => {
  const rows: [string, string, string, string][] = [
    ['nginx: a directive without its semicolon', 'site.conf', `server {\n  server_name a.example;\n  add_header Public-Key-Pins 'pin-sha256="${E5}"'\n}\n`, 'site.conf:4:1: unexpected "}"'],
    ['nginx: a block never closed', 'site.conf', `server {\n  add_header Public-Key-Pins 'max-age=1';\n`, 'site.conf:3:1: unexpected end of file, expecting "}" (the block opened at line 1 is never closed)'],
    ['nginx: an unterminated quote', 'site.conf', 'server {\n  add_header Public-Key-Pins "pin-sha256=x;\n}\n', 'site.conf:2:30: unterminated quoted string (no closing ")'],
    ['h2o: broken YAML', 'h2o.conf', 'hosts:\n  "a.example":\n    header.add: [\n', 'h2o.conf:4:1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['h2o: YAML nested beyond the parser\'s stack', 'h2o.conf', `header.add: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`, 'h2o.conf:1:1: YAML nested too deeply for a server configuration'],
    ['helmet: an object left open', 'app.js', `app.use(helmet.hpkp({\n  maxAge: 600,\n  sha256s: ['${E5}'],\n);\n`, "app.js:4:1: ')' where the '{' of line 1 column 21 needs '}'"],
    ['secure_headers: an array left open', 'secure_headers.rb', "config.hpkp = {\n  max_age: 600,\n  pins: [{ sha256: 'x' }\n}\n", "secure_headers.rb:4:1: '}' where the '[' of line 3 column 9 needs ']'"],
    ['no header at all', 'site.conf', 'server {\n  listen 443 ssl;\n}\n', 'site.conf:1:1: no Public-Key-Pins header in this file (nor helmet hpkp or secure_headers hpkp options)'],
  ];
  it.each(rows)('%s', (_what, file, text, message) => {
    expect(() => hpkpFormat.read(file, text)).toThrow(PolicyFileError);
    expect(() => hpkpFormat.read(file, text)).toThrow(message);
  });
});

describe('hpkp: writing', () => {
  it('a rule without a host is a header line; report-only is the Report-Only header; max-age and report-uri from the options', () => {
    const p: PinPolicy = { rules: [{ domains: [{ pattern: UNNAMED_HOST, includeSubdomains: true }], pins: [sha256(E5), sha256(BACKUP)], enforce: false }] };
    expect(hpkpFormat.write(p, { maxAge: 600, reportUri: 'https://r.example/hpkp' })).toBe(`Public-Key-Pins-Report-Only: pin-sha256="${E5}"; pin-sha256="${BACKUP}"; max-age=600; includeSubDomains; report-uri="https://r.example/hpkp"\n`);
  });

  it('a rule with hosts is an nginx server block whose server_name says who sends the header', () => {
    const p: PinPolicy = { rules: [{ domains: [{ pattern: 'api.example.com', includeSubdomains: true }, { pattern: '**.example.net', includeSubdomains: true }], pins: [sha256(E5), sha256(BACKUP)], enforce: true }] };
    expect(hpkpFormat.write(p)).toBe(
      ['server {', '    listen 443 ssl;', '    server_name api.example.com .example.net;', `    add_header Public-Key-Pins 'pin-sha256="${E5}"; pin-sha256="${BACKUP}"; max-age=5184000; includeSubDomains' always;`, '}', ''].join('\n'),
    );
  });

  const canonical: PinPolicy[] = [
    { rules: [{ domains: [{ pattern: UNNAMED_HOST }], pins: [sha256(E5), sha256(BACKUP)], enforce: true }] },
    {
      rules: [
        { domains: [{ pattern: 'api.example.com', includeSubdomains: true }], pins: [sha256(E5), sha256(BACKUP)], enforce: true },
        { domains: [{ pattern: '**.example.com' }, { pattern: 'example.org' }], pins: [sha256(R10), sha256(BACKUP)], enforce: false },
        { domains: [{ pattern: '*.cdn.example.com', includeSubdomains: true }], pins: [sha256(CDN), sha256(SPARE)], enforce: true },
        { domains: [{ pattern: UNNAMED_HOST, includeSubdomains: true }], pins: [sha256(CHECKOUT), sha256(CHECKOUT_BACKUP)], enforce: true },
      ],
    },
  ];
  it.each(canonical.map((p, i) => [i, p] as const))('read(write(x)) is x (policy %i)', (_i, p) => {
    expect(hpkpFormat.read('out.conf', hpkpFormat.write(p)).policy).toEqual(p);
  });

  const refused: [string, PinPolicy, RegExp][] = [
    ['a SHA-1 pin', { rules: [{ domains: [{ pattern: UNNAMED_HOST }], pins: [{ hash: 'sha1', value: 'o9VPi5IjvOWM5mABBhFdvlDid/E=' }], enforce: true }] }, /pin-sha256 only/],
    ['a fixed expiration', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [sha256(E5)], enforce: true, expiration: new Date('2027-01-01') }] }, /fixed expiration/],
    ['a CA-only pin', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [{ ...sha256(E5), on: 'ca' }], enforce: true }] }, /restricted to the leaf or to CAs/],
    ['*. of one label (nginx * matches every depth)', { rules: [{ domains: [{ pattern: '*.example.com' }], pins: [sha256(E5)], enforce: true }] }, /matches every depth below/],
    ['hosts with and without subdomains in one header', { rules: [{ domains: [{ pattern: 'a.example', includeSubdomains: true }, { pattern: 'b.example' }], pins: [sha256(E5)], enforce: true }] }, /one flag per header/],
  ];
  it.each(refused)('refused: %s', (_what, p, message) => {
    expect(() => hpkpFormat.write(p)).toThrow(message);
  });
});

describe('hpkp: detect', () => {
  it.each([
    ['site.conf', "add_header Public-Key-Pins 'pin-sha256=\"x\"';", 'hpkp'],
    ['app.js', "helmet.hpkp({ maxAge: 1, sha256s: ['a', 'b'] })", 'hpkp'],
    ['secure_headers.rb', 'config.hpkp = { max_age: 1, pins: [{ sha256: "a" }] }', 'hpkp'],
    ['value.txt', 'pin-sha256="abc"; max-age=60', 'hpkp'],
    ['site.conf', 'add_header Strict-Transport-Security "max-age=1";', undefined],
  ])('%s', (file, text, format) => {
    expect(detectFormat(file, text)).toBe(format);
  });
});

describe('hpkp: the read policy in the model', () => {
  let chains: TwoChains;
  beforeAll(async () => {
    chains = await twoChains(['api.northwind-shop.com', 'v2.api.northwind-shop.com', 'www.northwind-shop.com', 'northwind-shop.com']);
  });

  it('nginx: api and its subdomains refuse a rogue chain; the report-only server accepts it and reports', () => {
    const policy = readFixture(hpkpFormat, 'northwind-shop.conf', { [E5]: chains.int.pin, [R10]: chains.int.pin }).policy;
    expect(verdictFor(chains, policy, 'api.northwind-shop.com', 'genuine').code).toBe('ok');
    expect(verdictFor(chains, policy, 'api.northwind-shop.com', 'rogue').code).toBe('pin-mismatch');
    expect(verdictFor(chains, policy, 'v2.api.northwind-shop.com', 'rogue').code).toBe('pin-mismatch');
    expect(verdictFor(chains, policy, 'www.northwind-shop.com', 'rogue').code).toBe('ok-report-only');
    expect(verdictFor(chains, policy, 'northwind-shop.com', 'genuine').code).toBe('ok');
  });

  it('a hostless header pins the host it is bound to, and no other', () => {
    const read = readFixture(hpkpFormat, 'response-headers.txt', { '8FguvKsgs66bdjqttJH66SJDVHVjfeewaJ//J845m+s=': chains.int.pin });
    // Unbound, the unnamed host covers no real host.
    expect(verdictFor(chains, read.policy, 'api.northwind-shop.com', 'rogue').code).toBe('ok-unpinned-host');
    const policy = bindHost(read, 'api.northwind-shop.com').policy;
    expect(verdictFor(chains, policy, 'api.northwind-shop.com', 'genuine').code).toBe('ok');
    expect(verdictFor(chains, policy, 'api.northwind-shop.com', 'rogue').code).toBe('pin-mismatch');
    expect(verdictFor(chains, policy, 'www.northwind-shop.com', 'rogue').code).toBe('ok-unpinned-host');
  });
});
