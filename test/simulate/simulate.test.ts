import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/scenario/scenario.js';
import { parseTimeline, simulateTimeline, type Simulation } from '../../src/simulate/index.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir();
let opened: OpenedWorld;
beforeAll(async () => {
  opened = await openWorld({ certsDir: tmp.path, now: new Date('2026-03-01T12:00:00Z') });
});
afterAll(() => tmp.cleanup());

async function run(text: string): Promise<Simulation> {
  const file = join(tmp.path, `timeline-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return simulateTimeline(parseTimeline(file, text), opened, loadCatalog(opened.world.spec));
}

describe('a small timeline, computed by hand', () => {
  // Three versions: 1.0 pins only the intermediate; 2.0 also the next intermediate (a backup);
  // 2.1 dropped pinning. The installed base is given, linear between its dates. The server
  // rotates its intermediate on 01-04; an attacker with a trusted rogue CA takes over on 01-08.
  const timeline = `
title: hand-computed
from: 2026-01-01
to: 2026-01-10
releases:
  - { version: "1.0", date: 2025-01-01, pins: [genuine-intermediate] }
  - { version: "2.0", date: 2026-01-03, pins: [genuine-intermediate, genuine-intermediate-2] }
  - { version: "2.1", date: 2026-01-06, pins: [] }
installedBase:
  - { date: 2026-01-01, shares: { "1.0": 1 } }
  - { date: 2026-01-05, shares: { "1.0": 0.6, "2.0": 0.4 } }
  - { date: 2026-01-09, shares: { "1.0": 0.2, "2.0": 0.6, "2.1": 0.2 } }
server:
  - { from: 2025-12-01, scenario: control-genuine }
  - { from: 2026-01-04, scenario: rotation-intermediate }
  - { from: 2026-01-08, scenario: attack-rogue-root }
`;
  // By hand: shares interpolate linearly (1.0 loses 0.1 a day to 01-05, then 2.0 and 2.1 share
  // what 1.0 loses); 1.0 is bricked by the new intermediate; every pinned version is safe from
  // the rogue CA, and 2.1's users are exposed to it.
  const expected: [string, number, number, number[], string[]][] = [
    ['2026-01-01', 0, 0, [1, 0, 0], ['ok', 'ok', 'ok']],
    ['2026-01-02', 0, 0, [0.9, 0.1, 0], ['ok', 'ok', 'ok']],
    ['2026-01-03', 0, 0, [0.8, 0.2, 0], ['ok', 'ok', 'ok']],
    ['2026-01-04', 0.7, 0, [0.7, 0.3, 0], ['bricked', 'ok', 'ok']],
    ['2026-01-05', 0.6, 0, [0.6, 0.4, 0], ['bricked', 'ok', 'ok']],
    ['2026-01-06', 0.5, 0, [0.5, 0.45, 0.05], ['bricked', 'ok', 'ok']],
    ['2026-01-07', 0.4, 0, [0.4, 0.5, 0.1], ['bricked', 'ok', 'ok']],
    ['2026-01-08', 0, 0.15, [0.3, 0.55, 0.15], ['safe', 'safe', 'exposed']],
    ['2026-01-09', 0, 0.2, [0.2, 0.6, 0.2], ['safe', 'safe', 'exposed']],
    ['2026-01-10', 0, 0.2, [0.2, 0.6, 0.2], ['safe', 'safe', 'exposed']],
  ];
  let sim: Simulation;
  beforeAll(async () => {
    sim = await run(timeline);
  });

  it.each(expected)('%s: bricked %d, exposed %d, shares %j, outcomes %j', (date, bricked, exposed, shares, outcomes) => {
    const day = sim.days.find((d) => d.date === date)!;
    expect(day.bricked).toBeCloseTo(bricked, 6);
    expect(day.exposed).toBeCloseTo(exposed, 6);
    day.versions.forEach((v, i) => expect(v.share).toBeCloseTo(shares[i]!, 6));
    expect(day.versions.map((v) => v.outcome)).toEqual(outcomes);
  });

  it('says why: the pinned intermediate is off the path; the attacker\'s chain is trusted but unpinned', () => {
    expect(sim.days[3]!.versions[0]!.code).toBe('pin-mismatch');
    expect(sim.days[7]!.versions[0]!.code).toBe('pin-mismatch');
    expect(sim.days[7]!.versions[2]!.code).toBe('ok-unpinned-host');
  });

  it('sums up: peaks, user-days and per version', () => {
    expect(sim.days).toHaveLength(10);
    expect(sim.summary.peakBricked).toEqual({ date: '2026-01-04', share: 0.7 });
    expect(sim.summary.peakExposed).toEqual({ date: '2026-01-09', share: 0.2 });
    expect(sim.summary.userDaysBricked).toBeCloseTo(0.7 + 0.6 + 0.5 + 0.4, 6);
    expect(sim.summary.userDaysExposed).toBeCloseTo(0.15 + 0.2 + 0.2, 6);
    expect(sim.summary.versions).toEqual([
      { version: '1.0', daysBricked: 4, firstBricked: '2026-01-04', daysExposed: 0, codes: ['pin-mismatch'] },
      { version: '2.0', daysBricked: 0, daysExposed: 0, codes: [] },
      { version: '2.1', daysBricked: 0, daysExposed: 3, firstExposed: '2026-01-08', codes: ['ok-unpinned-host'] },
    ]);
    expect(sim.events.map((e) => e.attack)).toEqual([false, false, true]);
  });
});

describe('certificates on the simulated calendar', () => {
  it('a 2016 incident is told with 2016 certificates, issued with the world\'s keys', async () => {
    const sim = await run(`
title: dated
from: 2016-11-07
to: 2016-11-08
releases: [{ version: "1", date: 2016-01-01, profile: intermediate-only }]
server:
  - { from: 2016-10-01, scenario: control-genuine }
  - { from: 2016-11-08, scenario: rotation-intermediate }
`);
    expect(sim.days.map((d) => d.versions[0]!.outcome)).toEqual(['ok', 'bricked']);
  });

  it('the server renews what it sends, with the same key, when it expires: a pinned leaf key survives 18 months', async () => {
    const sim = await run(`
title: renewals
from: 2026-01-01
to: 2027-06-30
releases: [{ version: "1", date: 2025-01-01, profile: leaf-only }]
server: [{ from: 2026-01-01, scenario: control-genuine }]
`);
    expect(sim.days.every((d) => d.versions[0]!.outcome === 'ok')).toBe(true);
    // The world's leaves live 397 days (CA/B Forum ballot SC31): renewed once in the window, on the day the first expires.
    const renewed = sim.days.findIndex((d) => d.renewal === 1);
    expect(sim.days[renewed]!.date).toBe('2027-02-02');
    expect(sim.days.at(-1)!.renewal).toBe(1);
  });

  it('what was already dead when the event started stays dead: the old device\'s expired root', async () => {
    const sim = await run(`
title: expired anchor
from: 2026-01-01
to: 2026-01-02
releases:
  - { version: "node", date: 2025-01-01, pins: [], platform: node }
  - { version: "android", date: 2025-01-01, pins: [], platform: android }
  - { version: "any", date: 2025-01-01, pins: [] }
installedBase: [{ date: 2026-01-01, shares: { node: 0.5, android: 0.25, any: 0.25 } }]
server: [{ from: 2026-01-01, scenario: rotation-old-store-root-expired }]
`);
    // OpenSSL-based clients check the anchor's dates; Android does not (RFC 5280 6.1.1 (d)): either, narrowed by platform.
    expect(sim.days[1]!.versions.map((v) => v.outcome)).toEqual(['bricked', 'ok', 'either']);
    expect(sim.days[1]!.bricked).toBe(0.5);
    expect(sim.days[1]!.either).toBe(0.25);
  });
});

describe('a release\'s pin policy', () => {
  it('in any format pinprick reads: an Android Network Security Config, whose platform narrows `either`', async () => {
    const nsc = await runCli(['pins', 'genuine-intermediate', '--format', 'android-nsc', '--expiration', '2030-01-01'], { certsDir: tmp.path });
    expect(nsc.code, nsc.stderr).toBe(0);
    writeFileSync(join(tmp.path, 'network_security_config.xml'), nsc.stdout);
    const sim = await run(`
title: nsc
from: 2026-01-01
to: 2026-01-02
releases: [{ version: "1", date: 2025-01-01, profile: network_security_config.xml }]
server:
  - { from: 2026-01-01, scenario: control-genuine }
  - { from: 2026-01-02, scenario: rotation-intermediate }
`);
    expect(sim.releases).toEqual([{ version: '1', date: '2025-01-01', profile: 'network_security_config.xml', platform: 'android' }]);
    expect(sim.days.map((d) => d.versions[0]!.outcome)).toEqual(['ok', 'bricked']);
  });

  it('a pin set past its expiration is not enforced (Android, TrustKit): the rotation no longer bricks', async () => {
    const sim = await run(`
title: expiring pins
from: 2026-01-01
to: 2026-01-01
releases:
  - { version: "expired", date: 2025-01-01, pins: [genuine-intermediate], expiration: 2025-12-31 }
  - { version: "valid", date: 2025-01-01, pins: [genuine-intermediate], expiration: 2026-06-30 }
  - { version: "report-only", date: 2025-01-01, pins: [genuine-intermediate], enforce: false }
installedBase: [{ date: 2026-01-01, shares: { expired: 0.5, valid: 0.25, report-only: 0.25 } }]
server: [{ from: 2026-01-01, scenario: rotation-intermediate }]
`);
    expect(sim.days[0]!.versions.map((v) => [v.outcome, v.code])).toEqual([
      ['ok', 'ok-pins-expired'],
      ['bricked', 'pin-mismatch'],
      ['ok', 'ok-report-only'],
    ]);
  });
});
