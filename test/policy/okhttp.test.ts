/**
 * OkHttp CertificatePinner calls as Android and JVM apps write them, read into the model's policy;
 * what OkHttp itself would refuse becomes a note; the Java and Kotlin writers; and the read policy
 * evaluated by the model on real chains (OkHttp's union of every matching pattern).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ruleFor, type PinPolicy } from '../../src/model/index.js';
import { PolicyFileError, UNNAMED_HOST } from '../../src/policy/format.js';
import { okhttpFormat, writeOkHttp } from '../../src/policy/formats/okhttp.js';
import { detectFormat } from '../../src/policy/registry.js';
import { readFixture, twoChains, verdictFor, type TwoChains } from './helpers.js';

const sha256 = (value: string, label?: string) => ({ hash: 'sha256' as const, value, ...(label ? { label } : {}) });
const ROOT_RSA = 'Qxg5cFz3rvU4GuJTZ8OleckbSFy8wAUBU2rdfp5MWhc=';
const ROOT_ECDSA = 'rBUJzhtlotAyq+j3Yd6iAqaiG4GEFBBsDq4hwkahBHw=';
const E5 = 'f5sNSaddZZm2EJN69IzlbM56tRHrNcGEjvI5k998/L8=';
const R10 = 'o+6K4YBTOmEYdLcJdqbDVrZgoyjs1PQ5pN63vUAjMIo=';
const BACKUP = 'XiZ7gQLjNrKdFRmUYJcFINgVkuGRH86nxoDOvHtWTkk=';

describe('okhttp: reading CertificatePinner code as apps write it', () => {
  it('a Kotlin Hilt module: constants of an object, a spread array, **. and *. patterns, sha1/, labels from trailing comments', () => {
    const r = readFixture(okhttpFormat, 'NetworkModule.kt');
    expect(r.policy).toEqual({
      combine: 'all',
      rules: [
        { domains: [{ pattern: '**.northwind-shop.com' }], pins: [sha256(ROOT_RSA), sha256(ROOT_ECDSA)], enforce: true },
        { domains: [{ pattern: 'api.northwind-shop.com' }], pins: [sha256(E5), sha256(R10), sha256(BACKUP, 'backup: HSM offline key')], enforce: true },
        {
          domains: [{ pattern: '**.media.northwind-shop.com' }],
          pins: [sha256('5hkpRTYrPelTcs4Mdldex+atQdmaVGFpQDvspWticqk=', 'CDN root'), { hash: 'sha1', value: 'o9VPi5IjvOWM5mABBhFdvlDid/E=', label: 'legacy CDN pin, kept for old clients' }],
          enforce: true,
        },
        {
          domains: [{ pattern: '*.checkout.northwind-shop.com' }],
          pins: [sha256('ivwjKFukKZ3YLfGmG1a6e9NmzQ2BzwYMzP9xqNQA338=', 'payment provider intermediate'), sha256('JMioyfpoT90jzj0v5UZuFyfX7YobKuTe/khIfBnOXOQ=', "backup: provider's second CA")],
          enforce: true,
        },
      ],
    });
    // Each rule at its `.add`, each pin where its literal is written (the constant's declaration).
    expect(r.sources).toEqual([
      { at: { line: 49, column: 10 }, pins: [{ line: 23, column: 26 }, { line: 24, column: 28 }] },
      { at: { line: 50, column: 10 }, pins: [{ line: 27, column: 33 }, { line: 28, column: 34 }, { line: 31, column: 24 }] },
      { at: { line: 51, column: 10 }, pins: [{ line: 34, column: 9 }, { line: 35, column: 9 }] },
      { at: { line: 52, column: 10 }, pins: [{ line: 54, column: 13 }, { line: 55, column: 13 }] },
    ]);
    expect(r.notes).toEqual([]);
    // OkHttp runs on Android and on any JVM: the source does not say which.
    expect(r.platform).toBeUndefined();
    expect(r.hostless).toBeUndefined();
  });

  it('a Java client: a constant concatenated across lines, a String[] passed as the varargs, a builder kept in a variable and added to later', () => {
    const r = readFixture(okhttpFormat, 'SettlementHttpClient.java');
    expect(r.policy.rules).toEqual([
      { domains: [{ pattern: 'settlement.acme-payments.com' }], pins: [sha256('8FguvKsgs66bdjqttJH66SJDVHVjfeewaJ//J845m+s='), sha256('UtOcHkWdbP3E4xo0LtL1i4qPbrdIHu0p5Zlw0nmoexE=', 'backup CA')], enforce: true },
      { domains: [{ pattern: 'reports.acme-payments.com' }], pins: [sha256('4Aq33TZYjt4sOjSZ4vBcmK1X2kfFcIMYBcT6uMaPnmA='), sha256('vH/T4xODQfIG6d+DFMkim4X5QRvtoR9preLXWwCja4s=')], enforce: true },
      { domains: [{ pattern: '*.staging.acme-payments.com' }], pins: [sha256('WyYHsCn2Mxa7jMPAJrWSfLcM6m3Dn9EnmpSlF1f/Sqs=')], enforce: true },
    ]);
    expect(r.sources.map((s) => s.at)).toEqual([
      { line: 31, column: 18 },
      { line: 32, column: 14 },
      { line: 35, column: 18 },
    ]);
    expect(r.sources[0]!.pins).toEqual([
      { line: 18, column: 13 },
      { line: 20, column: 49 },
    ]);
    expect(r.notes).toEqual([]);
  });
});

describe('okhttp: what the reader tells lint (the rule keeps its other pins)', () => {
  const read = (body: string) => okhttpFormat.read('Pins.kt', `val pinner = CertificatePinner.Builder()\n${body}\n    .build()\n`);
  const rows: [string, string, { pins: number; notes: { kind: string; at: string; detail: RegExp }[] }][] = [
    [
      'a bare base64 pin: OkHttp throws (pins must start with sha256/ or sha1/)',
      `    .add("a.example", "sha256/${E5}", "${BACKUP}")`,
      { pins: 1, notes: [{ kind: 'malformed-pin', at: '2:78', detail: /^OkHttp refuses 'XiZ7.*': "pins must start with 'sha256\/' or 'sha1\/'" \(Builder\.add throws\)$/ }] },
    ],
    ['the prefix is case-sensitive in OkHttp', `    .add("a.example", "SHA256/${E5}")`, { pins: 0, notes: [{ kind: 'malformed-pin', at: '2:23', detail: /must start with 'sha256\/'/ }] }],
    [
      "the placeholder of OkHttp's own setup instructions",
      `    .add("a.example", "sha256/${'A'.repeat(43)}=", "sha256/${E5}")`,
      { pins: 1, notes: [{ kind: 'malformed-pin', at: '2:23', detail: /is a placeholder, not a digest: 1 distinct byte value in 32$/ }] },
    ],
    ['a truncated pin: OkHttp accepts it and it never matches', `    .add("a.example", "sha256/${E5.slice(0, 40)}", "sha256/${E5}")`, { pins: 1, notes: [{ kind: 'malformed-pin', at: '2:23', detail: /decodes to 30 bytes; a SHA-256 pin is the base64 of 32 bytes$/ }] }],
    ['a pin from another file: noted, the rule keeps what it can see', `    .add("a.example", "sha256/${E5}", BuildConfig.BACKUP_PIN)`, { pins: 1, notes: [{ kind: 'other', at: '2:78', detail: /^a pin comes from 'BuildConfig\.BACKUP_PIN', which is not written in this file/ }] }],
    ['a pattern OkHttp refuses', `    .add("api.*.example", "sha256/${E5}")`, { pins: 1, notes: [{ kind: 'other', at: '2:10', detail: /^OkHttp refuses the pattern 'api\.\*\.example' \(IllegalArgumentException "Unexpected pattern"\)/ }] }],
  ];
  it.each(rows)('%s', (_what, body, want) => {
    const r = read(body);
    expect(r.policy.rules).toHaveLength(1);
    expect(r.policy.rules[0]!.pins).toHaveLength(want.pins);
    expect(r.notes.map((n) => ({ kind: n.kind, at: `${n.at.line}:${n.at.column}`, detail: n.detail }))).toEqual(want.notes.map((n) => ({ ...n, detail: expect.stringMatching(n.detail) })));
    for (const n of r.notes) if (n.kind === 'malformed-pin') expect(n.ruleIndex).toBe(0);
  });

  it('a rule whose every pin comes from elsewhere is left out (its real pins are unknown; an empty set would refuse every chain)', () => {
    const r = read('    .add("a.example", BuildConfig.PIN_1, BuildConfig.PIN_2)');
    expect(r.policy.rules).toEqual([]);
    expect(r.notes.map((n) => n.detail)).toEqual([expect.stringMatching(/BuildConfig\.PIN_1/), expect.stringMatching(/BuildConfig\.PIN_2/)]);
  });

  it('a host from another file: the rule pins the unnamed host and the policy is hostless (--host fills it in)', () => {
    const r = read(`    .add(BuildConfig.API_HOST, "sha256/${E5}", "sha256/${BACKUP}")`);
    expect(r.policy.rules[0]!.domains).toEqual([{ pattern: UNNAMED_HOST }]);
    expect(r.hostless).toBe(true);
    expect(r.notes[0]).toMatchObject({ kind: 'other', at: { line: 2, column: 10 }, detail: "the pattern is 'BuildConfig.API_HOST', which is not written in this file: give the host it stands for with --host" });
  });

  it('a constant defined through thousands of others is not followed to the end: unknown, noted, no stack overflow', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => `val C${i} = C${i + 1}`).join('\n');
    const r = okhttpFormat.read('Pins.kt', `${chain}\nval C20000 = "sha256/${E5}"\nval p = CertificatePinner.Builder().add("a.example", C0, "sha256/${BACKUP}").build()\n`);
    expect(r.policy.rules[0]!.pins).toEqual([sha256(BACKUP)]);
    expect(r.notes).toEqual([expect.objectContaining({ kind: 'other', detail: expect.stringMatching(/^a pin comes from 'C[0-9]+', which is not written in this file/) })]);
  });

  it('Kotlin .apply { add(...) } on the builder, and templates of constants', () => {
    const r = okhttpFormat.read('Pins.kt', `const val HOST = "example.com"\nconst val E5 = "${E5}"\nval pinner = CertificatePinner.Builder().apply {\n    add("**.$HOST", "sha256/$E5")\n    add("\${HOST}", "sha256/${BACKUP}")\n}.build()\n`);
    expect(r.policy.rules.map((x) => [x.domains[0]!.pattern, x.pins.map((p) => p.value)])).toEqual([
      ['**.example.com', [E5]],
      ['example.com', [BACKUP]],
    ]);
  });
});

describe('okhttp: files that are not CertificatePinner code stop with file:line:col', () => {
  const rows: [string, string, string][] = [
    ['an unterminated string', 'val p = CertificatePinner.Builder()\n    .add("a.example", "sha256/abc)\n    .build()\n', 'Pins.kt:2:23: unterminated string literal'],
    ['a call left open', 'fun p() {\n    CertificatePinner.Builder()\n        .add("a.example", "sha256/x"\n        .build()\n}\n', "Pins.kt:5:1: '}' where the '(' of line 3 column 13 needs ')'"],
    ['a brace left open', 'object Pins {\n    val p = CertificatePinner.Builder().build()\n', "Pins.kt:1:13: '{' is never closed"],
    ['an unterminated comment', '/* pins\nval p = CertificatePinner.Builder().build()\n', 'Pins.kt:1:1: unterminated comment'],
    ['no CertificatePinner at all', 'val client = OkHttpClient.Builder().build()\n', 'Pins.kt:1:1: no OkHttp CertificatePinner.Builder() in this file'],
  ];
  it.each(rows)('%s', (_what, text, message) => {
    expect(() => okhttpFormat.read('Pins.kt', text)).toThrow(PolicyFileError);
    expect(() => okhttpFormat.read('Pins.kt', text)).toThrow(message);
  });
});

describe('okhttp: writing', () => {
  const policy: PinPolicy = {
    combine: 'all',
    rules: [
      { domains: [{ pattern: 'api.example.com' }], pins: [sha256(E5, 'current intermediate'), sha256(BACKUP, 'backup: offline key')], enforce: true },
      { domains: [{ pattern: 'example.com', includeSubdomains: true }], pins: [{ hash: 'sha1', value: 'o9VPi5IjvOWM5mABBhFdvlDid/E=' }], enforce: true },
    ],
  };

  it('Java: one .add per pattern, a pin a line with its label as a comment; includeSubdomains is **.', () => {
    expect(okhttpFormat.write(policy)).toBe(
      [
        'import okhttp3.CertificatePinner;',
        '',
        'CertificatePinner certificatePinner = new CertificatePinner.Builder()',
        '    .add("api.example.com",',
        `        "sha256/${E5}", // current intermediate`,
        `        "sha256/${BACKUP}") // backup: offline key`,
        '    .add("**.example.com",',
        '        "sha1/o9VPi5IjvOWM5mABBhFdvlDid/E=")',
        '    .build();',
        '',
      ].join('\n'),
    );
    expect(writeOkHttp(policy, 'kotlin')).toContain('val certificatePinner = CertificatePinner.Builder()\n    .add("api.example.com",');
  });

  // OkHttp's form of a policy: one pattern a rule, subdomains as **.
  const canonical: PinPolicy[] = [
    { combine: 'all', rules: [] },
    { combine: 'all', rules: [{ domains: [{ pattern: 'api.example.com' }], pins: [sha256(E5, 'current intermediate'), sha256(BACKUP, 'backup: offline key')], enforce: true }] },
    {
      combine: 'all',
      rules: [
        { domains: [{ pattern: '**.example.com' }], pins: [sha256(ROOT_RSA), { hash: 'sha1', value: 'o9VPi5IjvOWM5mABBhFdvlDid/E=', label: 'legacy' }], enforce: true },
        { domains: [{ pattern: '*.cdn.example.com' }], pins: [sha256(R10)], enforce: true },
        { domains: [{ pattern: '192.0.2.10' }], pins: [sha256(ROOT_ECDSA)], enforce: true },
      ],
    },
  ];
  it.each(canonical.map((p, i) => [i, p] as const))('read(write(x)) is x, in Java and in Kotlin (policy %i)', (_i, p) => {
    expect(okhttpFormat.read('Pinner.java', okhttpFormat.write(p)).policy).toEqual(p);
    expect(okhttpFormat.read('Pinner.kt', writeOkHttp(p, 'kotlin')).policy).toEqual(p);
  });

  it('a rule on several hosts is one .add per host', () => {
    const two: PinPolicy = { rules: [{ domains: [{ pattern: 'a.example' }, { pattern: 'b.example' }], pins: [sha256(E5)], enforce: true }] };
    expect(okhttpFormat.read('P.java', okhttpFormat.write(two)).policy.rules.map((r) => r.domains[0]!.pattern)).toEqual(['a.example', 'b.example']);
  });

  const refused: [string, PinPolicy, RegExp][] = [
    ['report-only', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [sha256(E5)], enforce: false }] }, /no report-only mode/],
    ['an expiration', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [sha256(E5)], enforce: true, expiration: new Date('2027-01-01') }] }, /do not expire/],
    ['a leaf-only pin (ATS)', { rules: [{ domains: [{ pattern: 'a.example' }], pins: [{ ...sha256(E5), on: 'leaf' }], enforce: true }] }, /restricted to the leaf or to CAs/],
    ['*. with its subdomains', { rules: [{ domains: [{ pattern: '*.example.com', includeSubdomains: true }], pins: [sha256(E5)], enforce: true }] }, /has no CertificatePinner pattern/],
    ['the unnamed host', { rules: [{ domains: [{ pattern: UNNAMED_HOST }], pins: [sha256(E5)], enforce: true }] }, /give one with --host/],
  ];
  it.each(refused)('what CertificatePinner cannot say is refused, not dropped: %s', (_what, p, message) => {
    expect(() => okhttpFormat.write(p)).toThrow(message);
  });
});

describe('okhttp: detect', () => {
  it.each([
    ['NetworkModule.kt', 'CertificatePinner.Builder()\n.add("a", "sha256/x")', 'okhttp'],
    ['Client.java', 'new CertificatePinner.Builder().add(HOST, PIN).build();', 'okhttp'],
    ['notes.md', 'We use CertificatePinner.Builder() in the app.', 'okhttp'],
    ['Client.kt', 'val client = OkHttpClient.Builder().build()', undefined],
  ])('%s', (file, text, format) => {
    expect(detectFormat(file, text)).toBe(format);
  });
});

describe('okhttp: the read policy in the model', () => {
  let chains: TwoChains;
  const hosts = ['api.northwind-shop.com', 'northwind-shop.com', 'media.northwind-shop.com', 'img.eu.media.northwind-shop.com', 'pay.checkout.northwind-shop.com', 'a.b.checkout.northwind-shop.com'];
  beforeAll(async () => {
    chains = await twoChains(hosts);
  });

  // "If multiple patterns match a hostname, any match is sufficient" (OkHttp CertificatePinner): the pins of every matching .add apply together.
  it.each([
    ['api.northwind-shop.com', '**.northwind-shop.com, api.northwind-shop.com', 5],
    ['northwind-shop.com', '**.northwind-shop.com', 2],
    ['media.northwind-shop.com', '**.northwind-shop.com, **.media.northwind-shop.com', 4],
    ['img.eu.media.northwind-shop.com', '**.northwind-shop.com, **.media.northwind-shop.com', 4],
    ['pay.checkout.northwind-shop.com', '**.northwind-shop.com, *.checkout.northwind-shop.com', 4],
    // *. is one label: two labels below checkout fall to the ** pattern alone.
    ['a.b.checkout.northwind-shop.com', '**.northwind-shop.com', 2],
    ['northwind-shop.org', undefined, 0],
  ])('%s is covered by %s (%i pins)', (host, coveredBy, pins) => {
    const applied = ruleFor(readFixture(okhttpFormat, 'NetworkModule.kt').policy, host);
    expect(applied?.coveredBy).toBe(coveredBy);
    expect(applied?.rule.pins.length ?? 0).toBe(pins);
  });

  it('the Kotlin module with its root pin swapped for a test root: the genuine chain passes through the ** pattern, a trusted rogue chain is refused', () => {
    const policy = readFixture(okhttpFormat, 'NetworkModule.kt', { [ROOT_RSA]: chains.root.pin }).policy;
    for (const host of hosts) {
      const ok = verdictFor(chains, policy, host, 'genuine');
      expect(ok.code, ok.reason).toBe('ok');
      expect(verdictFor(chains, policy, host, 'rogue').code).toBe('pin-mismatch');
    }
  });

  it('an intermediate pinned for api only: the union of patterns lets api pass on it, other hosts need the root', () => {
    const policy = readFixture(okhttpFormat, 'NetworkModule.kt', { [E5]: chains.int.pin }).policy;
    expect(verdictFor(chains, policy, 'api.northwind-shop.com', 'genuine').code).toBe('ok');
    expect(verdictFor(chains, policy, 'northwind-shop.com', 'genuine').code).toBe('pin-mismatch');
  });
});
