/**
 * Validation of one candidate path (RFC 5280 6.1 as TLS clients apply it, with OpenSSL's
 * `sslserver` purpose), and the order in which failures are reported.
 *
 * Precedence, first failure wins (a path's single code):
 *  1. untrusted                   — the path does not reach an anchor.
 *  2. bad-signature               — checked from the anchor down, like OpenSSL's internal_verify.
 *  3. per certificate, leaf up (OpenSSL's check_chain_extensions order):
 *     unknown-critical-extension, not-a-ca, path-length, key-usage, extended-key-usage.
 *  4. weak-signature              — leaf up; the anchor's own signature never counts.
 *     weak-key                    — an RSA key under 2048 bits, the anchor's included (platform-dependent from 1024).
 *  5. expired / not-yet-valid     — from the anchor down, anchor included (OpenSSL; DST Root CA X3 in 2021);
 *                                   Android and the JVM skip the anchor: `relax` 'anchor-validity' (platforms.ts).
 *     name-constraints            — after signatures and times, as OpenSSL's verify_chain (check_name_constraints
 *                                   after internal_verify); name-constraints.ts.
 *  6. hostname-mismatch.
 *  7. no-explicit-policy, invalid-policy-extension, duplicate-certificate-policy — certificate-policy
 *                                   processing (certificate-policies.ts), after every other check as OpenSSL 3's
 *                                   verify_chain runs check_policy last; OpenSSL's TLS clients (curl, Node) never run
 *                                   it: `relax` 'certificate-policies', and 'certificate-policy-duplicates' (platforms.ts).
 *  8. unsupported-feature         — last: any failure above is a certain rejection, this one is "cannot say"
 *                                   (a certificate-policy graph past its bound, an SmtpUTF8Mailbox under an rfc822Name constraint).
 * OpenSSL reports extension, purpose, weak-digest and host errors before signature and time
 * errors; the model puts a bad signature first because it means the issuer is not the issuer at all.
 * The accept/reject outcome is the same either way; only the code of multi-failure paths differs.
 */
import { EKU, KEY_USAGE_BITS, UNIMPLEMENTED_EXTENSIONS, type ParsedCertificate } from './certificate.js';
import { MAX_CERTIFICATE_POLICY_GRAPH, processCertificatePolicies } from './certificate-policies.js';
import { matchHost, type HostMatch, type ParsedHost } from './hostname.js';
import { checkPathNameConstraints } from './name-constraints.js';
import { isAnchor, MAX_PATH_LENGTH, type CandidatePath } from './path.js';
import type { DivergenceId } from './platforms.js';
import type { ValidationCode } from './reason.js';

/** The outcome of validating one path. */
export interface PathResult {
  ok: boolean;
  code: ValidationCode;
  /** One human sentence. */
  reason: string;
  /** Position in the path of the certificate at fault (0 = leaf), as OpenSSL's error depth. */
  depth?: number;
  /** The host check, when a host was given and the path got that far. */
  host?: HostMatch;
}

/** What validation needs besides the path. */
export interface ValidationContext {
  /** Epoch milliseconds. */
  at: number;
  host?: ParsedHost;
  /** Number of anchors, for the reason of an untrusted path. */
  anchorCount: number;
  /** Checks to leave out, as the platforms that do not make them (see platforms.ts). */
  relax?: ReadonlySet<DivergenceId>;
}

const TLS_KEY_USAGES = KEY_USAGE_BITS.digitalSignature | KEY_USAGE_BITS.keyEncipherment | KEY_USAGE_BITS.keyAgreement;

/** `'CN=x'` for reasons. */
function q(cert: ParsedCertificate): string {
  return `'${cert.subject.display || '(empty subject)'}'`;
}

/**
 * `The leaf 'CN=x'`, `The intermediate 'CN=y' (depth 1)`, `The trust anchor 'CN=z' (depth 2)`: how
 * reasons start; with `the`, the same inside a sentence.
 */
function who(path: CandidatePath, i: number, article: 'The' | 'the' = 'The'): string {
  const el = path.elements[i]!;
  if (i === 0) return `${article} leaf ${q(el.cert)}`;
  return `${article} ${isAnchor(el) ? 'trust anchor' : 'intermediate'} ${q(el.cert)} (depth ${i})`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Every failure names the certificate at fault. */
function fail(code: ValidationCode, reason: string, depth: number): PathResult {
  return { ok: false, code, reason, depth };
}

/** Validate one candidate path at `ctx.at` for `ctx.host`. */
export function validatePath(path: CandidatePath, ctx: ValidationContext): PathResult {
  const els = path.elements;
  const certs = els.map((e) => e.cert);
  const n = certs.length;
  const leaf = certs[0]!;

  // 1. The path must end at a trust anchor.
  if (!path.complete) {
    const last = certs[n - 1]!;
    if (path.stop === 'too-long') return fail('untrusted', `No trust anchor within ${MAX_PATH_LENGTH} certificates of the leaf.`, n - 1);
    if (last.selfIssued && last.signedBy(last)) {
      return fail('untrusted', `The self-signed ${n === 1 ? 'leaf' : 'certificate'} ${q(last)}${n === 1 ? '' : ` (depth ${n - 1})`} is not among the ${ctx.anchorCount} trust anchors.`, n - 1);
    }
    return fail(
      'untrusted',
      `No issuer of ${q(last)} (issued by '${last.issuer.display}') is among the ${ctx.anchorCount} trust anchors or the presented certificates.`,
      n - 1,
    );
  }

  // 2. Signatures, from the anchor down; the anchor's own (self-)signature is not checked.
  for (let i = n - 2; i >= 0; i--) {
    const cert = certs[i]!;
    const issuer = certs[i + 1]!;
    if (cert.signatureAlgorithmMismatch) {
      return fail('bad-signature', `${who(path, i)} names a different signature algorithm inside the signed part than outside it (RFC 5280 4.1.1.2).`, i);
    }
    if (!cert.signedBy(issuer)) {
      return fail('bad-signature', `The ${cert.signatureAlgorithm.name} signature of ${i === 0 ? 'the leaf ' : ''}${q(cert)} (depth ${i}) does not verify with the ${issuer.key.label} key of ${q(issuer)}.`, i);
    }
  }

  // 3. Extensions and purpose, per certificate from the leaf up.
  let intermediatesBelow = 0; // non-self-issued CA certificates between this one and the leaf
  for (let i = 0; i < n; i++) {
    const cert = certs[i]!;
    const anchor = isAnchor(els[i]!);
    const unknown = cert.extensions.find((e) => e.critical && !e.understood && !(e.oid in UNIMPLEMENTED_EXTENSIONS));
    if (unknown) return fail('unknown-critical-extension', `${who(path, i)} has a critical extension ${unknown.oid} that the model does not know, so a client must reject it (RFC 5280 4.2).`, i);
    if (i > 0) {
      const bc = cert.basicConstraints;
      if (!bc?.cA && !(anchor && cert.version === 1)) {
        const why = bc ? 'basicConstraints cA is false' : 'it has no basicConstraints';
        return fail('not-a-ca', `${who(path, i)} issued ${q(certs[i - 1]!)} but is not a CA certificate (${why}).`, i);
      }
      if (bc?.pathLen !== undefined && intermediatesBelow > bc.pathLen) {
        return fail(
          'path-length',
          `${who(path, i)} allows ${bc.pathLen} intermediate CA certificate${bc.pathLen === 1 ? '' : 's'} below it (pathLenConstraint) but the path has ${intermediatesBelow}.`,
          i,
        );
      }
      if (cert.keyUsage !== undefined && !(cert.keyUsage & KEY_USAGE_BITS.keyCertSign)) {
        return fail('key-usage', `${who(path, i)} issues certificates but its keyUsage lacks keyCertSign.`, i);
      }
      if (cert.extKeyUsage && !cert.extKeyUsage.includes(EKU.serverAuth)) {
        return fail('extended-key-usage', `${who(path, i)} restricts extendedKeyUsage to ${cert.extKeyUsage.join(', ')}, without serverAuth.`, i);
      }
      if (!cert.selfIssued) intermediatesBelow++;
    } else {
      if (cert.keyUsage !== undefined && !(cert.keyUsage & TLS_KEY_USAGES)) {
        return fail('key-usage', `The leaf ${q(cert)} has a keyUsage that allows none of digitalSignature, keyEncipherment, keyAgreement, so it cannot serve TLS.`, 0);
      }
      if (cert.extKeyUsage && !cert.extKeyUsage.includes(EKU.serverAuth) && !cert.extKeyUsage.includes(EKU.anyExtendedKeyUsage)) {
        return fail('extended-key-usage', `The leaf ${q(cert)} has an extendedKeyUsage (${cert.extKeyUsage.join(', ')}) without serverAuth or anyExtendedKeyUsage.`, 0);
      }
    }
  }

  // 4. Weak signature digests below the anchor.
  for (let i = 0; i < n; i++) {
    const cert = certs[i]!;
    if (isAnchor(els[i]!) || !cert.signatureAlgorithm.weak) continue;
    return fail('weak-signature', `${who(path, i)} is signed with ${cert.signatureAlgorithm.name} (${cert.signatureAlgorithm.hash}), which modern clients refuse.`, i);
  }

  // 4b. Weak RSA keys, the trust anchor's included: OpenSSL's check_auth_level checks every issuer
  // key, the anchor's too (X509_V_ERR_CA_KEY_TOO_SMALL; only the anchor's own signature is exempt),
  // and Apple's 2048-bit rule covers issuing CAs. Under 1024 bits every platform refuses (OpenSSL
  // security level 1, Go's crypto/rsa since 1.24, the JVM's jdk.certpath.disabledAlgorithms); 1024
  // to 2047 bits is refused at OpenSSL security level 2 (Debian's default: curl) and by Apple,
  // accepted by Node's bundled OpenSSL (level 1), Go, GnuTLS and the JVM: platforms.ts 'rsa-1024'.
  for (let i = 0; i < n; i++) {
    const cert = certs[i]!;
    if (cert.key.type !== 'RSA' && cert.key.type !== 'RSA-PSS') continue;
    const bits = cert.key.bits!; // certificate.ts parseKey sizes every RSA and RSA-PSS key by its modulus
    if (bits >= 2048 || (bits >= 1024 && ctx.relax?.has('rsa-1024'))) continue;
    return fail('weak-key', `${who(path, i)} has a ${bits}-bit RSA key; ${bits < 1024 ? 'every platform refuses keys under 1024 bits' : 'OpenSSL at security level 2 (Debian, curl) and Apple refuse RSA keys under 2048 bits'}.`, i);
  }

  // 5. Validity, from the anchor down, anchor included. RFC 5280: notBefore..notAfter inclusive.
  for (let i = n - 1; i >= 0; i--) {
    const cert = certs[i]!;
    if (ctx.relax?.has('anchor-validity') && isAnchor(els[i]!)) continue;
    if (ctx.at < cert.notBefore) return fail('not-yet-valid', `${who(path, i)} is not valid before ${iso(cert.notBefore)}; the time is ${iso(ctx.at)}.`, i);
    if (ctx.at > cert.notAfter) {
      return fail('expired', `${who(path, i)} expired at ${iso(cert.notAfter)}; the time is ${iso(ctx.at)}.`, i);
    }
  }

  // 5b. Name constraints (RFC 5280 6.1.3 (b)(c), 6.1.4 (g)). Go refuses forms it does not parse, the
  // JVM ignores the anchor's own (and parses every form): platforms.ts 'name-constraints-directory',
  // 'anchor-name-constraints'.
  const names = checkPathNameConstraints(
    certs,
    {
      anchorConstraints: !ctx.relax?.has('anchor-name-constraints'),
      refuseFormsGoCannotParse: !ctx.relax?.has('name-constraints-directory') && !ctx.relax?.has('anchor-name-constraints'),
    },
    (i) => who(path, i),
  );
  if (names.failure) return fail('name-constraints', names.failure.reason, names.failure.depth);

  // 6. The host, against the leaf the server presented.
  let host: HostMatch | undefined;
  if (ctx.host) {
    host = matchHost(leaf, ctx.host, { commonNameFallback: ctx.relax?.has('cn-fallback') ?? false });
    if (!host.ok) return { ...fail('hostname-mismatch', host.reason, 0), host };
  }

  // 7. Certificate policies, over the path without its anchor (RFC 5280 6.1.1 (d)).
  if (!ctx.relax?.has('certificate-policies')) {
    const failure = certificatePoliciesFailure(path, certs.slice(0, n - 1), ctx);
    if (failure) return { ...failure, ...(host ? { host } : {}) };
  }

  // 8. What the model recognises but does not implement.
  if (names.unsupported) return { ...fail('unsupported-feature', names.unsupported.reason, names.unsupported.depth), ...(host ? { host } : {}) };
  for (let i = 0; i < n; i++) {
    const cert = certs[i]!;
    const ext = cert.extensions.find((e) => e.oid in UNIMPLEMENTED_EXTENSIONS);
    if (ext) {
      const name = UNIMPLEMENTED_EXTENSIONS[ext.oid]!;
      return {
        ...fail('unsupported-feature', `${who(path, i)} carries ${name}${ext.critical ? ' (critical)' : ''}, which the model does not implement, so it cannot say what a correct client decides.`, i),
        ...(host ? { host } : {}),
      };
    }
  }

  const anchor = certs[n - 1]!;
  const chain = n === 1 ? `the leaf ${q(leaf)} is itself a trust anchor` : `the path from ${q(leaf)} reaches the trust anchor ${q(anchor)} in ${n} certificates`;
  const hostNote = host ? `, and ${host.reason.charAt(0).toLowerCase()}${host.reason.slice(1, -1)}` : '';
  return { ok: true, code: 'ok', reason: `Valid: ${chain}${hostNote}.`, ...(host ? { host } : {}) };
}

/** The failure of certificate-policy processing on `chain` (the path without its anchor), or undefined when it passes. */
function certificatePoliciesFailure(path: CandidatePath, chain: readonly ParsedCertificate[], ctx: ValidationContext): PathResult | undefined {
  const r = processCertificatePolicies(chain, { duplicates: ctx.relax?.has('certificate-policy-duplicates') ? 'count-once' : 'refuse' });
  if (r.ok) return undefined;
  switch (r.code) {
    case 'too-large':
      return fail('unsupported-feature', `The certificate policies of the path make a policy graph of more than ${MAX_CERTIFICATE_POLICY_GRAPH} nodes and edges (at ${who(path, r.depth, 'the')}), past the model's bound, so it cannot say what a correct client decides.`, r.depth);
    case 'no-explicit-policy': {
      // validatePath sets none of RFC 5280's initial inputs (6.1.1 (c)-(f); TLS clients set none),
      // so only a certificate's requireExplicitPolicy can require a policy: requiredBy is set.
      const by = r.requiredBy === 0 ? "the leaf's own policyConstraints" : `the requireExplicitPolicy of ${who(path, r.requiredBy!, 'the')}`;
      const at = who(path, r.depth, 'the');
      const why =
        r.emptied === 'absent'
          ? `${at} has no certificatePolicies`
          : r.emptied === 'mapping-inhibited'
            ? `${at} maps its policies while policy mapping is inhibited, which drops them`
            : `none of the certificate policies of ${at} is one its issuers allow`;
      return fail('no-explicit-policy', `An explicit certificate policy is required (by ${by}) but no policy is valid for the whole path: ${why} (RFC 5280 6.1.5 (g)).`, r.depth);
    }
    default:
      return fail(r.code, `${who(path, r.depth)} cannot have its certificate policies processed: ${r.detail}.`, r.depth);
  }
}
