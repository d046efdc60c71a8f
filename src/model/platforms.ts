/**
 * Where correct TLS implementations differ. A verdict a mainstream correct implementation reaches
 * is never a client bug, so where platforms part ways the model answers `either`, names who does
 * what, and a profile's `platform:` narrows it to one answer. One row per difference, each with
 * its sources; the README's platform table is this table.
 */

/** The platforms whose behaviour the table records. */
export const PLATFORMS = ['android', 'jvm', 'apple', 'openssl', 'go', 'node', 'gnutls', 'windows'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The ways in which correct implementations differ that the model knows about. */
export const DIVERGENCE_IDS = ['anchor-validity'] as const;
export type DivergenceId = (typeof DIVERGENCE_IDS)[number];

/** One difference between correct implementations. */
export interface Divergence {
  id: DivergenceId;
  /** What differs, as a question. */
  question: string;
  /** Platforms that accept where the others reject, and why. */
  accept: { platforms: Platform[]; behaviour: string };
  /** Platforms that reject. */
  reject: { platforms: Platform[]; behaviour: string };
  /** Where each behaviour is documented or can be seen. */
  sources: { about: string; where: string }[];
}

export const DIVERGENCES: Readonly<Record<DivergenceId, Divergence>> = {
  'anchor-validity': {
    id: 'anchor-validity',
    question: "Is the trust anchor's own validity period checked?",
    accept: {
      platforms: ['android', 'jvm'],
      behaviour: 'a trust anchor is a name and a key (RFC 5280 6.1.1 (d)): its dates are not checked',
    },
    reject: {
      platforms: ['openssl', 'node', 'go', 'apple', 'gnutls'],
      behaviour: 'every certificate of the path, the trust anchor included, must be within its validity period',
    },
    sources: [
      { about: 'RFC 5280', where: 'section 6.1.1 (d): the trust anchor information is a name and a public key; its validity is not among the path-validation inputs' },
      { about: 'android', where: "Let's Encrypt, \"Extending Android Device Compatibility\" (2020-12-21): Android does not enforce the expiration dates of the certificates in its trust store" },
      { about: 'jvm', where: 'OpenJDK sun.security.provider.certpath.PKIXCertPathValidator takes java.security.cert.TrustAnchor (name and key); measured: OpenJDK 17 HttpsURLConnection accepts rotation-old-store-root-expired' },
      { about: 'openssl', where: 'openssl-verify(1): X509_V_ERR_CERT_HAS_EXPIRED for any certificate of the chain, the root included, unless -no_check_time; curl and Node use OpenSSL' },
      { about: 'go', where: 'crypto/x509 verify.go: isValid checks NotBefore/NotAfter of every certificate, roots included' },
      { about: 'apple', where: 'DST Root CA X3 expiry (2021-09-30): macOS and iOS rejected chains ending at the expired root' },
      { about: 'gnutls', where: 'gnutls_certificate_verify_peers: GNUTLS_CERT_EXPIRED for an expired CA certificate in the trust list' },
    ],
  },
};

/** "android, jvm accept (…); openssl, node, … reject (…)". */
export function describeDivergence(d: Divergence): string {
  return `platform-dependent: ${d.accept.platforms.join(', ')} accept (${d.accept.behaviour}); ${d.reject.platforms.join(', ')} reject (${d.reject.behaviour})`;
}

/** What a platform does where the table has a row: accept, reject, or undefined when the table does not say. */
export function platformAnswer(d: Divergence, platform: Platform): 'accept' | 'reject' | undefined {
  if (d.accept.platforms.includes(platform)) return 'accept';
  if (d.reject.platforms.includes(platform)) return 'reject';
  return undefined;
}
