/**
 * A DER certificate parsed once into the typed view the model works on. Everything path building,
 * validation, host matching and pinning read is decoded here, in one pass; Node's own X.509 object
 * and the public KeyObject are created lazily, only for the signatures that get checked.
 */
import { constants, createPublicKey, hash, verify, X509Certificate, type KeyObject } from 'node:crypto';
import {
  bitStringBytes,
  booleanOf,
  childrenOf,
  content,
  encoding,
  hex,
  integerHexOf,
  MalformedError,
  namedBitsOf,
  oidOf,
  smallIntegerOf,
  TAG,
  timeOf,
  tlvAt,
  wholeTlv,
} from './asn1.js';
import { formatIp, readGeneralName, type GeneralName } from './general-name.js';
import { commonNames, parseName, sameName, type ParsedName } from './name.js';
import { parseNameConstraints, type NameConstraints } from './name-constraints.js';

/** Text form of an IP address (the one definition lives with GeneralName). */
export { formatIp };

/** Extension OIDs by name. */
export const EXTENSIONS = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
} as const;

/** AuthorityInfoAccess accessMethod id-ad-caIssuers (RFC 5280 4.2.2.1). */
export const ID_AD_CA_ISSUERS = '1.3.6.1.5.5.7.48.2';

/**
 * Extensions the model implements, so a critical one is fine. The four certificate-policy
 * extensions are processed as RFC 5280 6.1 with TLS clients' inputs (certificate-policies.ts);
 * crlDistributionPoints only points at revocation data, which the model does not fetch (as
 * OpenSSL without -crl_check). authorityInfoAccess only says where an issuer (or an OCSP responder)
 * can be fetched: its caIssuers URLs are what the `aia-fetch` difference reads (platforms.ts).
 * RFC 5280 4.2.2.1 has CAs mark it non-critical; measured with a critical one: Go 1.19 and GnuTLS
 * (certtool --verify) accept, OpenSSL 3.0 refuses (unhandled critical extension).
 */
const UNDERSTOOD = new Set<string>([
  EXTENSIONS.subjectKeyIdentifier,
  EXTENSIONS.keyUsage,
  EXTENSIONS.subjectAltName,
  EXTENSIONS.basicConstraints,
  EXTENSIONS.nameConstraints,
  EXTENSIONS.crlDistributionPoints,
  EXTENSIONS.certificatePolicies,
  EXTENSIONS.authorityKeyIdentifier,
  EXTENSIONS.extKeyUsage,
  EXTENSIONS.authorityInfoAccess,
  EXTENSIONS.policyMappings,
  EXTENSIONS.policyConstraints,
  EXTENSIONS.inhibitAnyPolicy,
]);

/**
 * Extensions the model recognises but does not implement: when one is on a path (critical or not)
 * the model says `unsupported-feature` rather than guess what a client would do.
 */
export const UNIMPLEMENTED_EXTENSIONS: Readonly<Record<string, string>> = {
};

/** extendedKeyUsage purposes by name (RFC 5280 4.2.1.12): the one table, for the model and for recipes. */
export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',
} as const;

/** keyUsage bits (RFC 5280 4.2.1.3 numbering: bit n = 1 << n). */
export const KEY_USAGE_BITS = {
  digitalSignature: 1 << 0,
  nonRepudiation: 1 << 1,
  keyEncipherment: 1 << 2,
  dataEncipherment: 1 << 3,
  keyAgreement: 1 << 4,
  keyCertSign: 1 << 5,
  cRLSign: 1 << 6,
  encipherOnly: 1 << 7,
  decipherOnly: 1 << 8,
} as const;

/** One extension as found in the certificate. */
export interface ExtensionInfo {
  oid: string;
  critical: boolean;
  /** The model implements it (a critical one does not fail the path). */
  understood: boolean;
  /** The extnValue contents (the DER inside the OCTET STRING), for readers in other files (certificate-policies.ts). */
  value: Uint8Array;
}

/** Hash behind a signature algorithm. */
export type SignatureHashName = 'MD2' | 'MD4' | 'MD5' | 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512' | 'intrinsic';

/** A certificate's signature algorithm. */
export interface SignatureAlgorithm {
  oid: string;
  /** OpenSSL-style name (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, `RSASSA-PSS`), or the OID. */
  name: string;
  /** The digest; `intrinsic` for EdDSA; undefined when unknown. */
  hash?: SignatureHashName;
  /** MD2, MD4, MD5 or SHA-1: refused by modern clients on anything but a trust anchor. */
  weak: boolean;
  /** How node:crypto `verify` checks it; absent = through Node's X509Certificate.verify. */
  verify?: VerifyPlan;
}

/** A signature check node:crypto can make directly. */
export interface VerifyPlan {
  /** Node digest name, or null for EdDSA. */
  digest: string | null;
  /** Issuer key types the algorithm can be made with (an ECDSA signature never verifies with an RSA key). */
  keyTypes: readonly string[];
  /** RSASSA-PSS salt length. */
  pssSaltLength?: number;
}

/** A certificate's public key. */
export interface KeyInfo {
  /** `RSA`, `RSA-PSS`, `ECDSA`, `Ed25519`, `Ed448`, `DSA` or the algorithm OID. */
  type: string;
  /** Modulus size for RSA, curve size for ECDSA; undefined when unknown. */
  bits?: number;
  /** Named curve for ECDSA (`P-256`…). */
  curve?: string;
  /** Human label as `describeKey` prints it: `RSA 2048`, `ECDSA P-256`. */
  label: string;
}

const HASH_OIDS: Record<string, SignatureHashName> = {
  '1.2.840.113549.2.2': 'MD2',
  '1.2.840.113549.2.5': 'MD5',
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.4': 'SHA-224',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

type Family = 'pkcs1' | 'ecdsa' | 'pss' | 'eddsa' | 'dsa';
const SIGNATURE_ALGORITHMS: Record<string, { name: string; family: Family; hash?: SignatureHashName }> = {
  '1.2.840.113549.1.1.2': { family: 'pkcs1', name: 'md2WithRSAEncryption', hash: 'MD2' },
  '1.2.840.113549.1.1.3': { family: 'pkcs1', name: 'md4WithRSAEncryption', hash: 'MD4' },
  '1.2.840.113549.1.1.4': { family: 'pkcs1', name: 'md5WithRSAEncryption', hash: 'MD5' },
  '1.2.840.113549.1.1.5': { family: 'pkcs1', name: 'sha1WithRSAEncryption', hash: 'SHA-1' },
  '1.3.14.3.2.29': { family: 'pkcs1', name: 'sha1WithRSAEncryption', hash: 'SHA-1' },
  '1.2.840.113549.1.1.10': { family: 'pss', name: 'RSASSA-PSS' },
  '1.2.840.113549.1.1.14': { family: 'pkcs1', name: 'sha224WithRSAEncryption', hash: 'SHA-224' },
  '1.2.840.113549.1.1.11': { family: 'pkcs1', name: 'sha256WithRSAEncryption', hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { family: 'pkcs1', name: 'sha384WithRSAEncryption', hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { family: 'pkcs1', name: 'sha512WithRSAEncryption', hash: 'SHA-512' },
  '1.2.840.10045.4.1': { family: 'ecdsa', name: 'ecdsa-with-SHA1', hash: 'SHA-1' },
  '1.2.840.10045.4.3.1': { family: 'ecdsa', name: 'ecdsa-with-SHA224', hash: 'SHA-224' },
  '1.2.840.10045.4.3.2': { family: 'ecdsa', name: 'ecdsa-with-SHA256', hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { family: 'ecdsa', name: 'ecdsa-with-SHA384', hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { family: 'ecdsa', name: 'ecdsa-with-SHA512', hash: 'SHA-512' },
  '1.2.840.10040.4.3': { family: 'dsa', name: 'dsa-with-SHA1', hash: 'SHA-1' },
  '2.16.840.1.101.3.4.3.2': { family: 'dsa', name: 'dsa-with-SHA256', hash: 'SHA-256' },
  '1.3.101.112': { family: 'eddsa', name: 'Ed25519', hash: 'intrinsic' },
  '1.3.101.113': { family: 'eddsa', name: 'Ed448', hash: 'intrinsic' },
};

/** A signature algorithm by its OID: OpenSSL's name, family and hash; undefined when unknown. */
export function signatureAlgorithmByOid(oid: string): { name: string; family: Family; hash?: SignatureHashName } | undefined {
  return Object.hasOwn(SIGNATURE_ALGORITHMS, oid) ? SIGNATURE_ALGORITHMS[oid] : undefined;
}

const WEAK_HASHES = new Set<SignatureHashName>(['MD2', 'MD4', 'MD5', 'SHA-1']);

const CURVES: Record<string, { name: string; bits: number }> = {
  '1.2.840.10045.3.1.7': { name: 'P-256', bits: 256 },
  '1.3.132.0.34': { name: 'P-384', bits: 384 },
  '1.3.132.0.35': { name: 'P-521', bits: 521 },
};

/** Thrown by {@link parseCertificate} for bytes that are not a certificate the model can read. */
export { MalformedError };

/** A certificate, decoded once. */
export class ParsedCertificate {
  /** 1, 2 or 3. */
  readonly version: number;
  /** Serial number, upper-case hex. */
  readonly serial: string;
  readonly signatureAlgorithm: SignatureAlgorithm;
  /** The TBS `signature` field differs from the outer signatureAlgorithm (RFC 5280 4.1.1.2). */
  readonly signatureAlgorithmMismatch: boolean;
  readonly issuer: ParsedName;
  readonly subject: ParsedName;
  /** Epoch milliseconds. */
  readonly notBefore: number;
  /** Epoch milliseconds. */
  readonly notAfter: number;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** RFC 7469 pin: base64(SHA-256(SPKI)). */
  readonly pin: string;
  /** The DER as a string: the certificate's identity (byte equality) in maps and sets. */
  readonly id: string;
  readonly key: KeyInfo;
  /** Every extension, in order. */
  readonly extensions: readonly ExtensionInfo[];
  /** basicConstraints, when present. */
  readonly basicConstraints?: { cA: boolean; pathLen?: number; critical: boolean };
  /** keyUsage bits ({@link KEY_USAGE_BITS}), when present. */
  readonly keyUsage?: number;
  /** extendedKeyUsage OIDs, when present. */
  readonly extKeyUsage?: readonly string[];
  /** subjectAltName, when present: dNSName values as written, iPAddress values as normalised text, a count of other entry types, and every entry (for name constraints). */
  readonly subjectAltName?: { dns: readonly string[]; ip: readonly string[]; other: number; names: readonly GeneralName[] };
  /** nameConstraints, when present (name-constraints.ts). */
  readonly nameConstraints?: NameConstraints;
  /** subjectKeyIdentifier, lower-case hex. */
  readonly subjectKeyId?: string;
  /** authorityKeyIdentifier keyIdentifier, lower-case hex. */
  readonly authorityKeyId?: string;
  /** authorityInfoAccess caIssuers URLs (uniformResourceIdentifier), in order, when present: where the issuer can be fetched. */
  readonly caIssuers?: readonly string[];
  /** commonName values of the subject. */
  readonly commonNames: readonly string[];
  /** Subject and issuer are the same name (RFC 5280 "self-issued"). */
  readonly selfIssued: boolean;

  /** The signed part and the signature, for verification. */
  private readonly tbs: Uint8Array;
  private readonly signature: Uint8Array;
  private node?: X509Certificate;
  private keyObject?: KeyObject;
  private sha256?: string;
  private sha1Pin?: string;
  /** Signature checks already made, by issuer pin: a certificate parsed once is verified once per issuer key. */
  private verified?: Map<string, boolean>;

  /** `id`: the DER as a latin1 string, when the caller has made it already (the parse cache has). */
  constructor(
    readonly der: Uint8Array,
    id?: string,
  ) {
    const cert = wholeTlv(der, TAG.SEQUENCE, 'Certificate');
    const [tbs, sigAlg, sigValue, extra] = childrenOf(der, cert, 'Certificate');
    if (!tbs || !sigAlg || !sigValue || extra || tbs.tag !== TAG.SEQUENCE) throw new MalformedError('Certificate: not tbsCertificate, signatureAlgorithm, signature');
    this.tbs = encoding(der, tbs);
    this.signature = bitStringBytes(der, sigValue, 'signatureValue');
    if (der[sigValue.contentStart] !== 0) throw new MalformedError('signatureValue: unused bits');
    const fields = childrenOf(der, tbs, 'tbsCertificate');
    let i = 0;
    let version = 1;
    if (fields[0]?.tag === 0xa0) {
      const [v] = childrenOf(der, fields[0], 'version');
      if (!v) throw new MalformedError('version: empty');
      version = smallIntegerOf(der, v, 'version') + 1;
      if (version > 3) throw new MalformedError(`version: unknown version ${version}`);
      i = 1;
    }
    this.version = version;
    this.serial = integerHexOf(der, tbsField(fields, i, 'serialNumber'), 'serialNumber');
    const tbsSig = tbsField(fields, i + 1, 'signature');
    this.signatureAlgorithm = parseSignatureAlgorithm(der, sigAlg);
    this.signatureAlgorithmMismatch = !sameEncoding(der, tbsSig, sigAlg);
    this.issuer = parseName(der, tbsField(fields, i + 2, 'issuer').start, 'issuer');
    this.issuer.validate();
    const validity = tbsField(fields, i + 3, 'validity');
    const [nb, na] = childrenOf(der, validity, 'validity');
    if (validity.tag !== TAG.SEQUENCE || !nb || !na) throw new MalformedError('validity: not two times');
    this.notBefore = timeOf(der, nb, 'notBefore');
    this.notAfter = timeOf(der, na, 'notAfter');
    this.subject = parseName(der, tbsField(fields, i + 4, 'subject').start, 'subject');
    this.subject.validate();
    const spki = tbsField(fields, i + 5, 'subjectPublicKeyInfo');
    this.spki = encoding(der, spki);
    this.key = parseKey(der, spki);

    const ext = readExtensions(der, fields, i + 6);
    this.extensions = ext.list;
    this.basicConstraints = ext.basicConstraints;
    this.keyUsage = ext.keyUsage;
    this.extKeyUsage = ext.extKeyUsage;
    this.subjectAltName = ext.subjectAltName;
    this.nameConstraints = ext.nameConstraints;
    this.subjectKeyId = ext.subjectKeyId;
    this.authorityKeyId = ext.authorityKeyId;
    this.caIssuers = ext.caIssuers;
    this.commonNames = commonNames(this.subject);
    this.selfIssued = sameName(this.subject, this.issuer);
    this.pin = hash('sha256', this.spki, 'base64');
    this.id = id ?? latin1(der);
  }

  /** Legacy SHA-1 pin: base64(SHA-1(SPKI)), as OkHttp's `sha1/` pins name a key (computed on first use). */
  get pinSha1(): string {
    this.sha1Pin ??= hash('sha1', this.spki, 'base64');
    return this.sha1Pin;
  }

  /** SHA-256 of the whole DER, lower-case hex (computed on first use). */
  get fingerprint(): string {
    this.sha256 ??= hash('sha256', this.der, 'hex');
    return this.sha256;
  }

  /** Node's X509Certificate for this DER (created on first use). */
  get x509(): X509Certificate {
    this.node ??= new X509Certificate(this.der);
    return this.node;
  }

  /**
   * The public key as a KeyObject (created on first use). Measured with OpenSSL 3.0: RSA and P-256
   * keys import 2-25 times faster from JWK components than from the SPKI DER; other keys come from
   * Node's X509Certificate, which beats both for P-384.
   */
  get publicKey(): KeyObject {
    this.keyObject ??= importKey(this.spki, this.key) ?? this.x509.publicKey;
    return this.keyObject;
  }

  /**
   * True when `issuer`'s public key verifies this certificate's signature; any error counts as
   * false. Common algorithms (PKCS #1 v1.5, ECDSA, RSA-PSS with MGF1 of the same hash, EdDSA) are
   * checked with node:crypto `verify` over the TBS bytes, after checking that the algorithm fits
   * the issuer's key type as X509_verify does; anything else goes to Node's `X509Certificate.verify`.
   * Memoised per issuer key.
   */
  signedBy(issuer: ParsedCertificate): boolean {
    this.verified ??= new Map();
    let ok = this.verified.get(issuer.pin);
    if (ok === undefined) {
      try {
        ok = this.verifyWith(issuer);
      } catch {
        ok = false;
      }
      this.verified.set(issuer.pin, ok);
    }
    return ok;
  }

  private verifyWith(issuer: ParsedCertificate): boolean {
    const plan = this.signatureAlgorithm.verify;
    if (!plan) return this.x509.verify(issuer.publicKey);
    if (!plan.keyTypes.includes(issuer.key.type)) return false;
    if (plan.pssSaltLength !== undefined) {
      return verify(plan.digest, this.tbs, { key: issuer.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: plan.pssSaltLength }, this.signature);
    }
    return verify(plan.digest, this.tbs, issuer.publicKey, this.signature);
  }

  /** True when the extension is present. */
  has(oid: string): boolean {
    return this.extensions.some((e) => e.oid === oid);
  }

  /** The critical extensions, each flagged `understood` when the model implements it. */
  get criticalExtensions(): ExtensionInfo[] {
    return this.extensions.filter((e) => e.critical);
  }

  /** nameConstraints is present. */
  get hasNameConstraints(): boolean {
    return this.has(EXTENSIONS.nameConstraints);
  }

  /** certificatePolicies is present. */
  get hasCertificatePolicies(): boolean {
    return this.has(EXTENSIONS.certificatePolicies);
  }
}

/**
 * How many parsed certificates are kept between calls. A parsed certificate is immutable, so
 * handing the same object to the next call with the same bytes is invisible except in speed: a
 * trust store of 150 anchors, or a chain evaluated at many instants (the bricking simulator), is
 * decoded, its keys imported and its signatures checked once. The least recently used entries go
 * first, so the roots and intermediates a batch repeats on every line stay while its leaves pass.
 */
export const PARSE_CACHE_SIZE = 4096;
const parsed = new Map<string, ParsedCertificate>();

/** Parse a DER certificate (or return the identical bytes' earlier parse); throws {@link MalformedError} with what is wrong. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const key = latin1(der);
  const hit = parsed.get(key);
  if (hit) {
    // Map keeps insertion order: re-inserting marks the entry as the most recently used.
    parsed.delete(key);
    parsed.set(key, hit);
    return hit;
  }
  // Copy (the caller may reuse its buffer, the cache must not see that) into a plain Uint8Array:
  // the parse takes ~40 views of it, and views of a Buffer are Buffers, several times dearer to make.
  const cert = new ParsedCertificate(new Uint8Array(der), key);
  if (parsed.size >= PARSE_CACHE_SIZE) parsed.delete(parsed.keys().next().value!);
  parsed.set(key, cert);
  return cert;
}

/** The bytes as a latin1 string: one character per byte, the cheapest exact Map key for DER. */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

type Tlv = ReturnType<typeof tlvAt>;

/** Field `n` of the tbsCertificate, or a MalformedError naming what is missing. */
function tbsField(fields: readonly Tlv[], n: number, what: string): Tlv {
  const f = fields[n];
  if (!f) throw new MalformedError(`tbsCertificate: no ${what}`);
  return f;
}

/** What the extensions say, for the fields of {@link ParsedCertificate} of the same names. */
interface ExtensionFields {
  list: ExtensionInfo[];
  basicConstraints?: { cA: boolean; pathLen?: number; critical: boolean };
  keyUsage?: number;
  extKeyUsage?: string[];
  subjectAltName?: { dns: string[]; ip: string[]; other: number; names: GeneralName[] };
  nameConstraints?: NameConstraints;
  subjectKeyId?: string;
  authorityKeyId?: string;
  caIssuers?: string[];
}

/**
 * The extensions, from tbsCertificate field `from` on. Apart from the constructor on purpose: V8
 * compiles one big constructor slowly, and in a short batch that compile time is most of the cost.
 */
function readExtensions(der: Uint8Array, fields: readonly Tlv[], from: number): ExtensionFields {
  const out: ExtensionFields = { list: [] };
  const seen = new Set<string>();
  for (let k = from; k < fields.length; k++) {
    const f = fields[k]!;
    if (f.tag === 0x81 || f.tag === 0x82) continue; // issuerUniqueID, subjectUniqueID
    if (f.tag !== 0xa3) throw new MalformedError(`tbsCertificate: unexpected field 0x${f.tag.toString(16)}`);
    const [list] = childrenOf(der, f, 'extensions');
    if (!list || list.tag !== TAG.SEQUENCE) throw new MalformedError('extensions: not a SEQUENCE');
    for (const ext of childrenOf(der, list, 'extensions')) readExtension(der, ext, seen, out);
  }
  return out;
}

function readExtension(der: Uint8Array, ext: Tlv, seen: Set<string>, out: ExtensionFields): void {
  const parts = childrenOf(der, ext, 'Extension');
  const oid = oidOf(der, parts[0] ?? ext, 'extnID');
  const critical = parts.length === 3 ? booleanOf(der, parts[1]!, `${oid} critical`) : false;
  const value = parts[parts.length - 1];
  if (!value || value.tag !== TAG.OCTET_STRING || parts.length > 3 || parts.length < 2) throw new MalformedError(`extension ${oid}: not extnID, critical, extnValue`);
  // RFC 5280 4.2: a certificate MUST NOT include more than one instance of an extension.
  if (seen.has(oid)) throw new MalformedError(`extension ${oid} appears twice`);
  seen.add(oid);
  const v = content(der, value);
  out.list.push({ oid, critical, understood: UNDERSTOOD.has(oid), value: v });
  const what = `extension ${oid}`;
  switch (oid) {
    case EXTENSIONS.basicConstraints:
      out.basicConstraints = { ...parseBasicConstraints(v, what), critical };
      break;
    case EXTENSIONS.keyUsage:
      out.keyUsage = namedBitsOf(v, wholeTlv(v, TAG.BIT_STRING, what), what);
      break;
    case EXTENSIONS.extKeyUsage:
      out.extKeyUsage = childrenOf(v, wholeTlv(v, TAG.SEQUENCE, what), what).map((t) => oidOf(v, t, what));
      break;
    case EXTENSIONS.subjectAltName:
      out.subjectAltName = parseSubjectAltName(v, what);
      break;
    case EXTENSIONS.nameConstraints:
      out.nameConstraints = parseNameConstraints(v, critical, what);
      break;
    case EXTENSIONS.subjectKeyIdentifier:
      out.subjectKeyId = hex(content(v, wholeTlv(v, TAG.OCTET_STRING, what)));
      break;
    case EXTENSIONS.authorityKeyIdentifier: {
      const keyId = childrenOf(v, wholeTlv(v, TAG.SEQUENCE, what), what).find((t) => t.tag === 0x80);
      if (keyId) out.authorityKeyId = hex(content(v, keyId));
      break;
    }
    case EXTENSIONS.authorityInfoAccess: {
      const urls = parseCaIssuers(v, what);
      if (urls) out.caIssuers = urls;
      break;
    }
  }
}

/**
 * The caIssuers URLs of an authorityInfoAccess value (RFC 5280 4.2.2.1: a SEQUENCE of
 * AccessDescription { accessMethod, accessLocation GeneralName }); only uniformResourceIdentifier
 * locations ([6] IA5String) name something a client can fetch. An encoding the model cannot read
 * gives no URL instead of a malformed certificate: this extension is not among those OpenSSL checks
 * when it verifies (a critical one is "unhandled"), and a client simply has nothing to fetch.
 */
function parseCaIssuers(v: Uint8Array, what: string): string[] | undefined {
  try {
    const urls: string[] = [];
    for (const desc of childrenOf(v, wholeTlv(v, TAG.SEQUENCE, what), what)) {
      const [method, location] = childrenOf(v, desc, what);
      if (!method || !location || oidOf(v, method, what) !== ID_AD_CA_ISSUERS || location.tag !== 0x86) continue;
      urls.push(Buffer.from(content(v, location)).toString('latin1'));
    }
    return urls;
  } catch (err) {
    if (err instanceof MalformedError) return undefined;
    throw err;
  }
}

/** Two TLVs of one buffer have the same encoding (a dozen bytes: a loop beats Buffer.compare's call). */
function sameEncoding(buf: Uint8Array, a: Tlv, b: Tlv): boolean {
  const len = a.end - a.start;
  if (len !== b.end - b.start) return false;
  for (let i = 0; i < len; i++) if (buf[a.start + i] !== buf[b.start + i]) return false;
  return true;
}

/** Forget every cached parse (for benchmarks that measure cold work). */
export function clearParseCache(): void {
  parsed.clear();
}

const NODE_DIGESTS: Partial<Record<SignatureHashName, string>> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

function parseSignatureAlgorithm(der: Uint8Array, alg: ReturnType<typeof tlvAt>): SignatureAlgorithm {
  const [oidTlv, params] = childrenOf(der, alg, 'signatureAlgorithm');
  if (alg.tag !== TAG.SEQUENCE || !oidTlv) throw new MalformedError('signatureAlgorithm: not an AlgorithmIdentifier');
  const oid = oidOf(der, oidTlv, 'signatureAlgorithm');
  const known = SIGNATURE_ALGORITHMS[oid];
  let digest = known?.hash;
  let plan: VerifyPlan | undefined;
  if (known?.family === 'pss') {
    // RSASSA-PSS-params (RFC 4055 3.1): hash SHA-1, MGF1 with SHA-1, salt 20, trailer 1 by default.
    digest = 'SHA-1';
    let mgfHash: SignatureHashName | undefined = 'SHA-1';
    let salt = 20;
    let trailer = 1;
    const hashOf = (t: ReturnType<typeof tlvAt> | undefined) => {
      const inner = t ? childrenOf(der, t, 'RSASSA-PSS-params')[0] : undefined;
      const o = inner ? childrenOf(der, inner, 'RSASSA-PSS-params')[0] : undefined;
      return o ? HASH_OIDS[oidOf(der, o, 'RSASSA-PSS-params')] : undefined;
    };
    if (params && params.tag === TAG.SEQUENCE) {
      for (const f of childrenOf(der, params, 'RSASSA-PSS-params')) {
        const [inner] = childrenOf(der, f, 'RSASSA-PSS-params');
        if (f.tag === 0xa0) digest = hashOf(f);
        else if (f.tag === 0xa1 && inner) {
          const [mgfOid, mgfParams] = childrenOf(der, inner, 'maskGenAlgorithm');
          const isMgf1 = mgfOid && oidOf(der, mgfOid, 'maskGenAlgorithm') === '1.2.840.113549.1.1.8';
          const o = isMgf1 && mgfParams ? childrenOf(der, mgfParams, 'maskGenAlgorithm')[0] : undefined;
          mgfHash = o ? HASH_OIDS[oidOf(der, o, 'maskGenAlgorithm')] : undefined;
        } else if (f.tag === 0xa2 && inner) salt = smallIntegerOf(der, inner, 'saltLength');
        else if (f.tag === 0xa3 && inner) trailer = smallIntegerOf(der, inner, 'trailerField');
      }
    }
    const node = digest && NODE_DIGESTS[digest];
    // Node's verify takes MGF1 with the message digest; other combinations go to X509_verify.
    if (node && mgfHash === digest && trailer === 1) plan = { digest: node, keyTypes: ['RSA', 'RSA-PSS'], pssSaltLength: salt };
  } else if (known?.family === 'eddsa') {
    plan = { digest: null, keyTypes: [known.name] };
  } else if (known && digest && NODE_DIGESTS[digest] && (known.family === 'pkcs1' || known.family === 'ecdsa')) {
    plan = { digest: NODE_DIGESTS[digest]!, keyTypes: [known.family === 'pkcs1' ? 'RSA' : 'ECDSA'] };
  }
  return {
    oid,
    name: known?.name ?? oid,
    ...(digest ? { hash: digest } : {}),
    weak: digest !== undefined && WEAK_HASHES.has(digest),
    ...(plan ? { verify: plan } : {}),
  };
}

/** An RSA or P-256 public key imported from its JWK components; undefined for other keys. */
function importKey(spki: Uint8Array, key: KeyInfo): KeyObject | undefined {
  try {
    const seq = tlvAt(spki, 0);
    const bits = childrenOf(spki, seq)[1];
    const keyBytes = bits ? bitStringBytes(spki, bits) : undefined;
    if (keyBytes && key.type === 'RSA') {
      const [n, e] = childrenOf(keyBytes, tlvAt(keyBytes, 0));
      if (n && e) {
        const b64 = (t: ReturnType<typeof tlvAt>) => {
          let p = t.contentStart;
          while (p < t.end - 1 && keyBytes[p] === 0) p++;
          return Buffer.from(keyBytes.buffer, keyBytes.byteOffset + p, t.end - p).toString('base64url');
        };
        return createPublicKey({ key: { kty: 'RSA', n: b64(n), e: b64(e) }, format: 'jwk' });
      }
    }
    const size = 32;
    if (keyBytes && key.curve === 'P-256' && keyBytes[0] === 0x04 && keyBytes.length === 1 + 2 * size) {
      const part = (from: number) => Buffer.from(keyBytes.buffer, keyBytes.byteOffset + from, size).toString('base64url');
      return createPublicKey({ key: { kty: 'EC', crv: key.curve, x: part(1), y: part(1 + size) }, format: 'jwk' });
    }
  } catch {
    // Fall back to Node's own decoding, which reports its own errors.
  }
  return undefined;
}

function parseKey(der: Uint8Array, spki: ReturnType<typeof tlvAt>): KeyInfo {
  const [alg, bits] = childrenOf(der, spki, 'subjectPublicKeyInfo');
  if (spki.tag !== TAG.SEQUENCE || !alg || !bits || alg.tag !== TAG.SEQUENCE) throw new MalformedError('subjectPublicKeyInfo: not algorithm and key');
  const [oidTlv, params] = childrenOf(der, alg, 'subjectPublicKeyInfo algorithm');
  const oid = oidOf(der, oidTlv ?? alg, 'subjectPublicKeyInfo algorithm');
  const keyBytes = bitStringBytes(der, bits, 'subjectPublicKey');
  switch (oid) {
    case '1.2.840.113549.1.1.1':
    case '1.2.840.113549.1.1.10': {
      const type = oid === '1.2.840.113549.1.1.1' ? 'RSA' : 'RSA-PSS';
      const seq = wholeTlv(keyBytes, TAG.SEQUENCE, 'RSAPublicKey');
      const [modulus] = childrenOf(keyBytes, seq, 'RSAPublicKey');
      if (!modulus || modulus.tag !== TAG.INTEGER) throw new MalformedError('RSAPublicKey: no modulus');
      let p = modulus.contentStart;
      while (p < modulus.end - 1 && keyBytes[p] === 0) p++;
      const size = (modulus.end - p) * 8 - Math.clz32(keyBytes[p]!) + 24;
      return { type, bits: size, label: `${type} ${size}` };
    }
    case '1.2.840.10045.2.1': {
      const curve = params?.tag === TAG.OID ? CURVES[oidOf(der, params)] : undefined;
      const name = curve?.name ?? (params?.tag === TAG.OID ? oidOf(der, params) : 'explicit parameters');
      return { type: 'ECDSA', ...(curve ? { bits: curve.bits, curve: curve.name } : {}), label: `ECDSA ${name}` };
    }
    case '1.3.101.112':
      return { type: 'Ed25519', bits: 256, label: 'Ed25519' };
    case '1.3.101.113':
      return { type: 'Ed448', bits: 456, label: 'Ed448' };
    case '1.2.840.10040.4.1':
      return { type: 'DSA', label: 'DSA' };
    default:
      return { type: oid, label: oid };
  }
}

function parseBasicConstraints(v: Uint8Array, what: string): { cA: boolean; pathLen?: number } {
  const parts = childrenOf(v, wholeTlv(v, TAG.SEQUENCE, what), what);
  let cA = false;
  let pathLen: number | undefined;
  for (const p of parts) {
    if (p.tag === TAG.BOOLEAN) cA = booleanOf(v, p, what);
    else if (p.tag === TAG.INTEGER) pathLen = smallIntegerOf(v, p, what);
    else throw new MalformedError(`${what}: unexpected field`);
  }
  return { cA, ...(pathLen === undefined ? {} : { pathLen }) };
}

function parseSubjectAltName(v: Uint8Array, what: string): { dns: string[]; ip: string[]; other: number; names: GeneralName[] } {
  const dns: string[] = [];
  const ip: string[] = [];
  const names: GeneralName[] = [];
  let other = 0;
  for (const gn of childrenOf(v, wholeTlv(v, TAG.SEQUENCE, what), what)) {
    const name = readGeneralName(v, gn, 'subjectAltName', what);
    names.push(name);
    if (name.kind === 'dns') dns.push(name.value);
    else if (name.kind === 'ip') ip.push(formatIp(name.bytes));
    else other++;
  }
  return { dns, ip, other, names };
}
