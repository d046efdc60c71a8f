import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite } from '../../src/harness/run.js';
import { jsonReport } from '../../src/report/run-report.js';
import { findProfile, resolveProfile } from '../../src/scenario/profile.js';
import { loadCatalog } from '../../src/scenario/scenario.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

const CLIENT = 'node examples/clients/correct-client.mjs --url {url} --proxy {proxy} --cafile {cafile} --pins "$PINPRICK_PINS" --report-uri {reportUri}';

const validateReport = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(new URL('../../docs/schemas/run-report.schema.json', import.meta.url), 'utf8')));
const conforms = (json: unknown) => validateReport(json) as boolean;

describe('pin-failure reports and chain pictures in the run results', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
  });
  afterAll(() => tmp.cleanup());

  it('a client that reports pin failures (RFC 7469 report-uri) gets its report shown next to the scenario that caused it, and only there', async () => {
    const w = opened.world;
    const profile = resolveProfile(findProfile('intermediate-backup', w.spec), w);
    const scenarios = loadCatalog(w.spec).filter((s) => ['calibration-canary', 'control-genuine', 'attack-rogue-root', 'attack-pin-stuffing'].includes(s.id));
    const results = await runSuite({ opened, scenarios, profile, client: CLIENT, timeoutMs: 15_000, graceMs: 800, workDir: join(tmp.path, 'work') });
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    expect(results.map((r) => r.classification.outcome)).toEqual(['PASS', 'PASS', 'PASS', 'PASS']);
    expect(byId['control-genuine']!.reports).toEqual([]);
    for (const id of ['attack-rogue-root', 'attack-pin-stuffing']) {
      const reports = byId[id]!.reports;
      expect(reports, id).toHaveLength(1);
      expect(reports[0]).toMatchObject({ scenario: id, format: 'hpkp', hostname: 'api.pinprick.test', knownPins: profile.rules[0]!.pins.map((p) => p.value) });
      // The path the client built is the rogue one: its leaf is the rogue key.
      expect(reports[0]!.validatedChainPins![0]).toBe(w.cert('rogue-leaf').pin.sha256);
    }
    // The JSON report carries them, and the chain picture, as its documented schema says.
    const json = JSON.parse(jsonReport(results, { profile: profile.id, client: CLIENT, world: w.name, startedAt: '2026-11-23T00:00:00Z', finishedAt: '2026-11-23T00:00:01Z' }));
    expect(json.results[1].reports[0].format).toBe('hpkp');
    expect(conforms(json), JSON.stringify(validateReport.errors)).toBe(true);
    // Who sent a report, and a report a web page sent (issue 15, finding 10), are in the schema too.
    const fromPage = { ...json.results[1].reports[0], origin: 'http://attacker.example', userAgent: 'Mozilla/5.0', fromWebPage: true };
    const withPage = { ...json, results: json.results.map((r: { id: string }, i: number) => (i === 1 ? { ...r, reports: [fromPage] } : r)) };
    expect(conforms(withPage), JSON.stringify(validateReport.errors)).toBe(true);
    expect(conforms({ ...withPage, results: withPage.results.map((r: { id: string }, i: number) => (i === 1 ? { ...r, reports: [{ ...fromPage, fromWebPage: 'yes' }] } : r)) })).toBe(false);
  }, 60_000);

  it('the chain picture: what was sent, the path a correct client builds, which pin matched, and pinned keys sent off the path', async () => {
    const w = opened.world;
    const profile = resolveProfile(findProfile('intermediate-backup', w.spec), w);
    const scenarios = loadCatalog(w.spec).filter((s) => ['control-genuine', 'attack-pin-stuffing'].includes(s.id));
    const [stuffing, genuine] = await runSuite({ opened, scenarios, profile, client: 'true', timeoutMs: 5_000, graceMs: 200, workDir: join(tmp.path, 'work2') });
    expect(genuine!.chain.sent.map((c) => c.name)).toEqual(['genuine-leaf', 'genuine-intermediate']);
    expect(genuine!.chain.path.map((c) => c.source)).toEqual(['presented', 'presented', 'anchor']);
    expect(genuine!.chain.path.map((c) => c.matched)).toEqual([false, true, false]);
    expect(genuine!.chain.matchedPin).toMatchObject({ pin: w.cert('genuine-intermediate').pin.sha256, label: 'genuine-intermediate', pathIndex: 1 });
    // Pin stuffing: the genuine certificates ride along but are not on the path; no pin matched.
    expect(stuffing!.chain.matchedPin).toBeUndefined();
    expect(stuffing!.chain.path[0]!.pin).toBe(w.cert('rogue-leaf').pin.sha256);
    expect(stuffing!.chain.offPathPins.map((o) => o.label)).toContain('genuine-intermediate');
    const bait = stuffing!.chain.sent.find((c) => c.name === 'genuine-intermediate')!;
    expect(bait).toMatchObject({ pinned: 'genuine-intermediate', onPath: false });
    // 'true' exits 0 without connecting: no wire verdict, INCONCLUSIVE; the report still conforms.
    const json = JSON.parse(jsonReport([stuffing!, genuine!], { profile: profile.id, client: 'true', world: w.name, startedAt: 'a', finishedAt: 'b' }));
    expect(conforms(json), JSON.stringify(validateReport.errors)).toBe(true);
    // And the schema is not a rubber stamp: a result without its chain picture, or an unknown outcome, is refused.
    expect(conforms({ ...json, results: [{ ...json.results[0], chain: undefined }] })).toBe(false);
    expect(conforms({ ...json, results: [{ ...json.results[0], classification: { ...json.results[0].classification, outcome: 'MAYBE' } }] })).toBe(false);
  }, 60_000);
});
