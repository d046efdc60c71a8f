import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite, type ScenarioResult } from '../../src/harness/run.js';
import { findProfile, resolveProfile } from '../../src/scenario/profile.js';
import { findScenario, loadCatalog } from '../../src/scenario/scenario.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

// The harness contract (issue 16, part 5): {pins} is the pin list a correct client applies to the
// URL's host (empty where the profile pins nothing, like PINPRICK_PINS), and {profile} is the
// whole policy as a JSON file, for clients that scope pins themselves.

describe('placeholders a client is given', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let results: ScenarioResult[];
  const seen = (id: string, what: string) => readFileSync(join(tmp.path, `${id}.${what}`), 'utf8');
  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    const w = opened.world;
    const catalog = loadCatalog(w.spec);
    // A real client (curl) that also writes down what it was given.
    const client = `printf '%s\\n' {pins} > ${tmp.path}/$PINPRICK_SCENARIO.pins; printf '%s\\n' {pinsJson} > ${tmp.path}/$PINPRICK_SCENARIO.json; cp {profile} ${tmp.path}/$PINPRICK_SCENARIO.profile; printf '%s\\n' "$PINPRICK_PINS" > ${tmp.path}/$PINPRICK_SCENARIO.env; curl -sS --max-time 10 --proxy {proxy} --cacert {cafile} --capath /nonexistent {url}`;
    results = await runSuite({
      opened,
      scenarios: ['calibration-canary', 'control-genuine'].map((id) => findScenario(catalog, id)),
      profile: resolveProfile(findProfile('leaf-only', w.spec), w),
      client,
      timeoutMs: 15_000,
      graceMs: 800,
      workDir: join(tmp.path, 'work'),
    });
  }, 60_000);
  afterAll(() => tmp.cleanup());

  it('{pins} and {pinsJson} are empty for a host the profile does not pin, and agree with PINPRICK_PINS', () => {
    expect(results.map((r) => r.classification.outcome)).toEqual(['PASS', 'PASS']);
    expect(seen('calibration-canary', 'pins')).toBe('\n');
    expect(seen('calibration-canary', 'json')).toBe('[]\n');
    expect(seen('calibration-canary', 'env')).toBe('\n');
  });

  it('{pins} holds the profile\'s pins for a pinned host, in curl syntax', () => {
    const leaf = opened.world.key('genuine-leaf').pin.sha256;
    expect(seen('control-genuine', 'pins')).toBe(`sha256//${leaf}\n`);
    expect(JSON.parse(seen('control-genuine', 'json'))).toEqual([leaf]);
    expect(seen('control-genuine', 'env')).toBe(`sha256//${leaf}\n`);
  });

  it('{profile} is the whole policy: host patterns, pins with labels, enforcement', () => {
    const profile = JSON.parse(seen('calibration-canary', 'profile'));
    expect(profile).toMatchObject({ format: 'pinprick-profile/2', id: 'leaf-only', combine: 'most-specific', rules: [{ enforce: true, pins: [{ sha256: opened.world.key('genuine-leaf').pin.sha256 }] }] });
    expect(profile.rules[0].hosts.length).toBeGreaterThan(0);
    for (const h of profile.rules[0].hosts) expect(h).toEqual({ pattern: expect.any(String), includeSubdomains: expect.any(Boolean) });
  });
});
