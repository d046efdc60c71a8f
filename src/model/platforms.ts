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
export const DIVERGENCE_IDS = ['anchor-validity', 'cn-fallback', 'rsa-1024', 'name-constraints-directory', 'anchor-name-constraints'] as const;
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
  'cn-fallback': {
    id: 'cn-fallback',
    question: "Without a subjectAltName, is the host matched against the leaf's commonName?",
    accept: {
      platforms: ['openssl', 'node', 'jvm'],
      behaviour: 'without a subjectAltName the commonName is used as the host name',
    },
    reject: {
      platforms: ['go', 'apple', 'android'],
      behaviour: 'only subjectAltName entries name the host (RFC 9525 6.3; RFC 6125 6.4.4 deprecated the commonName)',
    },
    sources: [
      { about: 'openssl', where: 'X509_check_host(3): the subject commonName is checked when there are no DNS subjectAltName entries, unless X509_CHECK_FLAG_NEVER_CHECK_SUBJECT; curl uses it. Measured: curl accepts' },
      { about: 'node', where: 'tls.checkServerIdentity: the subject CN is used when the certificate has no DNS subjectAltName. Measured: Node 20' },
      { about: 'jvm', where: 'OpenJDK sun.security.util.HostnameChecker.matchDNS: the most specific commonName when there is no dNSName. Measured: OpenJDK 17 HttpsURLConnection accepts' },
      { about: 'go', where: 'Go 1.15 release notes: the deprecated CommonName is no longer a host name when there are no SANs (crypto/x509)' },
      { about: 'apple', where: 'Apple, "Requirements for trusted certificates in iOS 13 and macOS 10.15" (HT210176): DNS names in the CommonName are no longer trusted' },
      { about: 'android', where: 'Android 9 (API 28) behaviour changes: OkHostnameVerifier no longer falls back to the commonName' },
    ],
  },
  'rsa-1024': {
    id: 'rsa-1024',
    question: 'Is an RSA key of 1024 to 2047 bits below the trust anchor accepted?',
    accept: {
      platforms: ['node', 'jvm', 'go'],
      behaviour: 'RSA keys of 1024 bits and more are accepted',
    },
    reject: {
      platforms: ['openssl', 'apple'],
      behaviour: 'RSA keys under 2048 bits are refused (OpenSSL security level 2, Apple since iOS 13)',
    },
    sources: [
      { about: 'openssl', where: 'SSL_CTX_set_security_level(3): level 2 refuses RSA keys under 2048 bits; Debian builds OpenSSL with level 2 as the default. Measured: curl on Debian 12 "EE certificate key too weak" (exit 60)' },
      { about: 'apple', where: 'Apple, "Requirements for trusted certificates in iOS 13 and macOS 10.15" (HT210176): RSA keys must be 2048 bits or more' },
      { about: 'node', where: "Node's bundled OpenSSL runs at security level 1 (RSA 1024 and more). Measured: Node 20 https.get accepts an RSA-1024 leaf" },
      { about: 'jvm', where: 'OpenJDK java.security jdk.certpath.disabledAlgorithms: RSA keySize < 1024. Measured: OpenJDK 17 HttpsURLConnection accepts an RSA-1024 leaf' },
      { about: 'go', where: 'crypto/rsa (Go 1.24): keys under 1024 bits are refused; 1024 is accepted' },
    ],
  },
  'name-constraints-directory': {
    id: 'name-constraints-directory',
    question: 'Is a critical nameConstraints extension with a directoryName subtree accepted when the names are within it?',
    accept: {
      platforms: ['openssl', 'node', 'jvm'],
      behaviour: 'directoryName subtrees are processed against the subject and directoryName entries',
    },
    reject: {
      platforms: ['go'],
      behaviour: 'only DNS, IP, email and URI subtrees are parsed; a critical extension with another form (directoryName, otherName, x400Address, ediPartyName, registeredID) is an unhandled critical extension',
    },
    sources: [
      { about: 'go', where: 'crypto/x509 parser.go parseNameConstraintsExtension marks other forms unhandled; golang/go#15196; cabforum/servercert#267. Measured: Go 1.19 "x509: unhandled critical extension"' },
      { about: 'openssl', where: 'crypto/x509/v3_ncons.c nc_dn. Measured: openssl verify 3.0 accepts a subject within a permitted directoryName subtree' },
      { about: 'node', where: "Node verifies with its bundled OpenSSL's X509_verify_cert. Measured: Node 20 tls.connect accepts" },
      { about: 'jvm', where: 'sun.security.x509.NameConstraintsExtension (X500Name.constrains). Measured: the OpenJDK 17 default X509TrustManager accepts' },
    ],
  },
  'anchor-name-constraints': {
    id: 'anchor-name-constraints',
    question: "Do the trust anchor's own nameConstraints apply to the path below it?",
    accept: {
      platforms: ['jvm'],
      behaviour: "a trust anchor from the key store carries no name constraints: the root certificate's nameConstraints extension is not applied",
    },
    reject: {
      platforms: ['openssl', 'node', 'go'],
      behaviour: "the nameConstraints of every CA certificate above a name apply, the trust anchor's included",
    },
    sources: [
      { about: 'RFC 5280', where: 'section 6.1.1: constraints on the trust anchor are an optional input (RFC 5937 describes applying them)' },
      { about: 'openssl', where: 'crypto/x509/x509_vfy.c check_name_constraints: "Check against constraints for all certificates higher in chain including trust anchor". Measured: openssl verify 3.0 refuses a leaf outside the root\'s permitted subtree (error 47)' },
      { about: 'node', where: 'Node verifies with its bundled OpenSSL\'s X509_verify_cert, the same check_name_constraints. Measured: Node 20 tls.connect "permitted subtree violation"' },
      { about: 'go', where: 'crypto/x509 verify.go isValid checks the constraints of root certificates too. Measured: Go 1.19 "not authorized to sign for this name"' },
      { about: 'jvm', where: 'java.security.cert.TrustAnchor takes name constraints as a separate, optional parameter, and PKIXParameters(KeyStore) builds anchors without them. Measured: the OpenJDK 17 default X509TrustManager accepts a leaf outside the root\'s permitted subtree' },
    ],
  },
};

/** The rejection codes each divergence can turn into an acceptance: the model re-evaluates only these. */
export const DIVERGENCE_TRIGGERS: Readonly<Record<DivergenceId, readonly string[]>> = {
  'anchor-validity': ['expired', 'not-yet-valid'],
  'cn-fallback': ['hostname-mismatch'],
  'rsa-1024': ['weak-key'],
  'name-constraints-directory': ['name-constraints'],
  'anchor-name-constraints': ['name-constraints'],
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
