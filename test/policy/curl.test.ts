/**
 * curl --pinnedpubkey as deploy scripts, .curlrc files and bare values write it: the hosts of the
 * URLs of the same command, leaf-only pins, the unnamed host without a URL; the writer; and the
 * real curl run on what the writer and the reader see, agreeing with the model.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PinPolicy } from '../../src/model/index.js';
import { PolicyFileError, UNNAMED_HOST } from '../../src/policy/format.js';
import { curlFormat } from '../../src/policy/formats/curl.js';
import { detectFormat } from '../../src/policy/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { readFixture, twoChains, verdictFor, type TwoChains } from './helpers.js';

const leaf = (value: string) => ({ hash: 'sha256' as const, value, on: 'leaf' as const });
const CURRENT = '8FguvKsgs66bdjqttJH66SJDVHVjfeewaJ//J845m+s=';
const NEXT = 'UtOcHkWdbP3E4xo0LtL1i4qPbrdIHu0p5Zlw0nmoexE=';
const E5 = 'f5sNSaddZZm2EJN69IzlbM56tRHrNcGEjvI5k998/L8=';

describe('curl: reading --pinnedpubkey where it is written', () => {
  it('a deploy script: the pins of a variable, the host of the URL of the same command (a ${VAR:-default} included); curl checks the leaf only', () => {
    const r = readFixture(curlFormat, 'deploy-smoke.sh');
    expect(r.policy).toEqual({
      rules: [
        { domains: [{ pattern: 'settlement.acme-payments.com' }], pins: [leaf(CURRENT), leaf(NEXT)], enforce: true },
        { domains: [{ pattern: 'reports.acme-payments.com' }], pins: [leaf('4Aq33TZYjt4sOjSZ4vBcmK1X2kfFcIMYBcT6uMaPnmA='), leaf('vH/T4xODQfIG6d+DFMkim4X5QRvtoR9preLXWwCja4s=')], enforce: true },
      ],
    });
    // The rule where --pinnedpubkey takes its value; each pin where its characters are written (the variable's assignment).
    expect(r.sources).toEqual([
      { at: { line: 13, column: 18 }, pins: [{ line: 8, column: 7 }, { line: 8, column: 60 }] },
      { at: { line: 18, column: 26 }, pins: [{ line: 18, column: 27 }, { line: 18, column: 80 }] },
    ]);
    expect(r.notes).toEqual([]);
    expect(r.hostless).toBeUndefined();
    // curl is built on several TLS libraries: no platform is implied.
    expect(r.platform).toBeUndefined();
  });

  it('a .curlrc: the pinnedpubkey line and the url line of the same file', () => {
    const r = readFixture(curlFormat, '.curlrc');
    expect(r.policy.rules).toEqual([{ domains: [{ pattern: 'artifacts.northwind-shop.com' }], pins: [leaf('Qxg5cFz3rvU4GuJTZ8OleckbSFy8wAUBU2rdfp5MWhc='), leaf('rBUJzhtlotAyq+j3Yd6iAqaiG4GEFBBsDq4hwkahBHw=')], enforce: true }]);
    expect(r.sources).toEqual([{ at: { line: 7, column: 16 }, pins: [{ line: 7, column: 17 }, { line: 7, column: 70 }] }]);
  });

  it('a bare value names no host: the unnamed host', () => {
    const r = readFixture(curlFormat, 'pinnedpubkey.txt');
    expect(r.policy.rules).toEqual([{ domains: [{ pattern: UNNAMED_HOST }], pins: [leaf(E5), leaf('XiZ7gQLjNrKdFRmUYJcFINgVkuGRH86nxoDOvHtWTkk=')], enforce: true }]);
    expect(r.hostless).toBe(true);
  });

  const rows: [string, string, { rules: number; notes: [string, string, RegExp][] }][] = [
    ['a public key file: noted, no rule (pinprick reads only the file it is given)', 'curl --pinnedpubkey keys/api.pub https://a.example/\n', { rules: 0, notes: [['other', '1:21', /^--pinnedpubkey 'keys\/api\.pub' names a public key file: .*pinprick pins keys\/api\.pub --format curl\)$/]] }],
    ['a hash without its sha256// prefix: curl splits at ;sha256//', `curl --pinnedpubkey 'sha256//${E5};${CURRENT}' https://a.example/\n`, { rules: 1, notes: [['malformed-pin', '1:75', /^'8Fgu.*': curl splits the list at ';sha256\/\/'/]] }],
    ['a placeholder', `curl --pinnedpubkey "sha256//${'A'.repeat(43)}=" https://a.example/\n`, { rules: 1, notes: [['malformed-pin', '1:22', /is a placeholder/]] }],
    ['the value from the environment', 'curl --pinnedpubkey "$PINS" https://a.example/\n', { rules: 0, notes: [['other', '1:21', /^the --pinnedpubkey value comes from '\$PINS', which is not set in this file/]] }],
    ['the URL from the environment: the unnamed host', `curl --pinnedpubkey 'sha256//${E5}' "$BASE_URL/health"\n`, { rules: 1, notes: [['other', '1:76', /^the URL comes from '\$BASE_URL', which is not set in this file: give the host with --host$/]] }],
  ];
  it.each(rows)('%s', (_what, text, want) => {
    const r = curlFormat.read('check.sh', text);
    expect(r.policy.rules).toHaveLength(want.rules);
    expect(r.notes.map((n) => [n.kind, `${n.at.line}:${n.at.column}`, n.detail])).toEqual(want.notes.map(([k, at, d]) => [k, at, expect.stringMatching(d)]));
  });

  it('options that take an argument are not URLs; redirections are not either', () => {
    const r = curlFormat.read('c.sh', `curl -H "Host: x.example" -o out.json --pinnedpubkey 'sha256//${E5}' 2>err.log https://a.example/ > /dev/null\n`);
    expect(r.policy.rules[0]!.domains).toEqual([{ pattern: 'a.example' }]);
  });
});

describe('curl: files that cannot be read stop with file:line:col', () => {
  const rows: [string, string, string, string][] = [
    ['an unterminated single quote', 'deploy.sh', `#!/bin/sh\ncurl --pinnedpubkey 'sha256//${E5} https://a.example/\n`, "deploy.sh:2:21: unterminated quoted string (no closing ')"],
    // The shell pairs the first quote with the one before $PINS: the quote left open is the one after it.
    ['an unterminated double quote', 'deploy.sh', 'PINS="sha256//x\ncurl --pinnedpubkey "$PINS" https://a.example/\n', 'deploy.sh:2:27: unterminated quoted string (no closing ")'],
    ['an unterminated value in a .curlrc', '.curlrc', 'url = "https://a.example/"\npinnedpubkey = "sha256//x\n', '.curlrc:2:16: unterminated quoted value (no closing ")'],
    ['no --pinnedpubkey', 'deploy.sh', 'curl -fsS https://a.example/\n', 'deploy.sh:1:1: no --pinnedpubkey in this file (nor a bare sha256// list)'],
  ];
  it.each(rows)('%s', (_what, file, text, message) => {
    expect(() => curlFormat.read(file, text)).toThrow(PolicyFileError);
    expect(() => curlFormat.read(file, text)).toThrow(message);
  });
});

describe('curl: writing', () => {
  it('a rule without a host is the option alone; a rule with hosts is a curl command per rule', () => {
    const p: PinPolicy = {
      rules: [
        { domains: [{ pattern: UNNAMED_HOST }], pins: [leaf(E5), leaf(CURRENT)], enforce: true },
        { domains: [{ pattern: 'a.example' }, { pattern: '2001:db8::1' }], pins: [leaf(NEXT)], enforce: true },
      ],
    };
    expect(curlFormat.write(p)).toBe(`--pinnedpubkey 'sha256//${E5};sha256//${CURRENT}'\ncurl --pinnedpubkey 'sha256//${NEXT}' 'https://a.example/' 'https://[2001:db8::1]/'\n`);
  });

  const canonical: PinPolicy[] = [
    { rules: [{ domains: [{ pattern: UNNAMED_HOST }], pins: [leaf(E5), leaf(CURRENT)], enforce: true }] },
    {
      rules: [
        { domains: [{ pattern: 'api.example.com' }, { pattern: 'www.example.com' }], pins: [leaf(CURRENT), leaf(NEXT)], enforce: true },
        { domains: [{ pattern: '192.0.2.10' }], pins: [leaf(E5)], enforce: true },
      ],
    },
  ];
  it.each(canonical.map((p, i) => [i, p] as const))('read(write(x)) is x (policy %i)', (_i, p) => {
    expect(curlFormat.read('pins.sh', curlFormat.write(p)).policy).toEqual(p);
  });

  const refused: [string, PinPolicy, RegExp][] = [
    ['a pattern', { rules: [{ domains: [{ pattern: '*.example.com' }], pins: [leaf(E5)], enforce: true }] }, /is not one/],
    ['subdomains', { rules: [{ domains: [{ pattern: 'example.com', includeSubdomains: true }], pins: [leaf(E5)], enforce: true }] }, /with its subdomains is not one/],
    ['a CA pin', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [{ hash: 'sha256', value: E5, on: 'ca' }], enforce: true }] }, /server's own key only/],
    ['a SHA-1 pin', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [{ hash: 'sha1', value: 'o9VPi5IjvOWM5mABBhFdvlDid/E=' }], enforce: true }] }, /sha256\/\/ hashes only/],
    ['report-only', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [leaf(E5)], enforce: false }] }, /no report-only mode/],
  ];
  it.each(refused)('refused: %s', (_what, p, message) => {
    expect(() => curlFormat.write(p)).toThrow(message);
  });
});

describe('curl: detect', () => {
  it.each([
    ['deploy.sh', "curl --pinnedpubkey 'sha256//x' https://a/", 'curl'],
    ['.curlrc', 'pinnedpubkey = "sha256//x"', 'curl'],
    ['pins.txt', 'sha256//abc;sha256//def', 'curl'],
    ['deploy.sh', 'curl -fsS https://a.example/', undefined],
  ])('%s', (file, text, format) => {
    expect(detectFormat(file, text)).toBe(format);
  });
});

/** Run a shell command line; curl's exit code (0, 90 for a pinned key mismatch). */
function sh(line: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', line], (err, _stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stderr }));
  });
}

describe('curl: the real curl agrees with the read policy and the model', () => {
  const HOST = 'settlement.acme-payments.com';
  const tmp = tempDir();
  // Real curl checks dates against the real clock: certificates issued now.
  const now = new Date();
  let chains: TwoChains;
  let server: Server;
  let port: number;
  let tail: string;
  beforeAll(async () => {
    chains = await twoChains([HOST], now);
    const pem = (der: Uint8Array) => new X509Certificate(der).toString();
    writeFileSync(join(tmp.path, 'root.pem'), pem(chains.root.der));
    server = createServer({ key: chains.leaf.key.export({ type: 'pkcs8', format: 'pem' }), cert: pem(chains.leaf.der) + pem(chains.int.der) }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    // The written command's own URL (https://HOST/), connected to the test server, trusting only the test root.
    tail = `--cacert ${join(tmp.path, 'root.pem')} --capath /nonexistent-pinprick --connect-to ${HOST}:443:127.0.0.1:${port} -sS -o /dev/null --max-time 10`;
  });
  afterAll(() => {
    server?.close();
    tmp.cleanup();
  });

  it.each([
    ['the leaf key pinned (and a backup): curl connects, the model accepts', 'leaf', 0, 'ok'],
    ["only the intermediate's key pinned: curl refuses (exit 90, it checks the server's own key), the model too, since curl's pins are leaf pins", 'int', 90, 'pin-mismatch'],
  ] as const)('%s', async (_what, pinned, exit, code) => {
    const pin = pinned === 'leaf' ? chains.leaf.pin : chains.int.pin;
    const written = curlFormat.write({ rules: [{ domains: [{ pattern: HOST }], pins: [leaf(pin), leaf(NEXT)], enforce: true }] }).trim();
    const run = await sh(`${written} ${tail}`);
    expect(run.code, run.stderr).toBe(exit);
    const read = curlFormat.read('smoke.sh', written);
    expect(verdictFor(chains, read.policy, HOST, 'genuine', now).code).toBe(code);
  });

  it('curl -K reads a .curlrc as the reader does: the pins apply to its url', async () => {
    const rc = join(tmp.path, 'curlrc');
    const text = `# release runner\nsilent\nurl = "https://${HOST}/releases/latest.json"\npinnedpubkey = "sha256//${NEXT};sha256//${chains.leaf.pin}"\n`;
    writeFileSync(rc, text);
    const run = await sh(`curl -K ${rc} ${tail}`);
    expect(run.code, run.stderr).toBe(0);
    const read = curlFormat.read('.curlrc', text);
    expect(read.policy.rules[0]!.domains).toEqual([{ pattern: HOST }]);
    expect(verdictFor(chains, read.policy, HOST, 'genuine', now).code).toBe('ok');
    expect(verdictFor(chains, read.policy, HOST, 'rogue', now).code).toBe('pin-mismatch');
  });
});
