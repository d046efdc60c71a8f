/**
 * Name constraints (RFC 5280 4.2.1.10; path processing 6.1.3 (b)(c), 6.1.4 (g)), as OpenSSL 3
 * applies them (crypto/x509/v3_ncons.c, x509_vfy.c check_name_constraints). Pure.
 *
 * Which names: every certificate below a constrained CA, except a self-issued intermediate
 * (6.1.3 (b): "unless it is self-issued and not the final certificate"), has its subject (as a
 * directoryName, when not empty), the emailAddress attributes of its subject (as rfc822Names:
 * 4.2.1.10 and OpenSSL; OpenSSL checks them even beside a subjectAltName, so does the model) and
 * every subjectAltName entry checked. A leaf with no dNSName entry also has each commonName that
 * looks like a host name (two or more LDH labels; OpenSSL's NAME_CONSTRAINTS_check_CN) checked as a
 * dNSName: whoever falls back to the commonName as host name (OpenSSL, Node, the JVM) must not let
 * a CA constrained away from a domain issue a SAN-less leaf for it; clients that never read the
 * commonName refuse such a leaf at the host check anyway.
 *
 * Which constraints: those of every CA above the certificate, the trust anchor's own included, as
 * OpenSSL does ("Trust anchor not strictly speaking needed but if it includes constraints it is to
 * be assumed it expects them to be obeyed", check_name_constraints) and Go (crypto/x509 verify.go
 * checks a root's constraints too); RFC 5280 6.1.1 lets anchor constraints be an optional input
 * (RFC 5937). The JVM does not apply them: platforms.ts 'anchor-name-constraints'. Checking each
 * constrained CA's subtrees in turn is the intersection of permitted subtrees along the path per
 * form, and the union of excluded ones (6.1.4 (g)); a form with no permitted subtree is
 * unconstrained; a name in an excluded subtree is refused even when a permitted one holds it.
 *
 * How names match (v3_ncons.c): dNSName `example.com` holds itself and any name ending in
 * `.example.com`, `.example.com` only the latter (the leading-dot form OpenSSL and Go accept), ASCII
 * case-insensitive, a wildcard SAN `*.a.example` compared as text (so it is within `a.example`
 * and not within, nor excluded by, `b.a.example`: OpenSSL and Go; Chromium treats a wildcard that
 * could cover an excluded name as excluded); iPAddress by address and mask, an IPv4 name never
 * within an IPv6 subtree nor the reverse; directoryName when the subtree's RDNs are the first RDNs
 * of the name, compared as name.ts compares names; rfc822Name `user@host` the mailbox (local part
 * case-sensitive), `host` any mailbox at that host, `.domain` any mailbox at a host under it.
 *
 * uniformResourceIdentifier by the URI's host, as OpenSSL does (uriWithin).
 *
 * What the model does not match: an SmtpUTF8Mailbox otherName (RFC 8398) under rfc822Name
 * subtrees is `unsupported-feature` (OpenSSL 3 matches it; the model does not, so it cannot say); x400Address,
 * ediPartyName, registeredID and other otherNames under a constraint of their own form are
 * refused, as OpenSSL does (X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE) and RFC 5280 4.2.1.10 allows
 * ("MUST either process the constraint or reject the certificate"). A subtree with a minimum other
 * than 0 or any maximum (4.2.1.10: "the minimum MUST be zero, and maximum MUST be absent") refuses
 * the names of its form it would be checked against (OpenSSL's X509_V_ERR_SUBTREE_MINMAX; Go
 * ignores the fields). A critical extension with a directoryName (or x400Address, ediPartyName,
 * registeredID, otherName) subtree is refused by Go, which does not parse those forms: platforms.ts
 * 'name-constraints-directory'.
 */
import { childrenOf, content, MalformedError, TAG, wholeTlv } from './asn1.js';
import type { Tlv } from './der.js';
import { describeGeneralName, formatIp, formName, readGeneralName, SMTP_UTF8_MAILBOX, type GeneralName } from './general-name.js';
import { EMAIL_ADDRESS, type ParsedName } from './name.js';

/** One GeneralSubtree: the name it is rooted at, and whether it carries the minimum or maximum RFC 5280 forbids. */
export interface GeneralSubtree {
  base: GeneralName;
  /** A minimum other than 0, or a maximum: RFC 5280 4.2.1.10 forbids both. */
  bounded: boolean;
}

/** A nameConstraints extension. */
export interface NameConstraints {
  critical: boolean;
  permitted: readonly GeneralSubtree[];
  excluded: readonly GeneralSubtree[];
}

/**
 * Parse the extnValue of a nameConstraints extension: `SEQUENCE { [0] permittedSubtrees OPTIONAL,
 * [1] excludedSubtrees OPTIONAL }`, each a SEQUENCE OF `GeneralSubtree { base, [0] minimum
 * DEFAULT 0, [1] maximum OPTIONAL }`. Anything else is a MalformedError. An extension with neither
 * list, or an empty list, constrains nothing (OpenSSL reads it so; RFC 5280 says a CA must not
 * write one; Go refuses to parse it).
 */
export function parseNameConstraints(v: Uint8Array, critical: boolean, what: string): NameConstraints {
  const permitted: GeneralSubtree[] = [];
  const excluded: GeneralSubtree[] = [];
  let last = -1;
  for (const list of childrenOf(v, wholeTlv(v, TAG.SEQUENCE, what), what)) {
    const index = list.tag === 0xa0 ? 0 : list.tag === 0xa1 ? 1 : -1;
    if (index <= last) throw new MalformedError(`${what}: expected [0] permittedSubtrees then [1] excludedSubtrees, found tag 0x${list.tag.toString(16)}`);
    last = index;
    const into = index === 0 ? permitted : excluded;
    for (const subtree of childrenOf(v, list, what)) into.push(readSubtree(v, subtree, what));
  }
  return { critical, permitted, excluded };
}

function readSubtree(v: Uint8Array, subtree: Tlv, what: string): GeneralSubtree {
  if (subtree.tag !== TAG.SEQUENCE) throw new MalformedError(`${what}: a GeneralSubtree is not a SEQUENCE`);
  const [baseTlv, ...bounds] = childrenOf(v, subtree, what);
  if (!baseTlv) throw new MalformedError(`${what}: a GeneralSubtree has no base`);
  const base = readGeneralName(v, baseTlv, 'constraint', what);
  let bounded = false;
  let last = -1;
  for (const b of bounds) {
    // [0] IMPLICIT minimum, [1] IMPLICIT maximum: INTEGER contents under context tags.
    const index = b.tag === 0x80 ? 0 : b.tag === 0x81 ? 1 : -1;
    if (index <= last || b.end === b.contentStart) throw new MalformedError(`${what}: a GeneralSubtree has an unexpected field 0x${b.tag.toString(16)}`);
    last = index;
    if (index === 1 || content(v, b).some((byte) => byte !== 0)) bounded = true;
  }
  return { base, bounded };
}

/** Where a checked name was found. */
export type NameSource = 'subject' | 'subject emailAddress' | 'subjectAltName' | 'commonName';

/** A name of a certificate, as checked against constraints. */
export interface CheckedName {
  name: GeneralName;
  source: NameSource;
}

/** Why one name fails one CA's constraints (or, `unimplemented-form`, why the model cannot say). */
export type NameConstraintProblem =
  | { kind: 'outside-permitted'; name: CheckedName; subtrees: readonly GeneralSubtree[] }
  | { kind: 'inside-excluded'; name: CheckedName; subtree: GeneralSubtree }
  | { kind: 'bounded-subtree'; name: CheckedName; subtree: GeneralSubtree }
  | { kind: 'unreadable-name'; name: CheckedName; subtree: GeneralSubtree }
  | { kind: 'unsupported-form'; name: CheckedName; subtree: GeneralSubtree }
  | { kind: 'unimplemented-form'; name: CheckedName; subtree: GeneralSubtree };

/** What name checking reads of a certificate (a ParsedCertificate is one). */
export interface NameHolder {
  readonly subject: ParsedName;
  readonly subjectAltName?: { readonly names: readonly GeneralName[] };
  readonly commonNames: readonly string[];
}

/** ASCII-only lower case, as OpenSSL's ia5ncasecmp compares (locale-free; a Latin-1 byte is left as it is). */
function lowerAscii(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** A text name or base with its case folded once (comparisons are then plain string ones: a hostile chain makes a million). */
interface Text {
  value: string;
  folded: string;
}

/** nc_dns on folded text: an empty base holds everything; else the name ends with the base, at a label boundary unless the base starts with a dot. */
function dnsWithin(name: string, base: string): boolean {
  if (base === '') return true;
  if (!name.endsWith(base)) return false;
  return name.length === base.length || base.charCodeAt(0) === 0x2e || name.charCodeAt(name.length - base.length - 1) === 0x2e;
}

/** nc_email: `.domain` (a host under it), `user@host` (that mailbox, local part case-sensitive), `host` or `@host` (any mailbox there). */
function emailWithin(name: Text, base: Text): boolean | 'unreadable' {
  const at = name.value.lastIndexOf('@');
  if (at < 0) return 'unreadable';
  const baseAt = base.value.lastIndexOf('@');
  if (baseAt < 0 && base.value.startsWith('.')) return name.folded.length > base.folded.length && name.folded.endsWith(base.folded);
  if (baseAt > 0 && base.value.slice(0, baseAt) !== name.value.slice(0, at)) return false;
  return name.folded.slice(at + 1) === base.folded.slice(baseAt + 1);
}

/** nc_ip: the same family, and the same bits under the mask. */
function ipWithin(address: Uint8Array, base: Uint8Array): boolean {
  const n = address.length;
  if (n * 2 !== base.length) return false;
  for (let i = 0; i < n; i++) {
    const mask = base[n + i]!;
    if ((address[i]! & mask) !== (base[i]! & mask)) return false;
  }
  return true;
}

/**
 * nc_uri (RFC 5280 4.2.1.10: a URI constraint names a host, or with a leading dot the hosts under
 * a domain): the host part of `scheme://host[:port][/...]`, ASCII case-insensitive, equal to the
 * subtree, or ending with a `.domain` subtree. Unlike dNSName, a bare `example.com` does not cover
 * its subdomains (OpenSSL v3_ncons.c; Go's matchURIConstraint does cover them, an edge no TLS
 * server certificate in the catalog meets). A URI without `//` or with an empty host cannot be
 * checked: OpenSSL refuses it (X509_V_ERR_UNSUPPORTED_NAME_SYNTAX).
 */
function uriWithin(uri: string, base: string): boolean | 'unreadable' {
  const scheme = uri.indexOf(':');
  if (scheme < 0 || uri.slice(scheme + 1, scheme + 3) !== '//') return 'unreadable';
  const rest = uri.slice(scheme + 3);
  const end = rest.search(/[:/]/);
  const host = lowerAscii(end < 0 ? rest : rest.slice(0, end));
  if (!host) return 'unreadable';
  const b = lowerAscii(base);
  if (b.startsWith('.')) return host.length > b.length && host.endsWith(b);
  return host === b;
}

/** nc_dn: the subtree's RDNs start the name (OpenSSL compares canonical encodings as a prefix). */
function directoryWithin(name: ParsedName, base: ParsedName): boolean {
  const b = base.rdnKeys;
  const n = name.rdnKeys;
  return b.length <= n.length && b.every((key, i) => key === n[i]);
}

/** Whether a subtree of `base`'s form applies to `name` (an SmtpUTF8Mailbox counts as an rfc822Name, RFC 8398 6). */
function sameForm(name: GeneralName, base: GeneralName): boolean {
  if (name.kind !== 'other') return name.kind === base.kind;
  if (name.typeId === SMTP_UTF8_MAILBOX) return base.kind === 'email';
  return base.kind === 'other' && base.form === name.form && base.typeId === name.typeId;
}

type Within = boolean | 'unreadable' | 'unsupported' | 'unimplemented';

/** The folded text of a dNSName or rfc822Name (undefined for other forms). */
function textOf(gn: GeneralName): Text | undefined {
  return gn.kind === 'dns' || gn.kind === 'email' ? { value: gn.value, folded: lowerAscii(gn.value) } : undefined;
}

/** Folded subtree texts, by subtree: made once per parsed certificate, whatever the number of names compared. */
const foldedSubtrees = new WeakMap<GeneralSubtree, Text | undefined>();

function subtreeText(subtree: GeneralSubtree): Text | undefined {
  if (!foldedSubtrees.has(subtree)) foldedSubtrees.set(subtree, textOf(subtree.base));
  return foldedSubtrees.get(subtree);
}

function within(checked: FoldedName, subtree: GeneralSubtree): Within {
  const { name } = checked;
  const base = subtree.base;
  if (name.kind === 'dns' && base.kind === 'dns') return dnsWithin(checked.text!.folded, subtreeText(subtree)!.folded);
  if (name.kind === 'email' && base.kind === 'email') return emailWithin(checked.text!, subtreeText(subtree)!);
  if (name.kind === 'ip' && base.kind === 'ip') return ipWithin(name.bytes, base.bytes);
  if (name.kind === 'directory' && base.kind === 'directory') return directoryWithin(name.name, base.name);
  if (name.kind === 'uri' && base.kind === 'uri') return uriWithin(name.value, base.value);
  if (name.kind === 'other' && name.typeId === SMTP_UTF8_MAILBOX) return 'unimplemented';
  return 'unsupported';
}

/** A checked name with its folded text, for the comparisons. */
interface FoldedName extends CheckedName {
  text?: Text;
}

const PROBLEM_OF: Record<Exclude<Within, boolean>, 'unreadable-name' | 'unsupported-form' | 'unimplemented-form'> = {
  unreadable: 'unreadable-name',
  unsupported: 'unsupported-form',
  unimplemented: 'unimplemented-form',
};

/** nc_match: permitted subtrees of the name's form first (one must hold it), then excluded ones (none may). */
function matchName(checked: FoldedName, nc: NameConstraints): NameConstraintProblem | undefined {
  const { name } = checked;
  let applies = false;
  let held = false;
  for (const subtree of nc.permitted) {
    if (!sameForm(name, subtree.base)) continue;
    if (subtree.bounded) return { kind: 'bounded-subtree', name: checked, subtree };
    if (held) continue;
    applies = true;
    const r = within(checked, subtree);
    if (r === true) held = true;
    else if (r !== false) return { kind: PROBLEM_OF[r], name: checked, subtree };
  }
  if (applies && !held) return { kind: 'outside-permitted', name: checked, subtrees: nc.permitted.filter((s) => sameForm(name, s.base)) };
  for (const subtree of nc.excluded) {
    if (!sameForm(name, subtree.base)) continue;
    if (subtree.bounded) return { kind: 'bounded-subtree', name: checked, subtree };
    const r = within(checked, subtree);
    if (r === true) return { kind: 'inside-excluded', name: checked, subtree };
    if (r !== false) return { kind: PROBLEM_OF[r], name: checked, subtree };
  }
  return undefined;
}

/**
 * OpenSSL's cn2dnsid: a commonName is taken for a host name when it is two or more labels of
 * letters, digits, `_` and inner `-`, separated by single dots (so `*.example.com` is not, nor a
 * single label).
 */
const HOST_LIKE_CN = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)+$/;

function folded(name: GeneralName, source: NameSource): FoldedName {
  const text = textOf(name);
  return text ? { name, source, text } : { name, source };
}

/** The names of a certificate that constraints apply to, in OpenSSL's order (NAME_CONSTRAINTS_check, then _check_CN for a leaf). */
function namesOf(holder: NameHolder, leaf: boolean): FoldedName[] {
  const out: FoldedName[] = [];
  if (!holder.subject.empty) {
    out.push({ name: { kind: 'directory', name: holder.subject }, source: 'subject' });
    for (const rdn of holder.subject.rdns) {
      for (const a of rdn) if (a.oid === EMAIL_ADDRESS && a.value !== undefined) out.push(folded({ kind: 'email', value: a.value }, 'subject emailAddress'));
    }
  }
  const san = holder.subjectAltName?.names ?? [];
  for (const name of san) out.push(folded(name, 'subjectAltName'));
  if (leaf && !san.some((n) => n.kind === 'dns')) {
    for (const cn of holder.commonNames) if (HOST_LIKE_CN.test(cn)) out.push(folded({ kind: 'dns', value: cn }, 'commonName'));
  }
  return out;
}

/** How many names constraints are checked on, as OpenSSL counts them for its bound: subject attributes (the commonNames among them) and subjectAltName entries. */
function nameCount(holder: NameHolder): number {
  let attributes = 0;
  for (const rdn of holder.subject.rdns) attributes += rdn.length;
  return attributes + (holder.subjectAltName?.names.length ?? 0);
}

/** The first name that violates the constraints, and the first the model cannot decide (an SmtpUTF8Mailbox under an rfc822Name subtree). */
interface PairResult {
  violation?: NameConstraintProblem;
  unimplemented?: NameConstraintProblem;
}

/** Results by constraint, then by certificate, then leaf or not: a certificate parsed once is checked against a CA once, whatever the number of paths. */
const pairResults = new WeakMap<NameConstraints, WeakMap<NameHolder, [PairResult?, PairResult?]>>();

/** Check the names of one certificate against one CA's constraints. */
function checkNames(holder: NameHolder, nc: NameConstraints, leaf: boolean): PairResult {
  let byHolder = pairResults.get(nc);
  if (!byHolder) pairResults.set(nc, (byHolder = new WeakMap()));
  let results = byHolder.get(holder);
  if (!results) byHolder.set(holder, (results = []));
  const slot = leaf ? 0 : 1;
  let result = results[slot];
  if (!result) {
    result = {};
    for (const name of namesOf(holder, leaf)) {
      const problem = matchName(name, nc);
      if (problem?.kind === 'unimplemented-form') result.unimplemented ??= problem;
      else if (problem) {
        result.violation = problem;
        break;
      }
    }
    results[slot] = result;
  }
  return result;
}

/**
 * At most 2^20 name-against-subtree comparisons in one path. The work is names times subtrees, so
 * a hostile chain with thousands of subtrees and thousands of SANs would be quadratic; OpenSSL
 * refuses a certificate whose names times one CA's subtrees exceed this number (NAME_CHECK_MAX in
 * v3_ncons.c). The model counts the whole path, so one path costs at most ~1M comparisons (measured:
 * ~70 ms for a 36 KB chain of 1000 subtrees by 1000 SANs; a certificate is checked against a CA
 * once across paths), and refuses beyond; no real chain comes near.
 */
export const NAME_CHECK_MAX = 1 << 20;

/** A certificate of a path, as name-constraint checking reads it (a ParsedCertificate is one). */
export interface ConstrainedCertificate extends NameHolder {
  readonly selfIssued: boolean;
  readonly nameConstraints?: NameConstraints;
}

/** What the check of a path found: a failure (a certain rejection) and what the model cannot decide, with the depths and sentences. */
export interface PathNameCheck {
  failure?: { depth: number; reason: string };
  unsupported?: { depth: number; reason: string };
}

/** Options of {@link checkPathNameConstraints}, set by the platform differences being relaxed. */
export interface NameConstraintOptions {
  /** Apply the trust anchor's own nameConstraints (OpenSSL, Go); not the JVM's way (platforms.ts 'anchor-name-constraints'). */
  anchorConstraints: boolean;
  /** Refuse a critical extension with a subtree of a form Go does not parse (platforms.ts 'name-constraints-directory'). */
  refuseFormsGoCannotParse: boolean;
}

/**
 * Name constraints along a path, leaf first, the trust anchor last. `who(i)` starts a sentence
 * about the certificate at depth `i` ("The intermediate 'CN=x' (depth 1)"). Certificates are
 * checked from the top down, each against the CAs above it from the anchor down, as OpenSSL's
 * check_name_constraints does, so the same violation is reported first.
 */
export function checkPathNameConstraints(certs: readonly ConstrainedCertificate[], options: NameConstraintOptions, who: (depth: number) => string): PathNameCheck {
  const n = certs.length;
  // Most paths carry no constraint at all: nothing to count or compare.
  if (!certs.some((c) => c.nameConstraints)) return {};
  const top = options.anchorConstraints ? n - 1 : n - 2;
  const constrainedBy = (i: number) => {
    const out: number[] = [];
    for (let j = top; j > i; j--) if (certs[j]!.nameConstraints) out.push(j);
    return out;
  };
  // The bound first, from counts alone, so the verdict never depends on what was cached.
  let cost = 0;
  for (let i = n - 2; i >= 0; i--) {
    const cert = certs[i]!;
    if (i > 0 && cert.selfIssued) continue;
    for (const j of constrainedBy(i)) {
      const nc = certs[j]!.nameConstraints!;
      cost += nameCount(cert) * (nc.permitted.length + nc.excluded.length);
      if (cost > NAME_CHECK_MAX) {
        return {
          failure: {
            depth: i,
            reason: `The path needs more than ${NAME_CHECK_MAX} comparisons of names against nameConstraints subtrees (reached at ${lower(who(i))}, ${nameCount(cert)} names, against the ${nc.permitted.length + nc.excluded.length} subtrees of ${lower(who(j))}); a client refuses rather than do that work (OpenSSL: NAME_CHECK_MAX).`,
          },
        };
      }
    }
  }
  const found: PathNameCheck = {};
  for (let i = n - 2; i >= 0; i--) {
    const cert = certs[i]!;
    if (i > 0 && cert.selfIssued) continue; // RFC 5280 6.1.3 (b), (c): a self-issued intermediate's names are exempt.
    for (const j of constrainedBy(i)) {
      const result = checkNames(cert, certs[j]!.nameConstraints!, i === 0);
      if (result.violation) return { failure: { depth: i, reason: problemReason(result.violation, who(i), lower(who(j))) } };
      if (result.unimplemented && !found.unsupported) found.unsupported = { depth: i, reason: problemReason(result.unimplemented, who(i), lower(who(j))) };
    }
  }
  if (options.refuseFormsGoCannotParse) {
    for (let j = n - 1; j >= 0; j--) {
      const nc = certs[j]!.nameConstraints;
      const subtree = nc?.critical ? [...nc.permitted, ...nc.excluded].find((s) => s.base.kind === 'directory' || s.base.kind === 'other') : undefined;
      if (subtree) {
        return {
          failure: {
            depth: j,
            reason: `${who(j)} has a critical nameConstraints extension with the subtree ${describeGeneralName(subtree.base)}, a form Go's crypto/x509 does not parse, so Go refuses the certificate ("x509: unhandled critical extension").`,
          },
        };
      }
    }
  }
  return found;
}

function lower(sentenceStart: string): string {
  return sentenceStart.charAt(0).toLowerCase() + sentenceStart.slice(1);
}

/** `the dNSName 'a.example' in its subjectAltName`. */
function nameClause(checked: CheckedName): string {
  const { name } = checked;
  const value =
    name.kind === 'dns' || name.kind === 'email' || name.kind === 'uri'
      ? `'${name.value}'`
      : name.kind === 'ip'
        ? formatIp(name.bytes)
        : name.kind === 'directory'
          ? `'${name.name.display}'`
          : describeGeneralName(name);
  const where: Record<NameSource, string> = {
    subject: 'as its subject',
    'subject emailAddress': "in its subject's emailAddress",
    subjectAltName: 'in its subjectAltName',
    commonName: 'as its commonName (it has no dNSName, so the commonName is checked as one: OpenSSL)',
  };
  return `the ${formName(name)} ${value} ${where[checked.source]}`;
}

function problemReason(p: NameConstraintProblem, owner: string, ca: string): string {
  const has = `${owner} has ${nameClause(p.name)}`;
  switch (p.kind) {
    case 'outside-permitted':
      return `${has}, outside every permitted ${formName(p.name.name)} subtree of ${ca}: ${p.subtrees.map((s) => describeGeneralName(s.base)).join(', ')} (nameConstraints, RFC 5280 4.2.1.10).`;
    case 'inside-excluded':
      return `${has}, inside the excluded subtree ${describeGeneralName(p.subtree.base)} of ${ca} (nameConstraints, RFC 5280 4.2.1.10).`;
    case 'bounded-subtree':
      return `${has}, and the subtree ${describeGeneralName(p.subtree.base)} of ${ca} carries a minimum or maximum, which RFC 5280 4.2.1.10 forbids, so the name cannot be checked (OpenSSL: subtree min/max).`;
    case 'unreadable-name':
      return `${has}, which is not a mailbox (no '@') and cannot be checked against the subtree ${describeGeneralName(p.subtree.base)} of ${ca} (OpenSSL: unsupported name syntax).`;
    case 'unsupported-form':
      return `${has}, and ${ca} constrains that form (${describeGeneralName(p.subtree.base)}), which neither the model nor OpenSSL process: RFC 5280 4.2.1.10 says to reject.`;
    case 'unimplemented-form':
      return `${has}, under the subtree ${describeGeneralName(p.subtree.base)} of ${ca}: a form the model does not match (OpenSSL and Go do), so it cannot say what a correct client decides.`;
  }
}
