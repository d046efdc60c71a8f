/**
 * Every incident of the catalog replayed as `pinprick incidents show` says: its scenarios served
 * by the real proxy to the Node reference client (examples/clients/correct-client.mjs), pinning
 * with the profile the incident names. The client must do what the reference model says a
 * correct client with that profile does: accept, reject, or one of the two where correct
 * platforms differ. One run per profile, in this process.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REPLAY_PROFILE, loadShippedIncidents, REFERENCE_CLIENT } from '../../src/incidents/incident.js';
import { planRun, runSuite, type ScenarioResult } from '../../src/harness/run.js';
import { findProfile, resolveProfile } from '../../src/scenario/profile.js';
import { loadCatalog } from '../../src/scenario/scenario.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('every incident replayed through the proxy with the reference client', () => {
  const tmp = tempDir('pinprick-incidents-replay-');
  let opened: OpenedWorld;
  const results = new Map<string, ScenarioResult[]>();
  let incidents: ReturnType<typeof loadShippedIncidents>;

  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    const world = opened.world;
    const catalog = loadCatalog(world.spec);
    incidents = loadShippedIncidents(catalog);
    // The scenarios of every incident that replays with a profile, run once per profile.
    const byProfile = new Map<string, Set<string>>();
    for (const i of incidents) {
      const profile = i.profile ?? DEFAULT_REPLAY_PROFILE;
      for (const id of i.scenarios) byProfile.set(profile, (byProfile.get(profile) ?? new Set()).add(id));
    }
    // The reference client, as the replay command runs it, from the package root.
    const client = REFERENCE_CLIENT.replace('examples/', `${ROOT}examples/`);
    for (const [id, ids] of byProfile) {
      const profile = resolveProfile(findProfile(id, world.spec), world);
      const scenarios = planRun(catalog, catalog.filter((s) => ids.has(s.id)));
      results.set(id, await runSuite({ opened, scenarios, profile, client, timeoutMs: 15_000, graceMs: 500, parallel: 2, workDir: join(tmp.path, `work-${id}`) }));
    }
  }, 120_000);
  afterAll(() => tmp.cleanup());

  it('ran every scenario of every incident, after the calibration scenario, which the client passed', () => {
    for (const i of incidents) {
      const ran = results.get(i.profile ?? DEFAULT_REPLAY_PROFILE)!;
      expect(ran[0]!.category).toBe('calibration');
      expect(ran[0]!.classification.outcome).toBe('PASS');
      for (const id of i.scenarios) expect(ran.some((r) => r.id === id), `${i.id}: ${id}`).toBe(true);
    }
  });

  it("the client's answer is the model's: accept or reject as a correct client with that profile, either side where platforms differ", () => {
    const wrong: string[] = [];
    for (const [profile, ran] of results) {
      for (const r of ran) {
        const observed = r.classification.observed;
        const agrees = r.expected.verdict === 'either' ? observed === 'accept' || observed === 'reject' : observed === r.expected.verdict;
        // A rotation the pin set cannot survive is POLICY-RISK (the client was right, the policy is the finding); all else PASS.
        const policyRisk = r.category === 'rotation' && r.expected.verdict === 'reject' && r.expected.code === 'pin-mismatch';
        if (!agrees || r.classification.outcome !== (policyRisk ? 'POLICY-RISK' : 'PASS')) {
          wrong.push(`${profile} ${r.id}: model ${r.expected.verdict} (${r.expected.code}), client ${observed}, ${r.classification.outcome}: ${r.classification.reason}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the replays show what broke: each incident that names a profile has a scenario a correct client with that profile rejects', () => {
    for (const i of incidents.filter((x) => x.profile && x.profile !== DEFAULT_REPLAY_PROFILE)) {
      const ran = results.get(i.profile!)!.filter((r) => i.scenarios.includes(r.id));
      expect(ran.some((r) => r.expected.verdict === 'reject'), i.id).toBe(true);
    }
  });
});
