/**
 * Just enough DER to reach the raw fields of a certificate that Node's X509Certificate does not
 * expose as bytes (issuer and subject Names): hashes such as OpenSSL's subject_hash_old are taken
 * over the exact encoding, and re-encoding through a library could change it.
 */
import { signatureAlgorithmByOid } from '../model/certificate.js';
import { children, decodeOid, readTlv } from '../model/der.js';

// The DER primitives live with the model, which parses certificates itself; re-exported for the world's callers.
export { children, decodeOid, readTlv, type Tlv } from '../model/der.js';

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

/** The certificate's outer signatureAlgorithm, by its OpenSSL name (the OID when unknown). */
export function signatureAlgorithmName(der: Uint8Array): string {
  const cert = readTlv(der, 0);
  const sigAlg = children(der, cert)[1];
  const oid = sigAlg ? children(der, sigAlg)[0] : undefined;
  if (!oid || oid.tag !== 0x06) throw new RangeError('bad signatureAlgorithm');
  const dotted = decodeOid(der, oid);
  return signatureAlgorithmByOid(dotted)?.name ?? dotted;
}
