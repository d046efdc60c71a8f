/**
 * The verdict of a correct pinning client, as a specification: validation first, then one pinned
 * key on the VALIDATED path. Each row is one situation from the field (DigiNotar, CVE-2016-2402,
 * forged intermediates, rotations to backup keys, expired pin sets, report-only policies).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate, parsePin, singleRulePolicy, type ModelInput, type PinPolicy, type PinRule, type ReasonCode, type Verdict } from '../../src/model/index.js';
import { generateKey } from '../../src/world/keys.js';
import { pinOfKey } from '../../src/world/pin.js';
import { days, ders, NOW, TestPki, type TestCert } from '../helpers/pki.js';

const pki = new TestPki();
const HOST = 'api.example';
/** Every host name the rows use, so one rogue leaf serves them all. */
const HOSTS = [HOST, 'example', 'www.example', 'a.b.example', 'deep.api.example', '192.0.2.10'];

/** A small world: a genuine hierarchy, a trusted rogue CA (DigiNotar), a vendor CA, an untrusted root, backup keys. */
const w = {} as {
  genuineRoot: TestCert;
  genuineInt: TestCert;
  genuineLeaf: TestCert;
  rogueRoot: TestCert;
  rogueInt: TestCert;
  rogueLeaf: TestCert;
  vendorRoot: TestCert;
  untrustedRoot: TestCert;
  backupKey: string;
  backup1: TestCert;
};

beforeAll(async () => {
  w.genuineRoot = await pki.root('CN=Genuine Root');
  w.genuineInt = await pki.intermediate('CN=Genuine Intermediate R1', w.genuineRoot);
  w.genuineLeaf = await pki.leaf(HOSTS, w.genuineInt);
  w.rogueRoot = await pki.root('CN=Rogue Root');
  w.rogueInt = await pki.intermediate('CN=Rogue Intermediate', w.rogueRoot);
  w.rogueLeaf = await pki.leaf(HOSTS, w.rogueInt);
  w.vendorRoot = await pki.root('CN=Vendor Root');
  w.untrustedRoot = await pki.root('CN=Untrusted Root');
  // The backup key: no certificate uses it until the server rotates to it.
  const backupKey = await generateKey('ec-p256');
  w.backupKey = pinOfKey(backupKey).sha256;
  w.backup1 = await pki.intermediate('CN=Genuine Intermediate R2', w.genuineRoot, { subjectKey: backupKey });
});

/** What the client trusts: the genuine, rogue and vendor roots (the rogue CA is trusted, as DigiNotar was). */
const anchors = () => [w.genuineRoot, w.rogueRoot, w.vendorRoot];

/** Pin the genuine intermediate, with the backup key as `backup-1`, enforced, for api.example (one rule; `more` overrides its fields). */
function policy(more: Partial<PinRule> = {}): PinPolicy {
  return singleRulePolicy({
    domains: [{ pattern: HOST }],
    pins: [
      { hash: 'sha256', value: w.genuineInt.pin, label: 'genuine-intermediate' },
      { hash: 'sha256', value: w.backupKey, label: 'backup-1' },
    ],
    enforce: true,
    ...more,
  });
}

function input(presented: TestCert[], more: Partial<ModelInput> = {}): ModelInput {
  return { presented: ders(...presented), anchors: ders(...anchors()), host: HOST, at: NOW, policy: policy(), ...more };
}

interface Row {
  what: string;
  build: () => ModelInput | Promise<ModelInput>;
  code: ReasonCode;
  then?: (v: Verdict, input: ModelInput) => void;
}

function check(rows: Row[]): void {
  it.each(rows)('$what', async (row) => {
    const inp = await row.build();
    const v = evaluate(inp);
    expect(v.code, v.reason).toBe(row.code);
    expect(v.expected).toBe(row.code.startsWith('ok') ? 'accept' : 'reject');
    expect(v.reason).toMatch(/^[A-Z].*\.$/);
    row.then?.(v, inp);
  });
}

describe('the genuine server and a trusted rogue CA', () => {
  check([
    {
      what: 'genuine chain: the pinned intermediate is on the validated path',
      build: () => input([w.genuineLeaf, w.genuineInt]),
      code: 'ok',
      then: (v) => {
        expect(v.pinCheck).toMatchObject({ applies: true, coveredBy: HOST, evaluated: true, matched: { label: 'genuine-intermediate', certIndexInPath: 1, subject: 'CN=Genuine Intermediate R1', backup: false } });
        // Pinned keys on the validated path are not off-path pins (mutation testing).
        expect(v.pinCheck?.offPathPins).toBeUndefined();
      },
    },
    {
      what: 'genuine chain, pinning the anchor (root) key: anchors count, they are on the path',
      build: () => input([w.genuineLeaf, w.genuineInt], { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineRoot.pin, label: 'root' }] }) }),
      code: 'ok',
      then: (v) => expect(v.pinCheck?.matched).toMatchObject({ certIndexInPath: 2 }),
    },
    {
      what: 'genuine chain, pinning the leaf key, written OkHttp-style with sha256/ (read by the one pin parser)',
      build: () => input([w.genuineLeaf, w.genuineInt], { policy: policy({ pins: [parsePin(`sha256/${w.genuineLeaf.pin}`)!] }) }),
      code: 'ok',
      then: (v) => expect(v.pinCheck?.matched).toMatchObject({ certIndexInPath: 0, pin: w.genuineLeaf.pin }),
    },
    {
      what: 'DigiNotar: a valid chain from a trusted but unpinned CA',
      build: () => input([w.rogueLeaf, w.rogueInt]),
      code: 'pin-mismatch',
      then: (v) => {
        expect(v.validation.ok).toBe(true);
        expect(v.pinCheck).toMatchObject({ applies: true, evaluated: true });
        expect(v.pinCheck?.matched).toBeUndefined();
        expect(v.reason).toBe('The chain validates but no pinned key is on the validated path.');
      },
    },
    {
      what: 'the reason of an accepted chain names the pin, the subject and the depth',
      build: () => input([w.genuineLeaf, w.genuineInt]),
      code: 'ok',
      then: (v) => expect(v.reason).toBe("The chain validates and pin 'genuine-intermediate' matches 'CN=Genuine Intermediate R1' (depth 1) on the validated path."),
    },
    {
      // Mutation testing (npm run mutate) found the rows from here to the end of this block unchecked.
      what: 'an unlabelled pin is named by its key in the reason, and the match has no label',
      build: () => input([w.genuineLeaf, w.genuineInt], { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineInt.pin }] }) }),
      code: 'ok',
      then: (v) => {
        expect(v.pinCheck?.matched).toEqual({ pin: w.genuineInt.pin, certIndexInPath: 1, subject: 'CN=Genuine Intermediate R1', backup: false });
        expect(v.reason).toBe(`The chain validates and pin ${w.genuineInt.pin} matches 'CN=Genuine Intermediate R1' (depth 1) on the validated path.`);
      },
    },
    {
      what: 'the same key pinned twice under two labels: the first one written decides',
      build: () => input([w.genuineLeaf, w.genuineInt], { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineInt.pin, label: 'first' }, { hash: 'sha256', value: `sha256/${w.genuineInt.pin}`, label: 'backup-second' }] }) }),
      code: 'ok',
      then: (v) => expect(v.pinCheck?.matched).toMatchObject({ label: 'first', backup: false }),
    },
    {
      what: 'two primary pins on the path: the one nearer the leaf decides',
      build: () => input([w.genuineLeaf, w.genuineInt], { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineRoot.pin, label: 'root' }, { hash: 'sha256', value: w.genuineInt.pin, label: 'int' }] }) }),
      code: 'ok',
      then: (v) => expect(v.pinCheck?.matched).toMatchObject({ label: 'int', certIndexInPath: 1 }),
    },
    {
      what: 'a policy with no pins at all rejects every chain of a covered host',
      build: () => input([w.genuineLeaf, w.genuineInt], { policy: policy({ pins: [] }) }),
      code: 'pin-mismatch',
    },
  ]);
});

/** Every ordering of some certificates. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

describe('pin stuffing (CVE-2016-2402): pinned certificates appended to a rogue chain never count', () => {
  const orders = () => permutations([w.rogueInt, w.genuineInt, w.genuineRoot]);
  it('in every order of rogue intermediate, genuine intermediate and genuine root after the rogue leaf', () => {
    expect(orders()).toHaveLength(6);
    for (const extras of orders()) {
      const v = evaluate(input([w.rogueLeaf, ...extras]));
      expect(v.code, extras.map((c) => c.subject).join(' / ')).toBe('pin-mismatch');
      expect(v.pinCheck?.offPathPins).toEqual([{ pin: w.genuineInt.pin, label: 'genuine-intermediate', presentedIndex: 1 + extras.indexOf(w.genuineInt), subject: 'CN=Genuine Intermediate R1' }]);
      expect(v.reason).toMatch(/the pinned key of 'CN=Genuine Intermediate R1' was presented but is not on that path.*CVE-2016-2402/);
    }
  });

  it('duplicated, and with the genuine leaf appended too', () => {
    for (const [presented, offPath] of [
      [
        [w.rogueLeaf, w.genuineInt, w.rogueInt, w.genuineInt, w.genuineRoot, w.genuineInt],
        [
          ['genuine-intermediate', 1],
          [undefined, 4],
        ],
      ],
      [
        [w.rogueLeaf, w.genuineLeaf, w.genuineInt, w.rogueInt, w.rogueInt, w.genuineLeaf],
        [
          ['leaf', 1],
          ['genuine-intermediate', 2],
        ],
      ],
    ] as [TestCert[], [string | undefined, number][]][]) {
      const v = evaluate(input(presented, { policy: policy({ pins: [...policy().rules[0]!.pins, { hash: 'sha256', value: w.genuineLeaf.pin, label: 'leaf' }, { hash: 'sha256', value: w.genuineRoot.pin }] }) }));
      expect(v.code).toBe('pin-mismatch');
      // Each pinned key once, at its first position; an unlabelled pin has no label.
      expect(v.pinCheck?.offPathPins?.map((o) => [o.label, o.presentedIndex])).toEqual(offPath);
      expect(v.pinCheck?.offPathPins?.every((o) => 'label' in o === (o.label !== undefined))).toBe(true);
      expect(v.paths).toHaveLength(1);
      expect(v.paths[0]!.certificates.map((c) => c.subject)).toEqual([`CN=${HOST}`, 'CN=Rogue Intermediate', 'CN=Rogue Root']);
    }
  });

  it('the pinned certificates alone after the rogue leaf: the rogue intermediate is missing, so nothing validates at all', () => {
    const v = evaluate(input([w.rogueLeaf, w.genuineInt, w.genuineRoot]));
    expect(v.code).toBe('untrusted');
    expect(v.pinCheck).toMatchObject({ applies: true, evaluated: false });
  });
});

describe('forged intermediates: the pinned name is not the pinned key', () => {
  check([
    {
      what: 'a rogue CA issues an intermediate with the pinned intermediate\'s exact name but its own key',
      build: async () => {
        const forged = await pki.intermediate('CN=Genuine Intermediate R1', w.rogueRoot);
        return input([await pki.leaf(HOST, forged), forged]);
      },
      code: 'pin-mismatch',
    },
    {
      what: 'the same, with the genuine intermediate appended and no key identifiers: every client rejects, for a different reason',
      build: async () => {
        const forged = await pki.intermediate('CN=Genuine Intermediate R1', w.rogueRoot);
        return input([await pki.leaf(HOST, forged, { aki: false }), w.genuineInt, forged]);
      },
      // A client that does not backtrack takes the genuine intermediate (first presented, same
      // name) and fails its signature; one that backtracks validates the forged path, whose pins do
      // not match: no platform accepts, so no either.
      code: 'bad-signature',
      then: (v, inp) => {
        expect(v.paths.map((p) => p.result.code)).toEqual(['bad-signature', 'ok']);
        expect(v.chosenPath).toBe(0);
        expect(v.either).toBeUndefined();
        const go = evaluate({ ...inp, platform: 'go' });
        expect(go).toMatchObject({ expected: 'reject', code: 'pin-mismatch', chosenPath: 1 });
        expect(go.pinCheck?.onlyOnAlternativePath).toBeUndefined();
        expect(go.pinCheck?.offPathPins?.[0]).toMatchObject({ label: 'genuine-intermediate', presentedIndex: 1 });
      },
    },
  ]);
});

/** base64(SHA-1(SPKI)) computed by Node from the DER, as OkHttp's sha1/ pins name a key. */
const sha1Pin = (c: TestCert) => createHash('sha1').update(new X509Certificate(c.der).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');

describe('legacy SHA-1 pins and pins restricted to the leaf or to CAs (issue 17)', () => {
  const genuine = () => [w.genuineLeaf, w.genuineInt];
  check([
    {
      what: 'an OkHttp sha1/ pin of the genuine intermediate: matched by the SHA-1 of its SPKI, as OkHttp 2-4 do',
      build: () => input(genuine(), { policy: policy({ pins: [parsePin(`sha1/${sha1Pin(w.genuineInt)}`)!] }) }),
      code: 'ok',
      then: (v) => expect(v.pinCheck?.matched).toMatchObject({ certIndexInPath: 1, pin: `sha1/${sha1Pin(w.genuineInt)}` }),
    },
    {
      what: 'a sha1/ pin of the rogue intermediate on the genuine chain: pin-mismatch',
      build: () => input(genuine(), { policy: policy({ pins: [parsePin(`sha1/${sha1Pin(w.rogueInt)}`)!] }) }),
      code: 'pin-mismatch',
    },
    {
      what: 'the SHA-256 pin value written as a SHA-1 pin never matches (the digest is part of the pin)',
      build: () => input(genuine(), { policy: policy({ pins: [{ hash: 'sha1', value: w.genuineInt.pin }] }) }),
      code: 'pin-mismatch',
    },
    {
      what: 'a SHA-1 pin of a key sent but not on the path (pin stuffing) never counts',
      build: () => input([w.rogueLeaf, w.rogueInt, w.genuineInt], { policy: policy({ pins: [parsePin(`sha1/${sha1Pin(w.genuineInt)}`)!] }) }),
      code: 'pin-mismatch',
      then: (v) => expect(v.pinCheck?.offPathPins?.[0]).toMatchObject({ pin: `sha1/${sha1Pin(w.genuineInt)}`, presentedIndex: 2 }),
    },
    {
      what: 'ATS NSPinnedLeafIdentities: the leaf key pinned for the leaf: ok',
      build: () => input(genuine(), { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineLeaf.pin, on: 'leaf' }] }) }),
      code: 'ok',
    },
    {
      what: 'ATS NSPinnedLeafIdentities: a CA key listed as a leaf identity matches nothing',
      build: () => input(genuine(), { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineInt.pin, on: 'leaf' }] }) }),
      code: 'pin-mismatch',
    },
    {
      what: 'ATS NSPinnedCAIdentities: the intermediate key pinned as a CA: ok',
      build: () => input(genuine(), { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineInt.pin, on: 'ca' }] }) }),
      code: 'ok',
    },
    {
      what: 'ATS NSPinnedCAIdentities: the leaf key listed as a CA identity matches nothing',
      build: () => input(genuine(), { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineLeaf.pin, on: 'ca' }] }) }),
      code: 'pin-mismatch',
    },
    {
      what: 'ATS with both lists: the leaf matches its list, no CA matches the CA list: pin-mismatch (both are required)',
      build: () => input(genuine(), { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineLeaf.pin, on: 'leaf' }, { hash: 'sha256', value: w.vendorRoot.pin, on: 'ca' }] }) }),
      code: 'pin-mismatch',
    },
    {
      what: 'ATS with both lists, each matched: ok',
      build: () => input(genuine(), { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineLeaf.pin, on: 'leaf' }, { hash: 'sha256', value: w.genuineRoot.pin, on: 'ca' }] }) }),
      code: 'ok',
    },
  ]);
});

describe('a pinned key never rescues a path that fails validation', () => {
  check([
    {
      what: 'the genuine chain with an expired leaf',
      build: () => input([w.genuineLeaf, w.genuineInt], { at: days(100) }),
      code: 'expired',
      then: (v) => expect(v.pinCheck).toMatchObject({ applies: true, evaluated: false }),
    },
    { what: 'the genuine chain for another host', build: async () => input([await pki.leaf('other.example', w.genuineInt), w.genuineInt]), code: 'hostname-mismatch' },
    {
      what: 'the genuine chain when the client does not trust the genuine root',
      build: () => input([w.genuineLeaf, w.genuineInt], { anchors: ders(w.rogueRoot) }),
      code: 'untrusted',
    },
    {
      what: 'the pinned intermediate\'s key under an untrusted root (a stolen key re-certified elsewhere)',
      build: async () => {
        const stolen = await pki.intermediate('CN=Genuine Intermediate R1', w.untrustedRoot, { subjectKey: w.genuineInt.key });
        return input([await pki.leaf(HOST, stolen), stolen, w.untrustedRoot]);
      },
      code: 'untrusted',
    },
    {
      what: 'the pinned intermediate\'s key but a leaf it did not sign (bad signature)',
      build: async () => input([await pki.leaf(HOST, { ...w.genuineInt, key: await generateKey('ec-p256') }), w.genuineInt]),
      code: 'bad-signature',
    },
    {
      what: "DigiNotar's remedy: a sub-CA of the pinned root constrained to another domain issues a leaf for the host (name-constraints, the root pin never rescues it)",
      build: async () => {
        const partner = await pki.intermediate('CN=Partner Sub-CA', w.genuineRoot, { nameConstraints: { permitted: { dns: ['partner.example'] } } });
        return input([await pki.leaf(HOST, partner), partner], { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineRoot.pin, label: 'root' }] }) });
      },
      code: 'name-constraints',
      then: (v) => {
        expect(v.pinCheck).toMatchObject({ applies: true, evaluated: false });
        expect(v.reason).toBe("The leaf 'CN=api.example' has the dNSName 'api.example' in its subjectAltName, outside every permitted dNSName subtree of the intermediate 'CN=Partner Sub-CA' (depth 1): DNS:partner.example (nameConstraints, RFC 5280 4.2.1.10).");
      },
    },
    {
      what: 'the same sub-CA issuing within its domain: valid, and the root pin matches',
      build: async () => {
        const partner = await pki.intermediate('CN=Partner Sub-CA 2', w.genuineRoot, { nameConstraints: { permitted: { dns: ['partner.example'] } } });
        return input([await pki.leaf('www.partner.example', partner), partner], { host: 'www.partner.example', policy: policy({ domains: [{ pattern: 'www.partner.example' }], pins: [{ hash: 'sha256', value: w.genuineRoot.pin, label: 'root' }] }) });
      },
      code: 'ok',
    },
    {
      what: 'report-only does not rescue a failed validation either',
      build: () => input([w.genuineLeaf, w.genuineInt], { at: days(100), policy: policy({ enforce: false }) }),
      code: 'expired',
    },
  ]);
});

describe('rotations: backup pins, several valid paths', () => {
  check([
    {
      what: 'the server rotated to the intermediate certifying backup key 1',
      build: async () => input([await pki.leaf(HOST, w.backup1), w.backup1]),
      code: 'ok-backup-pin',
      then: (v) => {
        expect(v.pinCheck?.matched).toMatchObject({ label: 'backup-1', backup: true, certIndexInPath: 1 });
        expect(v.reason).toMatch(/only a backup pin 'backup-1' matches/);
      },
    },
    {
      what: 'a backup pin and a primary pin both on the path: the primary decides',
      build: () => input([w.genuineLeaf, w.genuineInt], { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineRoot.pin, label: 'backup-root' }, { hash: 'sha256', value: w.genuineInt.pin, label: 'primary' }] }) }),
      code: 'ok',
      then: (v) => expect(v.pinCheck?.matched?.label).toBe('primary'),
    },
    {
      // Mutation testing found this unchecked: the primary pin decides wherever it sits on the path.
      what: 'a backup pin nearer the leaf than the primary pin: still the primary decides (ok, not ok-backup-pin)',
      build: () => input([w.genuineLeaf, w.genuineInt], { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineInt.pin, label: 'backup-int' }, { hash: 'sha256', value: w.genuineRoot.pin, label: 'primary-root' }] }) }),
      code: 'ok',
      then: (v) => expect(v.pinCheck?.matched).toMatchObject({ label: 'primary-root', backup: false, certIndexInPath: 2 }),
    },
    {
      what: 'only backup pins on the path, at two depths: ok-backup-pin, the one nearer the leaf named',
      build: () => input([w.genuineLeaf, w.genuineInt], { policy: policy({ pins: [{ hash: 'sha256', value: w.genuineRoot.pin, label: 'backup-root' }, { hash: 'sha256', value: w.genuineInt.pin, label: 'backup-int' }] }) }),
      code: 'ok-backup-pin',
      then: (v) => {
        expect(v.pinCheck?.matched).toMatchObject({ label: 'backup-int', certIndexInPath: 1, backup: true });
        expect(v.reason).toBe("The chain validates and only a backup pin 'backup-int' matches 'CN=Genuine Intermediate R1' (depth 1) on the validated path.");
      },
    },
    {
      what: 'report-only, the pin only on the second valid path: accepted, flagged client-dependent and reported',
      build: async () => {
        const cross = await pki.intermediate('CN=Genuine Intermediate R1', w.vendorRoot, { subjectKey: w.genuineInt.key });
        return input([w.genuineLeaf, w.genuineInt, cross], { policy: policy({ pins: [{ hash: 'sha256', value: w.vendorRoot.pin, label: 'vendor-root' }], enforce: false }) });
      },
      code: 'ok-report-only',
      then: (v) => {
        expect(v.pinCheck).toMatchObject({ reportOnlyMismatch: true, onlyOnAlternativePath: true, alternative: { pathIndex: 1 } });
        expect(v.reason).toBe(
          "The chain validates but no pinned key is on the validated path; a pinned key is only on another valid path (pin 'vendor-root' matches 'CN=Vendor Root' (depth 2)), so the outcome depends on which path the client builds, but the policy is report-only: the mismatch is reported and the connection accepted.",
        );
      },
    },
    {
      what: 'two valid paths and no pin on either: pin-mismatch, not an exception',
      build: async () => {
        const cross = await pki.intermediate('CN=Genuine Intermediate R1', w.vendorRoot, { subjectKey: w.genuineInt.key });
        return input([w.genuineLeaf, w.genuineInt, cross], { policy: policy({ pins: [{ hash: 'sha256', value: w.untrustedRoot.pin, label: 'elsewhere' }] }) });
      },
      code: 'pin-mismatch',
      then: (v) => expect(v.paths.filter((p) => p.result.ok)).toHaveLength(2),
    },
    {
      what: 'two valid paths and the pin only on the second: rejected, and flagged as client-dependent',
      build: async () => {
        // The genuine intermediate cross-signed by the vendor root: leaf -> R1 -> Genuine Root, or leaf -> R1' -> Vendor Root.
        const cross = await pki.intermediate('CN=Genuine Intermediate R1', w.vendorRoot, { subjectKey: w.genuineInt.key });
        return input([w.genuineLeaf, w.genuineInt, cross], { policy: policy({ pins: [{ hash: 'sha256', value: w.vendorRoot.pin, label: 'vendor-root' }] }) });
      },
      code: 'pin-mismatch',
      then: (v) => {
        expect(v.paths.map((p) => p.result.ok)).toEqual([true, true]);
        expect(v.chosenPath).toBe(0);
        expect(v.pinCheck).toMatchObject({ onlyOnAlternativePath: true, alternative: { pathIndex: 1, match: { label: 'vendor-root', certIndexInPath: 2 } } });
        expect(v.reason).toMatch(/only on another valid path .* depends on which path the client builds/);
      },
    },
    {
      // Mutation testing (npm run mutate): the first other valid path with a pin is the one reported.
      what: 'three valid paths, pins on the second and the third: the second is the alternative reported',
      build: async () => {
        const vendor = await pki.intermediate('CN=Genuine Intermediate R1', w.vendorRoot, { subjectKey: w.genuineInt.key });
        const rogue = await pki.intermediate('CN=Genuine Intermediate R1', w.rogueRoot, { subjectKey: w.genuineInt.key });
        return input([w.genuineLeaf, w.genuineInt, vendor, rogue], { policy: policy({ pins: [{ hash: 'sha256', value: w.vendorRoot.pin, label: 'vendor-root' }, { hash: 'sha256', value: w.rogueRoot.pin, label: 'rogue-root' }] }) });
      },
      code: 'pin-mismatch',
      then: (v) => {
        expect(v.paths.map((p) => p.result.ok)).toEqual([true, true, true]);
        expect(v.chosenPath).toBe(0);
        expect(v.pinCheck?.alternative).toMatchObject({ pathIndex: 1, match: { label: 'vendor-root' } });
      },
    },
  ]);
});

describe('expiration and report-only', () => {
  check([
    {
      what: 'Android pin-set expiration passed: pins are no longer enforced, the rogue chain is accepted',
      build: () => input([w.rogueLeaf, w.rogueInt], { policy: policy({ expiration: days(-1) }) }),
      code: 'ok-pins-expired',
      then: (v) => expect(v.pinCheck).toMatchObject({ applies: false, expired: true, evaluated: false }),
    },
    {
      what: 'expired pins: the reason says when; the policy still covers the host',
      build: () => input([w.rogueLeaf, w.rogueInt], { policy: policy({ expiration: new Date('2026-01-01T00:00:00Z') }) }),
      code: 'ok-pins-expired',
      then: (v) => {
        expect(v.pinCheck).toEqual({ applies: false, coveredBy: HOST, expired: true, evaluated: false });
        expect(v.reason).toBe('The chain validates and the pin set expired at 2026-01-01T00:00:00.000Z, so pins are no longer enforced.');
      },
    },
    {
      what: 'expired pins and a chain that does not validate: the validation failure, and the pin check says expired',
      build: () => input([w.rogueLeaf], { policy: policy({ expiration: days(-1) }) }),
      code: 'untrusted',
      then: (v) => expect(v.pinCheck).toEqual({ applies: false, coveredBy: HOST, expired: true, evaluated: false }),
    },
    { what: 'at exactly the expiration instant pins are already off', build: () => input([w.rogueLeaf, w.rogueInt], { policy: policy({ expiration: NOW }) }), code: 'ok-pins-expired' },
    { what: 'expiration still ahead: pins enforced', build: () => input([w.rogueLeaf, w.rogueInt], { policy: policy({ expiration: days(1) }) }), code: 'pin-mismatch' },
    {
      what: 'report-only (TrustKit enforce=false): the mismatch is reported and the connection accepted',
      build: () => input([w.rogueLeaf, w.rogueInt], { policy: policy({ enforce: false }) }),
      code: 'ok-report-only',
      then: (v) => {
        expect(v.pinCheck).toMatchObject({ reportOnlyMismatch: true, evaluated: true });
        expect(v.reason).toMatch(/report-only: the mismatch is reported and the connection accepted\.$/);
      },
    },
    { what: 'report-only with a matching pin is plain ok', build: () => input([w.genuineLeaf, w.genuineInt], { policy: policy({ enforce: false }) }), code: 'ok' },
  ]);
});

describe('which hosts a policy covers', () => {
  const rogue = (host: string, domains: PinRule['domains']) => () => input([w.rogueLeaf, w.rogueInt], { host, policy: policy({ domains }) });
  check([
    {
      what: 'exact pattern, other host: unpinned, the rogue chain is accepted',
      build: rogue('www.example', [{ pattern: HOST }]),
      code: 'ok-unpinned-host',
      then: (v) => {
        expect(v.pinCheck).toEqual({ applies: false, evaluated: false });
        expect(v.reason).toBe("The chain validates and 'www.example' is not covered by the pin policy, so no pin applies.");
      },
    },
    { what: 'exact pattern, subdomain without includeSubdomains: unpinned', build: rogue('deep.api.example', [{ pattern: HOST }]), code: 'ok-unpinned-host' },
    { what: 'exact pattern with includeSubdomains covers a subdomain', build: rogue('deep.api.example', [{ pattern: HOST, includeSubdomains: true }]), code: 'pin-mismatch' },
    { what: "'*.example' covers api.example", build: rogue(HOST, [{ pattern: '*.example' }]), code: 'pin-mismatch' },
    { what: "'*.example' does not cover the bare example", build: rogue('example', [{ pattern: '*.example' }]), code: 'ok-unpinned-host' },
    { what: "'*.example' does not cover a.b.example", build: rogue('a.b.example', [{ pattern: '*.example' }]), code: 'ok-unpinned-host' },
    { what: "'*.example' with includeSubdomains covers a.b.example", build: rogue('a.b.example', [{ pattern: '*.example', includeSubdomains: true }]), code: 'pin-mismatch' },
    { what: "'**.example' covers the bare example (OkHttp 4)", build: rogue('example', [{ pattern: '**.example' }]), code: 'pin-mismatch' },
    { what: "'**.example' covers a.b.example", build: rogue('a.b.example', [{ pattern: '**.example' }]), code: 'pin-mismatch' },
    { what: 'host names compare case-insensitively, trailing dot ignored', build: rogue('API.Example.', [{ pattern: HOST }]), code: 'pin-mismatch' },
    { what: 'an IP literal pattern covers that address only', build: rogue('192.0.2.10', [{ pattern: '192.0.2.10' }]), code: 'pin-mismatch' },
    {
      what: 'no host given: the policy applies unconditionally',
      build: () => ({ ...input([w.rogueLeaf, w.rogueInt]), host: undefined }),
      code: 'pin-mismatch',
      then: (v) => expect(v.pinCheck).toEqual({ applies: true, evaluated: true }),
    },
    {
      what: 'no host given and a chain that does not validate: the policy applies, nothing is evaluated',
      build: () => ({ ...input([w.rogueLeaf]), host: undefined }),
      code: 'untrusted',
      then: (v) => expect(v.pinCheck).toEqual({ applies: true, evaluated: false }),
    },
    {
      what: 'an uncovered host still needs a valid chain',
      build: () => input([w.rogueLeaf], { host: 'www.example', policy: policy({ domains: [{ pattern: 'other.example' }] }) }),
      code: 'untrusted',
      then: (v) => expect(v.pinCheck).toMatchObject({ applies: false }),
    },
  ]);
});

describe('without a policy the verdict is validation only', () => {
  it('accepts the rogue chain and has no pinCheck', () => {
    const v = evaluate({ ...input([w.rogueLeaf, w.rogueInt]), policy: undefined });
    expect(v).toMatchObject({ expected: 'accept', code: 'ok' });
    expect(v.pinCheck).toBeUndefined();
  });
});
