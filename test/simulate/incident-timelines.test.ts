/**
 * The worked timelines in timelines/: every incident that names one has it, every file simulates,
 * each tells its incident as the catalog's `broke`/`survived` text does (the key facts below, per
 * version), and the README's table and Let's Encrypt 2024 chart are these simulations rendered.
 * One world and one catalog for all of them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadShippedIncidents, shippedTimelineFiles, timelineFile, type Incident } from '../../src/incidents/incident.js';
import { TIMELINES_TABLE_MARKERS, withTimelines } from '../../src/report/timelines-table.js';
import { loadCatalog } from '../../src/scenario/scenario.js';
import { loadTimelineFile, renderSvg, simulateTimeline, type Outcome, type Simulation } from '../../src/simulate/index.js';
import { openWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

const FILES = shippedTimelineFiles();
const tmp = tempDir();
let incidents: Incident[];
const results = new Map<string, Simulation | Error>();

beforeAll(async () => {
  const opened = await openWorld({ certsDir: tmp.path });
  const catalog = loadCatalog(opened.world.spec);
  incidents = loadShippedIncidents(catalog);
  // One after another: timelines share scenarios whose derived keys are stored on first use.
  for (const file of FILES) {
    try {
      results.set(basename(file), await simulateTimeline(loadTimelineFile(file), opened, catalog));
    } catch (err) {
      results.set(basename(file), err as Error);
    }
  }
}, 60_000);
afterAll(() => tmp.cleanup());

function sim(file: string): Simulation {
  const result = results.get(file);
  if (result === undefined) throw new Error(`no timeline ${file}`);
  if (result instanceof Error) throw result;
  return result;
}

describe('the shipped timelines', () => {
  it('every incident that names a timeline has it', () => {
    const named = incidents.filter((i) => i.timeline !== undefined);
    expect(named.length).toBeGreaterThanOrEqual(10);
    for (const incident of named) expect(existsSync(timelineFile(incident)!), `${incident.id}: ${incident.timeline}`).toBe(true);
  });

  it.each(FILES.map((f) => basename(f)))('%s parses, names an incident of the catalog, and simulates', (file) => {
    const s = sim(file);
    expect(incidents.map((i) => i.id)).toContain(s.incident);
    // The incident's own file is <id>.yaml; a contrast beside it is <id>-<what>.yaml.
    expect(file === `${s.incident}.yaml` || file.startsWith(`${s.incident}-`), file).toBe(true);
  });
});

// Per timeline and version: the first day it was bricked (and for how many days), the first day it
// was exposed (and how many), the reason codes, and the catalog's words it bears out.
type Fact = [file: string, version: string, bricked: [string, number] | undefined, exposed: [string, number] | undefined, codes: string[], tells: string];
const FACTS: Fact[] = [
  ['diginotar-2011.yaml', 'validates only', undefined, ['2011-07-10', 50], ['ok-unpinned-host'], 'broke: every client that only validated the chain, until DigiNotar was removed (29 August)'],
  ['diginotar-2011.yaml', 'Chrome, static pins', undefined, undefined, [], "survived: Chrome's static pins refused the chain"],
  ['diginotar-2011-customers.yaml', 'browser, no pins', ['2011-08-29', 22], undefined, ['untrusted'], "broke: DigiNotar's customers once their root was distrusted, until they moved"],
  ['diginotar-2011-customers.yaml', 'app, pins DigiNotar', ['2011-08-29', 48], undefined, ['untrusted', 'pin-mismatch'], 'a pin on DigiNotar cannot save it, and breaks on the move'],
  ['diginotar-2011-customers.yaml', 'app, backup pin', ['2011-08-29', 22], undefined, ['untrusted'], 'a backup pin on another CA: back as soon as the server moves'],
  ['barclays-2016.yaml', '5.0', ['2016-11-08', 54], undefined, ['pin-mismatch'], 'broke: a pin on the issuing intermediate alone'],
  ['barclays-2016.yaml', '5.1', undefined, undefined, [], 'survived: a pin on the root key'],
  ['barclays-2016-backup.yaml', '5.0', undefined, undefined, [], 'survived: a pin on the root key'],
  ['symantec-2018.yaml', '4.0', ['2018-03-01', 245], undefined, ['pin-mismatch'], "broke: pins on Symantec's roots"],
  ['symantec-2018.yaml', '4.1', undefined, undefined, [], "survived: a backup pin for the next CA's key"],
  ['addtrust-2020.yaml', 'modern store', undefined, undefined, [], 'survived: pins on USERTrust, on clients that built the path to it'],
  ['addtrust-2020.yaml', 'old store, Android', ['2020-05-30', 12], undefined, ['expired'], 'broke: the cross-sign expired'],
  ['addtrust-2020.yaml', 'old store, OpenSSL', ['2020-05-30', 12], undefined, ['expired'], 'broke: the cross-sign expired'],
  ['addtrust-2020.yaml', 'pins AddTrust only', ['2020-05-20', 22], undefined, ['pin-mismatch'], 'broke: a pin on the AddTrust root alone'],
  ['dst-root-ca-x3-2021.yaml', 'ISRG Root X1 in store', undefined, undefined, [], "survived: pins on ISRG Root X1's key"],
  ['dst-root-ca-x3-2021.yaml', 'old Android', ['2024-10-01', 31], undefined, ['expired'], 'survived: old Android, through the long chain, until 30 September 2024'],
  ['dst-root-ca-x3-2021.yaml', 'old store, OpenSSL', ['2021-10-01', 1127], undefined, ['expired'], 'broke: old stores without ISRG Root X1 outside Android'],
  ['dst-root-ca-x3-2021.yaml', 'pins DST Root CA X3', ['2021-09-01', 1157], undefined, ['pin-mismatch'], 'broke: a pin on DST Root CA X3 alone'],
  ['globalsign-r2-2021.yaml', '1.0', ['2021-06-01', 214], undefined, ['pin-mismatch'], 'broke: a pin on GlobalSign R2 and on the old intermediate'],
  ['globalsign-r2-2021.yaml', '1.1', undefined, undefined, [], 'survived: the whole list of roots pki.goog publishes'],
  ['letsencrypt-2024.yaml', '2.0', ['2024-06-06', 117], undefined, ['pin-mismatch'], 'broke: a pin on R3, at the first renewal after 6 June'],
  ['letsencrypt-2024.yaml', '2.1', ['2024-08-05', 57], undefined, ['pin-mismatch'], 'broke: any pin on issuing intermediates, however many'],
  ['letsencrypt-2024.yaml', '2.2', undefined, undefined, [], 'survived: a pin on ISRG Root X1'],
  ['letsencrypt-2024-backup.yaml', '2.0', undefined, undefined, [], 'survived: a pin on ISRG Root X1'],
  ['entrust-2024.yaml', '6.0', ['2025-01-06', 54], undefined, ['pin-mismatch'], "broke: pins on Entrust's roots, at the first renewal from another CA"],
  ['entrust-2024.yaml', '6.1', undefined, undefined, [], "survived: a backup pin on another CA's key"],
  ['entrust-2024-late.yaml', '6.0', ['2024-12-02', 61], undefined, ['untrusted', 'pin-mismatch'], 'a renewal from Entrust after the cut-off, then the move'],
  ['entrust-2024-late.yaml', '6.1', ['2024-12-02', 7], undefined, ['untrusted'], 'no pin saves a distrusted chain; the backup works from the move'],
  ['short-lifetimes-2026.yaml', '3.0', ['2026-05-13', 233], undefined, ['pin-mismatch'], "broke: pins on the server's key when renewals make new keys"],
  ['short-lifetimes-2026.yaml', '3.1', ['2026-06-27', 188], undefined, ['pin-mismatch'], 'broke: pin sets that planned only the next leaf key'],
  ['short-lifetimes-2026.yaml', '3.2', undefined, undefined, [], 'survived: pins on the intermediate'],
  ['short-lifetimes-2026-reuse-key.yaml', '3.0', undefined, undefined, [], 'survived: leaf pins on servers that renew with the same key'],
  ['letsencrypt-gen-y-2026.yaml', '4.0', ['2026-05-13', 80], undefined, ['pin-mismatch'], 'broke: pins on the current intermediates'],
  ['letsencrypt-gen-y-2026.yaml', '4.1', undefined, undefined, [], 'survived: pins on ISRG Root X1, through the cross-sign'],
];

describe('each timeline tells its incident', () => {
  it.each(FACTS)('%s, %s: bricked %j, exposed %j, %j (%s)', (file, version, bricked, exposed, codes) => {
    const summary = sim(file).summary.versions.find((v) => v.version === version);
    expect(summary).toEqual({
      version,
      daysBricked: bricked?.[1] ?? 0,
      ...(bricked ? { firstBricked: bricked[0] } : {}),
      daysExposed: exposed?.[1] ?? 0,
      ...(exposed ? { firstExposed: exposed[0] } : {}),
      codes,
    });
  });

  it('every version of every timeline has its facts stated above', () => {
    const stated = FACTS.map(([file, version]) => `${file} ${version}`);
    const all = [...results.keys()].flatMap((file) => sim(file).releases.map((r) => `${file} ${r.version}`));
    expect(stated.sort()).toEqual(all.sort());
  });

  // The days around the turns the incidents' dates name.
  const DAYS: [file: string, date: string, version: string, outcome: Outcome, code?: string][] = [
    ['diginotar-2011.yaml', '2011-07-09', 'validates only', 'ok'],
    ['diginotar-2011.yaml', '2011-07-10', 'validates only', 'exposed', 'ok-unpinned-host'],
    ['diginotar-2011.yaml', '2011-07-10', 'Chrome, static pins', 'safe', 'pin-mismatch'],
    ['diginotar-2011.yaml', '2011-08-28', 'validates only', 'exposed'],
    ['diginotar-2011.yaml', '2011-08-29', 'validates only', 'ok'],
    ['dst-root-ca-x3-2021.yaml', '2021-09-30', 'old store, OpenSSL', 'ok'], // expires 14:01:15 UTC; a day is judged at noon
    ['dst-root-ca-x3-2021.yaml', '2021-10-01', 'old Android', 'ok'], // Android ignores the anchor's expiry
    ['dst-root-ca-x3-2021.yaml', '2024-09-30', 'old Android', 'ok'],
    ['dst-root-ca-x3-2021.yaml', '2024-10-01', 'old Android', 'bricked', 'expired'], // the cross-sign is no anchor
    ['dst-root-ca-x3-2021.yaml', '2024-10-01', 'ISRG Root X1 in store', 'ok'],
    ['letsencrypt-2024.yaml', '2024-06-05', '2.0', 'ok'],
    ['letsencrypt-2024.yaml', '2024-06-06', '2.0', 'bricked', 'pin-mismatch'],
    ['letsencrypt-2024.yaml', '2024-08-05', '2.1', 'bricked', 'pin-mismatch'],
    ['letsencrypt-2024-backup.yaml', '2024-08-05', '2.0', 'ok'],
    ['entrust-2024-late.yaml', '2024-12-09', '6.1', 'ok'],
  ];
  it.each(DAYS)('%s on %s: %s is %s %s', (file, date, version, outcome, code) => {
    const s = sim(file);
    const day = s.days.find((d) => d.date === date)!;
    const v = day.versions[s.releases.findIndex((r) => r.version === version)]!;
    expect(v.outcome).toBe(outcome);
    if (code) expect(v.code).toBe(code);
  });

  it('peaks: all of 2.0 on 6 June 2024, nobody with the root pinned; 70% exposed to the forged DigiNotar chain', () => {
    expect(sim('letsencrypt-2024.yaml').summary.peakBricked).toEqual({ date: '2024-06-06', share: 1 });
    expect(sim('letsencrypt-2024-backup.yaml').summary.peakBricked.share).toBe(0);
    expect(sim('diginotar-2011.yaml').summary.peakExposed).toEqual({ date: '2011-07-10', share: 0.7 });
    expect(sim('diginotar-2011.yaml').summary.peakBricked.share).toBe(0);
  });
});

describe('the README', () => {
  const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it('holds the table of these simulations (run npm run readme:timelines after changing timelines/)', () => {
    expect(README).toContain(TIMELINES_TABLE_MARKERS[0]);
    expect(README).toBe(withTimelines(README, [...results.keys()].map(sim), incidents));
  });

  it("shows Let's Encrypt 2024 as the simulator charts it", () => {
    // Regenerate with `pinprick simulate timelines/letsencrypt-2024.yaml --svg docs/images/letsencrypt-2024.svg`.
    const svg = renderSvg(sim('letsencrypt-2024.yaml'));
    expect(svg).toBe(readFileSync(new URL('../../docs/images/letsencrypt-2024.svg', import.meta.url), 'utf8'));
    expect(README).toContain('](docs/images/letsencrypt-2024.svg)');
  });
});
