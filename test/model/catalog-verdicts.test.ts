import { SCENARIOS_OF } from '../../src/report/platform-table.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, type ReasonCode } from '../../src/model/index.js';
import { expectScenario } from '../../src/scenario/expect.js';
import { presentScenario, worldTrust, type PresentedScenario } from '../../src/scenario/materialize.js';
import { loadBuiltinProfiles, resolveProfile, type ResolvedProfile } from '../../src/scenario/profile.js';
import { loadCatalog } from '../../src/scenario/scenario.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { opensslVerify, PemFolder } from '../helpers/openssl-verify.js';
import { tempDir } from '../helpers/tmp.js';

const PROFILES = ['leaf-only', 'intermediate-only', 'root-only', 'intermediate-backup', 'root-intermediate-backup'] as const;
type Row = readonly [ReasonCode, ReasonCode, ReasonCode, ReasonCode, ReasonCode];
const all = (code: ReasonCode): Row => [code, code, code, code, code];

/**
 * The reference model's verdict for every built-in scenario under every shipped profile, reviewed
 * by hand. Columns: leaf-only, intermediate-only, root-only, intermediate+backup,
 * root+intermediate+backup. Read a row as "a correct client with this pin set must …".
 */
const EXPECTED: Record<string, Row> = {
  // The canary host is pinned by no profile: trusted chain, pins do not apply.
  'calibration-canary': all('ok-unpinned-host'),
  'control-genuine': all('ok'),
  // Attacks: valid chains from trusted CAs, so only the pin check stops them.
  'attack-rogue-root': all('pin-mismatch'),
  'attack-rogue-intermediate': all('pin-mismatch'),
  // Pin stuffing: the genuine pinned certificates are presented but never on the validated path.
  'attack-pin-stuffing': all('pin-mismatch'),
  'attack-pin-stuffing-first': all('pin-mismatch'),
  'attack-pin-stuffing-reversed': all('pin-mismatch'),
  'attack-pin-stuffing-duplicated': all('pin-mismatch'),
  // Same name as the pinned intermediate, other key: names never count, keys do.
  'attack-forged-intermediate': all('pin-mismatch'),
  'attack-self-signed-leaf': all('untrusted'),
  // A sub-CA constrained to another domain under the pinned root: only name constraints stop it,
  // and validation fails before any pin is looked at (DigiNotar's remedy).
  'attack-name-constrained-intermediate': all('name-constraints'),
  // Pinned material in broken chains: validation fails first, whatever the pins.
  'validation-expired-leaf': all('expired'),
  'validation-not-yet-valid-leaf': all('not-yet-valid'),
  'validation-wrong-host': all('hostname-mismatch'),
  // Host only in the CN, no SAN: the RFC 9525 platforms' code; either (platforms.ts cn-fallback).
  'validation-cn-only-leaf': all('hostname-mismatch'),
  // A new 1024-bit RSA leaf key: weak-key for OpenSSL level 2 and Apple (either; leaf-only rejects everywhere: new key).
  'validation-rsa-1024-leaf': all('weak-key'),
  // requireExplicitPolicy on the intermediate, no policy on the leaf: no-explicit-policy for the JVM and Go; either,
  // since curl and Node never process policies (platforms.ts certificate-policies). Same keys: pins all match.
  'validation-explicit-policy-missing': all('no-explicit-policy'),
  'validation-untrusted-issuer': all('untrusted'),
  // The first copy of the intermediate leads to an untrusted root: untrusted for clients that do
  // not backtrack (either; platforms.ts backtracking), the genuine path for those that do.
  'rotation-intermediate-dead-end-first': all('untrusted'),
  // A new leaf key: only the leaf pin breaks.
  'rotation-leaf-key': ['pin-mismatch', 'ok', 'ok', 'ok', 'ok'],
  'rotation-rsa-to-ecdsa': ['pin-mismatch', 'ok', 'ok', 'ok', 'ok'],
  // Same key, new certificate: pins are on keys, everything survives.
  'rotation-leaf-renewed-same-key': all('ok'),
  // New intermediate under the same root, same leaf key: intermediate pins break (Barclays 2016),
  // the backup pin does not help because backup-1 is not in this chain.
  'rotation-intermediate': ['ok', 'pin-mismatch', 'ok', 'pin-mismatch', 'ok'],
  // New root and intermediate keys, same leaf key: only the leaf pin survives.
  'rotation-root-migrated': ['ok', 'pin-mismatch', 'pin-mismatch', 'pin-mismatch', 'pin-mismatch'],
  // The backup key in a certificate from another CA: only pin sets with backup-1 survive.
  'rotation-backup-key': ['pin-mismatch', 'pin-mismatch', 'pin-mismatch', 'ok-backup-pin', 'ok-backup-pin'],
  // Another CA and a new key: every shipped pin set bricks (none planned a pin for the new CA).
  'rotation-ca-vendor-switch': all('pin-mismatch'),
  // Trusted-first path building stops at the genuine root, which every profile's chain holds.
  'rotation-cross-signed-long-chain': all('ok'),
  // The store holds the expired legacy root too, but the path to the genuine root is valid.
  'rotation-cross-signed-root-expired': all('ok'),
  // Only the expired legacy root is trusted: no valid path, a trust-store outage for everyone.
  'rotation-old-store-root-expired': all('expired'),
  // No path without the intermediate, and no caIssuers URL to fetch it from: every platform rejects.
  'rotation-missing-intermediate': all('untrusted'),
  // The same, but the leaf's caIssuers URL serves the intermediate: untrusted for the platforms
  // that do not fetch, ok for Apple and Windows (either, platforms.ts aia-fetch), whatever the pins.
  'rotation-missing-intermediate-aia': all('untrusted'),
  // The anchor is a name and a key; its SHA-1 self-signature is never checked.
  'rotation-root-reissued-new-hash': all('ok'),
  // A store update distrusted the genuine root (Symantec 2018, Entrust 2024): no anchor, whatever the pins.
  'rotation-root-distrusted': all('untrusted'),
  // An intermediate key no profile has seen (Let's Encrypt's 2024 rotation): as rotation-intermediate.
  'rotation-intermediate-unseen': ['ok', 'pin-mismatch', 'ok', 'pin-mismatch', 'ok'],
  // The genuine root cross-signed by the vendor root, on a store holding only the vendor root (GTS
  // 2021): the genuine root's key is on the path, so every profile's pin matches.
  'rotation-cross-sign-switched': all('ok'),
  // A new root key cross-signed by the genuine root, a new intermediate key (Let's Encrypt Gen Y):
  // the genuine root anchors the path; only intermediate pins break.
  'rotation-new-root-cross-signed': ['ok', 'pin-mismatch', 'ok', 'pin-mismatch', 'ok'],
  // A 45-day renewal with a fresh key: only the leaf pin breaks.
  'rotation-leaf-short-lived': ['pin-mismatch', 'ok', 'ok', 'ok', 'ok'],
  // Dynamic scenarios: the pins are the configuration a correct client holds after the fetch, whatever the profile.
  ...Object.fromEntries(['genuine', 'genuine-https', 'tampered', 'stripped', 'other-key', 'other-key-https', 'other-key-rogue-tls', 'alg-none', 'hmac-confusion', 'rollback', 'expired'].map((s) => [`dynamic-${s}`, all('ok')])),
  'dynamic-unpins': all('ok-unpinned-host'),
  'dynamic-device-unpin': all('ok-unpinned-host'),
  'dynamic-under-attack': all('pin-mismatch'),
  'dynamic-device-unpin-rogue': all('pin-mismatch'),
};

describe('the built-in catalog under the shipped profiles', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let profiles: ResolvedProfile[];
  const presented = new Map<string, PresentedScenario>();

  beforeAll(async () => {
    opened = await openWorld({ certsDir: tmp.path });
    const catalog = loadCatalog(opened.world.spec);
    for (const s of catalog) presented.set(s.id, await presentScenario(opened, s));
    profiles = loadBuiltinProfiles(opened.world.spec).map((p) => resolveProfile(p, opened.world));
  });
  afterAll(() => tmp.cleanup());

  it('has a reviewed row for every built-in scenario, and the shipped profiles in column order', () => {
    expect([...presented.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(profiles.map((p) => p.id)).toEqual([...PROFILES]);
  });

  for (const [id, row] of Object.entries(EXPECTED)) {
    it(`${id}: ${row.join(' | ')}`, () => {
      const p = presented.get(id)!;
      const codes = profiles.map((profile) => expectScenario(p, profile, opened.world).code);
      expect(codes).toEqual([...row]);
    });
  }

  it("agrees with every scenario's own expect: field", () => {
    for (const [id, p] of presented) {
      const verdicts = profiles.map((profile) => expectScenario(p, profile, opened.world).expected);
      const want = p.scenario.expect;
      if (want === 'accept' || want === 'reject') expect(verdicts, id).toEqual(verdicts.map(() => want));
      if (want === 'either') expect(verdicts, id).toEqual(verdicts.map(() => 'either'));
      if (want === 'depends-on-pins') expect(new Set(verdicts).size > 1 || id === 'rotation-ca-vendor-switch', id).toBe(true);
    }
  });

  it("shows each platform difference in the scenarios the README's platform table names (SCENARIOS_OF)", () => {
    for (const [divergence, ids] of Object.entries(SCENARIOS_OF)) {
      for (const id of ids) {
        const p = presented.get(id);
        expect(p, id).toBeDefined();
        const fetchable = p!.fetchable ? { fetchable: new Map([...p!.fetchable].map(([url, c]) => [url, c.der] as const)) } : {};
        const v = evaluate({ presented: p!.chain.map((c) => c.der), anchors: (p!.trust ?? worldTrust(opened.world)).map((c) => c.der), host: p!.hosts[0], at: p!.at, ...fetchable });
        expect(v.either?.divergence, id).toBe(divergence);
      }
    }
  });

  it('agrees with openssl verify on whether each built-in chain validates (-attime, -verify_hostname, -purpose sslserver)', () => {
    const folder = new PemFolder(tmp.path);
    const disagreements: string[] = [];
    for (const [id, p] of presented) {
      const anchors = (p.trust ?? worldTrust(opened.world)).map((c) => c.der);
      const fetchable = p.fetchable && new Map([...p.fetchable].map(([url, c]) => [url, c.der]));
      const model = evaluate({ presented: p.chain.map((c) => c.der), anchors, host: p.hosts[0], at: p.at, ...(fetchable ? { fetchable } : {}) });
      const [leaf, ...rest] = p.chain;
      const result = opensslVerify({
        caFile: folder.put(`${id}-anchors`, ...anchors),
        ...(rest.length ? { untrusted: folder.put(`${id}-untrusted`, ...rest.map((c) => c.der)) } : {}),
        leaf: folder.put(`${id}-leaf`, leaf!.der),
        at: p.at,
        hostname: p.hosts[0],
        // No -auth_level override: OpenSSL also ignores the SHA-1 self-signature of the anchor in
        // rotation-root-reissued-new-hash, as RFC 5280 6.1 and the model do.
        // -auth_level 2: the security level Debian's OpenSSL applies to TLS (RSA under 2048 bits refused).
        extra: ['-purpose', 'sslserver', '-auth_level', '2'],
      });
      // Where platforms differ and OpenSSL is among those that accept, it agrees with the lenient answer.
      const modelOk = model.expected === 'either' ? model.either!.accept.includes('openssl') : model.validation.ok;
      if (result.ok !== modelOk) disagreements.push(`${id}: openssl ${result.ok ? 'ok' : result.error?.message} vs model ${model.validation.code}`);
    }
    expect(disagreements).toEqual([]);
  });
});
