import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASON_CODES, type ModelInput, type ReasonCode } from '../../src/model/index.js';
import { pemOf } from '../../src/world/pem.js';
import { openWorld } from '../../src/world/store.js';
import type { World } from '../../src/world/world.js';
import { runCli } from '../helpers/cli.js';
import { ext } from '../helpers/der-builder.js';
import { opensslStatus } from '../helpers/openssl.js';
import { PemFolder } from '../helpers/openssl-verify.js';
import { caExtensions, days, ders, leafExtensions, NOW, opensslOutcome, rawIssue, TestPki, type TestCert } from '../helpers/pki.js';
import { tempDir } from '../helpers/tmp.js';

describe('pinprick verify', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  let world: World;
  const file = (name: string, ...certs: string[]) => {
    const path = join(tmp.path, name);
    writeFileSync(path, certs.map((c) => pemOf(world.cert(c).der, 'CERTIFICATE')).join(''));
    return path;
  };
  let leaf: string, chain: string, roots: string, stuffed: string, rogueLeaf: string;
  beforeAll(async () => {
    world = (await openWorld({ certsDir })).world;
    leaf = file('leaf.pem', 'genuine-leaf');
    chain = file('chain.pem', 'genuine-intermediate');
    roots = file('roots.pem', 'genuine-root', 'rogue-root');
    rogueLeaf = file('rogue-leaf.pem', 'rogue-leaf');
    stuffed = file('stuffed.pem', 'rogue-intermediate', 'genuine-intermediate', 'genuine-root');
  });
  afterAll(() => tmp.cleanup());

  it('accepts (exit 0) when a pin is on the validated path, and agrees with openssl that the chain validates', async () => {
    const r = await runCli(['verify', leaf, '--chain', chain, '--roots', roots, '--host', 'api.pinprick.test', '--pins', `sha256//${world.key('genuine-intermediate').pin.sha256}`], { certsDir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verdict: ACCEPT \(ok\)/);
    expect(opensslStatus(['verify', '-CAfile', roots, '-untrusted', chain, '-verify_hostname', 'api.pinprick.test', leaf]).status).toBe(0);
  });

  it('rejects (exit 1) pin stuffing: the pinned intermediate and root were sent but are not on the validated path', async () => {
    const r = await runCli(['verify', rogueLeaf, '--chain', stuffed, '--roots', roots, '--host', 'api.pinprick.test', '--pins', `sha256//${world.key('genuine-intermediate').pin.sha256};sha256//${world.key('genuine-root').pin.sha256}`, '--json'], { certsDir });
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout);
    expect(v).toMatchObject({ expected: 'reject', code: 'pin-mismatch', validation: { ok: true } });
    expect(opensslStatus(['verify', '-CAfile', roots, '-untrusted', stuffed, '-verify_hostname', 'api.pinprick.test', rogueLeaf]).status).toBe(0);
  });

  it('never accepts a pinned key on a path that fails validation (wrong host)', async () => {
    const r = await runCli(['verify', leaf, '--chain', chain, '--roots', roots, '--host', 'other.test', '--pins', `sha256//${world.key('genuine-leaf').pin.sha256}`], { certsDir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/REJECT \(hostname-mismatch\)/);
  });

  it('checks validity at --at', async () => {
    const r = await runCli(['verify', leaf, '--chain', chain, '--roots', roots, '--at', '2099-01-01T00:00:00Z'], { certsDir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/REJECT \(expired\)/);
  });

  it('--batch answers one line per input line, in order, with an error result for a bad line', async () => {
    const pem = (n: string) => pemOf(world.cert(n).der, 'CERTIFICATE');
    const good = JSON.stringify({ peer: pem('genuine-leaf'), chain: [pem('genuine-intermediate')], roots: [pem('genuine-root')], host: 'api.pinprick.test', pins: [`sha256//${world.key('backup-1').pin.sha256}`] });
    const r = await runCli(['verify', '--batch'], { certsDir, input: `${good}\nnot json\n${JSON.stringify({ peer: 'x', roots: [] })}\n` });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ expected: 'reject', code: 'pin-mismatch' });
    expect(lines[1]).toEqual({ line: 2, error: expect.stringMatching(/^not JSON; expected a JSON object/) });
    expect(lines[2]).toEqual({ line: 3, error: 'peer: neither PEM nor a DER certificate' });
  });

  it('bad input is one line and exit 2', async () => {
    const r = await runCli(['verify', leaf, '--roots', join(tmp.path, 'missing.pem')], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pinprick: .*missing\.pem: cannot read the roots \(ENOENT\)\n$/);
    const bad = await runCli(['verify', leaf, '--roots', roots, '--pins', 'sha256//short'], { certsDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected sha256\/\/BASE64/);
  });
});

const SCHEMA = JSON.parse(readFileSync(new URL('../../docs/schemas/verify.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: true });
/** Any line `pinprick verify` prints: a verdict, or a --batch error. */
const validateLine = ajv.compile(SCHEMA);
/** What `--json` prints: always a verdict. */
const validateVerdict = ajv.getSchema(`${SCHEMA.$id}#/definitions/verdict`)!;
const conforms = (validate: ValidateFunction, json: unknown) => {
  const ok = validate(json) as boolean;
  return ok ? 'conforms' : JSON.stringify(validate.errors);
};

describe('the --json and --batch output follow docs/schemas/verify.schema.json', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  let world: World;
  const pem = (n: string) => pemOf(world.cert(n).der, 'CERTIFICATE');
  const file = (name: string, ...certs: string[]) => {
    const path = join(tmp.path, name);
    writeFileSync(path, certs.map(pem).join(''));
    return path;
  };
  beforeAll(async () => {
    world = (await openWorld({ certsDir })).world;
  });
  afterAll(() => tmp.cleanup());

  it('the schema names exactly the model\'s reason codes, and the validation codes are those minus the pin check\'s', () => {
    expect(SCHEMA.definitions.reasonCode.enum).toEqual([...REASON_CODES]);
    const pinCodes = ['ok-unpinned-host', 'ok-backup-pin', 'ok-pins-expired', 'ok-report-only', 'pin-mismatch'];
    expect(SCHEMA.definitions.validationCode.enum).toEqual(REASON_CODES.filter((c) => !pinCodes.includes(c)));
  });

  it('the schema is not vacuous: an unknown code or an undocumented field is refused', () => {
    const verdict = { expected: 'accept', code: 'ok', reason: 'x', paths: [], validation: { ok: true, code: 'ok', reason: 'x' } };
    expect(conforms(validateVerdict, verdict)).toBe('conforms');
    expect(conforms(validateVerdict, { ...verdict, code: 'fine' })).not.toBe('conforms');
    expect(conforms(validateVerdict, { ...verdict, extra: 1 })).not.toBe('conforms');
    expect(conforms(validateVerdict, { error: 'x' })).not.toBe('conforms');
    expect(conforms(validateLine, { line: 1, error: 'x' })).toBe('conforms');
    expect(conforms(validateLine, { error: 'x' })).not.toBe('conforms');
    expect(conforms(validateLine, { ...verdict, line: 3 })).toBe('conforms');
  });

  interface JsonCase {
    what: string;
    peer: string;
    chain: string[];
    roots: string[];
    host?: string;
    /** Names of world keys whose pins are given. */
    pins: string[];
  }
  it.each<JsonCase>([
    { what: 'an accept with a pin on the path', peer: 'genuine-leaf', chain: ['genuine-intermediate'], roots: ['genuine-root', 'rogue-root'], host: 'api.pinprick.test', pins: ['genuine-intermediate'] },
    {
      what: 'pin stuffing: pinned keys sent off the path',
      peer: 'rogue-leaf',
      chain: ['rogue-intermediate', 'genuine-intermediate', 'genuine-root'],
      roots: ['genuine-root', 'rogue-root'],
      host: 'api.pinprick.test',
      pins: ['genuine-intermediate', 'genuine-root'],
    },
    { what: 'a host mismatch, no pins', peer: 'genuine-leaf', chain: ['genuine-intermediate'], roots: ['genuine-root'], host: 'other.test', pins: [] },
    { what: 'an untrusted chain', peer: 'rogue-leaf', chain: ['rogue-intermediate'], roots: ['genuine-root'], pins: [] },
  ])('--json: $what', async (c) => {
    const argv = ['verify', file(`${c.peer}.pem`, c.peer), '--chain', file(`chain-${c.chain.join('-')}.pem`, ...c.chain), '--roots', file(`roots-${c.roots.join('-')}.pem`, ...c.roots), '--json'];
    if (c.host) argv.push('--host', c.host);
    if (c.pins.length) argv.push('--pins', c.pins.map((k) => `sha256//${world.key(k).pin.sha256}`).join(';'));
    const r = await runCli(argv, { certsDir });
    expect(r.stderr).toBe('');
    expect(conforms(validateVerdict, JSON.parse(r.stdout))).toBe('conforms');
  });

  it('--batch: verdict lines and error lines alike', async () => {
    // No `at`: the world's certificates are issued around the wall clock.
    const line = (o: object) => JSON.stringify({ peer: pem('genuine-leaf'), chain: [pem('genuine-intermediate')], roots: [pem('genuine-root')], ...o });
    const input = [
      line({ host: 'api.pinprick.test', pins: [`sha256//${world.key('genuine-intermediate').pin.sha256}`] }),
      line({ host: 'api.pinprick.test', pins: [`sha256//${world.key('backup-1').pin.sha256}`] }),
      line({ roots: [pem('rogue-root')] }),
      line({ at: '2099-01-01T00:00:00Z' }),
      line({ peer: pem('genuine-leaf').replace(/[A-Za-z0-9+/]{64}\n/, '') }),
      'not json',
      line({ at: 'yesterday' }),
    ].join('\n');
    const r = await runCli(['verify', '--batch'], { certsDir, input });
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.code ?? 'error')).toEqual(['ok', 'pin-mismatch', 'untrusted', 'expired', 'error', 'error', 'error']);
    for (const l of lines) expect(conforms(validateLine, l)).toBe('conforms');
  });
});

describe('--batch reads PEM without OpenSSL, and answers exactly as when OpenSSL decodes it', () => {
  const tmp = tempDir();
  const pki = new TestPki();
  let root: TestCert, int: TestCert, leaf: TestCert;
  const wrap = (label: string, der: Uint8Array) => pemOf(der, 'CERTIFICATE').replace(/CERTIFICATE/g, label);
  const batch = async (...lines: object[]) => {
    const r = await runCli(['verify', '--batch'], { certsDir: join(tmp.path, 'certs'), input: lines.map((l) => JSON.stringify(l)).join('\n') });
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  };
  const base = () => ({ peer: pemOf(leaf.der, 'CERTIFICATE'), chain: [pemOf(int.der, 'CERTIFICATE')], roots: [pemOf(root.der, 'CERTIFICATE')], host: 'api.example', at: NOW.toISOString() });
  beforeAll(async () => {
    root = await pki.root('CN=Batch Root');
    int = await pki.intermediate('CN=Batch Intermediate', root);
    leaf = await pki.leaf('api.example', int);
  });
  afterAll(() => tmp.cleanup());

  it('a TRUSTED CERTIFICATE block (trust settings after the certificate) and trailing bytes in a block: the certificate is its first TLV, as for OpenSSL', async () => {
    const aux = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]);
    const lines = await batch(
      { ...base(), peer: wrap('TRUSTED CERTIFICATE', Buffer.concat([leaf.der, aux])) },
      { ...base(), chain: [wrap('CERTIFICATE', Buffer.concat([int.der, Buffer.from([1, 2, 3])]))] },
    );
    expect(lines.map((l) => l.code)).toEqual(['ok', 'ok']);
  });

  it('a certificate OpenSSL reads but RFC 5280 forbids (an extension twice) is the model\'s malformed verdict, at its position in the chain', async () => {
    const dup = await rawIssue({ subject: 'CN=api.example', issuer: int, extensions: leafExtensions({ dns: ['api.example'] }, [ext.subjectAltName({ dns: ['other.example'] })]) });
    const lines = await batch({ ...base(), peer: pemOf(dup.der, 'CERTIFICATE') }, { ...base(), chain: [pemOf(int.der, 'CERTIFICATE'), pemOf(dup.der, 'CERTIFICATE')] });
    expect(lines[0]).toMatchObject({ expected: 'reject', code: 'malformed', reason: 'The presented leaf is not a well-formed certificate (extension 2.5.29.17 appears twice).' });
    expect(lines[1]).toMatchObject({ code: 'malformed', reason: expect.stringMatching(/^Presented certificate 2 is not a well-formed certificate/) });
  });

  it('a block that OpenSSL cannot read either is an error line naming the block', async () => {
    const lines = await batch({ ...base(), chain: [wrap('CERTIFICATE', int.der.subarray(0, 100))] }, { ...base(), roots: ['no PEM here'] });
    expect(lines[0]).toEqual({ line: 1, error: expect.stringMatching(/^chain\[0\]: the CERTIFICATE block at line 1 does not parse/) });
    expect(lines[1]).toEqual({ line: 2, error: 'roots[0]: neither PEM nor a DER certificate' });
  });
});

/**
 * The issue's list of real-chain situations, each through `pinprick verify` (all rows in one
 * --batch run, a few also as the single-chain command on files) and through `openssl verify
 * -x509_strict -purpose sslserver -attime T -verify_hostname H | -verify_ip IP -CAfile -untrusted`
 * on the same bytes. Where they part on purpose, the row says why.
 */
describe('cross-check: pinprick verify and openssl verify agree on real-chain situations', () => {
  const tmp = tempDir();
  const files = new PemFolder(tmp.path);
  const pki = new TestPki();
  const HOST = 'api.example.test';
  let root: TestCert, int: TestCert;
  beforeAll(async () => {
    root = await pki.root('CN=Cross-check Root, O=pinprick tests');
    int = await pki.intermediate('CN=Cross-check Intermediate, O=pinprick tests', root);
  });
  afterAll(() => tmp.cleanup());

  const input = (presented: TestCert[], anchors: TestCert[], more: Partial<ModelInput> = {}): ModelInput => ({ presented: ders(...presented), anchors: ders(...anchors), host: HOST, at: NOW, ...more });
  /** A leaf under the shared intermediate with exactly these SAN entries (none: no SAN at all). */
  const named = async (san: { dns?: string[]; ip?: string[] } | undefined, cn = HOST) =>
    rawIssue({ subject: `CN=${cn}`, issuer: int, extensions: (key, issuerKey) => leafExtensions(san ?? {})(key, issuerKey).filter((e) => san || e.oid !== '2.5.29.17') });
  const UNKNOWN = ext.raw('1.3.6.1.4.1.55555.7.7', true);

  interface Row {
    what: string;
    build: () => Promise<ModelInput>;
    code: ReasonCode;
    /** Also run as `pinprick verify leaf.pem --chain … --roots … --host … --at …` on files. */
    single?: boolean;
    /** Correct platforms differ: the model says either (and openssl is one of those that reject). */
    either?: true;
    extra?: string[];
    openssl?: { code: ReasonCode; why: string };
  }
  const rows: Row[] = [
    { what: 'a wildcard SAN covers exactly one left-most label', build: async () => input([await named({ dns: ['*.example.test'] }), int], [root], { host: 'a.example.test' }), code: 'ok', single: true },
    { what: 'a wildcard never covers two labels', build: async () => input([await named({ dns: ['*.example.test'] }), int], [root], { host: 'a.b.example.test' }), code: 'hostname-mismatch' },
    { what: 'a wildcard never covers the bare parent name', build: async () => input([await named({ dns: ['*.example.test'] }), int], [root], { host: 'example.test' }), code: 'hostname-mismatch' },
    { what: 'a wildcard below the left-most label matches nothing', build: async () => input([await named({ dns: ['a.*.example.test'] }), int], [root], { host: 'a.b.example.test' }), code: 'hostname-mismatch' },
    {
      what: 'a partial wildcard (f*.example.test) matches nothing',
      build: async () => input([await named({ dns: ['f*.example.test'] }), int], [root], { host: 'foo.example.test' }),
      code: 'hostname-mismatch',
      openssl: { code: 'ok', why: 'openssl verify -verify_hostname leaves partial wildcards on (no X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS); RFC 9525 6.3, browsers, curl and Node refuse them' },
    },
    { what: 'names compare case-insensitively: upper-case SAN, lower-case host', build: async () => input([await named({ dns: ['API.Example.TEST'] }), int], [root]), code: 'ok' },
    { what: 'names compare case-insensitively: lower-case SAN, upper-case host', build: async () => input([await named({ dns: [HOST] }), int], [root], { host: 'API.EXAMPLE.TEST' }), code: 'ok' },
    { what: 'an IPv4 host matches an iPAddress SAN', build: async () => input([await named({ dns: [HOST], ip: ['192.0.2.10'] }), int], [root], { host: '192.0.2.10' }), code: 'ok', single: true },
    { what: 'an IPv6 host matches an iPAddress SAN', build: async () => input([await named({ ip: ['2001:db8::10'] }), int], [root], { host: '2001:db8::10' }), code: 'ok' },
    { what: 'an IP host never matches a dNSName holding the address', build: async () => input([await named({ dns: ['192.0.2.10'] }), int], [root], { host: '192.0.2.10' }), code: 'hostname-mismatch' },
    { what: 'an IP host not in the iPAddress entries', build: async () => input([await named({ ip: ['192.0.2.10'] }), int], [root], { host: '192.0.2.11' }), code: 'hostname-mismatch' },
    { what: 'no commonName fallback when the SAN has a dNSName', build: async () => input([await named({ dns: ['other.example.test'] }, HOST), int], [root]), code: 'hostname-mismatch', single: true },
    {
      what: 'no SAN at all, the host in the commonName: either (OpenSSL, Node and the JVM use the CN; Go, Apple and Android do not)',
      build: async () => input([await named(undefined, HOST), int], [root]),
      code: 'hostname-mismatch',
      either: true,
      single: true,
      openssl: { code: 'ok', why: 'openssl falls back to the commonName' },
    },
    {
      what: 'an unknown critical extension on the leaf is rejected',
      build: async () => input([await rawIssue({ subject: `CN=${HOST}`, issuer: int, extensions: leafExtensions({ dns: [HOST] }, [UNKNOWN]) }), int], [root]),
      code: 'unknown-critical-extension',
      single: true,
    },
    {
      what: 'an unknown critical extension on the intermediate is rejected',
      build: async () => {
        const odd = await rawIssue({ subject: 'CN=Odd Intermediate', issuer: root, extensions: caExtensions([UNKNOWN], 0) });
        return input([await pki.leaf(HOST, odd), odd], [root]);
      },
      code: 'unknown-critical-extension',
    },
    {
      what: 'validity at --at: the intermediate is not yet valid',
      build: async () => {
        const early = await pki.intermediate('CN=Future Intermediate', root, { notBefore: '+10d', notAfter: '+3y' });
        return input([await pki.leaf(HOST, early, { notBefore: '-1d', notAfter: '+90d' }), early], [root]);
      },
      code: 'not-yet-valid',
    },
    {
      what: 'validity at --at: the root has expired, the rest is valid',
      build: async () => {
        const old = await pki.root('CN=Expired Cross-check Root', { notBefore: '-20y', notAfter: '-30d' });
        const under = await pki.intermediate('CN=Under Expired Root', old, { notBefore: '-60d', notAfter: '+1y' });
        return input([await pki.leaf(HOST, under), under], [old]);
      },
      code: 'expired',
      either: true,
      single: true,
    },
    {
      what: 'validity at --at: a chain whose intermediate expired ten days ago is valid at an instant when all three were',
      build: async () => {
        const past = await pki.intermediate('CN=Past Intermediate', root, { notBefore: '-300d', notAfter: '-10d' });
        return input([await pki.leaf(HOST, past, { notBefore: '-200d', notAfter: '-20d' }), past], [root], { at: days(-100) });
      },
      code: 'ok',
    },
    { what: 'validity at --at: the leaf, a day after its notAfter', build: async () => input([await pki.leaf(HOST, int), int], [root], { at: days(91) }), code: 'expired' },
    {
      what: 'unrelated certificates around the intermediate in the sent chain',
      build: async () => {
        const stranger = await pki.root('CN=Unrelated Root');
        const strangerInt = await pki.intermediate('CN=Unrelated Intermediate', stranger);
        return input([await pki.leaf(HOST, int), strangerInt, int, stranger], [root]);
      },
      code: 'ok',
    },
    {
      what: 'three intermediates between the leaf and the root',
      build: async () => {
        const a = await pki.intermediate('CN=Level 1', root, { pathLen: undefined });
        const b = await pki.intermediate('CN=Level 2', a, { pathLen: undefined });
        const c = await pki.intermediate('CN=Level 3', b);
        return input([await pki.leaf(HOST, c), c, b, a], [root]);
      },
      code: 'ok',
    },
    {
      what: 'a cross-signed intermediate, the store holding only the old root',
      build: async () => {
        const [oldRoot, newRoot] = [await pki.root('CN=Old Cross Root'), await pki.root('CN=New Cross Root')];
        const viaNew = await pki.intermediate('CN=Cross Intermediate', newRoot);
        const viaOld = await pki.intermediate('CN=Cross Intermediate', oldRoot, { subjectKey: viaNew.key });
        return input([await pki.leaf(HOST, viaNew), viaOld, viaNew], [oldRoot]);
      },
      code: 'ok',
    },
    {
      what: 'a cross-signed intermediate, the store holding only the new root',
      build: async () => {
        const [oldRoot, newRoot] = [await pki.root('CN=Old Cross Root 2'), await pki.root('CN=New Cross Root 2')];
        const viaNew = await pki.intermediate('CN=Cross Intermediate 2', newRoot);
        const viaOld = await pki.intermediate('CN=Cross Intermediate 2', oldRoot, { subjectKey: viaNew.key });
        return input([await pki.leaf(HOST, viaNew), viaNew, viaOld], [newRoot]);
      },
      code: 'ok',
    },
    {
      what: 'a cross-signed intermediate, the store holding only the new root, the old copy sent first',
      build: async () => {
        const [oldRoot, newRoot] = [await pki.root('CN=Old Cross Root 3'), await pki.root('CN=New Cross Root 3')];
        const viaNew = await pki.intermediate('CN=Cross Intermediate 3', newRoot);
        const viaOld = await pki.intermediate('CN=Cross Intermediate 3', oldRoot, { subjectKey: viaNew.key });
        return input([await pki.leaf(HOST, viaNew), viaOld, viaNew], [newRoot]);
      },
      // OpenSSL takes the first presented issuer and never revisits it (20); Go, the JVM and
      // Android backtrack and find the path: either (platforms.ts backtracking).
      code: 'untrusted',
      either: true,
    },
    {
      what: 'a trust anchor self-signed with SHA-1 (its own signature never counts)',
      build: async () => {
        const sha1 = await pki.root('CN=SHA-1 Cross-check Root', { keyType: 'rsa-2048', hash: 'SHA-1' });
        const under = await pki.intermediate('CN=Under SHA-1 Root', sha1);
        return input([await pki.leaf(HOST, under), under], [sha1]);
      },
      code: 'ok',
      extra: ['-auth_level', '1'],
    },
  ];

  const pemList = (list: readonly Uint8Array[]) => list.map((d) => pemOf(d, 'CERTIFICATE'));
  let inputs: ModelInput[];
  let batchLines: { code?: string; expected?: string; error?: string }[];
  beforeAll(async () => {
    inputs = await Promise.all(rows.map((r) => r.build()));
    const lines = inputs.map((i) => JSON.stringify({ peer: pemOf(i.presented[0]!, 'CERTIFICATE'), chain: pemList(i.presented.slice(1)), roots: pemList(i.anchors), host: i.host, at: i.at.toISOString() }));
    const r = await runCli(['verify', '--batch'], { certsDir: join(tmp.path, 'certs'), input: lines.join('\n') + '\n' });
    batchLines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  });

  it.each(rows.map((row, i) => ({ ...row, i })))('$what', async (row) => {
    const inp = inputs[row.i]!;
    expect(batchLines[row.i]).toMatchObject({ code: row.code, expected: row.either ? 'either' : row.code === 'ok' ? 'accept' : 'reject' });
    const o = opensslOutcome(files, inp, row.extra);
    expect(o.code, o.output).toBe(row.openssl?.code ?? row.code);
    if (!row.single) return;
    const [leaf, ...rest] = inp.presented;
    const argv = ['verify', files.put('peer', leaf!), '--chain', files.put('chain', ...rest), '--roots', files.put('roots', ...inp.anchors), '--host', inp.host!, '--at', inp.at.toISOString(), '--json'];
    const r = await runCli(argv, { certsDir: join(tmp.path, 'certs') });
    expect(r.code, r.stderr).toBe(row.code === 'ok' ? 0 : 1);
    expect(JSON.parse(r.stdout)).toMatchObject({ code: row.code, expected: row.either ? 'either' : row.code === 'ok' ? 'accept' : 'reject' });
  });
});
