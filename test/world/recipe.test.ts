import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseCertificate } from '../../src/model/index.js';
import { generateKey, type KeyType } from '../../src/world/keys.js';
import { pinOfKey } from '../../src/world/pin.js';
import { issueCertificate, KEY_USAGES, type CertRecipe, type KeyUsageName, type SignatureHash } from '../../src/world/recipe.js';
import { openssl, opensslPin } from '../helpers/openssl.js';
import { opensslText, opensslVerify, opensslX509, PemFolder, type VerifyResult } from '../helpers/openssl-verify.js';
import { tempDir } from '../helpers/tmp.js';

/** The injected clock: relative times resolve against it, and openssl verifies `-attime` it. */
const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const at = (ms: number) => new Date(NOW.getTime() + ms);

/** A certificate issued in a test, with the file openssl reads. */
interface Issued {
  der: Buffer;
  x509: X509Certificate;
  key: KeyObject;
  path: string;
}

const tmp = tempDir();
const files = new PemFolder(tmp.path);
afterAll(() => tmp.cleanup());

/** Issue from a partial recipe (valid -1d..+30d unless told), self-signed unless an issuer is given. */
async function issue(recipe: Partial<CertRecipe> & { subject: string }, key: KeyObject, issuer?: Issued): Promise<Issued> {
  const der = await issueCertificate({
    recipe: { key: 'subject', issuer: issuer ? 'issuer' : 'self', notBefore: '-1d', notAfter: '+30d', ...recipe },
    subjectKey: key,
    issuerKey: issuer ? issuer.key : key,
    ...(issuer ? { issuerCert: issuer.x509 } : {}),
    now: NOW,
  });
  return { der, x509: new X509Certificate(der), key, path: files.put(recipe.subject.replace(/[^a-z0-9]+/gi, '_').slice(0, 40), der) };
}

/** A CA as the recipes of a world make them: keyCertSign and cRLSign, long-lived. */
function caRecipe(subject: string, more: Partial<Omit<CertRecipe, 'subject'>> = {}): Partial<CertRecipe> & { subject: string } {
  return { subject, ca: true, keyUsage: ['keyCertSign', 'cRLSign'], notBefore: '-1y', notAfter: '+10y', ...more };
}

/** openssl verify of `leaf` with the given anchors and intermediates, at NOW unless told. */
function verify(leaf: Issued, trust: Issued[], via: Issued[] = [], more: { at?: Date; extra?: string[]; hostname?: string; ip?: string } = {}): VerifyResult {
  return opensslVerify({
    caFile: files.put('ca', ...trust.map((c) => c.der)),
    ...(via.length ? { untrusted: files.put('untrusted', ...via.map((c) => c.der)) } : {}),
    leaf: leaf.path,
    at: more.at ?? NOW,
    ...(more.extra ? { extra: more.extra } : {}),
    ...(more.hostname ? { hostname: more.hostname } : {}),
    ...(more.ip ? { ip: more.ip } : {}),
  });
}

/** The lines of one extension in `openssl x509 -text`, e.g. `X509v3 Key Usage` -> `critical` flag and value. */
function extension(text: string, name: string): { critical: boolean; value: string } | undefined {
  const m = new RegExp(`${name}:( critical)?\\s*\\n\\s*(.*)`).exec(text);
  return m ? { critical: m[1] !== undefined, value: m[2]!.trim() } : undefined;
}

const keys = {} as Record<KeyType, KeyObject>;
let rootKey: KeyObject;
let otherRootKey: KeyObject;
let intermediateKey: KeyObject;
let subKey: KeyObject;
let leafKey: KeyObject;
let root: Issued;

beforeAll(async () => {
  const types: KeyType[] = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384'];
  const generated = await Promise.all(types.map((t) => generateKey(t)));
  types.forEach((t, i) => (keys[t] = generated[i]!));
  const ec = async () => generateKey('ec-p256');
  [rootKey, otherRootKey, intermediateKey, subKey, leafKey] = [await ec(), await ec(), await ec(), await ec(), await ec()];
  root = await issue(caRecipe('CN=Recipe Root, O=pinprick tests'), rootKey);
});

describe('issueCertificate: keys', () => {
  it.each([
    ['rsa-2048', 2048],
    ['rsa-3072', 3072],
    ['rsa-4096', 4096],
  ] as const)('certifies an %s key: openssl reads rsaEncryption of that size, and the pin matches', async (type, bits) => {
    const cert = await issue({ subject: `CN=${type}` }, keys[type]);
    const text = opensslText(cert.path);
    expect(text).toContain('Public Key Algorithm: rsaEncryption');
    expect(text).toContain(`Public-Key: (${bits} bit)`);
    expect(text).toContain('Exponent: 65537 (0x10001)');
    expect(opensslPin(readPem(cert))).toBe(pinOfKey(keys[type]).sha256);
  });

  it.each([
    ['ec-p256', 'prime256v1', 'P-256', 256],
    ['ec-p384', 'secp384r1', 'P-384', 384],
  ] as const)('certifies an %s key: openssl reads id-ecPublicKey on %s, and the pin matches', async (type, oid, nist, bits) => {
    const cert = await issue({ subject: `CN=${type}` }, keys[type]);
    const text = opensslText(cert.path);
    expect(text).toContain('Public Key Algorithm: id-ecPublicKey');
    expect(text).toContain(`Public-Key: (${bits} bit)`);
    expect(text).toContain(`ASN1 OID: ${oid}`);
    expect(text).toContain(`NIST CURVE: ${nist}`);
    expect(opensslPin(readPem(cert))).toBe(pinOfKey(keys[type]).sha256);
  });
});

/** The PEM file openssl reads for a certificate. */
function readPem(cert: Issued): Buffer {
  return readFileSync(cert.path);
}

describe('issueCertificate: names', () => {
  it('writes a multi-attribute subject DN in the order given, and escapes a comma in a value', async () => {
    const cert = await issue({ subject: 'CN=x, OU=y, O=z, C=DE' }, leafKey, root);
    expect(opensslX509(cert.path, '-subject')).toBe('subject=CN = x, OU = y, O = z, C = DE');
    const escaped = await issue({ subject: 'CN=shop, O=Example\\, Inc., L=Berlin, ST=Berlin, C=DE' }, leafKey, root);
    expect(opensslX509(escaped.path, '-subject')).toBe('subject=CN = shop, O = "Example, Inc.", L = Berlin, ST = Berlin, C = DE');
  });

  it('writes a { commonName } subject as one RDN of one attribute, the value as given: DN syntax in it is never parsed (issue 15, finding 5)', async () => {
    const der = await issueCertificate({
      recipe: { subject: { commonName: 'evil.test,O=Injected+OU=x' }, key: 'subject', issuer: 'issuer', notBefore: '-1d', notAfter: '+30d' },
      subjectKey: leafKey,
      issuerKey: root.key,
      issuerCert: root.x509,
      now: NOW,
    });
    expect(parseCertificate(der).subject.rdns).toEqual([[expect.objectContaining({ type: 'CN', value: 'evil.test,O=Injected+OU=x' })]]);
    // Node (OpenSSL) sees one attribute too: one line, the separators escaped.
    expect(new X509Certificate(der).subject).toBe('CN=evil.test\\,O=Injected\\+OU=x');
  });

  it('copies the issuer DN byte for byte from the issuer certificate, so openssl chains by name', async () => {
    const ca = await issue(caRecipe('CN=Multi CA, OU=Unit, O=Org, C=FR'), intermediateKey, root);
    const leaf = await issue({ subject: 'CN=leaf.example' }, leafKey, ca);
    expect(opensslX509(leaf.path, '-issuer').replace(/^issuer=/, '')).toBe(opensslX509(ca.path, '-subject').replace(/^subject=/, ''));
    expect(opensslX509(leaf.path, '-issuer_hash')).toBe(opensslX509(ca.path, '-subject_hash'));
    expect(verify(leaf, [root], [ca]).ok).toBe(true);
  });

  it('writes SAN dNSName and iPAddress entries (IPv4 and IPv6) that openssl matches with -verify_hostname and -verify_ip', async () => {
    const leaf = await issue(
      { subject: 'CN=san.example', ca: false, dns: ['san.example', '*.wild.example'], ip: ['192.0.2.7', '2001:db8::1', '::1'], extKeyUsage: ['serverAuth'] },
      leafKey,
      root,
    );
    const san = opensslX509(leaf.path, '-ext', 'subjectAltName');
    expect(san).toMatch(/DNS:san\.example, DNS:\*\.wild\.example, IP Address:192\.0\.2\.7, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:0:0:0:0:0:0:0:1$/);
    expect(extension(opensslText(leaf.path), 'X509v3 Subject Alternative Name')?.critical).toBe(false);
    expect(verify(leaf, [root], [], { hostname: 'san.example' }).ok).toBe(true);
    expect(verify(leaf, [root], [], { hostname: 'a.wild.example' }).ok).toBe(true);
    expect(verify(leaf, [root], [], { ip: '192.0.2.7' }).ok).toBe(true);
    expect(verify(leaf, [root], [], { ip: '2001:db8:0::1' }).ok).toBe(true);
    expect(verify(leaf, [root], [], { ip: '::1' }).ok).toBe(true);
    expect(verify(leaf, [root], [], { ip: '192.0.2.8' }).error).toMatchObject({ code: 64, message: 'IP address mismatch' });
    expect(verify(leaf, [root], [], { hostname: 'other.example' }).error).toMatchObject({ code: 62, message: 'hostname mismatch' });
  });

  it('writes no subjectAltName when the recipe has no names', async () => {
    const cert = await issue({ subject: 'CN=bare' }, leafKey, root);
    expect(opensslText(cert.path)).not.toContain('Subject Alternative Name');
  });
});

describe('issueCertificate: validity', () => {
  it('takes absolute ISO dates: openssl verify with -attime says not yet valid (9) before, OK inside, expired (10) after', async () => {
    const ca = await issue(caRecipe('CN=Old CA', { notBefore: '2000-01-01T00:00:00Z', notAfter: '2040-01-01T00:00:00Z' }), intermediateKey);
    const leaf = await issue({ subject: 'CN=old.example', notBefore: '2001-01-01', notAfter: '2002-06-30T12:00:00Z' }, leafKey, ca);
    const text = opensslText(leaf.path);
    expect(text).toContain('Not Before: Jan  1 00:00:00 2001 GMT');
    expect(text).toContain('Not After : Jun 30 12:00:00 2002 GMT');
    expect(verify(leaf, [ca], [], { at: new Date('2000-12-31T23:59:00Z') }).error).toEqual({ code: 9, depth: 0, message: 'certificate is not yet valid' });
    expect(verify(leaf, [ca], [], { at: new Date('2001-06-01T00:00:00Z') }).ok).toBe(true);
    expect(verify(leaf, [ca], [], { at: new Date('2002-06-30T12:01:00Z') }).error).toEqual({ code: 10, depth: 0, message: 'certificate has expired' });
  });

  it('takes offsets from the injected now: a certificate valid only in the future is not yet valid (9) now', async () => {
    const leaf = await issue({ subject: 'CN=future.example', notBefore: '+30d', notAfter: '+60d' }, leafKey, root);
    expect(new Date(opensslX509(leaf.path, '-startdate').replace(/^notBefore=/, ''))).toEqual(at(30 * DAY));
    expect(new Date(opensslX509(leaf.path, '-enddate').replace(/^notAfter=/, ''))).toEqual(at(60 * DAY));
    expect(verify(leaf, [root]).error).toEqual({ code: 9, depth: 0, message: 'certificate is not yet valid' });
    expect(verify(leaf, [root], [], { at: at(45 * DAY) }).ok).toBe(true);
  });

  it('takes offsets into the past: a certificate that ended yesterday has expired (10) now', async () => {
    const leaf = await issue({ subject: 'CN=past.example', notBefore: '-60d', notAfter: '-1d' }, leafKey, root);
    expect(new Date(opensslX509(leaf.path, '-enddate').replace(/^notAfter=/, ''))).toEqual(at(-DAY));
    expect(verify(leaf, [root]).error).toEqual({ code: 10, depth: 0, message: 'certificate has expired' });
    expect(verify(leaf, [root], [], { at: at(-30 * DAY) }).ok).toBe(true);
  });

  it('accepts `now` and dates past 2049 (GeneralizedTime), which openssl reads back exactly', async () => {
    const cert = await issue({ subject: 'CN=long', notBefore: 'now', notAfter: '2060-01-01T00:00:00Z' }, leafKey, root);
    expect(new Date(opensslX509(cert.path, '-startdate').replace(/^notBefore=/, ''))).toEqual(NOW);
    expect(opensslX509(cert.path, '-enddate')).toBe('notAfter=Jan  1 00:00:00 2060 GMT');
    expect(verify(cert, [root]).ok).toBe(true);
  });

  it('refuses a notAfter that is not after notBefore, and a time it cannot read (InputError)', async () => {
    await expect(issue({ subject: 'CN=backwards', notBefore: '+1d', notAfter: '-1d' }, leafKey)).rejects.toBeInstanceOf(InputError);
    await expect(issue({ subject: 'CN=empty', notBefore: 'now', notAfter: 'now' }, leafKey)).rejects.toBeInstanceOf(InputError);
    await expect(issue({ subject: 'CN=vague', notAfter: 'tomorrow' }, leafKey)).rejects.toBeInstanceOf(InputError);
  });
});

describe('issueCertificate: extensions', () => {
  it.each([
    [{ ca: true, pathLen: 0 }, 'CA:TRUE, pathlen:0'],
    [{ ca: true, pathLen: 1 }, 'CA:TRUE, pathlen:1'],
    [{ ca: true }, 'CA:TRUE'],
    [{ ca: false }, 'CA:FALSE'],
    [{ ca: false, pathLen: 3 }, 'CA:FALSE'],
  ] as const)('writes basicConstraints %j as critical "%s"', async (bc, expected) => {
    const cert = await issue({ subject: 'CN=bc', ...bc }, subKey, root);
    expect(extension(opensslText(cert.path), 'X509v3 Basic Constraints')).toEqual({ critical: true, value: expected });
  });

  it('writes certificatePolicies (not critical) and policyConstraints (critical, RFC 5280 4.2.1.11) as openssl reads them', async () => {
    const cert = await issue({ ...caRecipe('CN=pol'), certificatePolicies: ['2.23.140.1.2.1', '1.3.6.1.4.1.55555.7.1'], policyConstraints: { requireExplicitPolicy: 0, inhibitPolicyMapping: 200 } }, subKey, root);
    const text = opensslText(cert.path);
    expect(extension(text, 'X509v3 Certificate Policies')).toEqual({ critical: false, value: 'Policy: 2.23.140.1.2.1' });
    expect(text).toContain('Policy: 1.3.6.1.4.1.55555.7.1');
    // 200 needs a leading zero octet in DER (a positive INTEGER): openssl reads it back as 200.
    expect(extension(text, 'X509v3 Policy Constraints')).toEqual({ critical: true, value: 'Require Explicit Policy:0, Inhibit Policy Mapping:200' });
  });

  it('refuses an empty policyConstraints, which RFC 5280 4.2.1.11 forbids (InputError)', async () => {
    await expect(issue({ ...caRecipe('CN=pol-empty'), policyConstraints: {} }, subKey, root)).rejects.toThrow(InputError);
  });

  it('writes no basicConstraints when the recipe leaves ca out', async () => {
    const cert = await issue({ subject: 'CN=nobc' }, leafKey, root);
    expect(opensslText(cert.path)).not.toContain('Basic Constraints');
  });

  it.each(Object.entries({
    digitalSignature: 'Digital Signature',
    nonRepudiation: 'Non Repudiation',
    keyEncipherment: 'Key Encipherment',
    dataEncipherment: 'Data Encipherment',
    keyAgreement: 'Key Agreement',
    keyCertSign: 'Certificate Sign',
    cRLSign: 'CRL Sign',
    encipherOnly: 'Encipher Only',
    decipherOnly: 'Decipher Only',
  }))('writes keyUsage %s as the critical bit openssl names "%s"', async (name, label) => {
    const cert = await issue({ subject: 'CN=ku', keyUsage: [name as KeyUsageName] }, leafKey, root);
    expect(extension(opensslText(cert.path), 'X509v3 Key Usage')).toEqual({ critical: true, value: label });
  });

  it('writes several keyUsage bits at once, and names every bit the module knows', async () => {
    expect(Object.keys(KEY_USAGES)).toHaveLength(9);
    const cert = await issue({ subject: 'CN=ku2', keyUsage: ['digitalSignature', 'keyEncipherment'] }, leafKey, root);
    expect(extension(opensslText(cert.path), 'X509v3 Key Usage')?.value).toBe('Digital Signature, Key Encipherment');
    const ca = await issue(caRecipe('CN=ku-ca'), subKey, root);
    expect(extension(opensslText(ca.path), 'X509v3 Key Usage')?.value).toBe('Certificate Sign, CRL Sign');
  });

  it('writes extendedKeyUsage by name and by dotted OID, in order, not critical', async () => {
    const cert = await issue(
      { subject: 'CN=eku', extKeyUsage: ['serverAuth', 'clientAuth', 'codeSigning', 'emailProtection', 'timeStamping', 'ocspSigning', '1.3.6.1.4.1.99999.1'] },
      leafKey,
      root,
    );
    expect(extension(opensslText(cert.path), 'X509v3 Extended Key Usage')).toEqual({
      critical: false,
      value: 'TLS Web Server Authentication, TLS Web Client Authentication, Code Signing, E-mail Protection, Time Stamping, OCSP Signing, 1.3.6.1.4.1.99999.1',
    });
  });

  it('fails a serverAuth check when the leaf only allows clientAuth (openssl -purpose sslserver, error 26)', async () => {
    const leaf = await issue({ subject: 'CN=client', ca: false, extKeyUsage: ['clientAuth'] }, leafKey, root);
    expect(verify(leaf, [root], [], { extra: ['-purpose', 'sslserver'] }).error).toMatchObject({ code: 26, depth: 0, message: 'unsuitable certificate purpose' });
    expect(verify(leaf, [root], [], { extra: ['-purpose', 'sslclient'] }).ok).toBe(true);
  });

  it('writes the SKI as RFC 5280 method 1, exactly as openssl computes subjectKeyIdentifier=hash for the same key', async () => {
    for (const type of ['ec-p256', 'rsa-2048'] as const) {
      const cert = await issue({ subject: `CN=ski-${type}` }, keys[type]);
      const keyPath = join(tmp.path, `ski-${type}.key.pem`);
      writeFileSync(keyPath, keys[type].export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
      const reference = openssl(['req', '-new', '-x509', '-key', keyPath, '-subj', '/CN=ref', '-days', '1', '-addext', 'subjectKeyIdentifier=hash', '-noout', '-text']).toString();
      const ski = extension(opensslText(cert.path), 'X509v3 Subject Key Identifier');
      expect(ski?.critical).toBe(false);
      expect(ski?.value, type).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
      expect(ski?.value, type).toBe(extension(reference, 'X509v3 Subject Key Identifier')?.value);
    }
  });

  it('writes an AKI whose keyid is the issuer certificate\'s SKI, and none on a self-signed certificate by default', async () => {
    const ca = await issue(caRecipe('CN=aki-ca'), intermediateKey, root);
    const leaf = await issue({ subject: 'CN=aki-leaf' }, leafKey, ca);
    const rootText = opensslText(root.path);
    const caText = opensslText(ca.path);
    const leafText = opensslText(leaf.path);
    expect(rootText).not.toContain('Authority Key Identifier');
    expect(extension(caText, 'X509v3 Authority Key Identifier')?.value).toBe(extension(rootText, 'X509v3 Subject Key Identifier')?.value);
    expect(extension(leafText, 'X509v3 Authority Key Identifier')?.value).toBe(extension(caText, 'X509v3 Subject Key Identifier')?.value);
    expect(extension(leafText, 'X509v3 Authority Key Identifier')?.critical).toBe(false);
  });

  it('leaves out SKI or AKI on request, puts an AKI on a self-signed certificate on request, and falls back to the issuer key\'s identifier when the issuer has no SKI', async () => {
    const noSki = await issue({ subject: 'CN=noski', ski: false, aki: false }, leafKey, root);
    expect(opensslText(noSki.path)).not.toMatch(/Subject Key Identifier|Authority Key Identifier/);
    const selfAki = await issue({ subject: 'CN=selfaki', aki: true }, otherRootKey);
    const selfText = opensslText(selfAki.path);
    expect(extension(selfText, 'X509v3 Authority Key Identifier')?.value).toBe(extension(selfText, 'X509v3 Subject Key Identifier')?.value);
    const bareCa = await issue(caRecipe('CN=bare-ca', { ski: false }), intermediateKey, root);
    const child = await issue({ subject: 'CN=child' }, leafKey, bareCa);
    const withSki = await issue(caRecipe('CN=ski-ca'), intermediateKey, root);
    expect(extension(opensslText(child.path), 'X509v3 Authority Key Identifier')?.value).toBe(extension(opensslText(withSki.path), 'X509v3 Subject Key Identifier')?.value);
  });
});

describe('issueCertificate: signatures', () => {
  const hashes: SignatureHash[] = ['SHA-256', 'SHA-384', 'SHA-512', 'SHA-1'];
  const rsaNames: Record<SignatureHash, string> = {
    'SHA-1': 'sha1WithRSAEncryption',
    'SHA-256': 'sha256WithRSAEncryption',
    'SHA-384': 'sha384WithRSAEncryption',
    'SHA-512': 'sha512WithRSAEncryption',
  };
  const ecNames: Record<SignatureHash, string> = {
    'SHA-1': 'ecdsa-with-SHA1',
    'SHA-256': 'ecdsa-with-SHA256',
    'SHA-384': 'ecdsa-with-SHA384',
    'SHA-512': 'ecdsa-with-SHA512',
  };

  for (const [type, names] of [
    ['rsa-2048', rsaNames],
    ['ec-p256', ecNames],
  ] as const) {
    it.each(hashes)(`signs with an ${type} key and %s: openssl names the algorithm and checks both signatures`, async (hash) => {
      const ca = await issue(caRecipe(`CN=${type} ${hash} CA`, { hash }), keys[type]);
      const leaf = await issue({ subject: `CN=${type}-${hash}.example`, ca: false, hash }, leafKey, ca);
      for (const cert of [ca, leaf]) {
        const text = opensslText(cert.path);
        expect(text.match(/Signature Algorithm: (\S+)/g)).toEqual([`Signature Algorithm: ${names[hash]}`, `Signature Algorithm: ${names[hash]}`]);
      }
      // -auth_level 0 so that the SHA-1 cases check the signature, not the policy (see the next test).
      const r = verify(leaf, [ca], [], { extra: ['-check_ss_sig', '-auth_level', '0'] });
      expect(r.ok, r.output).toBe(true);
    });
  }

  it('makes SHA-1 signatures that openssl refuses at security level 2 with "CA signature digest algorithm too weak" (68)', async () => {
    const ca = await issue(caRecipe('CN=SHA-1 CA'), keys['rsa-2048']);
    const leaf = await issue({ subject: 'CN=sha1.example', hash: 'SHA-1' }, leafKey, ca);
    expect(verify(leaf, [ca], [], { extra: ['-auth_level', '2'] }).error).toEqual({ code: 68, depth: 0, message: 'CA signature digest algorithm too weak' });
    const sha256 = await issue({ subject: 'CN=sha256.example' }, leafKey, ca);
    expect(verify(sha256, [ca], [], { extra: ['-auth_level', '2'] }).ok).toBe(true);
  });

  it('picks SHA-384 for a P-384 issuer and SHA-256 for P-256 and RSA issuers when the recipe does not say', async () => {
    const cases = [
      ['ec-p384', 'ecdsa-with-SHA384'],
      ['ec-p256', 'ecdsa-with-SHA256'],
      ['rsa-3072', 'sha256WithRSAEncryption'],
    ] as const;
    for (const [type, name] of cases) {
      const ca = await issue(caRecipe(`CN=${type} default CA`), keys[type]);
      const leaf = await issue({ subject: `CN=${type}-default.example` }, leafKey, ca);
      expect(opensslText(leaf.path), type).toContain(`Signature Algorithm: ${name}`);
      expect(verify(leaf, [ca]).ok, type).toBe(true);
    }
  });
});

describe('issueCertificate: renewal, cross-signing and path length', () => {
  it('renews a certificate for an existing key: same pin, new serial, both verify under the issuer', async () => {
    const recipe = { subject: 'CN=renew.example', ca: false, dns: ['renew.example'] };
    const first = await issue(recipe, leafKey, root);
    const renewed = await issue({ ...recipe, notBefore: '+20d', notAfter: '+400d' }, leafKey, root);
    expect(opensslPin(readPem(renewed))).toBe(opensslPin(readPem(first)));
    expect(opensslX509(renewed.path, '-serial')).not.toBe(opensslX509(first.path, '-serial'));
    expect(opensslX509(renewed.path, '-serial')).toMatch(/^serial=[0-9A-F]{32}$/);
    expect(verify(first, [root], [], { hostname: 'renew.example' }).ok).toBe(true);
    expect(verify(renewed, [root], [], { at: at(25 * DAY), hostname: 'renew.example' }).ok).toBe(true);
  });

  it('cross-signs: same subject and key under another issuer, and each copy verifies to its own root only', async () => {
    const otherRoot = await issue(caRecipe('CN=Other Root, O=pinprick tests'), otherRootKey);
    const subject = 'CN=Cross Intermediate, O=pinprick tests';
    const viaRoot = await issue(caRecipe(subject, { pathLen: 0 }), intermediateKey, root);
    const viaOther = await issue(caRecipe(subject, { pathLen: 0 }), intermediateKey, otherRoot);
    expect(opensslX509(viaOther.path, '-subject')).toBe(opensslX509(viaRoot.path, '-subject'));
    expect(opensslPin(readPem(viaOther))).toBe(opensslPin(readPem(viaRoot)));
    expect(opensslX509(viaOther.path, '-issuer')).not.toBe(opensslX509(viaRoot.path, '-issuer'));

    const leaf = await issue({ subject: 'CN=cross.example', ca: false, dns: ['cross.example'] }, leafKey, viaRoot);
    expect(verify(leaf, [root], [viaRoot]).ok).toBe(true);
    expect(verify(leaf, [otherRoot], [viaOther]).ok).toBe(true);
    expect(verify(leaf, [otherRoot], [viaRoot]).error?.code).toBe(20);
    expect(verify(leaf, [root], [viaOther]).error?.code).toBe(20);
  });

  it('fails openssl verify with "path length constraint exceeded" (25) when a pathlen:0 intermediate issues another CA, and passes with pathlen:1', async () => {
    const strict = await issue(caRecipe('CN=Pathlen0 CA', { pathLen: 0 }), intermediateKey, root);
    const sub = await issue(caRecipe('CN=Sub CA under pathlen 0'), subKey, strict);
    const leaf = await issue({ subject: 'CN=deep.example', ca: false }, leafKey, sub);
    const r = verify(leaf, [root], [strict, sub]);
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({ code: 25, message: 'path length constraint exceeded' });

    const loose = await issue(caRecipe('CN=Pathlen1 CA', { pathLen: 1 }), intermediateKey, root);
    const sub1 = await issue(caRecipe('CN=Sub CA under pathlen 1'), subKey, loose);
    const leaf1 = await issue({ subject: 'CN=deep.example', ca: false }, leafKey, sub1);
    const ok = verify(leaf1, [root], [loose, sub1]);
    expect(ok.ok, ok.output).toBe(true);
    expect(ok.chain).toHaveLength(4);
  });

  it('fails openssl verify with "invalid CA certificate" (79, X509_V_ERR_INVALID_CA in OpenSSL 3) when a CA:FALSE certificate issues a leaf', async () => {
    const notCa = await issue({ subject: 'CN=Not a CA', ca: false }, intermediateKey, root);
    const leaf = await issue({ subject: 'CN=bad.example', ca: false }, leafKey, notCa);
    expect(verify(leaf, [root], [notCa]).error).toEqual({ code: 79, depth: 1, message: 'invalid CA certificate' });
  });
});
