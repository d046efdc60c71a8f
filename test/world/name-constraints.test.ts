/**
 * A recipe's nameConstraints: checked with one-line messages, written as a critical extension that
 * the model, openssl and OpenSSL's verifier read as the recipe says.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseCertificate } from '../../src/model/index.js';
import { generateKey } from '../../src/world/keys.js';
import { describeNameConstraintsProblem, nameConstraintsProblems, type NameConstraintsRecipe } from '../../src/world/name-constraints.js';
import { issueCertificate, type CertRecipe } from '../../src/world/recipe.js';
import { recipeHash } from '../../src/world/world.js';
import { opensslText, opensslVerify, PemFolder } from '../helpers/openssl-verify.js';
import { tempDir } from '../helpers/tmp.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const tmp = tempDir();
const files = new PemFolder(tmp.path);
afterAll(() => tmp.cleanup());

describe('nameConstraintsProblems: every problem, one line each, at its place', () => {
  it.each<[string, NameConstraintsRecipe, string[]]>([
    ['every form, well written', { permitted: { dns: ['example.com', '.example.org'], ip: ['192.0.2.0/24', '2001:db8::/32', '0.0.0.0/0'], email: ['alice@example.com', 'example.com', '.example.com'], directory: ['O=Example, C=NL'] }, excluded: { dns: ['secret.example.com'] } }, []],
    ['nothing at all', {}, ['nameConstraints: give permitted or excluded subtrees (dns, ip, email, directory)']],
    ['an empty list', { permitted: {}, excluded: { dns: [] } }, ['nameConstraints.permitted: permitted has no subtree: give dns, ip, email or directory entries, or leave permitted out', 'nameConstraints.excluded: excluded has no subtree: give dns, ip, email or directory entries, or leave excluded out']],
    ['a wildcard', { permitted: { dns: ['*.example.com'] } }, ["nameConstraints.permitted.dns[0]: '*.example.com' is not a DNS name or .domain: a constraint has no wildcard (example.com already covers its subdomains)"]],
    ['a space in a name', { excluded: { dns: ['bad name.test'] } }, ["nameConstraints.excluded.dns[0]: 'bad name.test' is not a DNS name or .domain: 'bad name' has a character other than a letter, digit or hyphen"]],
    ['a lone dot', { permitted: { dns: ['.'] } }, ["nameConstraints.permitted.dns[0]: '.' is not a DNS name or .domain: it is empty"]],
    ['an IP address as a DNS name', { permitted: { dns: ['192.0.2.1'] } }, ["nameConstraints.permitted.dns[0]: '192.0.2.1' is not a DNS name or .domain: it is an IP address (put it under ip: as a network)"]],
    ['an address without a prefix', { permitted: { ip: ['192.0.2.1'] } }, ["nameConstraints.permitted.ip[0]: '192.0.2.1' is not an IP network: write address/prefix, such as 192.0.2.0/24 or 2001:db8::/32"]],
    ['host bits set', { permitted: { ip: ['10.0.0.1/8'] } }, ["nameConstraints.permitted.ip[0]: '10.0.0.1/8' has bits set past its /8 prefix: write the network address"]],
    ['a prefix too long', { excluded: { ip: ['192.0.2.0/33', '2001:db8::/129'] } }, ["nameConstraints.excluded.ip[0]: '192.0.2.0/33': the prefix /33 is longer than the 32 bits of the address", "nameConstraints.excluded.ip[1]: '2001:db8::/129': the prefix /129 is longer than the 128 bits of the address"]],
    ['an email with nothing before @', { permitted: { email: ['@example.com'] } }, ["nameConstraints.permitted.email[0]: '@example.com' has nothing before its '@': write the host alone for every mailbox there"]],
    ['a mailbox at a .domain', { permitted: { email: ['a@.example.com'] } }, ["nameConstraints.permitted.email[0]: 'a@.example.com' is a mailbox at '.example.com', which is not a host"]],
    ['an email host that is no host', { permitted: { email: ['a@exa mple.com'] } }, ["nameConstraints.permitted.email[0]: 'a@exa mple.com' is not a mailbox, host or .domain: 'exa mple' has a character other than a letter, digit or hyphen"]],
    ['a directory that is no DN', { permitted: { directory: ['Example Inc'] } }, ["nameConstraints.permitted.directory[0]: 'Example Inc' is not a distinguished name such as O=Example, C=NL"]],
  ])('%s', (_what, nc, messages) => {
    expect(nameConstraintsProblems(nc).map(describeNameConstraintsProblem)).toEqual(messages);
  });
});

describe('a recipe with nameConstraints', () => {
  const issue = async (recipe: Partial<CertRecipe>, issuer?: { der: Buffer; key: Awaited<ReturnType<typeof generateKey>> }) => {
    const key = await generateKey('ec-p256');
    const der = await issueCertificate({
      recipe: { subject: 'CN=Recipe NC', key: 'k', issuer: issuer ? 'issuer' : 'self', notBefore: '-1d', notAfter: '+30d', ...recipe },
      subjectKey: key,
      issuerKey: issuer?.key ?? key,
      ...(issuer ? { issuerCert: new X509Certificate(issuer.der) } : {}),
      now: NOW,
    });
    return { der, key };
  };

  it('is written critical, every form as written, and read back by the model and openssl', async () => {
    const nc: NameConstraintsRecipe = { permitted: { dns: ['partner.example'], ip: ['192.0.2.0/24', '2001:db8::/32'], email: ['.partner.example'], directory: ['O=Partner, C=NL'] }, excluded: { dns: ['secret.partner.example'] } };
    const { der } = await issue({ ca: true, keyUsage: ['keyCertSign', 'cRLSign'], nameConstraints: nc });
    const parsed = parseCertificate(der);
    expect(parsed.extensions.find((e) => e.oid === '2.5.29.30')).toMatchObject({ oid: '2.5.29.30', critical: true, understood: true });
    expect(parsed.nameConstraints!.permitted.map((s) => s.base.kind)).toEqual(['dns', 'ip', 'ip', 'email', 'directory']);
    expect(parsed.nameConstraints!.excluded).toEqual([{ base: { kind: 'dns', value: 'secret.partner.example' }, bounded: false }]);
    const text = opensslText(files.put('recipe-nc', der));
    expect(text).toMatch(/X509v3 Name Constraints: critical\n\s+Permitted:\n\s+DNS:partner\.example\n\s+IP:192\.0\.2\.0\/255\.255\.255\.0\n\s+IP:2001:DB8:0:0:0:0:0:0\/FFFF:FFFF:0:0:0:0:0:0\n\s+email:\.partner\.example\n\s+DirName:O = Partner, C = NL\n\s+Excluded:\n\s+DNS:secret\.partner\.example/);
  });

  it('constrains what the CA issues, as openssl verify applies it', async () => {
    const root = await issue({ subject: 'CN=Recipe NC Root', ca: true, keyUsage: ['keyCertSign', 'cRLSign'] });
    const sub = await issue({ subject: 'CN=Recipe NC Sub', ca: true, pathLen: 0, keyUsage: ['keyCertSign'], nameConstraints: { permitted: { dns: ['partner.example'] } } }, root);
    const inside = await issue({ subject: 'CN=www.partner.example', dns: ['www.partner.example'] }, sub);
    const outside = await issue({ subject: 'CN=api.pinprick.test', dns: ['api.pinprick.test'] }, sub);
    const verify = (leaf: Buffer) => opensslVerify({ caFile: files.put('root', root.der), untrusted: files.put('sub', sub.der), leaf: files.put('leaf', leaf), at: NOW });
    expect(verify(inside.der).ok).toBe(true);
    expect(verify(outside.der).error).toMatchObject({ code: 47, depth: 0, message: 'permitted subtree violation' });
  });

  it('refuses what a CA cannot carry, and bad values, with one line naming the certificate', async () => {
    await expect(issue({ nameConstraints: { permitted: { dns: ['example.com'] } } })).rejects.toThrow(new InputError("certificate 'CN=Recipe NC': nameConstraints needs ca: true (RFC 5280 4.2.1.10: CA certificates only)"));
    await expect(issue({ ca: true, nameConstraints: { permitted: { ip: ['10.0.0.1/8'] } } })).rejects.toThrow("certificate 'CN=Recipe NC': nameConstraints.permitted.ip[0]: '10.0.0.1/8' has bits set past its /8 prefix: write the network address");
    await expect(issue({ ca: true, nameConstraints: { permitted: { directory: ['O=Bad, XYZ=1'] } } })).rejects.toThrow(/^certificate 'CN=Recipe NC': nameConstraints directory 'O=Bad, XYZ=1' is not a distinguished name \(/);
  });

  it('is part of the recipe hash: changing the constraints re-issues the certificate', () => {
    const base: CertRecipe = { subject: 'CN=x', key: 'k', issuer: 'self', notBefore: '-1d', notAfter: '+1y', ca: true };
    expect(recipeHash({ ...base, nameConstraints: undefined })).toBe(recipeHash(base));
    expect(recipeHash({ ...base, nameConstraints: { permitted: { dns: ['a.example'] } } })).not.toBe(recipeHash(base));
    expect(recipeHash({ ...base, nameConstraints: { permitted: { dns: ['a.example'] } } })).not.toBe(recipeHash({ ...base, nameConstraints: { excluded: { dns: ['a.example'] } } }));
  });
});
