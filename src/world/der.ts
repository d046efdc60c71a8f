/**
 * Just enough DER to reach the raw fields of a certificate that Node's X509Certificate does not
 * expose as bytes (issuer and subject Names): hashes such as OpenSSL's subject_hash_old are taken
 * over the exact encoding, and re-encoding through a library could change it.
 */
export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

/** Read one TLV at `offset`; throws RangeError on truncated or over-long input. */
export function readTlv(buf: Uint8Array, offset: number): Tlv {
  if (offset + 2 > buf.length) throw new RangeError('truncated DER');
  const tag = buf[offset]!;
  let len = buf[offset + 1]!;
  let p = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new RangeError('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) throw new RangeError('truncated DER');
  return { tag, start: offset, contentStart: p, end: p + len };
}

/** The children of a constructed TLV. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.contentStart; p < parent.end; ) {
    const t = readTlv(buf, p);
    out.push(t);
    p = t.end;
  }
  return out;
}

/** The raw pieces of a certificate that path building and hashing need byte-exact. */
export interface CertificateParts {
  tbs: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
  spki: Uint8Array;
}

/** Split a DER certificate into its raw TBS, issuer, subject and SPKI encodings. */
export function certificateParts(der: Uint8Array): CertificateParts {
  const cert = readTlv(der, 0);
  const [tbs] = children(der, cert);
  if (!tbs) throw new RangeError('empty certificate');
  const fields = children(der, tbs);
  // An explicit [0] version comes first in v3 certificates; v1 certificates omit it.
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  const pick = (i: number) => {
    const f = fields[base + i];
    if (!f) throw new RangeError('truncated TBSCertificate');
    return der.subarray(f.start, f.end);
  };
  return { tbs: der.subarray(tbs.start, tbs.end), issuer: pick(2), subject: pick(4), spki: pick(5) };
}

/** Decode the content of an OBJECT IDENTIFIER TLV to dotted form. */
export function decodeOid(buf: Uint8Array, tlv: Tlv): string {
  const bytes = buf.subarray(tlv.contentStart, tlv.end);
  const parts: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

const SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'Ed25519',
};

/** The certificate's outer signatureAlgorithm, by its OpenSSL name (the OID when unknown). */
export function signatureAlgorithmName(der: Uint8Array): string {
  const cert = readTlv(der, 0);
  const sigAlg = children(der, cert)[1];
  const oid = sigAlg ? children(der, sigAlg)[0] : undefined;
  if (!oid || oid.tag !== 0x06) throw new RangeError('bad signatureAlgorithm');
  const dotted = decodeOid(der, oid);
  return SIGNATURE_ALGORITHMS[dotted] ?? dotted;
}
