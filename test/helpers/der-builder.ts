/**
 * A tiny DER writer and certificate builder for test certificates that the recipe layer cannot
 * make on purpose: v1 roots, MD5 or SHA-1 signatures, RSA-PSS, unknown critical extensions,
 * nameConstraints and the certificate-policy extensions, names that differ only in case or spacing, mismatched
 * signature algorithms. Signs with node:crypto.
 */
import { constants, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { spkiDer } from '../../src/world/keys.js';
import { keyIdentifier } from '../../src/world/recipe.js';

/** One TLV with definite DER length. */
export function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

export const seq = (...parts: Uint8Array[]) => tlv(0x30, ...parts);
export const set = (...parts: Uint8Array[]) => tlv(0x31, ...parts);
export const nul = () => tlv(0x05);
export const bool = (b: boolean) => tlv(0x01, Buffer.from([b ? 0xff : 0]));
export const octets = (b: Uint8Array) => tlv(0x04, b);
export const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
export const printable = (s: string) => tlv(0x13, Buffer.from(s, 'latin1'));
export const ia5 = (s: string) => tlv(0x16, Buffer.from(s, 'latin1'));
/** `[n]` EXPLICIT (constructed context tag). */
export const explicit = (n: number, ...inner: Uint8Array[]) => tlv(0xa0 + n, ...inner);

/** A BIT STRING holding whole bytes. */
export function bits(b: Uint8Array, unused = 0): Buffer {
  return tlv(0x03, Buffer.from([unused]), b);
}

/** A non-negative INTEGER. */
export function int(v: number | bigint | Uint8Array): Buffer {
  let bytes: Buffer;
  if (typeof v === 'number' || typeof v === 'bigint') {
    let h = BigInt(v).toString(16);
    if (h.length % 2) h = `0${h}`;
    bytes = Buffer.from(h, 'hex');
  } else bytes = Buffer.from(v);
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

/** An OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map((p) => BigInt(p));
  const out: number[] = [];
  const push = (v: bigint) => {
    const group: number[] = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) group.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...group);
  };
  push(parts[0]! * 40n + parts[1]!);
  for (const p of parts.slice(2)) push(p);
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
export function time(d: Date): Buffer {
  const iso = d.toISOString();
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`));
}

const ATTRS: Record<string, string> = { CN: '2.5.4.3', O: '2.5.4.10', OU: '2.5.4.11', C: '2.5.4.6', L: '2.5.4.7', ST: '2.5.4.8' };

/** A Name from `[type, value]` RDNs in encoding order; values are UTF8String unless `string: 'printable'`. */
export function name(rdns: [string, string][], options: { string?: 'utf8' | 'printable' } = {}): Buffer {
  const enc = options.string === 'printable' ? printable : utf8;
  return seq(...rdns.map(([t, v]) => set(seq(oid(ATTRS[t] ?? t), t === 'C' ? printable(v) : enc(v)))));
}

/** An X.509 extension. */
export interface RawExtension {
  oid: string;
  critical?: boolean;
  /** The extnValue contents (the DER inside the OCTET STRING). */
  value: Uint8Array;
}

export const ext = {
  basicConstraints: (ca: boolean, pathLen?: number, critical = true): RawExtension => ({
    oid: '2.5.29.19',
    critical,
    value: seq(...(ca ? [bool(true)] : []), ...(pathLen === undefined ? [] : [int(pathLen)])),
  }),
  /** keyUsage from RFC 5280 bit numbers (0 = digitalSignature, 5 = keyCertSign, 6 = cRLSign). */
  keyUsage: (bitNumbers: number[], critical = true): RawExtension => {
    const max = Math.max(...bitNumbers);
    const bytes = Buffer.alloc(Math.floor(max / 8) + 1);
    for (const b of bitNumbers) bytes[Math.floor(b / 8)]! |= 0x80 >> b % 8;
    return { oid: '2.5.29.15', critical, value: bits(bytes, 7 - (max % 8)) };
  },
  extKeyUsage: (oids: string[], critical = false): RawExtension => ({ oid: '2.5.29.37', critical, value: seq(...oids.map(oid)) }),
  subjectAltName: (names: { dns?: string[]; ip?: string[] }, critical = false): RawExtension => ({
    oid: '2.5.29.17',
    critical,
    value: seq(...(names.dns ?? []).map((d) => tlv(0x82, Buffer.from(d, 'latin1'))), ...(names.ip ?? []).map((a) => tlv(0x87, ipBytes(a)))),
  }),
  subjectKeyId: (keyId: Uint8Array): RawExtension => ({ oid: '2.5.29.14', value: octets(keyId) }),
  authorityKeyId: (keyId: Uint8Array): RawExtension => ({ oid: '2.5.29.35', value: seq(tlv(0x80, keyId)) }),
  /** A subjectAltName of any GeneralNames, in order ({@link generalName}). */
  subjectAltNames: (names: RawGeneralName[], critical = false): RawExtension => ({ oid: '2.5.29.17', critical, value: seq(...names.map(generalName)) }),
  /**
   * nameConstraints with permitted and excluded subtrees of any form (an iPAddress subtree as
   * `10.0.0.0/8`), each with an optional minimum and maximum (RFC 5280 forbids both; OpenSSL
   * refuses them). An absent list is not written; an empty one is written empty.
   */
  nameConstraintsOf: (nc: { permitted?: RawSubtree[]; excluded?: RawSubtree[] }, critical = true): RawExtension => ({
    oid: '2.5.29.30',
    critical,
    value: seq(...(nc.permitted ? [tlv(0xa0, ...nc.permitted.map(subtree))] : []), ...(nc.excluded ? [tlv(0xa1, ...nc.excluded.map(subtree))] : [])),
  }),
  /** nameConstraints with permitted dNSName subtrees. */
  nameConstraints: (permittedDns: string[], critical = true): RawExtension => ({
    oid: '2.5.29.30',
    critical,
    value: seq(explicit(0, ...permittedDns.map((d) => seq(tlv(0x82, Buffer.from(d, 'latin1')))))),
  }),
  /** policyConstraints: requireExplicitPolicy = n, or either or both SkipCerts fields ([0] and [1] IMPLICIT INTEGER). */
  policyConstraints: (constraints: number | { requireExplicitPolicy?: number; inhibitPolicyMapping?: number }, critical = true): RawExtension => {
    const c = typeof constraints === 'number' ? { requireExplicitPolicy: constraints } : constraints;
    const implicit = (tag: number, n: number | undefined) => (n === undefined ? [] : [tlv(tag, int(n).subarray(2))]);
    return { oid: '2.5.29.36', critical, value: seq(...implicit(0x80, c.requireExplicitPolicy), ...implicit(0x81, c.inhibitPolicyMapping)) };
  },
  /** certificatePolicies with the given policy OIDs (no qualifiers). */
  certificatePolicies: (policies: string[], critical = false): RawExtension => ({ oid: '2.5.29.32', critical, value: seq(...policies.map((p) => seq(oid(p)))) }),
  /** policyMappings: [issuerDomainPolicy, subjectDomainPolicy] pairs. */
  policyMappings: (mappings: [string, string][], critical = true): RawExtension => ({ oid: '2.5.29.33', critical, value: seq(...mappings.map(([from, to]) => seq(oid(from), oid(to)))) }),
  /** inhibitAnyPolicy = n. */
  inhibitAnyPolicy: (skipCerts: number, critical = true): RawExtension => ({ oid: '2.5.29.54', critical, value: int(skipCerts) }),
  /** Any extension, by OID, with a NULL value unless given. */
  raw: (extOid: string, critical: boolean, value: Uint8Array = nul()): RawExtension => ({ oid: extOid, critical, value }),
};

/** A GeneralName to write: an iPAddress is `192.0.2.1` in a subjectAltName, `192.0.2.0/24` (address and mask) in a constraint. */
/** `smtpUtf8`: an SmtpUTF8Mailbox otherName (RFC 8398, type-id 1.3.6.1.5.5.7.8.9). */
export type RawGeneralName = { dns: string } | { ip: string } | { email: string } | { uri: string } | { dir: Buffer } | { rid: string } | { smtpUtf8: string };

/** A GeneralSubtree to write. */
export type RawSubtree = RawGeneralName & { minimum?: number; maximum?: number };

/** The content octets of a TLV written by {@link tlv} with a short length. */
const contentOf = (t: Buffer) => t.subarray(2);

/** One GeneralName (RFC 5280 4.2.1.6): [1] rfc822Name, [2] dNSName, [4] directoryName, [6] URI, [7] iPAddress, [8] registeredID. */
export function generalName(g: RawGeneralName): Buffer {
  if ('dns' in g) return tlv(0x82, Buffer.from(g.dns, 'latin1'));
  if ('email' in g) return tlv(0x81, Buffer.from(g.email, 'latin1'));
  if ('uri' in g) return tlv(0x86, Buffer.from(g.uri, 'latin1'));
  if ('dir' in g) return tlv(0xa4, g.dir);
  if ('rid' in g) return tlv(0x88, contentOf(oid(g.rid)));
  if ('smtpUtf8' in g) return tlv(0xa0, oid('1.3.6.1.5.5.7.8.9'), explicit(0, utf8(g.smtpUtf8)));
  const [address, prefix] = g.ip.split('/') as [string, string | undefined];
  const bytes = ipBytes(address);
  if (prefix === undefined) return tlv(0x87, bytes);
  const mask = Buffer.alloc(bytes.length);
  for (let bit = 0; bit < Number(prefix); bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
  return tlv(0x87, bytes, mask);
}

function subtree(s: RawSubtree): Buffer {
  return seq(generalName(s), ...(s.minimum === undefined ? [] : [tlv(0x80, contentOf(int(s.minimum)))]), ...(s.maximum === undefined ? [] : [tlv(0x81, contentOf(int(s.maximum)))]));
}

function ipBytes(text: string): Buffer {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  const groups = tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  return Buffer.from(groups.flatMap((g) => [g >> 8, g & 0xff]));
}

/** RFC 5280 method-1 key identifier of a key, as the recipe layer writes it. */
export function keyId(key: KeyObject): Buffer {
  return Buffer.from(keyIdentifier(spkiDer(key)), 'hex');
}

/** Signature schemes the builder can sign with. */
export type SignatureScheme =
  | { kind: 'pkcs1'; hash: 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512' }
  | { kind: 'ecdsa'; hash: 'sha1' | 'sha256' | 'sha384' | 'sha512' }
  | { kind: 'pss'; hash: 'sha256' | 'sha384' | 'sha512'; saltLength: number }
  | { kind: 'ed25519' };

const PKCS1_OIDS = { md5: '1.2.840.113549.1.1.4', sha1: '1.2.840.113549.1.1.5', sha256: '1.2.840.113549.1.1.11', sha384: '1.2.840.113549.1.1.12', sha512: '1.2.840.113549.1.1.13' };
const ECDSA_OIDS = { sha1: '1.2.840.10045.4.1', sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4' };
const HASH_OIDS = { sha256: '2.16.840.1.101.3.4.2.1', sha384: '2.16.840.1.101.3.4.2.2', sha512: '2.16.840.1.101.3.4.2.3' };

/** The AlgorithmIdentifier DER of a scheme. */
export function algorithmIdentifier(scheme: SignatureScheme): Buffer {
  switch (scheme.kind) {
    case 'pkcs1':
      return seq(oid(PKCS1_OIDS[scheme.hash]), nul());
    case 'ecdsa':
      return seq(oid(ECDSA_OIDS[scheme.hash]));
    case 'ed25519':
      return seq(oid('1.3.101.112'));
    case 'pss': {
      const hashAlg = seq(oid(HASH_OIDS[scheme.hash]), nul());
      return seq(oid('1.2.840.113549.1.1.10'), seq(explicit(0, hashAlg), explicit(1, seq(oid('1.2.840.113549.1.1.8'), hashAlg)), explicit(2, int(scheme.saltLength))));
    }
  }
}

/** The scheme a CA would use for a signing key, given a hash. */
export function defaultScheme(key: KeyObject, hash: 'sha1' | 'sha256' | 'sha384' | 'sha512' = 'sha256'): SignatureScheme {
  if (key.asymmetricKeyType === 'ec') return { kind: 'ecdsa', hash };
  if (key.asymmetricKeyType === 'ed25519') return { kind: 'ed25519' };
  if (key.asymmetricKeyType === 'rsa-pss') return { kind: 'pss', hash: hash === 'sha1' ? 'sha256' : hash, saltLength: 32 };
  return { kind: 'pkcs1', hash };
}

/** Everything a raw certificate needs. */
export interface RawCertificate {
  /** 1 writes no version field and refuses extensions; default 3. */
  version?: 1 | 3;
  serial?: bigint;
  subject: Buffer;
  issuer: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** The key certified (private or public). */
  subjectKey: KeyObject;
  extensions?: RawExtension[];
  /** Private key that signs. */
  signingKey: KeyObject;
  scheme?: SignatureScheme;
  /** Write this AlgorithmIdentifier inside the TBS instead of the real one (an inconsistent certificate). */
  tbsAlgorithm?: Buffer;
}

/** Build and sign a certificate; returns its DER. */
export function buildCertificate(spec: RawCertificate): Buffer {
  const scheme = spec.scheme ?? defaultScheme(spec.signingKey);
  const alg = algorithmIdentifier(scheme);
  const version = spec.version ?? 3;
  if (version === 1 && spec.extensions?.length) throw new Error('v1 certificates have no extensions');
  const spki = createPublicKey(spec.subjectKey).export({ type: 'spki', format: 'der' });
  const extensions = spec.extensions?.length
    ? [explicit(3, seq(...spec.extensions.map((e) => seq(oid(e.oid), ...(e.critical ? [bool(true)] : []), octets(e.value)))))]
    : [];
  const tbs = seq(
    ...(version === 3 ? [explicit(0, int(2))] : []),
    int(spec.serial ?? BigInt(`0x${randomBytes(15).toString('hex')}`) + 1n),
    spec.tbsAlgorithm ?? alg,
    spec.issuer,
    seq(time(spec.notBefore), time(spec.notAfter)),
    spec.subject,
    spki,
    ...extensions,
  );
  const signature =
    scheme.kind === 'pss'
      ? sign(scheme.hash, tbs, { key: spec.signingKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength })
      : sign(scheme.kind === 'ed25519' ? null : scheme.hash, tbs, spec.signingKey);
  return seq(tbs, alg, bits(signature));
}
