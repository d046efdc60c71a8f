/**
 * Certificate-policy processing (RFC 5280 6.1 with RFC 9618's graph), as a specification: each row
 * is a real chain, the outcome a client that processes policies reaches, and what OpenSSL's own
 * policy processing says about the same bytes. `openssl verify -policy 2.5.29.32.0` is RFC 5280's
 * user-initial-policy-set {anyPolicy}, the TLS input: `-policy_check` alone starts from an EMPTY
 * set, so with requireExplicitPolicy in force it fails every path ("User Policies: <empty>").
 * The initial-input flags (-explicit_policy, -inhibit_any, -inhibit_map) are checked against the
 * model's options of the same meaning. Then the platform difference, through evaluate().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANY_POLICY, MAX_CERTIFICATE_POLICY_GRAPH, processCertificatePolicies, type CertificatePoliciesOptions } from '../../src/model/certificate-policies.js';
import { evaluate, parseCertificate, type ModelInput, type ReasonCode } from '../../src/model/index.js';
import { ext, oid, seq, type RawExtension } from '../helpers/der-builder.js';
import { opensslVerify, PemFolder, ROWS_AGAINST_OPENSSL } from '../helpers/openssl-verify.js';
import { caExtensions, days, ders, leafExtensions, NOW, OPENSSL_TO_MODEL, rawIssue, type TestCert } from '../helpers/pki.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir();
const files = new PemFolder(tmp.path);
afterAll(() => tmp.cleanup());
const HOST = 'api.example';
const P1 = '1.3.6.1.4.1.55555.7.1';
const P2 = '1.3.6.1.4.1.55555.7.2';
const P3 = '1.3.6.1.4.1.55555.7.3';

/** The policy extensions of one certificate of a row. */
interface Policies {
  policies?: string[];
  mappings?: [string, string][];
  requireExplicitPolicy?: number;
  inhibitPolicyMapping?: number;
  inhibitAnyPolicy?: number;
  /** Same subject as the CA above it (RFC 5280 "self-issued"), with a key of its own. */
  selfIssued?: boolean;
  /** Extensions written as they are (malformed ones). */
  raw?: RawExtension[];
}

function policyExtensions(p: Policies): RawExtension[] {
  const out: RawExtension[] = [];
  if (p.policies) out.push(ext.certificatePolicies(p.policies));
  if (p.mappings) out.push(ext.policyMappings(p.mappings));
  if (p.requireExplicitPolicy !== undefined || p.inhibitPolicyMapping !== undefined) {
    out.push(ext.policyConstraints({ ...(p.requireExplicitPolicy === undefined ? {} : { requireExplicitPolicy: p.requireExplicitPolicy }), ...(p.inhibitPolicyMapping === undefined ? {} : { inhibitPolicyMapping: p.inhibitPolicyMapping }) }));
  }
  if (p.inhibitAnyPolicy !== undefined) out.push(ext.inhibitAnyPolicy(p.inhibitAnyPolicy));
  return [...out, ...(p.raw ?? [])];
}

/** A path: a fresh root (the anchor), the CAs top down, and a leaf for api.example. */
interface Chain {
  anchor: TestCert;
  /** Leaf first, without the anchor. */
  path: TestCert[];
}

let serial = 0;
async function chainOf(cas: Policies[], leaf: Policies): Promise<Chain> {
  const n = ++serial;
  const anchor = await rawIssue({ subject: `CN=Policy Root ${n}`, issuer: 'self', extensions: caExtensions(), notBefore: days(-365), notAfter: days(3650) });
  let issuer = anchor;
  const above: TestCert[] = [];
  for (const [k, ca] of cas.entries()) {
    const subject = ca.selfIssued ? issuer.subject : `CN=Policy CA ${n}.${k + 1}`;
    issuer = await rawIssue({ subject, issuer, extensions: caExtensions(policyExtensions(ca)), notBefore: days(-90), notAfter: days(365) });
    above.unshift(issuer);
  }
  const l = await rawIssue({ subject: `CN=${HOST}`, issuer, extensions: leafExtensions({ dns: [HOST] }, policyExtensions(leaf)) });
  return { anchor, path: [l, ...above] };
}

/** What OpenSSL's policy processing says: `openssl verify -x509_strict -policy anyPolicy [flags]`. */
function opensslPolicies(chain: Chain, flags: string[]): { code: ReasonCode; output: string } {
  const [leaf, ...cas] = chain.path;
  const r = opensslVerify({
    caFile: files.put('anchor', chain.anchor.der),
    ...(cas.length ? { untrusted: files.put('cas', ...cas.map((c) => c.der)) } : {}),
    leaf: files.put('leaf', leaf!.der),
    at: NOW,
    extra: ['-policy', ANY_POLICY, ...flags],
  });
  return { code: r.ok ? 'ok' : r.error ? (OPENSSL_TO_MODEL[r.error.code] ?? 'malformed') : 'malformed', output: r.output };
}

interface Row {
  what: string;
  cas: Policies[];
  leaf: Policies;
  code: 'ok' | 'no-explicit-policy' | 'invalid-policy-extension' | 'duplicate-certificate-policy';
  /** Leaf-first position of the certificate the failure names. */
  depth?: number;
  /** The authority-constrained policy set of an ok row. */
  valid?: string[];
  /** Initial inputs, and the openssl flags of the same meaning. */
  inputs?: { options: CertificatePoliciesOptions; flags: string[] };
  /** What openssl says when it is not the model's code, and why. */
  openssl?: { code: ReasonCode; why: string };
}

function check(rows: Row[]): void {
  it.each(rows)('$what', async (row) => {
    const chain = await chainOf(row.cas, row.leaf);
    const r = processCertificatePolicies(
      chain.path.map((c) => parseCertificate(c.der)),
      row.inputs?.options,
    );
    expect(r.ok ? 'ok' : r.code, JSON.stringify(r)).toBe(row.code);
    if (!r.ok && row.depth !== undefined) expect(r.depth).toBe(row.depth);
    if (r.ok && row.valid) expect(r.validPolicies).toEqual(row.valid);
    // Through the whole model, with the TLS inputs: the same code (either: curl and Node skip it).
    if (!row.inputs) {
      const v = evaluate({ presented: ders(...chain.path), anchors: ders(chain.anchor), host: HOST, at: NOW });
      expect(v.validation.code, v.reason).toBe(row.code);
      expect(v.expected).toBe(row.code === 'ok' ? 'accept' : 'either');
    }
    if (!ROWS_AGAINST_OPENSSL) return;
    const o = opensslPolicies(chain, row.inputs?.flags ?? []);
    expect(o.code, o.output).toBe(row.openssl?.code ?? row.code);
  });
}

describe('policies are intersected along the path', () => {
  check([
    { what: 'without requireExplicitPolicy a mismatch fails nothing (TLS inputs): CA {P1}, leaf {P2}', cas: [{ policies: [P1] }], leaf: { policies: [P2] }, code: 'ok', valid: [] },
    { what: 'CA {P1, P2} requiring explicit policy, leaf {P2, P3}: valid for P2', cas: [{ policies: [P1, P2], requireExplicitPolicy: 0 }], leaf: { policies: [P2, P3] }, code: 'ok', valid: [P2] },
    { what: 'CA {P1} requiring explicit policy, leaf {P2}: nothing in common', cas: [{ policies: [P1], requireExplicitPolicy: 0 }], leaf: { policies: [P2] }, code: 'no-explicit-policy', depth: 0 },
    {
      what: 'CA1 {P1, P2} requiring explicit policy, CA2 {P2}, leaf {P1}: CA2 dropped P1',
      cas: [{ policies: [P1, P2], requireExplicitPolicy: 0 }, { policies: [P2] }],
      leaf: { policies: [P1] },
      code: 'no-explicit-policy',
      depth: 0,
    },
    { what: 'a leaf without certificatePolicies under requireExplicitPolicy', cas: [{ policies: [P1], requireExplicitPolicy: 0 }], leaf: {}, code: 'no-explicit-policy', depth: 0 },
    { what: 'a CA without certificatePolicies empties the graph for good: CA1 requiring, CA2 without, leaf {P1}', cas: [{ policies: [P1], requireExplicitPolicy: 0 }, {}], leaf: { policies: [P1] }, code: 'no-explicit-policy', depth: 1 },
    { what: "the leaf's own requireExplicitPolicy 0 counts (6.1.5 (b)): no policies anywhere", cas: [{}], leaf: { requireExplicitPolicy: 0 }, code: 'no-explicit-policy', depth: 1 },
    { what: "the leaf's own requireExplicitPolicy 0, CA and leaf {P1}", cas: [{ policies: [P1] }], leaf: { policies: [P1], requireExplicitPolicy: 0 }, code: 'ok', valid: [P1] },
  ]);
});

describe('anyPolicy stands for every policy', () => {
  check([
    { what: 'CA1 {P1} requiring, CA2 {anyPolicy}, leaf {P1}: the intermediate passes P1 through', cas: [{ policies: [P1], requireExplicitPolicy: 0 }, { policies: [ANY_POLICY] }], leaf: { policies: [P1] }, code: 'ok', valid: [P1] },
    { what: 'CA {P1} requiring, leaf {anyPolicy}', cas: [{ policies: [P1], requireExplicitPolicy: 0 }], leaf: { policies: [ANY_POLICY] }, code: 'ok', valid: [P1] },
    { what: 'CA {anyPolicy} requiring, leaf {P3}', cas: [{ policies: [ANY_POLICY], requireExplicitPolicy: 0 }], leaf: { policies: [P3] }, code: 'ok', valid: [P3] },
    { what: 'anyPolicy all the way down: valid for anyPolicy', cas: [{ policies: [ANY_POLICY], requireExplicitPolicy: 0 }], leaf: { policies: [ANY_POLICY] }, code: 'ok', valid: [ANY_POLICY] },
  ]);
});

describe('requireExplicitPolicy counts the certificates below it (skip certs)', () => {
  // Neither certificate below the CA has policies, so the path passes only while the requirement is not yet in force at the end.
  check([
    { what: 'skip 0, the leaf right below', cas: [{ requireExplicitPolicy: 0 }], leaf: {}, code: 'no-explicit-policy' },
    { what: 'skip 1, the leaf right below: in force once the leaf is counted (6.1.5 (a))', cas: [{ requireExplicitPolicy: 1 }], leaf: {}, code: 'no-explicit-policy' },
    { what: 'skip 2, the leaf right below: not yet in force', cas: [{ requireExplicitPolicy: 2 }], leaf: {}, code: 'ok' },
    { what: 'skip 2 with another CA and the leaf below: in force', cas: [{ requireExplicitPolicy: 2 }, {}], leaf: {}, code: 'no-explicit-policy' },
    { what: 'skip 3 with another CA and the leaf below: not yet', cas: [{ requireExplicitPolicy: 3 }, {}], leaf: {}, code: 'ok' },
    {
      what: 'skip 2 over a self-issued CA and the leaf: the self-issued one is not counted (6.1.4 (h))',
      cas: [{ policies: [ANY_POLICY], requireExplicitPolicy: 2 }, { policies: [ANY_POLICY], selfIssued: true }],
      leaf: {},
      code: 'ok',
    },
    {
      what: 'the same over a CA of another name: counted, so in force',
      cas: [{ policies: [ANY_POLICY], requireExplicitPolicy: 2 }, { policies: [ANY_POLICY] }],
      leaf: {},
      code: 'no-explicit-policy',
    },
  ]);
});

describe('policy mappings', () => {
  check([
    {
      what: "a CA's P1 mapped to the leaf's P2 by the CA below: valid for P1, the issuer's domain",
      cas: [{ policies: [P1], requireExplicitPolicy: 0 }, { policies: [P1], mappings: [[P1, P2]] }],
      leaf: { policies: [P2] },
      code: 'ok',
      valid: [P1],
    },
    {
      what: 'after the mapping the old name no longer counts: leaf {P1}',
      cas: [{ policies: [P1], requireExplicitPolicy: 0 }, { policies: [P1], mappings: [[P1, P2]] }],
      leaf: { policies: [P1] },
      code: 'no-explicit-policy',
    },
    {
      what: 'a mapping of a policy the CA holds only through anyPolicy (6.1.4 (b)(1), second case)',
      cas: [{ policies: [ANY_POLICY], requireExplicitPolicy: 0 }, { policies: [ANY_POLICY], mappings: [[P1, P2]] }],
      leaf: { policies: [P2] },
      code: 'ok',
      valid: [P1],
    },
    {
      what: 'one policy mapped to two: the leaf may assert either',
      cas: [{ policies: [P1], requireExplicitPolicy: 0 }, { policies: [P1], mappings: [[P1, P2], [P1, P3]] }],
      leaf: { policies: [P3] },
      code: 'ok',
      valid: [P1],
    },
    {
      what: 'inhibitPolicyMapping 0 above: the mapped policy is dropped (6.1.4 (b)(2))',
      cas: [{ policies: [P1], requireExplicitPolicy: 0, inhibitPolicyMapping: 0 }, { policies: [P1], mappings: [[P1, P2]] }],
      leaf: { policies: [P2] },
      code: 'no-explicit-policy',
      depth: 1,
    },
    {
      what: 'inhibitPolicyMapping 1 above: the next CA may still map',
      cas: [{ policies: [P1], requireExplicitPolicy: 0, inhibitPolicyMapping: 1 }, { policies: [P1], mappings: [[P1, P2]] }],
      leaf: { policies: [P2] },
      code: 'ok',
    },
    {
      what: 'inhibitPolicyMapping 1 above, mapping two CAs down: inhibited by then',
      cas: [{ policies: [P1], requireExplicitPolicy: 0, inhibitPolicyMapping: 1 }, { policies: [P1] }, { policies: [P1], mappings: [[P1, P2]] }],
      leaf: { policies: [P2] },
      code: 'no-explicit-policy',
    },
    { what: 'a mapping to anyPolicy is invalid, explicit policy or not (6.1.4 (a))', cas: [{ policies: [P1], mappings: [[P1, ANY_POLICY]] }], leaf: { policies: [P1] }, code: 'invalid-policy-extension', depth: 1 },
    { what: 'a mapping from anyPolicy is invalid too', cas: [{ policies: [ANY_POLICY], mappings: [[ANY_POLICY, P1]] }], leaf: { policies: [P1] }, code: 'invalid-policy-extension', depth: 1 },
  ]);
});

describe('inhibitAnyPolicy', () => {
  check([
    { what: 'skip 0: anyPolicy in the next CA stands for nothing', cas: [{ policies: [ANY_POLICY], requireExplicitPolicy: 0, inhibitAnyPolicy: 0 }, { policies: [ANY_POLICY] }], leaf: { policies: [P1] }, code: 'no-explicit-policy', depth: 1 },
    { what: 'skip 1: the next CA may use anyPolicy', cas: [{ policies: [ANY_POLICY], requireExplicitPolicy: 0, inhibitAnyPolicy: 1 }, { policies: [ANY_POLICY] }], leaf: { policies: [P1] }, code: 'ok', valid: [P1] },
    { what: 'skip 1: but not the leaf after it', cas: [{ policies: [ANY_POLICY], requireExplicitPolicy: 0, inhibitAnyPolicy: 1 }, { policies: [ANY_POLICY] }], leaf: { policies: [ANY_POLICY] }, code: 'no-explicit-policy', depth: 0 },
    {
      what: 'skip 0, but the next CA is self-issued: its anyPolicy still counts (6.1.3 (d)(2))',
      cas: [{ policies: [ANY_POLICY], requireExplicitPolicy: 0, inhibitAnyPolicy: 0 }, { policies: [ANY_POLICY], selfIssued: true }],
      leaf: { policies: [P1] },
      code: 'ok',
    },
  ]);
});

describe('the initial inputs, against the openssl flags of the same meaning (TLS clients leave them all off)', () => {
  const explicit = { options: { initialExplicitPolicy: true }, flags: ['-explicit_policy'] };
  check([
    { what: 'initial-explicit-policy: CA and leaf {P1}', cas: [{ policies: [P1] }], leaf: { policies: [P1] }, code: 'ok', inputs: explicit },
    { what: 'initial-explicit-policy: CA {P1}, leaf {P2}', cas: [{ policies: [P1] }], leaf: { policies: [P2] }, code: 'no-explicit-policy', inputs: explicit },
    { what: 'initial-explicit-policy: no policies at all', cas: [{}], leaf: {}, code: 'no-explicit-policy', inputs: explicit },
    {
      what: 'initial-any-policy-inhibit: anyPolicy in the CA stands for nothing',
      cas: [{ policies: [ANY_POLICY] }],
      leaf: { policies: [P1] },
      code: 'no-explicit-policy',
      inputs: { options: { initialExplicitPolicy: true, initialAnyPolicyInhibit: true }, flags: ['-explicit_policy', '-inhibit_any'] },
    },
    {
      what: 'initial-policy-mapping-inhibit: a mapping drops the policy',
      cas: [{ policies: [P1], mappings: [[P1, P2]] }, { policies: [P2] }],
      leaf: { policies: [P2] },
      code: 'no-explicit-policy',
      inputs: { options: { initialExplicitPolicy: true, initialPolicyMappingInhibit: true }, flags: ['-explicit_policy', '-inhibit_map'] },
    },
    {
      what: 'the same without initial-policy-mapping-inhibit: the mapping holds',
      cas: [{ policies: [P1], mappings: [[P1, P2]] }, { policies: [P2] }],
      leaf: { policies: [P2] },
      code: 'ok',
      inputs: explicit,
    },
  ]);
});

describe('extensions that cannot be processed', () => {
  const openssl42 = { code: 'invalid-policy-extension' as const, why: 'OpenSSL refuses a duplicate as 42 "invalid or inconsistent certificate policy extension"; the model gives it its own code, for the platforms part ways on it (platforms.ts certificate-policy-duplicates)' };
  check([
    { what: 'a policy OID twice in the leaf (RFC 5280 4.2.1.4)', cas: [{ policies: [P1] }], leaf: { policies: [P1, P1] }, code: 'duplicate-certificate-policy', depth: 0, openssl: openssl42 },
    { what: 'a policy OID twice in an intermediate', cas: [{ policies: [P1, P2, P1] }], leaf: { policies: [P1] }, code: 'duplicate-certificate-policy', depth: 1, openssl: openssl42 },
    { what: 'anyPolicy twice', cas: [{ policies: [ANY_POLICY, ANY_POLICY] }], leaf: {}, code: 'duplicate-certificate-policy', depth: 1, openssl: openssl42 },
    { what: 'an empty policyConstraints (RFC 5280 4.2.1.11)', cas: [{ raw: [{ oid: '2.5.29.36', critical: true, value: seq() }] }], leaf: {}, code: 'invalid-policy-extension', depth: 1 },
    { what: 'a certificatePolicies that is not a SEQUENCE OF PolicyInformation', cas: [{}], leaf: { raw: [{ oid: '2.5.29.32', value: seq(oid(P1)) }] }, code: 'invalid-policy-extension', depth: 0 },
    { what: 'a policyMappings entry of one OID', cas: [{ policies: [P1], raw: [{ oid: '2.5.29.33', critical: true, value: seq(seq(oid(P1))) }] }], leaf: {}, code: 'invalid-policy-extension', depth: 1 },
  ]);

  it('a duplicate counted once (the JVM) leaves the rest of the processing as it was', async () => {
    const chain = await chainOf([{ policies: [P1, P1], requireExplicitPolicy: 0 }], { policies: [P1] });
    const certs = chain.path.map((c) => parseCertificate(c.der));
    expect(processCertificatePolicies(certs, { duplicates: 'count-once' })).toMatchObject({ ok: true, validPolicies: [P1] });
    const other = await chainOf([{ policies: [P1, P1], requireExplicitPolicy: 0 }], { policies: [P2] });
    expect(processCertificatePolicies(other.path.map((c) => parseCertificate(c.der)), { duplicates: 'count-once' })).toMatchObject({ ok: false, code: 'no-explicit-policy' });
  });
});

/**
 * The exponential case of RFC 5280's tree (OpenSSL's CVE-2023-0464): eight CAs, each holding k
 * policies and mapping every one of them to all k. The tree would have k^8 leaves; RFC 9618's
 * graph has k nodes and k^2 edges per CA. Measured on this machine (2 shared cores, tsx): k = 40
 * (43 KB per CA) makes 322 nodes and 11,280 edges in about 20 ms; k = 80 (168 KB per CA) 642 nodes
 * and 44,960 edges in about 23 ms. `openssl verify -policy anyPolicy` (OpenSSL 3.0.19)
 * stops at its 1,000-node cap and fails with "check_policy:malloc failure". OpenJDK 17's
 * PolicyChecker builds the tree: served the k = 10 path (3 KB per CA), HttpsURLConnection with
 * -Xmx512m ran for 60 s and died with OutOfMemoryError.
 */
describe('a hostile path costs a graph linear in what it carries', () => {
  const k = 40;
  const policies = Array.from({ length: k }, (_, i) => `1.3.6.1.4.1.55555.9.${i + 1}`);
  const allToAll = policies.flatMap((from) => policies.map((to) => [from, to] as [string, string]));
  let chain: Chain;
  beforeAll(async () => {
    const cas: Policies[] = Array.from({ length: 8 }, (_, i) => ({ policies, mappings: allToAll, ...(i === 0 ? { requireExplicitPolicy: 0 } : {}) }));
    chain = await chainOf(cas, { policies: [policies[0]!] });
  }, 60_000);

  it(`8 CAs of ${k} policies mapped all to all: ${k} nodes and ${k * k} edges per CA, and the path is valid`, () => {
    const r = processCertificatePolicies(chain.path.map((c) => parseCertificate(c.der)));
    expect(r).toMatchObject({ ok: true, validPolicies: policies.slice().sort() });
    // Root, k per CA, the leaf's one; edges: k under the root, k^2 under each of the 7 mapped CAs, k under the leaf's node.
    expect(r.graph).toEqual({ nodes: 1 + 8 * k + 1, edges: k + 7 * k * k + k });
    expect(r.graph.nodes + r.graph.edges).toBeLessThan(MAX_CERTIFICATE_POLICY_GRAPH);
    const v = evaluate({ presented: ders(...chain.path), anchors: ders(chain.anchor), host: HOST, at: NOW });
    expect(v.expected, v.reason).toBe('accept');
  });

  it('past a bound the model stops and says it cannot decide', () => {
    const r = processCertificatePolicies(
      chain.path.map((c) => parseCertificate(c.der)),
      { maxGraph: 5_000 },
    );
    expect(r).toMatchObject({ ok: false, code: 'too-large' });
    expect(r.graph.nodes + r.graph.edges).toBeLessThanOrEqual(5_000 + k * k + k);
  });

  it.skipIf(!ROWS_AGAINST_OPENSSL)('OpenSSL 3.0.8+ gives up on the same path: its tree is capped at 1,000 nodes, and the cap surfaces as an internal error', () => {
    const [leaf, ...cas] = chain.path;
    const r = opensslVerify({ caFile: files.put('hostile-anchor', chain.anchor.der), untrusted: files.put('hostile-cas', ...cas.map((c) => c.der)), leaf: files.put('hostile-leaf', leaf!.der), at: NOW, extra: ['-policy', ANY_POLICY] });
    expect(r.ok, r.output).toBe(false);
    expect(r.output).toMatch(/check_policy:malloc failure/);
  });
});

describe('the platform difference, through evaluate()', () => {
  let failing: ModelInput;
  let duplicate: ModelInput;
  let toAny: ModelInput;
  beforeAll(async () => {
    const input = (c: Chain): ModelInput => ({ presented: ders(...c.path), anchors: ders(c.anchor), host: HOST, at: NOW });
    failing = input(await chainOf([{ policies: [P1], requireExplicitPolicy: 0 }], {}));
    duplicate = input(await chainOf([{ policies: [P1, P1] }], { policies: [P1] }));
    toAny = input(await chainOf([{ policies: [P1], mappings: [[P1, ANY_POLICY]] }], { policies: [P1] }));
  });

  it('no-explicit-policy is either: curl and Node accept (no policy processing), the JVM and Go reject', () => {
    const v = evaluate(failing);
    expect(v).toMatchObject({
      expected: 'either',
      code: 'no-explicit-policy',
      either: { divergence: 'certificate-policies', accept: ['openssl', 'node'], reject: ['jvm', 'go'], lenient: { code: 'ok' } },
    });
    expect(v.reason).toMatch(/^An explicit certificate policy is required \(by the requireExplicitPolicy of the intermediate 'CN=Policy CA \d+\.1' \(depth 1\)\) but no policy is valid for the whole path: the leaf 'CN=api\.example' has no certificatePolicies/);
    expect(v.reason).toMatch(/Correct clients differ here, platform-dependent: openssl, node accept/);
  });

  const narrowed: [ModelInput['platform'], 'accept' | 'reject' | 'either', ReasonCode][] = [
    ['jvm', 'reject', 'no-explicit-policy'],
    ['go', 'reject', 'no-explicit-policy'],
    ['openssl', 'accept', 'ok'],
    ['node', 'accept', 'ok'],
    ['gnutls', 'either', 'no-explicit-policy'],
  ];
  it.each(narrowed)('narrowed to %s: %s (%s)', (platform, expected, code) => {
    expect(evaluate({ ...failing, platform })).toMatchObject({ expected, code });
  });

  it('a mapping to anyPolicy: either on the same row', () => {
    const v = evaluate(toAny);
    expect(v).toMatchObject({ expected: 'either', code: 'invalid-policy-extension', validation: { depth: 1 }, either: { divergence: 'certificate-policies' } });
    expect(v.reason).toMatch(/^The intermediate 'CN=Policy CA \d+\.1' \(depth 1\) cannot have its certificate policies processed: its policyMappings maps 1\.3\.6\.1\.4\.1\.55555\.7\.1 to 2\.5\.29\.32\.0, and anyPolicy is never mapped/);
    expect(evaluate({ ...toAny, platform: 'jvm' })).toMatchObject({ expected: 'reject', code: 'invalid-policy-extension' });
  });

  it('a duplicated policy OID: either on a row of its own, where only Go refuses', () => {
    expect(evaluate(duplicate)).toMatchObject({ expected: 'either', code: 'duplicate-certificate-policy', either: { divergence: 'certificate-policy-duplicates', reject: ['go'], lenient: { code: 'ok' } } });
    expect(evaluate({ ...duplicate, platform: 'jvm' })).toMatchObject({ expected: 'accept', code: 'ok' });
    expect(evaluate({ ...duplicate, platform: 'go' })).toMatchObject({ expected: 'reject', code: 'duplicate-certificate-policy' });
  });

  it('a failure every platform agrees on comes first: an expired leaf under a requireExplicitPolicy CA is a plain reject', async () => {
    const c = await chainOf([{ policies: [P1], requireExplicitPolicy: 0 }], {});
    const v = evaluate({ presented: ders(...c.path), anchors: ders(c.anchor), host: HOST, at: days(40) });
    expect(v).toMatchObject({ expected: 'reject', code: 'expired' });
    expect(v.either).toBeUndefined();
  });
});
