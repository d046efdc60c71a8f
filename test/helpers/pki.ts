/**
 * Small PKIs for model tests: roots, intermediates and leaves issued through the recipe layer
 * (src/world/recipe.ts) against an injected clock, plus the openssl cross-check of a model input.
 */
import { isIP } from 'node:net';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { generateKey, type KeyType } from '../../src/world/keys.js';
import { pinOfKey } from '../../src/world/pin.js';
import { issueCertificate, type CertRecipe } from '../../src/world/recipe.js';
import type { ModelInput, ReasonCode } from '../../src/model/index.js';
import { certificateParts } from '../../src/world/der.js';
import { buildCertificate, ext, keyId, name, type RawExtension, type SignatureScheme } from './der-builder.js';
import { opensslVerify, PemFolder, type VerifyResult } from './openssl-verify.js';

/** The injected clock of model tests. */
export const NOW = new Date('2026-03-01T12:00:00Z');
export const DAY = 86_400_000;
/** `NOW` moved by some days. */
export const days = (n: number) => new Date(NOW.getTime() + n * DAY);

/** A certificate issued in a test. */
export interface TestCert {
  der: Buffer;
  key: KeyObject;
  /** RFC 7469 pin of its key. */
  pin: string;
  /** Subject as the recipe wrote it. */
  subject: string;
  /** The recipe, for re-issuing a variant (absent for raw certificates). */
  recipe?: CertRecipe;
  issuer?: TestCert;
}

/** Options of {@link TestPki} issuing helpers: any recipe field, and the key to certify. */
export type IssueOptions = Omit<Partial<CertRecipe>, 'key'> & { subjectKey?: KeyObject; keyType?: KeyType };

/** Issues certificates at {@link NOW}; every certificate gets a fresh key unless one is given. */
export class TestPki {
  constructor(readonly now: Date = NOW) {}

  /** Issue one certificate (self-signed when `issuer` is 'self'). */
  async issue(subject: string, issuer: TestCert | 'self', options: IssueOptions = {}): Promise<TestCert> {
    const { subjectKey: givenKey, keyType, ...more } = options;
    const key = givenKey ?? (await generateKey(keyType ?? 'ec-p256'));
    const recipe: CertRecipe = { subject, key: 'subject', issuer: issuer === 'self' ? 'self' : 'issuer', notBefore: '-1d', notAfter: '+30d', ...more };
    const der = await issueCertificate({
      recipe,
      subjectKey: key,
      issuerKey: issuer === 'self' ? key : issuer.key,
      ...(issuer === 'self' ? {} : { issuerCert: new X509Certificate(issuer.der) }),
      now: this.now,
    });
    return { der, key, pin: pinOfKey(key).sha256, subject, recipe, ...(issuer === 'self' ? {} : { issuer }) };
  }

  /** A self-signed root CA: keyCertSign + cRLSign, valid -1y..+10y. */
  root(subject: string, options: IssueOptions = {}): Promise<TestCert> {
    return this.issue(subject, 'self', { ca: true, keyUsage: ['keyCertSign', 'cRLSign'], notBefore: '-1y', notAfter: '+10y', ...options });
  }

  /** An intermediate CA as public CAs issue them: pathLen 0, serverAuth+clientAuth, valid -90d..+3y. */
  intermediate(subject: string, issuer: TestCert, options: IssueOptions = {}): Promise<TestCert> {
    return this.issue(subject, issuer, {
      ca: true,
      pathLen: 0,
      keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
      extKeyUsage: ['serverAuth', 'clientAuth'],
      notBefore: '-90d',
      notAfter: '+3y',
      ...options,
    });
  }

  /** A TLS server leaf for `hosts` (DNS names and IPs sorted into SAN types), valid -1d..+90d. */
  leaf(hosts: string | string[], issuer: TestCert, options: IssueOptions = {}): Promise<TestCert> {
    const list = Array.isArray(hosts) ? hosts : [hosts];
    const dns = list.filter((h) => !isIP(h));
    const ip = list.filter((h) => isIP(h));
    return this.issue(`CN=${list[0]}`, issuer, {
      ca: false,
      keyUsage: ['digitalSignature'],
      extKeyUsage: ['serverAuth'],
      ...(dns.length ? { dns } : {}),
      ...(ip.length ? { ip } : {}),
      notBefore: '-1d',
      notAfter: '+90d',
      ...options,
    });
  }
}

/** Options of {@link rawIssue}. */
export interface RawOptions {
  /** `CN=x, O=y` (UTF8String values, in that order) or a Name DER. */
  subject: string | Buffer;
  issuer: TestCert | 'self';
  subjectKey?: KeyObject;
  keyType?: KeyType;
  version?: 1 | 3;
  /** Default: none. See {@link caExtensions} and {@link leafExtensions}. */
  extensions?: (key: KeyObject, issuerKey: KeyObject) => RawExtension[];
  scheme?: SignatureScheme;
  /** Default NOW-1d .. NOW+30d. */
  notBefore?: Date;
  notAfter?: Date;
  tbsAlgorithm?: Buffer;
  /** Write this issuer Name instead of the issuer certificate's subject bytes. */
  issuerName?: Buffer;
}

/** `CN=x, O=y` as a Name DER with UTF8String values, in the order written. */
export function nameOf(text: string): Buffer {
  return name(text.split(/,\s*/).map((part) => part.split('=', 2) as [string, string]));
}

/** Issue a certificate through the DER builder (for what recipes do not make on purpose). */
export async function rawIssue(options: RawOptions): Promise<TestCert> {
  const key = options.subjectKey ?? (await generateKey(options.keyType ?? 'ec-p256'));
  const issuerKey = options.issuer === 'self' ? key : options.issuer.key;
  const subject = typeof options.subject === 'string' ? nameOf(options.subject) : options.subject;
  const issuerName = options.issuerName ?? (options.issuer === 'self' ? subject : Buffer.from(certificateParts(options.issuer.der).subject));
  const der = buildCertificate({
    ...(options.version ? { version: options.version } : {}),
    subject,
    issuer: issuerName,
    notBefore: options.notBefore ?? days(-1),
    notAfter: options.notAfter ?? days(30),
    subjectKey: key,
    signingKey: issuerKey,
    extensions: options.extensions?.(key, issuerKey) ?? [],
    ...(options.scheme ? { scheme: options.scheme } : {}),
    ...(options.tbsAlgorithm ? { tbsAlgorithm: options.tbsAlgorithm } : {}),
  });
  const subjectText = typeof options.subject === 'string' ? options.subject : '(raw name)';
  return { der, key, pin: pinOfKey(key).sha256, subject: subjectText, ...(options.issuer === 'self' ? {} : { issuer: options.issuer }) };
}

/** Extensions of a CA as the recipes write them (critical cA, keyCertSign+cRLSign, SKI, AKI), plus `more`. */
export function caExtensions(more: RawExtension[] = [], pathLen?: number): (key: KeyObject, issuerKey: KeyObject) => RawExtension[] {
  return (key, issuerKey) => [ext.basicConstraints(true, pathLen), ext.keyUsage([5, 6]), ext.subjectKeyId(keyId(key)), ext.authorityKeyId(keyId(issuerKey)), ...more];
}

/** Extensions of a TLS leaf (CA:FALSE, digitalSignature, serverAuth, SAN, SKI, AKI), plus `more`. */
export function leafExtensions(names: { dns?: string[]; ip?: string[] }, more: RawExtension[] = []): (key: KeyObject, issuerKey: KeyObject) => RawExtension[] {
  return (key, issuerKey) => [
    ext.basicConstraints(false),
    ext.keyUsage([0]),
    ext.extKeyUsage(['1.3.6.1.5.5.7.3.1']),
    ext.subjectAltName(names),
    ext.subjectKeyId(keyId(key)),
    ext.authorityKeyId(keyId(issuerKey)),
    ...more,
  ];
}

/** DER of test certificates (or raw DER), for model inputs. */
export function ders(...certs: (TestCert | Uint8Array)[]): Uint8Array[] {
  return certs.map((c) => ('der' in c ? c.der : c));
}

/**
 * How `openssl verify -x509_strict -purpose sslserver` maps onto the model's codes. Several
 * OpenSSL errors mean "no path to an anchor"; 79 is X509_V_ERR_INVALID_CA in OpenSSL 3.
 */
export const OPENSSL_TO_MODEL: Record<number, ReasonCode> = {
  2: 'untrusted', // unable to get issuer certificate
  18: 'untrusted', // self-signed certificate (depth 0)
  19: 'untrusted', // self-signed certificate in certificate chain
  20: 'untrusted', // unable to get local issuer certificate
  21: 'untrusted', // unable to verify the first certificate
  22: 'untrusted', // certificate chain too long
  7: 'bad-signature',
  9: 'not-yet-valid',
  10: 'expired',
  24: 'not-a-ca',
  79: 'not-a-ca',
  25: 'path-length',
  26: 'extended-key-usage', // unsuitable certificate purpose (EKU, or the leaf's keyUsage)
  32: 'key-usage', // key usage does not include certificate signing
  34: 'unknown-critical-extension',
  62: 'hostname-mismatch',
  64: 'hostname-mismatch',
  66: 'weak-key', // EE certificate key too weak (run with -auth_level 2 for RSA under 2048 bits)
  67: 'weak-key', // CA certificate key too weak
  68: 'weak-signature', // CA signature digest algorithm too weak
  47: 'name-constraints', // permitted subtree violation
  48: 'name-constraints', // excluded subtree violation
  49: 'name-constraints', // name constraints minimum and maximum not supported
  51: 'name-constraints', // unsupported name constraint type
  53: 'name-constraints', // unsupported or invalid name syntax
  42: 'invalid-policy-extension', // invalid or inconsistent certificate policy extension (-policy_check only; duplicates too)
  43: 'no-explicit-policy', // no explicit policy (-policy_check only)
};

/** What openssl says about a model input, with its first error mapped onto a model code. */
export interface OpensslOutcome extends VerifyResult {
  code: ReasonCode;
}

/**
 * Run `openssl verify -x509_strict -purpose sslserver -attime T [-verify_hostname H | -verify_ip IP]
 * -CAfile anchors -untrusted rest leaf` on a model input.
 */
export function opensslOutcome(files: PemFolder, input: ModelInput, extra: string[] = []): OpensslOutcome {
  const [leaf, ...rest] = input.presented;
  if (!leaf) throw new Error('nothing presented');
  const host = input.host;
  const result = opensslVerify({
    caFile: files.put('anchors', ...input.anchors),
    ...(rest.length ? { untrusted: files.put('untrusted', ...rest) } : {}),
    leaf: files.put('leaf', leaf),
    at: input.at,
    ...(host === undefined ? {} : isIP(host.replace(/^\[|\]$/g, '')) ? { ip: host.replace(/^\[|\]$/g, '') } : { hostname: host }),
    extra: ['-purpose', 'sslserver', ...extra],
  });
  const code: ReasonCode = result.ok ? 'ok' : result.error ? (OPENSSL_TO_MODEL[result.error.code] ?? 'malformed') : 'malformed';
  return { ...result, code };
}
