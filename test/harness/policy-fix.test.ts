import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyFix } from '../../src/harness/policy-fix.js';
import { expectScenario } from '../../src/scenario/expect.js';
import { presentScenario } from '../../src/scenario/materialize.js';
import { findProfile, resolveProfile } from '../../src/scenario/profile.js';
import { findScenario, loadCatalog } from '../../src/scenario/scenario.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

// POLICY-RISK fixes name the keys: computed from the reference model's path for the new chain,
// for the catalog's rotations and the shipped profiles.

describe('policyFix: how a pin set survives a rotation, naming the keys', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
  });
  afterAll(() => tmp.cleanup());

  const fixFor = async (profileId: string, scenarioId: string) => {
    const w = opened.world;
    const profile = resolveProfile(findProfile(profileId, w.spec), w);
    const verdict = expectScenario(await presentScenario(opened, findScenario(loadCatalog(w.spec), scenarioId)), profile, w);
    expect(verdict.code, `${profileId} on ${scenarioId}`).toBe('pin-mismatch');
    const keys = w.allKeys().map((k) => ({ name: k.name, position: k.def.position, pin: k.pin.sha256 }));
    const fix = policyFix(verdict, keys, new Set(profile.rules[0]!.pins.map((p) => p.value)));
    // Every pin in the text is the full RFC 7469 pin of the key it names.
    for (const [, name, pin] of fix.matchAll(/([\w-]+) \(sha256\/([A-Za-z0-9+/]{43}=)\)/g)) expect(w.key(name!).pin.sha256, name).toBe(pin);
    return fix.replace(/ \(sha256\/[A-Za-z0-9+/]{43}=\)/g, '');
  };

  it.each([
    ['leaf-only', 'rotation-leaf-key', 'add genuine-root or genuine-intermediate, which are on the new path; or pin a backup key (backup-1, backup-2) and issue the new certificate with it; ship the pin set before the server changes'],
    ['intermediate-only', 'rotation-intermediate', 'add genuine-root or genuine-intermediate-2, which are on the new path; or pin a backup key (backup-1, backup-2) and issue the new certificate with it; ship the pin set before the server changes'],
    ['root-only', 'rotation-root-migrated', 'add genuine-root-2 or genuine-intermediate-2, which are on the new path; or pin a backup key (backup-1, backup-2) and issue the new certificate with it; ship the pin set before the server changes'],
    ['leaf-only', 'rotation-backup-key', /; or backup-1, the backup key the new certificate uses; /],
    ['intermediate-backup', 'rotation-intermediate', /; or issue the new certificate with backup-1( or backup-2)?, the backup keys? already pinned; /],
  ])('%s on %s', async (profile, scenario, expected) => {
    const fix = await fixFor(profile, scenario);
    if (typeof expected === 'string') expect(fix).toBe(expected);
    else expect(fix).toMatch(expected);
  });

  it('keys the world does not name are described by their certificate\'s subject', async () => {
    const w = opened.world;
    const profile = resolveProfile(findProfile('leaf-only', w.spec), w);
    const verdict = expectScenario(await presentScenario(opened, findScenario(loadCatalog(w.spec), 'rotation-leaf-key')), profile, w);
    expect(policyFix(verdict, [])).toMatch(/^add the key of .+ \(sha256\/[A-Za-z0-9+/]{43}=\) or the key of .+, which are on the new path; ship the pin set before the server changes$/);
  });

  it('ends as the caller asks (the monitor, which has seen the new chain served)', async () => {
    const w = opened.world;
    const profile = resolveProfile(findProfile('leaf-only', w.spec), w);
    const verdict = expectScenario(await presentScenario(opened, findScenario(loadCatalog(w.spec), 'rotation-leaf-key')), profile, w);
    expect(policyFix(verdict, [], new Set(), 'then release')).toMatch(/, which are on the new path; then release$/);
  });
});
