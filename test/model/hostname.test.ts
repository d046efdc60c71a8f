/**
 * Host checks (RFC 6125 / RFC 9525) as a specification, every row cross-checked with Node's
 * X509Certificate.checkHost / checkIP (OpenSSL's X509_check_host with wildcards, no partial
 * wildcards): the one place they differ on purpose says why.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { dnsNameMatches, hostNameProblem, matchHost, parseCertificate, parseHost } from '../../src/model/index.js';
import { generateKey } from '../../src/world/keys.js';
import { ext } from '../helpers/der-builder.js';
import { rawIssue, type TestCert } from '../helpers/pki.js';

let key: KeyObject;
let issuer: TestCert;
beforeAll(async () => {
  key = await generateKey('ec-p256');
  issuer = await rawIssue({ subject: 'CN=Host Test CA', issuer: 'self', subjectKey: key });
});

interface Row {
  /** subjectAltName entries; absent = no subjectAltName extension at all. */
  san?: { dns?: string[]; ip?: string[] };
  /** Subject commonName. */
  cn?: string;
  host: string;
  ok: boolean;
  matchedBy?: 'dNSName' | 'iPAddress' | 'commonName';
  /** Why Node/OpenSSL decides otherwise. */
  nodeDiffers?: string;
  /** Match as OpenSSL, Node and the JVM do: the commonName when there is no subjectAltName. */
  commonNameFallback?: true;
}

/** A leaf with exactly these names (signed by a throwaway CA; only the names matter here). */
async function leafWith(row: Row): Promise<Uint8Array> {
  const cert = await rawIssue({
    subject: row.cn === undefined ? 'O=No Common Name' : `CN=${row.cn}`,
    issuer,
    subjectKey: key,
    extensions: () => (row.san ? [ext.subjectAltName(row.san)] : []),
  });
  return cert.der;
}

/** What Node (OpenSSL X509_check_host / X509_check_ip) says. */
function nodeSays(der: Uint8Array, host: string): boolean {
  const x = new X509Certificate(der);
  const h = parseHost(host);
  if (h.kind === 'ip') return x.checkIP(host.replace(/^\[|\]$/g, '')) !== undefined;
  return x.checkHost(host, { subject: 'default', wildcards: true, partialWildcards: false }) !== undefined;
}

function check(rows: Row[]): void {
  it.each(rows.map((r) => ({ ...r, label: `${r.san ? `SAN ${JSON.stringify(r.san)}` : 'no SAN'}${r.cn ? `, CN ${r.cn}` : ''}: '${r.host}' ${r.ok ? 'matches' : 'does not match'}` })))('$label', async (row) => {
    const der = await leafWith(row);
    const m = matchHost(parseCertificate(der), row.host, { commonNameFallback: row.commonNameFallback ?? false });
    expect(m.ok, m.reason).toBe(row.ok);
    if (row.matchedBy) expect(m.matchedBy).toBe(row.matchedBy);
    expect(m.reason).toMatch(/^The (host|IP address) .*\.$/);
    expect(nodeSays(der, row.host), row.nodeDiffers ?? 'Node agrees').toBe(row.nodeDiffers ? !row.ok : row.ok);
  });
}

describe('DNS names', () => {
  check([
    { san: { dns: ['api.example'] }, host: 'api.example', ok: true, matchedBy: 'dNSName' },
    { san: { dns: ['API.Example'] }, host: 'api.example', ok: true },
    { san: { dns: ['api.example'] }, host: 'API.EXAMPLE', ok: true },
    {
      san: { dns: ['api.example'] },
      host: 'api.example.',
      ok: true,
      nodeDiffers: 'X509_check_host compares the name as given; clients (curl, browsers) drop the root dot of a fully qualified host first, as the model does',
    },
    { san: { dns: ['api.example'] }, host: 'www.example', ok: false },
    { san: { dns: ['api.example'] }, host: 'example', ok: false },
    { san: { dns: ['other.example', 'api.example'] }, host: 'api.example', ok: true },
    { san: { dns: ['api.example'] }, host: 'api.example.evil', ok: false },
  ]);
});

describe('wildcards: only the whole left-most label, exactly one label', () => {
  check([
    { san: { dns: ['*.example.com'] }, host: 'a.example.com', ok: true },
    { san: { dns: ['*.example.com'] }, host: 'A.Example.COM', ok: true },
    { san: { dns: ['*.example.com'] }, host: 'example.com', ok: false },
    { san: { dns: ['*.example.com'] }, host: 'a.b.example.com', ok: false },
    { san: { dns: ['*.example.com'] }, host: 'xn--bcher-kva.example.com', ok: true },
    { san: { dns: ['*.example.com'] }, host: 'a_b.example.com', ok: false },
    { san: { dns: ['f*.example.com'] }, host: 'foo.example.com', ok: false },
    { san: { dns: ['*o.example.com'] }, host: 'foo.example.com', ok: false },
    { san: { dns: ['a.*.example.com'] }, host: 'a.b.example.com', ok: false },
    { san: { dns: ['*.com'] }, host: 'example.com', ok: false },
    { san: { dns: ['*'] }, host: 'localhost', ok: false },
    { san: { dns: ['*.*.example.com'] }, host: 'a.b.example.com', ok: false },
    // The wildcard's suffix must be the host's (mutation testing: without the suffix check,
    // *.example.com matched a.example.org).
    { san: { dns: ['*.example.com'] }, host: 'a.example.org', ok: false },
    { san: { dns: ['*.example.com'] }, host: 'a.xexample.com', ok: false },
  ]);
});

describe('the commonName: only without any subjectAltName, and only for the platforms that fall back to it', () => {
  check([
    { cn: 'api.example', host: 'api.example', ok: true, matchedBy: 'commonName', commonNameFallback: true },
    { cn: '*.example.com', host: 'a.example.com', ok: true, matchedBy: 'commonName', commonNameFallback: true },
    // RFC 9525 clients (Go, Apple, Android, Chrome) never use it: the model's strict answer.
    { cn: 'api.example', host: 'api.example', ok: false, nodeDiffers: 'OpenSSL X509_check_host falls back to the CN without a SAN; Go, Apple, Android and Chrome do not (platforms.ts cn-fallback)' },
    { cn: 'api.example', host: 'www.example', ok: false },
    { host: 'api.example', ok: false },
    { san: { dns: ['other.example'] }, cn: 'api.example', host: 'api.example', ok: false },
    {
      san: { ip: ['192.0.2.7'] },
      cn: 'api.example',
      host: 'api.example',
      ok: false,
      nodeDiffers: 'OpenSSL falls back to the CN when the SAN holds no dNSName; RFC 6125 6.4.4 and RFC 9525 use no CN once a SAN is present',
    },
  ]);

  it('says in the reason that the commonName was used because there is no subjectAltName', async () => {
    const m = matchHost(parseCertificate(await leafWith({ cn: 'api.example', host: 'api.example', ok: true })), 'api.example', { commonNameFallback: true });
    expect(m).toMatchObject({ ok: true, commonNameFallback: true, name: 'api.example' });
    expect(m.reason).toMatch(/used only because the leaf has no subjectAltName/);
  });
});

describe('IP addresses: iPAddress entries only, any spelling', () => {
  check([
    { san: { ip: ['192.0.2.7'] }, host: '192.0.2.7', ok: true, matchedBy: 'iPAddress' },
    { san: { ip: ['192.0.2.7'] }, host: '192.0.2.8', ok: false },
    { san: { ip: ['2001:db8::1'] }, host: '2001:DB8:0:0:0:0:0:1', ok: true },
    { san: { ip: ['2001:db8::1'] }, host: '[2001:db8::1]', ok: true },
    { san: { ip: ['::1'] }, host: '0:0:0:0:0:0:0:1', ok: true },
    { san: { ip: ['192.0.2.7'] }, host: '::ffff:192.0.2.7', ok: false },
    { san: { dns: ['192.0.2.7'] }, host: '192.0.2.7', ok: false },
    { cn: '192.0.2.7', host: '192.0.2.7', ok: false },
    { san: { dns: ['api.example'], ip: ['192.0.2.7'] }, host: '192.0.2.7', ok: true },
  ]);
});

describe('parseHost and dnsNameMatches', () => {
  it.each([
    ['API.Example.', { kind: 'dns', name: 'api.example' }],
    ['192.0.2.1', { kind: 'ip', address: '192.0.2.1', family: 4 }],
    ['[2001:DB8::0:1]', { kind: 'ip', address: '2001:db8::1', family: 6 }],
    ['fe80::1%eth0', { kind: 'ip', address: 'fe80::1', family: 6 }],
    ['::ffff:192.0.2.1', { kind: 'ip', address: '::ffff:c000:201', family: 6 }],
    ['1:0:0:2:0:0:0:3', { kind: 'ip', address: '1:0:0:2::3', family: 6 }],
    // Mutation testing (npm run mutate) found these spellings unchecked.
    [' API.Example ', { kind: 'dns', name: 'api.example' }],
    ['[::1', { kind: 'dns', name: '[::1' }],
    ['::192.0.2.1', { kind: 'ip', address: '::c000:201', family: 6 }],
    ['0:0:0:0:0:ffff:192.0.2.1', { kind: 'ip', address: '::ffff:c000:201', family: 6 }],
    ['::', { kind: 'ip', address: '::', family: 6 }],
    ['1::', { kind: 'ip', address: '1::', family: 6 }],
    ['abcd:ef01:2345:6789:abcd:ef01:2345:6789', { kind: 'ip', address: 'abcd:ef01:2345:6789:abcd:ef01:2345:6789', family: 6 }],
    // An IPv4 tail with several digits in every octet (not only the first).
    ['::ffff:198.51.100.200', { kind: 'ip', address: '::ffff:c633:64c8', family: 6 }],
    // A zone id after an IPv4 tail is dropped like any other.
    ['::ffff:192.0.2.1%eth0', { kind: 'ip', address: '::ffff:c000:201', family: 6 }],
    // Only a host in both brackets loses them: 'x::1]' is not '::1'.
    ['x::1]', { kind: 'dns', name: 'x::1]' }],
  ])('parseHost(%s)', (host, expected) => {
    expect(parseHost(host)).toEqual(expected);
  });

  it('refuses hosts with empty labels or wildcards of their own', () => {
    expect(dnsNameMatches('*.example.com', '.example.com')).toBe(false);
    expect(dnsNameMatches('a..example.com', 'a..example.com')).toBe(false);
    expect(dnsNameMatches('*.example.com', '*.example.com')).toBe(false);
    expect(dnsNameMatches('*.example.com', '')).toBe(false);
    expect(dnsNameMatches('', '')).toBe(false);
  });

  it('names the entries it compared in the reason (the hostname-mismatch verdict shows it)', async () => {
    const reason = async (row: Row) => matchHost(parseCertificate(await leafWith(row)), row.host, { commonNameFallback: row.commonNameFallback ?? false }).reason;
    expect(await reason({ san: { dns: ['api.example'] }, host: 'API.example', ok: true })).toBe("The host 'api.example' matches the leaf's dNSName 'api.example'.");
    expect(await reason({ san: { dns: ['a.example', 'b.example'] }, host: 'c.example', ok: false })).toBe(
      "The host 'c.example' matches no dNSName of the leaf (its dNSName entries are 'a.example', 'b.example'; with a subjectAltName present the commonName is never used).",
    );
    expect(await reason({ san: { ip: ['192.0.2.7'] }, host: 'c.example', ok: false })).toBe(
      "The host 'c.example' matches no dNSName of the leaf (it has no dNSName entry; with a subjectAltName present the commonName is never used).",
    );
    expect(await reason({ san: { ip: ['192.0.2.7'] }, host: '192.0.2.7', ok: true })).toBe('The IP address 192.0.2.7 matches an iPAddress entry of the leaf.');
    expect(await reason({ san: { ip: ['192.0.2.7', '2001:db8::1'] }, host: '192.0.2.8', ok: false })).toBe(
      "The IP address 192.0.2.8 is not in the leaf's subjectAltName (its iPAddress entries are 192.0.2.7, 2001:db8::1; IP hosts never match DNS names or the commonName).",
    );
    expect(await reason({ cn: '192.0.2.7', host: '192.0.2.7', ok: false })).toBe(
      "The IP address 192.0.2.7 is not in the leaf's subjectAltName (it has no iPAddress entry; IP hosts never match DNS names or the commonName).",
    );
    expect(await reason({ cn: 'api.example', host: 'api.example', ok: false })).toBe(
      "The host 'api.example' is only in the leaf's commonName 'api.example': the leaf has no subjectAltName, and RFC 9525 clients (Go, Apple, Android, Chrome) do not use the commonName.",
    );
    expect(await reason({ cn: 'api.example', host: 'www.example', ok: false, commonNameFallback: true })).toBe(
      "The host 'www.example' does not match the leaf, which has no subjectAltName and the commonName 'api.example'.",
    );
    expect(await reason({ host: 'www.example', ok: false })).toBe("The host 'www.example' does not match the leaf, which has no subjectAltName and no commonName.");
    const twoCommonNames = await rawIssue({ subject: 'CN=a.example, CN=b.example', issuer, subjectKey: key });
    expect(matchHost(parseCertificate(twoCommonNames.der), 'c.example', { commonNameFallback: true }).reason).toBe(
      "The host 'c.example' does not match the leaf, which has no subjectAltName and the commonName 'a.example', 'b.example'.",
    );
  });

  it('says which matched and whether the commonName was consulted', async () => {
    const m = async (row: Row) => matchHost(parseCertificate(await leafWith(row)), row.host, { commonNameFallback: row.commonNameFallback ?? false });
    expect(await m({ san: { dns: ['api.example'] }, host: 'api.example', ok: true })).toMatchObject({ ok: true, matchedBy: 'dNSName', name: 'api.example', commonNameFallback: false });
    expect(await m({ san: { ip: ['192.0.2.7'] }, host: '192.0.2.7', ok: true })).toMatchObject({ ok: true, matchedBy: 'iPAddress', name: '192.0.2.7', commonNameFallback: false });
    expect(await m({ san: { dns: ['api.example'] }, host: 'www.example', ok: false })).toMatchObject({ ok: false, commonNameFallback: false });
    expect(await m({ cn: 'api.example', host: 'api.example', ok: false })).toMatchObject({ ok: false, commonNameFallback: false });
    expect(await m({ cn: 'api.example', host: 'www.example', ok: false, commonNameFallback: true })).toMatchObject({ ok: false, commonNameFallback: true });
    // An IP host never consults the commonName, whether the leaf has a subjectAltName or not.
    expect(await m({ san: { ip: ['192.0.2.7'] }, host: '192.0.2.8', ok: false })).toMatchObject({ ok: false, commonNameFallback: false });
    expect(await m({ cn: '192.0.2.7', host: '192.0.2.7', ok: false, commonNameFallback: true })).toMatchObject({ ok: false, commonNameFallback: false });
    // Without the option the commonName is never used (the model's strict answer).
    const der = await leafWith({ cn: 'api.example', host: 'api.example', ok: false });
    expect(matchHost(parseCertificate(der), 'api.example').ok).toBe(false);
  });
});

describe('hostNameProblem: the names a certificate may be issued for (issue 15, finding 5)', () => {
  it.each([
    ['api.pinprick.test', undefined],
    ['localhost', undefined],
    ['a-b.c-d.example', undefined],
    ['xn--bcher-kva.example', undefined],
    ['API.Example.COM', undefined],
    [`${'a'.repeat(63)}.example`, undefined],
    ['192.0.2.1', undefined],
    ['2001:db8::1', undefined],
    ['evil.test,O=Injected+OU=x', "'test,O=Injected+OU=x' has a character other than a letter, digit or hyphen"],
    ['CN=evil.test', "'CN=evil' has a character other than a letter, digit or hyphen"],
    ['evil test', "'evil test' has a character other than a letter, digit or hyphen"],
    ['evil\r\n.test', "'evil\r\n' has a character other than a letter, digit or hyphen"],
    ['under_score.example', "'under_score' has a character other than a letter, digit or hyphen"],
    ['*.example.com', "'*' has a character other than a letter, digit or hyphen"],
    ['bücher.example', "'bücher' has a character other than a letter, digit or hyphen"],
    ['-lead.example', "'-lead' starts or ends with a hyphen"],
    ['trail-.example', "'trail-' starts or ends with a hyphen"],
    ['a..example', 'it has an empty label'],
    ['.example', 'it has an empty label'],
    ['example.com.', 'it ends with a dot'],
    ['', 'it is empty'],
    [`${'a'.repeat(64)}.example`, 'a label is 64 characters long, over 63'],
    [Array.from({ length: 50 }, () => 'abcde').join('.'), 'it is 299 characters long, over 253'],
    ['fe80::1%eth0', "'fe80::1%eth0' has a character other than a letter, digit or hyphen"],
    [`${'a'.repeat(63)}.${'a'.repeat(63)}.${'a'.repeat(63)}.${'b'.repeat(61)}`, undefined],
    [`${'a'.repeat(63)}.${'a'.repeat(63)}.${'a'.repeat(63)}.${'b'.repeat(62)}`, 'it is 254 characters long, over 253'],
    [`${'a'.repeat(45)}_.example`, `'${'a'.repeat(40)}…' has a character other than a letter, digit or hyphen`],
    [`${'a'.repeat(39)}_.example`, `'${'a'.repeat(39)}_' has a character other than a letter, digit or hyphen`],
    ['-under_score.example', "'-under_score' has a character other than a letter, digit or hyphen"],
    ['a-.example', "'a-' starts or ends with a hyphen"],
    ['a', undefined],
  ])('%j: %s', (name, problem) => {
    expect(hostNameProblem(name)).toBe(problem);
  });
});
