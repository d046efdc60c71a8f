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
export const DIVERGENCE_IDS = ['anchor-validity', 'cn-fallback', 'rsa-1024', 'name-constraints-directory', 'anchor-name-constraints', 'certificate-policies', 'certificate-policy-duplicates', 'aia-fetch', 'backtracking'] as const;
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
      { about: 'go', where: 'crypto/x509 verify.go: isValid checks NotBefore/NotAfter of every certificate, roots included. Measured: go1.19.8 on Debian 12 (net/http, crypto/tls: examples/clients/go-client.go) rejects rotation-old-store-root-expired, "x509: certificate has expired or is not yet valid"' },
      { about: 'apple', where: 'DST Root CA X3 expiry (2021-09-30): macOS and iOS rejected chains ending at the expired root' },
      { about: 'gnutls', where: 'gnutls/x509.h gnutls_certificate_verify_flags: a signer in the trusted list is checked for expiration and activation unless GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS. Measured: wget 1.21.3 with GnuTLS 3.7.9 on Debian 12 rejects rotation-old-store-root-expired (exit 5, "has expired"), and so does gnutls-cli 3.7.9' },
    ],
  },
  'cn-fallback': {
    id: 'cn-fallback',
    question: "Without a subjectAltName, is the host matched against the leaf's commonName?",
    accept: {
      platforms: ['openssl', 'node', 'jvm', 'gnutls'],
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
      { about: 'gnutls', where: 'gnutls_x509_crt_check_hostname2 (lib/x509/hostname-verify.c): without a DNSName or IPAddress subjectAltName, the single commonName of a certificate fit for TLS WWW server use is matched. Measured: wget 1.21.3 with GnuTLS 3.7.9 on Debian 12 accepts validation-cn-only-leaf, and so does gnutls-cli 3.7.9 --verify-hostname' },
      { about: 'go', where: 'Go 1.15 release notes: the deprecated CommonName is no longer a host name when there are no SANs (crypto/x509). Measured: go1.19.8 on Debian 12 rejects validation-cn-only-leaf, "x509: certificate relies on legacy Common Name field, use SANs instead"' },
      { about: 'apple', where: 'Apple, "Requirements for trusted certificates in iOS 13 and macOS 10.15" (HT210176): DNS names in the CommonName are no longer trusted' },
      { about: 'android', where: 'Android 9 (API 28) behaviour changes: OkHostnameVerifier no longer falls back to the commonName' },
    ],
  },
  'rsa-1024': {
    id: 'rsa-1024',
    question: 'Is an RSA key of 1024 to 2047 bits on the path (the trust anchor included) accepted?',
    accept: {
      platforms: ['node', 'jvm', 'go', 'gnutls'],
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
      { about: 'go', where: 'crypto/rsa (Go 1.24): keys under 1024 bits are refused; 1024 is accepted (Go 1.19 sets no minimum). Measured: go1.19.8 on Debian 12 accepts validation-rsa-1024-leaf' },
      { about: 'gnutls', where: 'GnuTLS lib/priority.c: the NORMAL priority (the default) sets the certificate verification profile LOW, GNUTLS_PROFILE_LOW = 80-bit security (gnutls/x509.h), which RSA 1024 meets. Measured: wget 1.21.3 with GnuTLS 3.7.9 on Debian 12 accepts validation-rsa-1024-leaf, and refuses it with --ciphers NORMAL:%PROFILE_MEDIUM ("signed using an insecure algorithm")' },
    ],
  },
  backtracking: {
    id: 'backtracking',
    question: 'When the first issuer a client picks leads nowhere, does it try the other candidates?',
    accept: {
      platforms: ['go', 'jvm', 'android', 'apple', 'windows'],
      behaviour: 'path building searches the other candidate issuers until a path validates (RFC 4158)',
    },
    reject: {
      platforms: ['openssl', 'node', 'gnutls'],
      behaviour: 'the chain is built once, trusted certificates first, else the first presented issuer, and never revisited',
    },
    sources: [
      { about: 'RFC 4158', where: 'sections 2.3 and 3: a path builder that meets a dead end backtracks to the last choice with untried candidates' },
      { about: 'openssl', where: 'OpenSSL crypto/x509/x509_vfy.c build_chain and find_issuer: one issuer per step, no backtracking. Measured: openssl verify 3.0 and curl on Debian 12 "unable to get local issuer certificate" (20), Node 20 UNABLE_TO_GET_ISSUER_CERT_LOCALLY' },
      { about: 'gnutls', where: 'Measured: gnutls-cli 3.7.9 on Debian 12 "The certificate issuer is unknown" when the first presented intermediate leads to an unknown root' },
      { about: 'go', where: 'crypto/x509 verify.go buildChains tries every candidate issuer. Measured: go1.19.8 crypto/tls accepts' },
      { about: 'jvm', where: 'OpenJDK sun.security.provider.certpath.SunCertPathBuilder (depth-first with backtracking) behind PKIXValidator. Measured: OpenJDK 17 SSLSocket accepts' },
      { about: 'android', where: 'Conscrypt TrustManagerImpl.verifyChain tries every candidate intermediate and trust anchor before it gives up' },
      { about: 'apple', where: 'Apple Security framework SecTrust (SecPathBuilder) explores alternative issuers and keeps the best path' },
      { about: 'windows', where: 'Microsoft CryptoAPI CertGetCertificateChain builds every candidate chain and returns the best by quality' },
    ],
  },
  'aia-fetch': {
    id: 'aia-fetch',
    question: "When no path reaches a trust anchor, is a missing issuer fetched from a certificate's caIssuers URL (AIA)?",
    accept: {
      platforms: ['apple', 'windows'],
      behaviour: "a missing issuer is fetched from the certificate's authorityInfoAccess caIssuers URL (RFC 5280 4.2.2.1) and the path built again; Chrome does the same",
    },
    reject: {
      platforms: ['android', 'openssl', 'node', 'go', 'gnutls', 'jvm'],
      behaviour: 'only the certificates the server sent and the trust store build the path; nothing is fetched (the JVM only with -Dcom.sun.security.enableAIAcaIssuers=true)',
    },
    sources: [
      { about: 'RFC 5280', where: 'section 4.2.2.1: id-ad-caIssuers names where the issuer of the certificate can be fetched, over HTTP as DER (or a certs-only CMS)' },
      { about: 'apple', where: 'Apple, SecTrustSetNetworkFetchAllowed: network fetch of missing certificates is enabled by default when the trust evaluation includes the SSL policy' },
      { about: 'windows', where: 'Microsoft Learn, "Authority Information Access (AIA) retrieval" (Windows Server security): CryptoAPI downloads missing intermediates from the AIA URL unless retrieval is disabled; .NET X509ChainPolicy.DisableCertificateDownloads defaults to false' },
      { about: 'chrome', where: 'Chromium net/cert/internal/cert_issuer_source_aia.cc: the path builder fetches caIssuers URLs (at most 5 per certificate)' },
      { about: 'android', where: 'Android developers, "Security with network protocols", "Missing intermediate certificate authority": a server that does not send its intermediate fails in Android apps while desktop browsers work' },
      { about: 'jvm', where: 'OpenJDK sun.security.provider.certpath.Builder.USE_AIA: com.sun.security.enableAIAcaIssuers, disabled by default. Measured: OpenJDK 17 HttpsURLConnection rejects; with the property it fetches the URL itself (through -Dhttp.proxyHost when set, else directly) and accepts' },
      { about: 'openssl', where: 'openssl-verify(1): "unable to get local issuer certificate" (20); OpenSSL has no AIA fetching. Measured: curl 7.88 rejects (exit 60)' },
      { about: 'node', where: 'Node tls: UNABLE_TO_VERIFY_LEAF_SIGNATURE; no AIA fetching. Measured: Node 20 https.get rejects' },
      { about: 'go', where: 'crypto/x509 Verify builds from Roots and Intermediates only ("certificate signed by unknown authority"); no AIA fetching. Measured: Go 1.19 net/http rejects' },
      { about: 'gnutls', where: 'gnutls_certificate_verify_peers: GNUTLS_CERT_SIGNER_NOT_FOUND; no AIA fetching. Measured: wget 1.21 (GnuTLS) rejects ("doesn\'t have a known issuer")' },
    ],
  },
  'certificate-policies': {
    id: 'certificate-policies',
    question: 'Are certificate policies processed (RFC 5280 6.1), so that a path fails when requireExplicitPolicy is in force and no policy is valid for all of it, or when a policy is mapped to anyPolicy?',
    accept: {
      platforms: ['openssl', 'node'],
      behaviour: 'policies are not processed: OpenSSL checks them only with X509_V_FLAG_POLICY_CHECK, which curl and Node never set',
    },
    reject: {
      platforms: ['jvm', 'go'],
      behaviour: 'policies are processed as RFC 5280 6.1 says, with user-initial-policy-set {anyPolicy}',
    },
    sources: [
      { about: 'RFC 5280', where: 'sections 6.1.3 (d)-(f), 6.1.4 (a) (b) (h)-(j), 6.1.5 (a) (b) (g); 4.2.1.11: policyConstraints MUST be critical. RFC 9618 replaces the policy tree with a graph (same outcomes, no exponential growth)' },
      {
        about: 'openssl',
        where:
          'openssl-verification-options(1): "-policy_check Enables certificate policy processing"; x509_vfy.c verify_chain calls check_policy only when X509_V_FLAG_POLICY_CHECK is set (also implied by -explicit_policy, -policy, -inhibit_any, -inhibit_map). Measured on Debian 12: curl 7.88.1 (OpenSSL 3.0.19) accepts a chain whose intermediate has a critical policyConstraints requireExplicitPolicy=0 over a leaf without certificatePolicies, and one mapping a policy to anyPolicy; `openssl verify -policy 2.5.29.32.0` rejects them with 43 and 42',
      },
      { about: 'node', where: 'Node 20.20 (bundled OpenSSL, no X509_V_FLAG_POLICY_CHECK). Measured: https.get accepts both chains' },
      {
        about: 'jvm',
        where:
          'OpenJDK sun.security.provider.certpath.PKIXCertPathValidator runs PolicyChecker on every path (initial policy set {anyPolicy}). Measured: OpenJDK 17.0.15 HttpsURLConnection rejects them, "non-null policy tree required and policy tree is null" and "encountered a subjectDomainPolicy of ANY_POLICY", and accepts the same chain when the leaf asserts the policy',
      },
      {
        about: 'go',
        where:
          'Go 1.22 release notes (crypto/x509): Certificate.Verify now validates policies (policyConstraints, policyMappings, inhibitAnyPolicy, RFC 9618). Measured: Go 1.19.8 rejects the critical policyConstraints and policyMappings as "x509: unhandled critical extension" (and accepts them non-critical, unprocessed)',
      },
      {
        about: 'gnutls',
        where:
          'not in the table: GnuTLS does not process policies and does not recognise policyConstraints or policyMappings. Measured: gnutls-cli 3.7.9 refuses them when critical ("The certificate contains an unknown critical extension"), a valid chain too, and accepts them non-critical, so its answer depends on the criticality, not on the policies',
      },
      { about: 'chrome', where: "BoringSSL's pki library (Chrome's verifier) processes policies with initial-explicit-policy false (verify_certificate_chain.cc, RFC 9618 graph)" },
    ],
  },
  'certificate-policy-duplicates': {
    id: 'certificate-policy-duplicates',
    question: 'Is a certificate whose certificatePolicies names one policy OID twice refused?',
    accept: {
      platforms: ['openssl', 'node', 'jvm', 'gnutls'],
      behaviour: 'the duplicate is never looked at (OpenSSL without policy checking, GnuTLS) or counted once (OpenJDK)',
    },
    reject: {
      platforms: ['go'],
      behaviour: 'the certificate is refused: RFC 5280 4.2.1.4 says a policy OID MUST NOT appear more than once',
    },
    sources: [
      { about: 'RFC 5280', where: 'section 4.2.1.4: "A certificate policy OID MUST NOT appear more than once in a certificate policies extension" (a rule for CAs; 6.1 has no step for it)' },
      { about: 'go', where: 'crypto/x509 parser.go parseCertificatePoliciesExtension (Go 1.22+): a repeated OID fails the parse, "x509: invalid certificate policies". Measured: Go 1.19.8 accepts' },
      { about: 'openssl', where: 'pcy_cache.c policy_cache_create refuses duplicates (X509_V_ERR_INVALID_POLICY_EXTENSION, 42) only under -policy_check. Measured: curl 7.88.1 accepts, `openssl verify -policy 2.5.29.32.0` says 42' },
      { about: 'node', where: 'Measured: Node 20.20 https.get accepts' },
      { about: 'jvm', where: 'Measured: OpenJDK 17.0.15 HttpsURLConnection accepts a duplicate on the intermediate and on the leaf' },
      { about: 'gnutls', where: 'Measured: gnutls-cli 3.7.9 accepts' },
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
      { about: 'go', where: 'crypto/x509 parser.go parseNameConstraintsExtension marks other forms unhandled; golang/go#15196; cabforum/servercert#267. Measured: go1.19.8 crypto/tls "x509: unhandled critical extension", on a subject within the subtree and one outside it alike (test/e2e/name-constraint-clients.test.ts)' },
      { about: 'openssl', where: 'crypto/x509/v3_ncons.c nc_dn. Measured: openssl verify 3.0 and curl 7.88.1 (OpenSSL 3.0.19) accept a subject within a permitted directoryName subtree and refuse one outside it, "permitted subtree violation"' },
      { about: 'node', where: "Node verifies with its bundled OpenSSL's X509_verify_cert. Measured: Node 20.20 tls.connect accepts, and refuses a subject outside the subtree" },
      { about: 'jvm', where: 'sun.security.x509.NameConstraintsExtension (X500Name.constrains). Measured: OpenJDK 17.0.15 HttpsURLConnection trusting a key store accepts, and refuses a subject outside the subtree, "name constraints check failed"' },
      { about: 'gnutls', where: "not in the table: GnuTLS does not apply directoryName subtrees (lib/x509/name_constraints.c gnutls_x509_name_constraints_check_crt checks dNSName, rfc822Name, iPAddress and URI names). Measured: gnutls-cli 3.7.9 accepts a subject within the subtree and one outside it alike" },
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
      platforms: ['openssl', 'node', 'go', 'gnutls'],
      behaviour: "the nameConstraints of every CA certificate above a name apply, the trust anchor's included",
    },
    sources: [
      { about: 'RFC 5280', where: 'section 6.1.1: constraints on the trust anchor are an optional input (RFC 5937 describes applying them)' },
      { about: 'openssl', where: 'crypto/x509/x509_vfy.c check_name_constraints: "Check against constraints for all certificates higher in chain including trust anchor". Measured: openssl verify 3.0 refuses a leaf outside the root\'s permitted subtree (error 47), and so does curl 7.88.1 (OpenSSL 3.0.19), "permitted subtree violation" (test/e2e/name-constraint-clients.test.ts)' },
      { about: 'node', where: 'Node verifies with its bundled OpenSSL\'s X509_verify_cert, the same check_name_constraints. Measured: Node 20.20 tls.connect "permitted subtree violation"' },
      { about: 'go', where: 'crypto/x509 verify.go isValid checks the constraints of root certificates too. Measured: go1.19.8 crypto/tls "x509: a root or intermediate certificate is not authorized to sign for this name"' },
      { about: 'jvm', where: 'java.security.cert.TrustAnchor takes name constraints as a separate, optional parameter, and PKIXParameters(KeyStore) builds anchors without them. Measured: OpenJDK 17.0.15 HttpsURLConnection trusting a key store accepts a leaf outside the root\'s permitted subtree, and refuses it when the intermediate carries the same constraint, "name constraints check failed"' },
      { about: 'gnutls', where: "Measured: gnutls-cli 3.7.9 applies the anchor's constraints: it refuses a leaf outside the root's permitted subtree, \"The certificate chain violates the signer's constraints\"" },
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
  // Past the graph's bound the model cannot process policies, but curl and Node never do: unsupported-feature too.
  'certificate-policies': ['no-explicit-policy', 'invalid-policy-extension', 'unsupported-feature'],
  'certificate-policy-duplicates': ['duplicate-certificate-policy'],
  'aia-fetch': ['untrusted'],
  // Whatever failed the first-choice path, a backtracking client may find another that validates.
  backtracking: ['untrusted', 'bad-signature', 'not-a-ca', 'path-length', 'key-usage', 'extended-key-usage', 'unknown-critical-extension', 'weak-signature', 'weak-key', 'expired', 'not-yet-valid', 'name-constraints', 'no-explicit-policy', 'invalid-policy-extension', 'duplicate-certificate-policy', 'unsupported-feature'],
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
