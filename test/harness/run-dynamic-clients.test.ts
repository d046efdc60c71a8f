import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../src/harness/diagnosis.js';
import { runSuite, type ScenarioResult } from '../../src/harness/run.js';
import { findProfile, resolveProfile } from '../../src/scenario/profile.js';
import { loadCatalog } from '../../src/scenario/scenario.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

// Needs dist/ (npm run build): the client imports pinprick's verifier from there.
const client = (naive?: string) =>
  `node examples/clients/dynamic-client.mjs${naive ? ` --naive ${naive}` : ''} --url {url} --proxy {proxy} --cafile {cafile} --pins "$PINPRICK_PINS" --config-url {configUrl} --config-key {configKey} --config-state {configState} --device {configDevice}`;

/** Where each naive client cuts its corner: the scenarios it must come out VULNERABLE on, and only those. */
const CORNERS: Record<string, string[]> = {
  unsigned: ['tampered', 'stripped', 'other-key', 'alg-none', 'hmac-confusion', 'under-attack', 'device-unpin-rogue'],
  rollback: ['rollback'],
  alg: ['alg-none', 'hmac-confusion'],
};

describe('pinprick run over the dynamic scenarios against the dynamic reference client, correct and naive, through the real proxy', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  const results: Record<string, ScenarioResult[]> = {};
  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    const w = opened.world;
    const profile = resolveProfile(findProfile('intermediate-backup', w.spec), w);
    const scenarios = loadCatalog(w.spec).filter((s) => s.category === 'calibration' || s.category === 'dynamic');
    const run = (name: string) =>
      runSuite({ opened, scenarios, profile, client: client(name === 'correct' ? undefined : name), timeoutMs: 15_000, graceMs: 800, parallel: 2, workDir: join(tmp.path, name) }).then((r) => (results[name] = r));
    await Promise.all(['correct', ...Object.keys(CORNERS)].map(run));
  }, 120_000);
  afterAll(() => tmp.cleanup());

  const dynamic = (name: string) => results[name]!.filter((r) => r.category === 'dynamic');

  it('runs every shipped dynamic scenario (twelve serves; genuine and other-key also over https, other-key also with the rogue TLS), each fetching its configuration from the proxy once', () => {
    expect(dynamic('correct').map((r) => r.configChannel!.serve).sort()).toEqual(
      ['alg-none', 'device-unpin', 'device-unpin-rogue', 'expired', 'genuine', 'genuine', 'hmac-confusion', 'other-key', 'other-key', 'other-key', 'rollback', 'stripped', 'tampered', 'under-attack', 'unpins'],
    );
    for (const r of dynamic('correct')) expect(r.configChannel!.fetches, r.id).toBe(1);
  });

  it('the correct client PASSes every dynamic scenario on both channels, and says which configuration it used', () => {
    for (const r of results.correct!) expect(r.classification.outcome, `${r.id}: ${r.classification.reason}`).toBe('PASS');
    for (const r of dynamic('correct')) {
      expect(r.configChannel!.reported?.source, r.id).toBe(r.configChannel!.expected.source);
      expect(r.configChannel!.reported?.version, r.id).toBe(r.configChannel!.expected.version);
    }
    expect(diagnose(results.correct!).map((d) => d.code)).toEqual(['correct']);
  });

  it('the Approov-style pentest path: the per-device unpinning signed with the real key is adopted and the intercepting chain accepted without pins; signed with another key it is refused and the chain rejected', () => {
    const byServe = Object.fromEntries(dynamic('correct').map((r) => [r.configChannel!.serve, r]));
    const real = byServe['device-unpin']!;
    expect(real.stdout).toMatch(/^CONFIG version=\d+ source=served reason=verified$/m);
    expect(real.wire?.kind).toBe('accepted');
    expect(real.chain.sent[0]!.name).toBe('rogue-leaf');
    const rogue = byServe['device-unpin-rogue']!;
    expect(rogue.stdout).toMatch(/^CONFIG version=\d+ source=last-good reason=unknown-key$/m);
    expect(rogue.wire?.kind).toBe('rejected-after-handshake');
    expect(rogue.stdout).toMatch(/^REJECT pin-mismatch$/m);
  });

  for (const [naive, corner] of Object.entries(CORNERS)) {
    it(`--naive ${naive} is VULNERABLE exactly where it cuts its corner (${corner.join(', ')}), PASS elsewhere`, () => {
      const got = dynamic(naive);
      const vulnerable = got.filter((r) => r.classification.outcome === 'VULNERABLE').map((r) => r.configChannel!.serve);
      // Each serve once per configuration URL scheme it ships with (other-key also over https).
      expect(vulnerable.sort()).toEqual(got.map((r) => r.configChannel!.serve).filter((serve) => corner.includes(serve)).sort());
      expect(new Set(vulnerable)).toEqual(new Set(corner));
      for (const r of got.filter((x) => !corner.includes(x.configChannel!.serve))) expect(r.classification.outcome, `${r.id}: ${r.classification.reason}`).toBe('PASS');
      // VULNERABLE on the configuration channel, whatever the API connection looked like.
      for (const r of got.filter((x) => corner.includes(x.configChannel!.serve))) {
        expect(r.configChannel!.classification.outcome, r.id).toBe('VULNERABLE');
        expect(r.configChannel!.reported?.source).toBe('served');
      }
      expect(diagnose(results[naive]!).map((d) => d.code)).toContain('adopts-refused-config');
    });
  }

  it('over an https configuration URL: the proxy serves the configuration on a TLS connection of its own to the configuration host, the correct client PASSes, and TLS does not save the unsigned client', () => {
    const byId = (name: string) => Object.fromEntries(dynamic(name).map((r) => [r.id, r]));
    for (const id of ['dynamic-genuine-https', 'dynamic-other-key-https', 'dynamic-other-key-rogue-tls']) {
      const r = byId('correct')[id]!;
      expect(r.configChannel!.url).toMatch(/^https:\/\/config\.pinprick\.test\//);
      expect(r.configChannel!.fetches, id).toBe(1);
      expect(r.classification.outcome, `${id}: ${r.classification.reason}`).toBe('PASS');
      // The verdict matched to the scenario is the API host's, never the configuration host's.
      expect(r.wire?.sni ?? r.wire?.target, id).toMatch(/^api\.pinprick\.test/);
    }
    expect(byId('correct')['dynamic-genuine-https']!.stdout).toMatch(/^CONFIG version=\d+ source=served reason=verified$/m);
    expect(byId('correct')['dynamic-other-key-https']!.stdout).toMatch(/^CONFIG version=\d+ source=last-good reason=unknown-key$/m);
    expect(byId('correct')['dynamic-other-key-rogue-tls']!.stdout).toMatch(/^CONFIG version=\d+ source=last-good reason=unknown-key$/m);
    for (const id of ['dynamic-other-key-https', 'dynamic-other-key-rogue-tls']) {
      const unsigned = byId('unsigned')[id]!;
      expect(unsigned.classification.outcome, id).toBe('VULNERABLE');
      expect(unsigned.configChannel!.reported?.source, id).toBe('served');
      expect(unsigned.classification.reason, id).toMatch(/^configuration: VULNERABLE .*; API: PASS /);
    }
  });

  it('a naive client that adopts the tampered configuration looks fine on the API channel: only the configuration channel shows it', () => {
    const tampered = dynamic('unsigned').find((r) => r.configChannel!.serve === 'tampered')!;
    expect(tampered.wire?.kind).toBe('accepted');
    expect(tampered.classification.reason).toMatch(/^configuration: VULNERABLE .*; API: PASS /);
  });

  it('the correct client keeps what it adopts in its state file, and only that', () => {
    const stateVersion = (id: string) => JSON.parse(Buffer.from(readFileSync(join(tmp.path, 'correct', `${id}.config-state`), 'utf8').trim().split('.')[1]!, 'base64url').toString('utf8')).version as number;
    for (const r of dynamic('correct')) {
      // Adopted: the state now holds the served configuration; refused: still the last good one it was seeded with.
      expect(stateVersion(r.id), r.id).toBe(r.configChannel!.expected.version);
    }
    const genuine = dynamic('correct').find((r) => r.configChannel!.serve === 'genuine')!;
    const tampered = dynamic('correct').find((r) => r.configChannel!.serve === 'tampered')!;
    expect(stateVersion(genuine.id)).toBeGreaterThan(stateVersion(tampered.id));
  });
});
