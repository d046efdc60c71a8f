/**
 * The one vocabulary of outcomes. Every verdict, path result and report uses these codes; each has
 * one meaning, documented here. Codes starting with `ok` mean a correct client accepts.
 */
export const REASON_CODES = [
  /** Validation passed and, when the host is pinned, a non-backup pin matched the validated path. */
  'ok',
  /** Validation passed; a policy was given but does not cover this host, so no pin applies. */
  'ok-unpinned-host',
  /** Validation passed and only pins labelled `backup…` matched the validated path (a rotation to a backup key). */
  'ok-backup-pin',
  /** Validation passed; the policy's expiration has been reached, so pins are no longer enforced (Android pin-set expiration). */
  'ok-pins-expired',
  /** Validation passed; no pin matched but the policy is report-only (TrustKit enforce=false, HPKP-Report-Only): reported, accepted. */
  'ok-report-only',
  /** Validation passed but no pinned key is on the validated path (pins on other presented certificates never count). */
  'pin-mismatch',
  /** A certificate on the path (the trust anchor included) is past its notAfter. */
  'expired',
  /** A certificate on the path (the trust anchor included) is before its notBefore. */
  'not-yet-valid',
  /** No path from the leaf reaches a trust anchor (missing issuer, self-signed unknown root, path too long). */
  'untrusted',
  /** The leaf's names do not cover the host (RFC 6125: SAN only; CN only when there is no SAN). */
  'hostname-mismatch',
  /** A signature does not verify with the issuer's key, or the TBS and outer signature algorithms differ. */
  'bad-signature',
  /** A certificate that issues another is not a CA (basicConstraints cA absent or false; v1 anchors excepted). */
  'not-a-ca',
  /** A CA's pathLenConstraint is smaller than the number of non-self-issued intermediates below it. */
  'path-length',
  /** A CA's keyUsage lacks keyCertSign, or the leaf's keyUsage allows none of digitalSignature, keyEncipherment, keyAgreement. */
  'key-usage',
  /** The leaf's extendedKeyUsage lacks serverAuth and anyExtendedKeyUsage, or a CA's lacks serverAuth. */
  'extended-key-usage',
  /** A certificate on the path has a critical extension the model does not know (RFC 5280 4.2: must be rejected). */
  'unknown-critical-extension',
  /** A certificate below the anchor is signed with MD2, MD4, MD5 or SHA-1, which modern clients refuse. */
  'weak-signature',
  /** A certificate of the path, the trust anchor included, has an RSA key under 2048 bits (under 1024: every platform refuses; 1024 to 2047: platform-dependent). */
  'weak-key',
  /** A name of a certificate on the path breaks the nameConstraints of a CA above it (the trust anchor's included), or a constraint there cannot be processed (RFC 5280 4.2.1.10). */
  'name-constraints',
  /** requireExplicitPolicy is in force and no certificate policy is valid for the whole path (RFC 5280 6.1.5 (g); OpenSSL's X509_V_ERR_NO_EXPLICIT_POLICY). */
  'no-explicit-policy',
  /** A certificate's policy extensions cannot be processed: a policy mapped to or from anyPolicy, an empty policyConstraints, or one that does not decode (OpenSSL's X509_V_ERR_INVALID_POLICY_EXTENSION). */
  'invalid-policy-extension',
  /** A certificate's certificatePolicies names one policy OID twice (RFC 5280 4.2.1.4: MUST NOT); Go 1.22+ refuses the certificate, the JVM counts it once. */
  'duplicate-certificate-policy',
  /** The path uses something the model recognises but does not implement (a certificate-policy graph past its bound, an SmtpUTF8Mailbox under an rfc822Name name constraint): it cannot decide, so it does not guess. */
  'unsupported-feature',
  /** The server presented no certificate. */
  'empty-chain',
  /** A presented certificate or a trust anchor is not a well-formed DER certificate. */
  'malformed',
] as const;

/** One of {@link REASON_CODES}. */
export type ReasonCode = (typeof REASON_CODES)[number];

/** Codes a path validation can end with (the pin codes come later, from the pin check). */
export type ValidationCode = Exclude<ReasonCode, 'ok-unpinned-host' | 'ok-backup-pin' | 'ok-pins-expired' | 'ok-report-only' | 'pin-mismatch'>;

/** True for the codes with which a correct client accepts the connection. */
export function isAccepting(code: ReasonCode): boolean {
  return code === 'ok' || code.startsWith('ok-');
}
