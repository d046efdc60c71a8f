/**
 * X.509 certificate-policy processing (RFC 5280 6.1, as updated by RFC 9618), with the inputs TLS
 * clients use: user-initial-policy-set = {anyPolicy}, and initial-explicit-policy,
 * initial-policy-mapping-inhibit and initial-any-policy-inhibit all false (the options exist so
 * each step can be checked against `openssl verify -explicit_policy / -inhibit_map / -inhibit_any`).
 *
 * Not to be confused with a pin policy (policy.ts): everything here is about the
 * certificatePolicies, policyMappings, policyConstraints and inhibitAnyPolicy extensions.
 *
 * RFC 5280's valid_policy_tree can grow exponentially with the path (a CA that maps each of k
 * policies to all k makes k^depth nodes: OpenSSL's CVE-2023-0464). RFC 9618 replaces it with a
 * graph that holds each policy at most once per depth, with every parent that expects it, so its
 * size is bounded by the policies and mappings the certificates carry. Qualifiers are ignored
 * (TLS clients do not show them), so nothing needs the tree's duplicated paths.
 */
import { childrenOf, content, MalformedError, oidOf, TAG, wholeTlv } from './asn1.js';
import { EXTENSIONS, type ParsedCertificate } from './certificate.js';
import type { Tlv } from './der.js';

/** The special policy OID anyPolicy (RFC 5280 4.2.1.4). */
export const ANY_POLICY = '2.5.29.32.0';

/**
 * At most this many nodes plus parent edges in the policy graph. RFC 9618's graph grows with the
 * policies and mappings on the path, not exponentially; the bound only stops an absurd presented
 * chain (a TLS Certificate message may be 16 MB) from costing memory. Real paths make fewer than
 * 20; a hostile path of 8 CAs each mapping 40 policies to all 40 makes 11,602 in about 20 ms, 80
 * to all 80 (168 KB per CA) 45,602 (test/model/certificate-policies.test.ts; RFC 5280's tree
 * would have 40^8 leaves). OpenSSL 3.0.8+ gives up at 1,000 tree nodes (CVE-2023-0464).
 */
export const MAX_CERTIFICATE_POLICY_GRAPH = 100_000;

/** The four certificate-policy extensions of one certificate, decoded. */
export interface CertificatePolicyExtensions {
  /** certificatePolicies OIDs in order (qualifiers dropped); undefined when the extension is absent. */
  policies?: readonly string[];
  /** A policy OID appears twice in certificatePolicies (RFC 5280 4.2.1.4: MUST NOT). */
  duplicate?: string;
  /** policyMappings as [issuerDomainPolicy, subjectDomainPolicy] pairs. */
  mappings?: readonly (readonly [string, string])[];
  /** policyConstraints requireExplicitPolicy (SkipCerts). */
  requireExplicitPolicy?: number;
  /** policyConstraints inhibitPolicyMapping (SkipCerts). */
  inhibitPolicyMapping?: number;
  /** inhibitAnyPolicy (SkipCerts). */
  inhibitAnyPolicy?: number;
}

const decoded = new WeakMap<ParsedCertificate, CertificatePolicyExtensions | MalformedError>();

/**
 * The certificate-policy extensions of a certificate (decoded once per parsed certificate); a
 * {@link MalformedError} when one does not decode or breaks the syntax RFC 5280 gives it.
 * Decoded here, at validation, not when the certificate is parsed: OpenSSL's TLS clients never
 * decode them, so a bad one must not make the whole certificate `malformed`.
 */
export function certificatePolicyExtensions(cert: ParsedCertificate): CertificatePolicyExtensions | MalformedError {
  let d = decoded.get(cert);
  if (!d) {
    try {
      d = decodeExtensions(cert);
    } catch (err) {
      if (!(err instanceof MalformedError)) throw err;
      d = err;
    }
    decoded.set(cert, d);
  }
  return d;
}

function decodeExtensions(cert: ParsedCertificate): CertificatePolicyExtensions {
  const out: { -readonly [K in keyof CertificatePolicyExtensions]: CertificatePolicyExtensions[K] } = {};
  for (const e of cert.extensions) {
    const v = e.value;
    switch (e.oid) {
      case EXTENSIONS.certificatePolicies: {
        // certificatePolicies ::= SEQUENCE OF PolicyInformation; PolicyInformation ::= SEQUENCE { OID, qualifiers OPTIONAL }.
        const what = 'certificatePolicies';
        const seen = new Set<string>();
        const policies: string[] = [];
        for (const info of childrenOf(v, wholeTlv(v, TAG.SEQUENCE, what), what)) {
          const [id, qualifiers, extra] = info.tag === TAG.SEQUENCE ? childrenOf(v, info, what) : [];
          if (!id || extra || (qualifiers && qualifiers.tag !== TAG.SEQUENCE)) throw new MalformedError(`${what}: a PolicyInformation is not an OID and optional qualifiers`);
          const oid = oidOf(v, id, what);
          if (seen.has(oid)) out.duplicate ??= oid;
          else policies.push(oid);
          seen.add(oid);
        }
        out.policies = policies;
        break;
      }
      case EXTENSIONS.policyMappings: {
        const what = 'policyMappings';
        out.mappings = childrenOf(v, wholeTlv(v, TAG.SEQUENCE, what), what).map((m) => {
          const [issuerDomain, subjectDomain, extra] = m.tag === TAG.SEQUENCE ? childrenOf(v, m, what) : [];
          if (!issuerDomain || !subjectDomain || extra) throw new MalformedError(`${what}: a mapping is not two OIDs`);
          return [oidOf(v, issuerDomain, what), oidOf(v, subjectDomain, what)] as const;
        });
        break;
      }
      case EXTENSIONS.policyConstraints: {
        // PolicyConstraints ::= SEQUENCE { requireExplicitPolicy [0] SkipCerts OPTIONAL, inhibitPolicyMapping [1] SkipCerts OPTIONAL }
        const what = 'policyConstraints';
        const fields = childrenOf(v, wholeTlv(v, TAG.SEQUENCE, what), what);
        // RFC 5280 4.2.1.11: "Conforming CAs MUST NOT issue certificates where policy constraints is an empty sequence"; OpenSSL refuses it too.
        if (!fields.length) throw new MalformedError(`${what}: an empty sequence`);
        let last = -1;
        for (const f of fields) {
          const n = f.tag - 0x80;
          if (n !== 0 && n !== 1) throw new MalformedError(`${what}: unexpected field 0x${f.tag.toString(16)}`);
          if (n <= last) throw new MalformedError(`${what}: fields out of order`);
          last = n;
          if (n === 0) out.requireExplicitPolicy = skipCerts(v, f, what);
          else out.inhibitPolicyMapping = skipCerts(v, f, what);
        }
        break;
      }
      case EXTENSIONS.inhibitAnyPolicy: {
        const what = 'inhibitAnyPolicy';
        out.inhibitAnyPolicy = skipCerts(v, wholeTlv(v, TAG.INTEGER, what), what);
        break;
      }
    }
  }
  return out;
}

/** SkipCerts ::= INTEGER (0..MAX), with an INTEGER or an implicit context tag. Values past 2^31 change nothing on a 10-certificate path, so they are clamped. */
function skipCerts(buf: Uint8Array, t: Tlv, what: string): number {
  const bytes = content(buf, t);
  if (!bytes.length) throw new MalformedError(`${what}: an empty INTEGER`);
  if (bytes[0]! & 0x80) throw new MalformedError(`${what}: a negative SkipCerts`);
  let n = 0;
  for (const b of bytes) n = Math.min(n * 256 + b, 2 ** 31);
  return n;
}

/** Initial inputs of RFC 5280 6.1.1 (c)-(f); all false for TLS (user-initial-policy-set is always {anyPolicy}). */
export interface CertificatePoliciesOptions {
  initialExplicitPolicy?: boolean;
  initialPolicyMappingInhibit?: boolean;
  initialAnyPolicyInhibit?: boolean;
  /** Count a duplicated policy OID once instead of refusing the certificate (the JVM, and clients that never process policies). */
  duplicates?: 'refuse' | 'count-once';
  /** Default {@link MAX_CERTIFICATE_POLICY_GRAPH}. */
  maxGraph?: number;
}

/** The size of the graph built: nodes (the root included) and parent edges. */
export interface PolicyGraphSize {
  nodes: number;
  edges: number;
}

/** The outcome of certificate-policy processing for one path. */
export type CertificatePoliciesResult =
  | {
      ok: true;
      /** The authority-constrained policy set (RFC 9618 6.1.5 (g)), sorted: the policies valid for the whole path (anyPolicy included when it is). Empty when no policy is, which is fine unless explicit policy is required. */
      validPolicies: string[];
      graph: PolicyGraphSize;
    }
  | {
      ok: false;
      /** RFC 5280 6.1.3 (f) / 6.1.6: explicit_policy reached 0 and the graph is empty. */
      code: 'no-explicit-policy';
      /** The certificate (leaf-first position) at which no valid policy was left. */
      depth: number;
      /** Why the graph emptied there: no certificatePolicies at all, none of its policies is one its issuers allow, or mappings removed them (inhibitPolicyMapping in force). */
      emptied: 'absent' | 'unmatched' | 'mapping-inhibited';
      /** The certificate whose requireExplicitPolicy put the requirement in force; undefined when it is an initial input. */
      requiredBy?: number;
      graph: PolicyGraphSize;
    }
  | {
      ok: false;
      /** `invalid-policy-extension`: undecodable, an empty policyConstraints, or a mapping to or from anyPolicy (RFC 5280 6.1.4 (a)). */
      code: 'invalid-policy-extension' | 'duplicate-certificate-policy';
      depth: number;
      /** What is wrong, as a clause. */
      detail: string;
      graph: PolicyGraphSize;
    }
  | { ok: false; code: 'too-large'; depth: number; graph: PolicyGraphSize };

/** One node of the valid_policy_graph. The root (depth 0) is the only node without parents. */
interface PolicyNode {
  policy: string;
  /** Set anew by a mapping (6.1.4 (b)(1)). */
  expected: readonly string[];
  parents: readonly PolicyNode[];
}

/**
 * Run RFC 5280 6.1 policy processing, with RFC 9618's graph, over `chain`: the path's certificates
 * leaf first WITHOUT the trust anchor (RFC 5280 6.1.1 (d): the anchor is a name and a key, its
 * extensions are not processed; so OpenSSL, Go and the JVM). The steps are RFC 5280's: 6.1.2 (a)
 * (d) (e) (f), 6.1.3 (d) (e) (f), 6.1.4 (a) (b) (h) (i) (j), 6.1.5 (a) (b) (g).
 */
export function processCertificatePolicies(chain: readonly ParsedCertificate[], options: CertificatePoliciesOptions = {}): CertificatePoliciesResult {
  const n = chain.length;
  const max = options.maxGraph ?? MAX_CERTIFICATE_POLICY_GRAPH;
  const size: PolicyGraphSize = { nodes: 1, edges: 0 };
  // 6.1.2 (a) as RFC 9618 words it: one node, anyPolicy, expecting anyPolicy.
  const root: PolicyNode = { policy: ANY_POLICY, expected: [ANY_POLICY], parents: [] };
  const levels: Map<string, PolicyNode>[] = [new Map([[ANY_POLICY, root]])];
  /** Null once the graph is empty (RFC 5280's "valid_policy_tree is NULL"). */
  let current: Map<string, PolicyNode> | null = levels[0]!;
  let emptied: { depth: number; why: 'absent' | 'unmatched' | 'mapping-inhibited' } | undefined;
  // 6.1.2 (d) (e) (f).
  let explicitPolicy = options.initialExplicitPolicy ? 0 : n + 1;
  let inhibitAnyPolicy = options.initialAnyPolicyInhibit ? 0 : n + 1;
  let policyMapping = options.initialPolicyMappingInhibit ? 0 : n + 1;
  let requiredBy: number | undefined;

  const empty = (depth: number, why: 'absent' | 'unmatched' | 'mapping-inhibited') => {
    current = null;
    emptied ??= { depth, why };
  };
  const noExplicit = (): CertificatePoliciesResult => ({
    ok: false,
    code: 'no-explicit-policy',
    depth: emptied?.depth ?? 0,
    emptied: emptied?.why ?? 'absent',
    ...(requiredBy === undefined ? {} : { requiredBy }),
    graph: size,
  });
  const add = (level: Map<string, PolicyNode>, node: PolicyNode) => {
    level.set(node.policy, node);
    size.nodes++;
    size.edges += node.parents.length;
  };

  // RFC 5280 numbers the path 1..n from the anchor down; `depth` is the leaf-first position, i = n - depth.
  for (let depth = n - 1; depth >= 0; depth--) {
    const i = n - depth;
    const cert = chain[depth]!;
    const ext = certificatePolicyExtensions(cert);
    if (ext instanceof MalformedError) return { ok: false, code: 'invalid-policy-extension', depth, detail: `its ${ext.message}`, graph: size };
    if (ext.duplicate !== undefined && options.duplicates !== 'count-once') {
      return { ok: false, code: 'duplicate-certificate-policy', depth, detail: `its certificatePolicies names ${ext.duplicate} twice`, graph: size };
    }

    // 6.1.3 (d): the nodes of depth i.
    if (current && ext.policies) {
      const prev: Map<string, PolicyNode> = current;
      const next = new Map<string, PolicyNode>();
      // The parents of each expected policy, in one pass over depth i-1 (edges, not a product).
      const expecting = new Map<string, PolicyNode[]>();
      for (const node of prev.values()) {
        for (const p of node.expected) {
          const list = expecting.get(p);
          if (list) list.push(node);
          else expecting.set(p, [node]);
        }
      }
      const anyParent = prev.get(ANY_POLICY);
      let hasAny = false;
      for (const p of ext.policies) {
        if (p === ANY_POLICY) {
          hasAny = true;
          continue;
        }
        // (d)(1)(i): under every node expecting P; (ii): else under the anyPolicy node, if any.
        const parents = expecting.get(p) ?? (anyParent ? [anyParent] : undefined);
        if (parents) add(next, { policy: p, expected: [p], parents });
      }
      // (d)(2): anyPolicy stands for every expected policy not yet at depth i (anyPolicy itself
      // included), while anyPolicy is not inhibited, or on a self-issued CA certificate.
      if (hasAny && (inhibitAnyPolicy > 0 || (i < n && cert.selfIssued))) {
        for (const [p, parents] of expecting) if (!next.has(p)) add(next, { policy: p, expected: [p], parents });
      }
      if (size.nodes + size.edges > max) return { ok: false, code: 'too-large', depth, graph: size };
      // (d)(3) prunes childless nodes of depth i-1 and above; no later step reads those depths
      // (each reads depth i-1 and i only), so pruning once at the end gives the same graph.
      if (next.size) {
        levels.push(next);
        current = next;
      } else empty(depth, 'unmatched');
    }
    // 6.1.3 (e).
    if (!ext.policies) empty(depth, 'absent');
    // 6.1.3 (f).
    if (explicitPolicy === 0 && !current) return noExplicit();

    if (i === n) break;
    // 6.1.4: preparation for the next certificate.
    // (a) anyPolicy is never mapped, either way.
    const toAny = ext.mappings?.find(([from, to]) => from === ANY_POLICY || to === ANY_POLICY);
    if (toAny) return { ok: false, code: 'invalid-policy-extension', depth, detail: `its policyMappings maps ${toAny[0]} to ${toAny[1]}, and anyPolicy is never mapped (RFC 5280 6.1.4 (a))`, graph: size };
    // (b) as RFC 9618 words it.
    if (current && ext.mappings?.length) {
      const level: Map<string, PolicyNode> = current;
      const bySource = new Map<string, Set<string>>();
      for (const [from, to] of ext.mappings) {
        const set = bySource.get(from);
        if (set) set.add(to);
        else bySource.set(from, new Set([to]));
      }
      if (policyMapping > 0) {
        // (b)(1): a node for the issuer-domain policy now expects its subject-domain policies;
        // without one, anyPolicy at depth i stands for it: a new node under anyPolicy of depth i-1.
        const anyHere = level.get(ANY_POLICY);
        const anyAbove = levels[levels.length - 2]?.get(ANY_POLICY);
        for (const [from, to] of bySource) {
          const node = level.get(from);
          if (node) node.expected = [...to];
          else if (anyHere && anyAbove) add(level, { policy: from, expected: [...to], parents: [anyAbove] });
        }
        if (size.nodes + size.edges > max) return { ok: false, code: 'too-large', depth, graph: size };
      } else {
        // (b)(2): mapping inhibited: the mapped policies are dropped at depth i.
        for (const from of bySource.keys()) level.delete(from);
        if (!level.size) empty(depth, 'mapping-inhibited');
      }
    }
    // (h): counters count certificates that are not self-issued.
    if (!cert.selfIssued) {
      if (explicitPolicy > 0) explicitPolicy--;
      if (policyMapping > 0) policyMapping--;
      if (inhibitAnyPolicy > 0) inhibitAnyPolicy--;
    }
    // (i) and (j).
    if (ext.requireExplicitPolicy !== undefined && ext.requireExplicitPolicy < explicitPolicy) {
      explicitPolicy = ext.requireExplicitPolicy;
      requiredBy = depth;
    }
    if (ext.inhibitPolicyMapping !== undefined && ext.inhibitPolicyMapping < policyMapping) policyMapping = ext.inhibitPolicyMapping;
    if (ext.inhibitAnyPolicy !== undefined && ext.inhibitAnyPolicy < inhibitAnyPolicy) inhibitAnyPolicy = ext.inhibitAnyPolicy;
  }

  // 6.1.5 (a) and (b): the leaf's own requireExplicitPolicy counts only when it is 0.
  if (explicitPolicy > 0) explicitPolicy--;
  const leafExt = n ? certificatePolicyExtensions(chain[0]!) : undefined;
  if (leafExt && !(leafExt instanceof MalformedError) && leafExt.requireExplicitPolicy === 0 && explicitPolicy > 0) {
    explicitPolicy = 0;
    requiredBy = 0;
  }
  // 6.1.5 (g) with user-initial-policy-set {anyPolicy}: the user-constrained set is the
  // authority-constrained set; 6.1.6: success when explicit_policy > 0 or that set is not empty.
  const validPolicies = current ? authorityConstrainedPolicies(levels, root) : [];
  if (explicitPolicy === 0 && !validPolicies.length) {
    emptied ??= { depth: 0, why: 'unmatched' };
    return noExplicit();
  }
  return { ok: true, validPolicies, graph: size };
}

/**
 * RFC 9618 6.1.5 (g): after pruning the nodes that reach no leaf-level node, the valid_policy of
 * every node whose only parent is an anyPolicy node, and anyPolicy when the leaf level has it.
 */
function authorityConstrainedPolicies(levels: readonly Map<string, PolicyNode>[], root: PolicyNode): string[] {
  const alive = new Set<PolicyNode>(levels[levels.length - 1]!.values());
  for (let d = levels.length - 1; d > 0; d--) {
    for (const node of levels[d]!.values()) if (alive.has(node)) for (const p of node.parents) alive.add(p);
  }
  alive.delete(root);
  const out = new Set<string>();
  for (const node of alive) {
    if (node.policy === ANY_POLICY) continue;
    if (node.parents.length === 1 && node.parents[0]!.policy === ANY_POLICY) out.add(node.policy);
  }
  if (levels[levels.length - 1]!.has(ANY_POLICY)) out.add(ANY_POLICY);
  return [...out].sort();
}
