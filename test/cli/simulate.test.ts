import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, NO_CHROMIUM, pngSize, PNG_SIGNATURE } from '../helpers/chromium.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

// `pinprick simulate` as a user runs it, on the shipped worked example of Barclays 2016.
const tmp = tempDir();
const cli = (...args: string[]): Promise<CliResult> => runCli(args, { certsDir: tmp.path });
const BARCLAYS = 'timelines/barclays-2016.yaml';
let table: CliResult;
let json: CliResult;
let csv: CliResult;
const svg = join(tmp.path, 'barclays.svg');

beforeAll(async () => {
  // The first run generates the world; the others read it.
  table = await cli('simulate', BARCLAYS, '--svg', svg);
  [json, csv] = await Promise.all([cli('simulate', BARCLAYS, '--json'), cli('simulate', BARCLAYS, '--csv')]);
}, 60_000);
afterAll(() => tmp.cleanup());

describe('pinprick simulate', () => {
  it('prints the days that matter and who was bricked, why', () => {
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('2016-11-08  new intermediate  100.0%   0.0%     100.0% BRICKED pin-mismatch  0.0% ok');
    expect(table.stdout).toContain('peak bricked 100.0% on 2016-11-08');
    expect(table.stdout).toMatch(/5\.0: bricked 54 day\(s\) from 2016-11-08; pin-mismatch\n {2}5\.1: never bricked/);
    expect(table.stdout).toContain('5.0 on 2016-11-08: The chain validates but no pinned key is on the validated path.');
  });

  it('--json and --csv hold every day, and say the same', () => {
    expect(json.code, json.stderr).toBe(0);
    const sim = JSON.parse(json.stdout);
    expect(sim.format).toBe('pinprick-simulation/1');
    expect(sim.days).toHaveLength(68); // 2016-10-25 .. 2016-12-31
    const rows = csv.stdout.trimEnd().split('\r\n').map((r) => r.split(','));
    expect(rows[0]).toEqual(['date', 'server', 'attack', 'renewal', 'bricked', 'exposed', 'either', '5.0 share', '5.0 outcome', '5.0 code', '5.1 share', '5.1 outcome', '5.1 code']);
    expect(rows.slice(1).map((r) => [r[0], Number(r[4])])).toEqual(sim.days.map((d: { date: string; bricked: number }) => [d.date, d.bricked]));
  });

  it('--check exits 1 when anyone is bricked, 0 for the app that shipped a backup pin', async () => {
    const [bricked, survived] = await Promise.all([cli('simulate', BARCLAYS, '--check', '--step', '30'), cli('simulate', 'timelines/barclays-2016-backup.yaml', '--check')]);
    expect(bricked.code).toBe(1);
    expect(survived.code, survived.stderr).toBe(0);
    expect(survived.stdout).toContain('peak bricked 0.0%');
    expect(survived.stdout).toContain('5.0: never bricked');
  });

  it('bad input: one line with file:line, exit 2', async () => {
    const file = join(tmp.path, 'bad.yaml');
    writeFileSync(file, 'title: t\nfrom: 2026-01-01\nto: 2026-01-02\nreleases: [{ version: "1", date: 2025-01-01, pins: [genuine-intermediat] }]\nserver:\n  - { from: 2026-01-01, scenario: control-genuin }\n');
    const r = await cli('simulate', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`pinprick: ${file}:6:35: server[0].scenario: no scenario 'control-genuin'; did you mean 'control-genuine'? (all ${r.stderr.match(/all (\d+)/)![1]}: pinprick scenarios list)\n`);
    writeFileSync(file, 'title: t\nfrom: 2026-01-01\nto: 2026-01-02\nreleases: [{ version: "1", date: 2025-01-01, pins: [genuine-intermediat] }]\nserver:\n  - { from: 2026-01-01, scenario: control-genuine }\n');
    const pin = await cli('simulate', file);
    expect(pin.code).toBe(2);
    expect(pin.stderr).toBe(`pinprick: ${file}:4:53: releases[0].pins[0]: 'genuine-intermediat' is not a world key (did you mean 'genuine-intermediate' or 'genuine-intermediate-2' or 'rogue-intermediate'?), nor a pin (sha256/BASE64)\n`);
    const missing = await cli('simulate', join(tmp.path, 'nope.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^pinprick: .*nope\.yaml: cannot read: ENOENT\n$/);
  });

  it.skipIf(NO_CHROMIUM)(
    'the SVG chart renders in headless Chromium: parsed without error, the layers and events in its DOM, and not blank',
    async () => {
      const text = readFileSync(svg, 'utf8');
      // The README shows this chart: regenerate it with `pinprick simulate timelines/barclays-2016.yaml --svg docs/images/barclays-2016.svg`.
      expect(text).toBe(readFileSync('docs/images/barclays-2016.svg', 'utf8'));
      expect(text).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="960" height="440"/);
      const dump = await chromium(['--dump-dom', pathToFileURL(svg).href], join(tmp.path, 'profile-dom'));
      expect(dump.code, dump.stderr).toBe(0);
      // Chromium shows an XML error page instead of a malformed SVG.
      expect(dump.stdout).not.toMatch(/error on line|parsererror/);
      expect(dump.stdout).toContain('<title>5.0: bricked</title>');
      expect(dump.stdout).toContain('new intermediate</text>');
      const shot = async (page: string, png: string) => {
        const run = await chromium([`--screenshot=${png}`, '--window-size=960,440', pathToFileURL(page).href], `${png}.profile`);
        expect(run.code, run.stderr).toBe(0);
        return readFileSync(png);
      };
      const png = await shot(svg, join(tmp.path, 'chart.png'));
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      expect(pngSize(png)).toEqual({ width: 960, height: 440 });
      // Not blank: a white 960x440 screenshot is 2,193 bytes (measured with this Chromium); the chart's text and areas make it over ten times that.
      expect(png.length).toBeGreaterThan(20_000);
    },
    120_000,
  );
});
