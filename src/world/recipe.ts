import { createHash, randomBytes, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { InputError } from '../errors.js';
import { EKU, EXTENSIONS, KEY_USAGE_BITS } from '../model/certificate.js';
import { children, readTlv } from './der.js';
import { spkiDer } from './keys.js';
import { describeNameConstraintsProblem, nameConstraintsProblems, nameConstraintsValue, type NameConstraintsRecipe } from './name-constraints.js';
import { resolveTime, type TimeSpec } from './time.js';

/** Hash of a certificate signature. SHA-1 exists to reproduce legacy chains, not to recommend it. */
export const SIGNATURE_HASHES = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'] as const;
/** One of {@link SIGNATURE_HASHES}. */
export type SignatureHash = (typeof SIGNATURE_HASHES)[number];

/** keyUsage bits by their RFC 5280 names: the model's one table. */
export const KEY_USAGES = KEY_USAGE_BITS;
/** A keyUsage bit name. */
export type KeyUsageName = keyof typeof KEY_USAGE_BITS;

/** extendedKeyUsage purposes by name (the model's one table); any dotted OID is accepted too. */
export const EXTENDED_KEY_USAGES: Readonly<Record<string, string>> = EKU;

/**
 * How to make one certificate. Pure data, so worlds and scenarios can store, hash and compare it.
 * Keys and issuers are referred to by name; the world resolves them.
 */
export interface CertRecipe {
  /**
   * Subject DN in RFC 4514 form (`CN=api.example, O=Example`), written by whoever writes the world;
   * or `{ commonName }`: one RDN of one commonName attribute holding that value as is, for a name
   * a peer chose (an SNI), which must never be parsed as DN text (`evil.test,O=Injected` would be
   * two attributes).
   */
  subject: string | { commonName: string };
  /** Name of the key this certificate certifies. */
  key: string;
  /** Name of the issuing certificate, or `self` for a self-signed one. */
  issuer: string;
  notBefore: TimeSpec;
  notAfter: TimeSpec;
  /** basicConstraints cA; absent means an end-entity certificate with no basicConstraints. */
  ca?: boolean;
  /** basicConstraints pathLenConstraint (CA certificates only). */
  pathLen?: number;
  keyUsage?: KeyUsageName[];
  /** Names from {@link EXTENDED_KEY_USAGES} or dotted OIDs. */
  extKeyUsage?: string[];
  /** subjectAltName dNSName entries. */
  dns?: string[];
  /** subjectAltName iPAddress entries (IPv4 or IPv6). */
  ip?: string[];
  /**
   * nameConstraints (CA certificates only): the names the certificates below may carry. Written
   * critical, as RFC 5280 4.2.1.10 and the CA/Browser Forum BR 7.1.2.10.8 require.
   */
  nameConstraints?: NameConstraintsRecipe;
  /** Signature hash; default SHA-384 when the issuer key is P-384, else SHA-256 (as CAs do). */
  hash?: SignatureHash;
  /** Write a subjectKeyIdentifier (default true). */
  ski?: boolean;
  /** Write an authorityKeyIdentifier (default true, except on self-signed certificates). */
  aki?: boolean;
  /**
   * authorityInfoAccess caIssuers URLs (RFC 5280 4.2.2.1), written non-critical as the RFC asks:
   * where a client that fetches missing issuers (Apple, Windows, Chrome) gets this certificate's issuer.
   */
  caIssuers?: string[];
  /** certificatePolicies policy OIDs, non-critical and without qualifiers, as public CAs write them (CA/B Forum 2.23.140.1.2.1: domain validated). */
  certificatePolicies?: string[];
  /** policyConstraints, critical as RFC 5280 4.2.1.11 demands: skip counts before an explicit policy is required, or before mapping is inhibited. */
  policyConstraints?: { requireExplicitPolicy?: number; inhibitPolicyMapping?: number };
}

/** What issuing needs besides the recipe: resolved keys, the issuer certificate, the clock. */
export interface IssueInput {
  recipe: CertRecipe;
  subjectKey: KeyObject;
  /** Private key that signs (the subject key itself when self-signed). */
  issuerKey: KeyObject;
  /** The issuer's certificate; absent when self-signed. */
  issuerCert?: X509Certificate;
  now: Date;
}

type X509Module = typeof import('@peculiar/x509');
let x509Module: Promise<X509Module> | undefined;

/**
 * @peculiar/x509 costs ~200 ms to import (and needs the reflect-metadata polyfill), so it is
 * loaded only when something is issued: loading a cached world never pays for it.
 */
async function x509(): Promise<X509Module> {
  x509Module ??= (async () => {
    await import('reflect-metadata');
    const mod = await import('@peculiar/x509');
    // Node's WebCrypto implements the DOM Crypto interface; the cast bridges two type libraries.
    mod.cryptoProvider.set(webcrypto as unknown as Parameters<typeof mod.cryptoProvider.set>[0]);
    return mod;
  })();
  return x509Module;
}

/** A recipe's subject as RFC 4514 text, for messages. */
export function subjectText(subject: CertRecipe['subject']): string {
  return typeof subject === 'string' ? subject : `CN=${subject.commonName.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)}`;
}

/** Key identifier as RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(spki: Uint8Array): string {
  const seq = readTlv(spki, 0);
  const bits = children(spki, seq)[1];
  if (!bits) throw new RangeError('bad SubjectPublicKeyInfo');
  // Skip the "unused bits" octet that starts a BIT STRING.
  return createHash('sha1').update(spki.subarray(bits.contentStart + 1, bits.end)).digest('hex');
}

function signingParams(
  key: KeyObject,
  hash: SignatureHash,
): { alg: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams; sign: webcrypto.Algorithm | webcrypto.EcdsaParams } {
  if (key.asymmetricKeyType === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash };
    return { alg, sign: alg };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : undefined;
    if (!namedCurve) throw new InputError(`unsupported EC curve ${curve}`);
    return { alg: { name: 'ECDSA', namedCurve }, sign: { name: 'ECDSA', hash } };
  }
  throw new InputError(`unsupported key algorithm ${key.asymmetricKeyType}`);
}

/** DER of a PolicyConstraints (RFC 5280 4.2.1.11): a SEQUENCE of [0] requireExplicitPolicy and [1] inhibitPolicyMapping, IMPLICIT INTEGERs. */
export function policyConstraintsDer(constraints: NonNullable<CertRecipe['policyConstraints']>): Uint8Array {
  if (constraints.requireExplicitPolicy === undefined && constraints.inhibitPolicyMapping === undefined) throw new InputError('policyConstraints needs requireExplicitPolicy or inhibitPolicyMapping (RFC 5280 4.2.1.11: never an empty sequence)');
  const field = (tag: number, n: number | undefined): number[] => {
    if (n === undefined) return [];
    if (!Number.isInteger(n) || n < 0 || n > 0x7fff) throw new InputError(`policyConstraints: ${n} is not a skip count from 0 to 32767`);
    const bytes = n > 0x7f ? [n >> 8, n & 0xff] : [n];
    return [tag, bytes.length, ...bytes];
  };
  const body = [...field(0x80, constraints.requireExplicitPolicy), ...field(0x81, constraints.inhibitPolicyMapping)];
  return Uint8Array.from([0x30, body.length, ...body]);
}

/** The hash a CA would pick for this signing key when the recipe does not say. */
export function defaultHash(signingKey: KeyObject): SignatureHash {
  return signingKey.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'SHA-384' : 'SHA-256';
}

/**
 * Serials stay random even in seeded worlds: a renewed certificate must never repeat an
 * issuer+serial pair (Firefox refuses that with SEC_ERROR_REUSED_ISSUER_AND_SERIAL). A seed
 * promises the same keys and pins, not the same certificate bytes.
 */
function serialHex(): string {
  const bytes = randomBytes(16);
  // A positive, non-zero, 16-byte INTEGER (CA/B asks for >= 64 bits of entropy).
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** Issue one certificate from a recipe; returns its DER. */
export async function issueCertificate(input: IssueInput): Promise<Buffer> {
  const { recipe, subjectKey, issuerKey, issuerCert, now } = input;
  const lib = await x509();
  const subtle = webcrypto.subtle;
  const hash = recipe.hash ?? defaultHash(issuerKey);
  const signer = signingParams(issuerKey, hash);
  const signingKey = await subtle.importKey('pkcs8', issuerKey.export({ type: 'pkcs8', format: 'der' }), signer.alg, false, ['sign']);
  const subjectSpki = spkiDer(subjectKey);
  const publicKey = await subtle.importKey('spki', subjectSpki, signingParams(subjectKey, 'SHA-256').alg, true, ['verify']);

  const selfSigned = recipe.issuer === 'self';
  if (!selfSigned && !issuerCert) throw new InputError(`certificate '${subjectText(recipe.subject)}' is issued by '${recipe.issuer}', but no issuer certificate was given`);
  const notBefore = resolveTime(recipe.notBefore, now);
  const notAfter = resolveTime(recipe.notAfter, now);
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new InputError(`certificate '${subjectText(recipe.subject)}': notAfter (${recipe.notAfter}) is not after notBefore (${recipe.notBefore})`);
  }

  if (recipe.nameConstraints) {
    if (recipe.ca !== true) throw new InputError(`certificate '${subjectText(recipe.subject)}': nameConstraints needs ca: true (RFC 5280 4.2.1.10: CA certificates only)`);
    const problem = nameConstraintsProblems(recipe.nameConstraints)[0];
    if (problem) throw new InputError(`certificate '${subjectText(recipe.subject)}': ${describeNameConstraintsProblem(problem)}`);
  }

  const extensions: InstanceType<X509Module['Extension']>[] = [];
  if (recipe.ca !== undefined) {
    extensions.push(new lib.BasicConstraintsExtension(recipe.ca, recipe.ca ? recipe.pathLen : undefined, true));
  }
  if (recipe.keyUsage?.length) {
    const flags = recipe.keyUsage.reduce((acc, name) => acc | KEY_USAGES[name], 0);
    extensions.push(new lib.KeyUsagesExtension(flags, true));
  }
  if (recipe.extKeyUsage?.length) {
    extensions.push(new lib.ExtendedKeyUsageExtension(recipe.extKeyUsage.map((u) => (Object.hasOwn(EXTENDED_KEY_USAGES, u) ? EXTENDED_KEY_USAGES[u]! : u)), false));
  }
  const names = [...(recipe.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(recipe.ip ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length) extensions.push(new lib.SubjectAlternativeNameExtension(names, false));
  if (recipe.nameConstraints) {
    const nameDer = (dn: string) => {
      try {
        return new Uint8Array(new lib.Name(dn).toArrayBuffer());
      } catch (err) {
        throw new InputError(`certificate '${subjectText(recipe.subject)}': nameConstraints directory '${dn}' is not a distinguished name (${(err as Error).message})`);
      }
    };
    extensions.push(new lib.Extension(EXTENSIONS.nameConstraints, true, nameConstraintsValue(recipe.nameConstraints, nameDer)));
  }
  if (recipe.ski ?? true) extensions.push(new lib.SubjectKeyIdentifierExtension(keyIdentifier(subjectSpki)));
  if (recipe.aki ?? !selfSigned) {
    // Point at the issuer certificate's own SKI when it has one: that is what path builders match.
    const issuerSki = issuerCert ? new lib.X509Certificate(issuerCert.raw).getExtension(lib.SubjectKeyIdentifierExtension)?.keyId : undefined;
    const issuerSpki = issuerCert ? issuerCert.publicKey.export({ type: 'spki', format: 'der' }) : subjectSpki;
    extensions.push(new lib.AuthorityKeyIdentifierExtension(issuerSki ?? keyIdentifier(issuerSpki)));
  }
  if (recipe.caIssuers?.length) extensions.push(new lib.AuthorityInfoAccessExtension({ caIssuers: recipe.caIssuers }, false));

  if (recipe.certificatePolicies?.length) extensions.push(new lib.CertificatePolicyExtension(recipe.certificatePolicies, false));
  if (recipe.policyConstraints) extensions.push(new lib.Extension('2.5.29.36', true, policyConstraintsDer(recipe.policyConstraints)));

  // @peculiar/x509's JSON name form: a list of RDNs, each type -> values, taken as values (never parsed).
  const subject = typeof recipe.subject === 'string' ? recipe.subject : [{ CN: [recipe.subject.commonName] }];
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: serialHex(),
    subject,
    // The issuer's subject exactly as encoded in its certificate, so names chain byte for byte.
    issuer: issuerCert ? new lib.X509Certificate(issuerCert.raw).subjectName : subject,
    notBefore,
    notAfter,
    signingAlgorithm: signer.sign,
    publicKey,
    signingKey,
    extensions,
  });
  return Buffer.from(cert.rawData);
}
