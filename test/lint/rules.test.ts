/**
 * The lint rules, by table: for every rule a configuration it fires on and one it leaves alone,
 * written as ReadPolicy values the way a reader would hand them over (rules, where each is written,
 * notes), and for the chain rules a small PKI issued in the test.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/model/certificate.js';
import type { PinRule, PolicyPin } from '../../src/model/policy.js';
import { LINT_RULE_IDS, LINT_RULES, lintPolicy, type LintRuleId, type ServedKeys } from '../../src/lint/rules.js';
import { servedKeys } from '../../src/lint/served.js';
import type { PolicyFormat, PolicyNote, ReadPolicy, WorldKeyPin } from '../../src/policy/format.js';
import { NOW, TestPki, type TestCert } from '../helpers/pki.js';

/** A pin that looks like a digest: the SHA-256 of a name. */
const pin = (name: string, extra: Partial<PolicyPin> = {}): PolicyPin => ({ hash: 'sha256', value: createHash('sha256').update(name).digest('base64'), ...extra });
const sha1Pin = (name: string): PolicyPin => ({ hash: 'sha1', value: createHash('sha1').update(name).digest('base64') });
const PLACEHOLDER: PolicyPin = { hash: 'sha256', value: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' };

/** Rule i is written at line 10(i+1), its pins on the lines after it, its expiration at +8, enforce at +9. */
function policyOf(rules: (Partial<PinRule> & { host?: string })[], extra: { format?: PolicyFormat; notes?: PolicyNote[]; worldKeys?: WorldKeyPin[]; combine?: 'all' } = {}): ReadPolicy {
  const full: PinRule[] = rules.map(({ host, ...r }) => ({ domains: [{ pattern: host ?? 'api.example.com' }], pins: [], enforce: true, ...r }));
  return {
    file: 'test.cfg',
    format: extra.format ?? 'okhttp',
    policy: { rules: full, ...(extra.combine ? { combine: extra.combine } : {}) },
    sources: full.map((r, i) => ({
      at: { line: 10 * (i + 1), column: 3 },
      pins: r.pins.map((_, j) => ({ line: 10 * (i + 1) + j + 1, column: 7 })),
      ...(r.expiration ? { expiration: { line: 10 * (i + 1) + 8, column: 5 } } : {}),
      enforce: { line: 10 * (i + 1) + 9, column: 5 },
    })),
    notes: extra.notes ?? [],
    ...(extra.worldKeys ? { worldKeys: extra.worldKeys } : {}),
  };
}

const at = NOW;
const ruleIds = (read: ReadPolicy, served?: ServedKeys) => lintPolicy(read, { at, ...(served ? { served } : {}) }).map((f) => f.rule);
const of = (read: ReadPolicy, rule: LintRuleId, served?: ServedKeys) => lintPolicy(read, { at, ...(served ? { served } : {}) }).filter((f) => f.rule === rule);

/** The small PKIs the chain rules are checked on. */
let pki: {
  root: TestCert;
  inter: TestCert;
  leaf: TestCert;
  le: { root: TestCert; r11: TestCert; leaf: TestCert };
  cross: { a: TestCert; b: TestCert; bByA: TestCert; inter: TestCert; leaf: TestCert };
};
const chainOf = (certs: TestCert[], host?: string): ServedKeys => servedKeys('chain.pem', certs.map((c) => c.der), host ? { host } : {});

beforeAll(async () => {
  const t = new TestPki(NOW);
  const root = await t.root('CN=Example Root CA, O=Example Trust');
  const inter = await t.intermediate('CN=Example Issuing CA 1, O=Example Trust', root);
  const leaf = await t.leaf(['api.example.com'], inter);
  // A Let's Encrypt-like hierarchy: R11 is one of the intermediates issuance rotates among.
  const isrg = await t.root('CN=ISRG Root X1, O=Internet Security Research Group');
  const r11 = await t.intermediate("CN=R11, O=Let's Encrypt", isrg);
  const leLeaf = await t.leaf(['api.example.com'], r11);
  // B is a newer root, also cross-signed by the older root A (ISRG Root X1 by DST Root CA X3).
  const a = await t.root('CN=Old Root A, O=Example Trust');
  const b = await t.root('CN=New Root B, O=Example Trust');
  const bByA = await t.issue(b.subject, a, { subjectKey: b.key, ca: true, keyUsage: ['keyCertSign', 'cRLSign'], notBefore: '-1y', notAfter: '+3y' });
  const crossInter = await t.intermediate('CN=Example Issuing CA 2, O=Example Trust', b);
  const crossLeaf = await t.leaf(['api.example.com'], crossInter);
  pki = { root, inter, leaf, le: { root: isrg, r11, leaf: leLeaf }, cross: { a, b, bByA, inter: crossInter, leaf: crossLeaf } };
});

const keyPin = (c: TestCert): PolicyPin => ({ hash: 'sha256', value: c.pin });
const BACKUP = pin('offline backup key');

/** One failing and one passing configuration per rule: the README promises both. */
const EXAMPLES: Record<LintRuleId, () => { fails: [ReadPolicy, ServedKeys?]; passes: [ReadPolicy, ServedKeys?]; line: number }> = {
  'no-backup-pin': () => ({ fails: [policyOf([{ pins: [pin('current'), PLACEHOLDER] }])], passes: [policyOf([{ pins: [pin('current'), pin('backup')] }])], line: 10 }),
  'single-pin': () => ({ fails: [policyOf([{ pins: [pin('only')] }])], passes: [policyOf([{ pins: [pin('only'), pin('backup')] }])], line: 10 }),
  'malformed-pin': () => ({
    fails: [policyOf([{ pins: [pin('a'), pin('b')] }], { notes: [{ kind: 'malformed-pin', at: { line: 14, column: 9 }, detail: 'not base64', text: 'sha256/REPLACE_WITH_BACKUP', ruleIndex: 0 }] })],
    passes: [policyOf([{ pins: [pin('a'), pin('b')] }])],
    line: 14,
  }),
  'sha1-pin': () => ({ fails: [policyOf([{ pins: [pin('a'), sha1Pin('b')] }])], passes: [policyOf([{ pins: [pin('a'), pin('b')] }])], line: 12 }),
  'expiration-past': () => ({
    fails: [policyOf([{ pins: [pin('a'), pin('b')], expiration: new Date('2026-01-31T00:00:00Z') }])],
    passes: [policyOf([{ pins: [pin('a'), pin('b')], expiration: new Date('2027-01-31T00:00:00Z') }])],
    line: 18,
  }),
  'expiration-missing': () => ({
    fails: [policyOf([{ pins: [pin('a'), pin('b')] }], { format: 'android-nsc' })],
    passes: [policyOf([{ pins: [pin('a'), pin('b')], expiration: new Date('2027-01-31T00:00:00Z') }], { format: 'android-nsc' })],
    line: 10,
  }),
  'not-enforced': () => ({ fails: [policyOf([{ pins: [pin('a'), pin('b')], enforce: false }], { format: 'trustkit' })], passes: [policyOf([{ pins: [pin('a'), pin('b')] }], { format: 'trustkit' })], line: 19 }),
  'debug-user-ca': () => {
    const notes: PolicyNote[] = [{ kind: 'debug-overrides', at: { line: 3, column: 5 }, detail: '<debug-overrides> trusts user CAs in debuggable builds' }];
    // The same debug section in a configuration that pins nothing is not lint's business.
    return { fails: [policyOf([{ pins: [pin('a'), pin('b')] }], { format: 'android-nsc', notes })], passes: [policyOf([], { format: 'android-nsc', notes })], line: 3 };
  },
  'override-pins': () => ({
    fails: [policyOf([{ pins: [pin('a'), pin('b')] }], { format: 'android-nsc', notes: [{ kind: 'override-pins', at: { line: 5, column: 13 }, detail: '<certificates src="user" overridePins="true"/> in base-config' }] })],
    passes: [policyOf([{ pins: [pin('a'), pin('b')] }], { format: 'android-nsc' })],
    line: 5,
  }),
  'certificate-fingerprint': () => {
    const print: PolicyPin = { hash: 'sha256', value: createHash('sha256').update(pki.inter.der).digest('base64') };
    return {
      fails: [policyOf([{ pins: [print, BACKUP] }]), chainOf([pki.leaf, pki.inter, pki.root])],
      passes: [policyOf([{ pins: [keyPin(pki.inter), BACKUP] }]), chainOf([pki.leaf, pki.inter, pki.root])],
      line: 11,
    };
  },
  'leaf-only-pins': () => ({
    fails: [policyOf([{ pins: [keyPin(pki.leaf), BACKUP] }]), chainOf([pki.leaf, pki.inter, pki.root])],
    passes: [policyOf([{ pins: [keyPin(pki.leaf), keyPin(pki.inter), BACKUP] }]), chainOf([pki.leaf, pki.inter, pki.root])],
    line: 10,
  }),
  'rotating-intermediate': () => ({
    fails: [policyOf([{ pins: [keyPin(pki.le.r11), BACKUP] }]), chainOf([pki.le.leaf, pki.le.r11, pki.le.root])],
    passes: [policyOf([{ pins: [keyPin(pki.le.root), BACKUP] }]), chainOf([pki.le.leaf, pki.le.r11, pki.le.root])],
    line: 10,
  }),
  'cross-signed-pin': () => {
    const { a, b, bByA, inter, leaf } = pki.cross;
    const chain = chainOf([leaf, inter, bByA, a, b]);
    return { fails: [policyOf([{ pins: [keyPin(a), BACKUP] }]), chain], passes: [policyOf([{ pins: [keyPin(inter), BACKUP] }]), chain], line: 10 };
  },
  'pin-matches-nothing': () => ({
    fails: [policyOf([{ pins: [pin('old key'), BACKUP] }]), chainOf([pki.leaf, pki.inter, pki.root])],
    passes: [policyOf([{ pins: [keyPin(pki.inter), BACKUP] }]), chainOf([pki.leaf, pki.inter, pki.root])],
    line: 10,
  }),
  'chain-not-compared': () => ({
    fails: [policyOf([{ host: 'cdn.example.com', pins: [keyPin(pki.inter), BACKUP] }]), chainOf([pki.leaf, pki.inter, pki.root])],
    passes: [policyOf([{ pins: [keyPin(pki.inter), BACKUP] }]), chainOf([pki.leaf, pki.inter, pki.root])],
    line: 1,
  }),
  'format-note': () => ({
    fails: [policyOf([{ pins: [pin('a'), pin('b')] }], { notes: [{ kind: 'other', at: { line: 2, column: 1 }, detail: 'pins set at run time are not read' }] })],
    passes: [policyOf([{ pins: [pin('a'), pin('b')] }])],
    line: 2,
  }),
};

describe('every lint rule', () => {
  it.each(LINT_RULE_IDS.map((id) => [id]))('%s fires on its failing example, at the line it names, and not on its passing one', (id) => {
    const { fails, passes, line } = EXAMPLES[id]();
    const found = of(fails[0], id, fails[1]);
    expect(found.length, `${id} on its failing example: ${JSON.stringify(lintPolicy(fails[0], { at, ...(fails[1] ? { served: fails[1] } : {}) }))}`).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ rule: id, severity: LINT_RULES[id].severity, line });
    expect(found[0]!.message.length).toBeGreaterThan(10);
    expect(found[0]!.fix.length).toBeGreaterThan(10);
    expect(of(passes[0], id, passes[1])).toEqual([]);
  });

  it('the passing examples of the chain-free rules are clean of every error', () => {
    for (const id of LINT_RULE_IDS.filter((r) => !LINT_RULES[r].needsChain && r !== 'certificate-fingerprint')) {
      const { passes } = EXAMPLES[id]();
      expect(lintPolicy(passes[0], { at }).filter((f) => f.severity === 'error'), id).toEqual([]);
    }
  });
});

describe('counting distinct usable pins per host', () => {
  it('counts values: a SHA-1 and a SHA-256 pin are two (the key is unknown), the same value twice is one', () => {
    expect(ruleIds(policyOf([{ pins: [pin('a'), sha1Pin('a')] }]))).not.toContain('single-pin');
    expect(ruleIds(policyOf([{ pins: [pin('a'), pin('a')] }]))).toContain('single-pin');
  });

  it('a placeholder is not a backup, and is reported where it is written', () => {
    const findings = lintPolicy(policyOf([{ pins: [pin('a'), PLACEHOLDER] }]), { at });
    expect(findings.find((f) => f.rule === 'malformed-pin')).toMatchObject({ line: 12, column: 7 });
    expect(findings.find((f) => f.rule === 'no-backup-pin')?.message).toMatch(/one usable pin .* and 1 unusable/);
  });

  it('a set whose only pins were unusable has no usable pin', () => {
    const read = policyOf([{ pins: [] }], { notes: [{ kind: 'malformed-pin', at: { line: 11, column: 1 }, detail: 'not base64', text: 'TODO', ruleIndex: 0 }] });
    expect(of(read, 'no-backup-pin')[0]?.message).toMatch(/no usable pin \(1 unusable\)/);
  });

  it("OkHttp's CertificatePinner adds the pins of every matching pattern: two .add calls of one pin each are a backup", () => {
    const twoCalls = policyOf(
      [
        { host: 'api.example.com', pins: [pin('a')] },
        { host: 'api.example.com', pins: [pin('b')] },
      ],
      { combine: 'all' },
    );
    expect(ruleIds(twoCalls)).not.toContain('single-pin');
    // The same two entries where the most specific entry alone applies (Android, TrustKit): each has one pin.
    expect(of({ ...twoCalls, policy: { rules: twoCalls.policy.rules } }, 'single-pin').length).toBeGreaterThan(0);
  });

  it('a more specific entry with one pin is reported at its own line, though its parent domain has two', () => {
    const read = policyOf([
      { host: 'example.com', pins: [pin('a'), pin('b')] },
      { host: 'payments.example.com', pins: [pin('c')] },
    ]);
    read.policy.rules[0]!.domains[0]!.includeSubdomains = true;
    expect(of(read, 'single-pin').map((f) => [f.line, f.message.includes("'payments.example.com'")])).toEqual([[20, true]]);
  });

  it('Apple ATS: with leaf and CA identities both required, each list needs its own backup', () => {
    const read = policyOf([{ pins: [pin('leaf', { on: 'leaf' }), pin('ca-1', { on: 'ca' }), pin('ca-2', { on: 'ca' })] }], { format: 'ats' });
    expect(of(read, 'no-backup-pin')[0]?.message).toMatch(/NSPinnedLeafIdentities has fewer than two/);
    const both = policyOf([{ pins: [pin('leaf-1', { on: 'leaf' }), pin('leaf-2', { on: 'leaf' }), pin('ca-1', { on: 'ca' }), pin('ca-2', { on: 'ca' })] }], { format: 'ats' });
    expect(of(both, 'no-backup-pin')).toEqual([]);
  });

  it('a report-only set cannot brick: no backup rule fires, not-enforced does', () => {
    const ids = ruleIds(policyOf([{ pins: [pin('only')], enforce: false }]));
    expect(ids).toEqual(['not-enforced']);
  });

  it('pinprick world keys count by name, and a set of world leaf keys is leaf-only', () => {
    const worldKeys: WorldKeyPin[] = [{ ruleIndex: 0, name: 'genuine-leaf', position: 'leaf', at: { line: 5, column: 8 } }];
    const read = policyOf([{ pins: [] }], { format: 'pinprick', worldKeys });
    // Sorted by line: the world key (line 5) before the set (line 10).
    expect(ruleIds(read)).toEqual(['leaf-only-pins', 'single-pin']);
    const two = policyOf([{ pins: [] }], { format: 'pinprick', worldKeys: [...worldKeys, { ruleIndex: 0, name: 'backup-1', position: 'backup', at: { line: 5, column: 22 } }] });
    expect(ruleIds(two)).toEqual([]);
  });
});

describe('the chain rules', () => {
  it('with a backup, pins on keys of today\'s chain only are still no backup (RFC 7469 4.3)', () => {
    const read = policyOf([{ pins: [keyPin(pki.inter), keyPin(pki.root)] }]);
    expect(of(read, 'no-backup-pin', chainOf([pki.leaf, pki.inter, pki.root]))[0]?.message).toMatch(/every pin names a key of the chain served today/);
    expect(of(read, 'no-backup-pin')).toEqual([]);
    // Another CA's root, in the store but not on today's path, is a backup (for a CA move).
    const otherCa = policyOf([{ pins: [keyPin(pki.inter), keyPin(pki.le.root)] }]);
    const withStore = servedKeys('api.example.com:443', [pki.leaf.der, pki.inter.der, pki.root.der], { roots: [parseCertificate(pki.le.root.der)] });
    expect(ruleIds(otherCa, withStore)).toEqual([]);
  });

  it('a root the server does not send is found among the roots given (a client completes the chain with its store)', () => {
    const read = policyOf([{ pins: [keyPin(pki.root), BACKUP] }]);
    const sentWithoutRoot = servedKeys('api.example.com:443', [pki.leaf.der, pki.inter.der], { host: 'api.example.com', roots: [parseCertificate(pki.root.der)] });
    expect(ruleIds(read, sentWithoutRoot)).toEqual([]);
    const noStore = servedKeys('api.example.com:443', [pki.leaf.der, pki.inter.der], { host: 'api.example.com' });
    expect(of(read, 'pin-matches-nothing', noStore)[0]?.message).toMatch(/whose issuer 'CN=Example Root CA, O=Example Trust' is not among the roots known here/);
  });

  it('a pin on a key the server sends but that is not on the path (an extra certificate) matches nothing', () => {
    const read = policyOf([{ pins: [keyPin(pki.le.r11), BACKUP] }]);
    expect(ruleIds(read, chainOf([pki.leaf, pki.inter, pki.root, pki.le.r11]))).toContain('pin-matches-nothing');
  });

  it('an expired or report-only set that matches nothing is not an outage: the other rules say what it is', () => {
    const chain = chainOf([pki.leaf, pki.inter, pki.root]);
    const expired = policyOf([{ pins: [pin('x'), BACKUP], expiration: new Date('2026-01-01T00:00:00Z') }]);
    expect(ruleIds(expired, chain)).toEqual(['expiration-past']);
    const reportOnly = policyOf([{ pins: [pin('x'), BACKUP], enforce: false }]);
    expect(of(reportOnly, 'not-enforced', chain).map((f) => f.message)).toEqual([expect.stringMatching(/report-only: mismatches/), expect.stringMatching(/enforcing them now would reject this server/)]);
  });

  it('the chain is compared with the set that covers the host it is for: --host, else the leaf names', () => {
    const read = policyOf([
      { host: 'api.example.com', pins: [keyPin(pki.inter), BACKUP] },
      { host: 'cdn.example.com', pins: [pin('cdn'), pin('cdn backup')] },
    ]);
    expect(ruleIds(read, chainOf([pki.leaf, pki.inter, pki.root]))).toEqual([]);
    expect(of(read, 'pin-matches-nothing', chainOf([pki.leaf, pki.inter, pki.root], 'cdn.example.com')).map((f) => f.line)).toEqual([20]);
  });

  it('pinprick world keys cannot be compared with a chain without the world: said, not guessed', () => {
    const worldKeys: WorldKeyPin[] = [
      { ruleIndex: 0, name: 'genuine-intermediate', position: 'intermediate', at: { line: 5, column: 8 } },
      { ruleIndex: 0, name: 'backup-1', position: 'backup', at: { line: 5, column: 30 } },
    ];
    const read = policyOf([{ pins: [] }], { format: 'pinprick', worldKeys });
    expect(ruleIds(read, chainOf([pki.leaf, pki.inter, pki.root]))).toEqual(['chain-not-compared']);
  });
});
