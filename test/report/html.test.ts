import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite, type ScenarioResult } from '../../src/harness/run.js';
import { readPinReport, type PinReport } from '../../src/proxy/pin-reports.js';
import { htmlReport } from '../../src/report/html.js';
import type { RunMeta } from '../../src/report/run-report.js';
import { findProfile, resolveProfile } from '../../src/scenario/profile.js';
import { findScenario, loadCatalog } from '../../src/scenario/scenario.js';
import { pemOf } from '../../src/world/pem.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { chromium, NO_CHROMIUM, pngSize, PNG_SIGNATURE } from '../helpers/chromium.js';
import { tempDir } from '../helpers/tmp.js';

// The HTML report of a real run: the reference clients of examples/clients/ through the real proxy
// with the intermediate-backup profile. The naive client imports dist/proxy/tls-wire.js, which
// `npm test` builds before the suite.

const CLIENTS_DIR = fileURLToPath(new URL('../../examples/clients/', import.meta.url));
const client = (script: string) =>
  `node '${join(CLIENTS_DIR, script)}' --url {url} --connect-to 127.0.0.1:{port} --cafile {cafile} --pins "$PINPRICK_PINS"`;
const CORRECT = client('correct-client.mjs');
const NAIVE = client('naive-client.mjs');
const CORRECT_IDS = ['control-genuine', 'attack-pin-stuffing', 'rotation-leaf-key', 'rotation-intermediate'];


/** A scenario's detail section, by its anchor (sections do not nest). */
function section(html: string, anchor: string): string {
  const start = html.search(new RegExp(`<section class="scenario [^"]*" id="${anchor}">`));
  expect(start, `section #${anchor}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

/** The certificate boxes of a piece of the report: classes, data-pin, and the box's markup. */
function certBoxes(html: string): { classes: string[]; pin: string; index?: string; body: string }[] {
  return [...html.matchAll(/<article class="(cert [^"]*)"([^>]*)>([\s\S]*?)<\/article>/g)].map((m) => ({
    classes: m[1]!.split(' '),
    pin: /data-pin="([^"]*)"/.exec(m[2]!)![1]!,
    ...(/data-index="(\d+)"/.exec(m[2]!) ? { index: /data-index="(\d+)"/.exec(m[2]!)![1]! } : {}),
    body: m[3]!,
  }));
}


describe('htmlReport of a real run (correct and naive reference clients, profile intermediate-backup)', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let results: ScenarioResult[];
  let meta: RunMeta;
  let html: string;
  const pinOf = (cert: string) => opened.world.cert(cert).pin.sha256;

  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    const catalog = loadCatalog(opened.world.spec);
    const profile = resolveProfile(findProfile('intermediate-backup', opened.world.spec), opened.world);
    const run = (command: string, ids: string[], work: string) =>
      runSuite({ opened, profile, client: command, scenarios: ids.map((id) => findScenario(catalog, id)), timeoutMs: 15_000, graceMs: 800, workDir: join(tmp.path, work) });
    const startedAt = new Date().toISOString();
    // The same stuffing scenario run by both clients: a PASS and a VULNERABLE row for one id.
    // (The correct client's run is calibrated, so its rejections count; the calibration row is
    // left out of this report's rows.)
    const correct = (await run(CORRECT, ['calibration-canary', ...CORRECT_IDS], 'correct')).filter((r) => r.category !== 'calibration');
    results = [...correct, ...(await run(NAIVE, ['attack-pin-stuffing'], 'naive'))];
    meta = { profile: profile.id, client: CORRECT, world: opened.world.name, startedAt, finishedAt: new Date().toISOString() };
    // No reference client sends pin-failure reports yet (real report sending is being added
    // separately), so the correct client's stuffing result gets one handcrafted report, read by the
    // proxy's own parser from an RFC 7469 section 3 body built from the scenario's real certificates.
    const stuffing = results[1]!;
    const pem = (name: string) => pemOf(opened.world.cert(name).der, 'CERTIFICATE');
    const body = {
      'date-time': '2026-01-01T00:00:00Z',
      hostname: 'api.pinprick.test',
      port: 443,
      'effective-expiration-date': '2026-02-01T00:00:00Z',
      'include-subdomains': false,
      'noted-hostname': 'api.pinprick.test',
      'served-certificate-chain': stuffing.chain.sent.map((c) => pem(c.name)),
      'validated-certificate-chain': ['rogue-leaf', 'rogue-intermediate', 'rogue-root'].map(pem),
      'known-pins': stuffing.chain.pins.map((p) => `pin-sha256="${p.sha256}"`),
    };
    const report: PinReport = { id: 1, receivedAt: new Date().toISOString(), scenario: stuffing.id, ...readPinReport(JSON.stringify(body), 'http://127.0.0.1:8080/pinprick/report') };
    stuffing.reports.push(report);
    html = htmlReport(results, meta);
  });
  afterAll(() => tmp.cleanup());

  it('is drawn from a run with a PASS, a POLICY-RISK and a VULNERABLE outcome', () => {
    expect(results.map((r) => `${r.id} ${r.classification.outcome}`)).toEqual([
      'control-genuine PASS',
      'attack-pin-stuffing PASS',
      'rotation-leaf-key PASS',
      'rotation-intermediate POLICY-RISK',
      'attack-pin-stuffing VULNERABLE',
    ]);
    expect(results[1]!.reports[0]!.format).toBe('hpkp');
  });

  it('has one matrix row per scenario run, in order, each linking to its own detail section', () => {
    const rows = [...html.matchAll(/<tr class="row [^"]*" data-scenario="([^"]*)">\s*<td class="id"><a href="#([^"]+)">/g)];
    expect(rows.map((m) => m[1])).toEqual(results.map((r) => r.id));
    const anchors = rows.map((m) => m[2]!);
    expect(new Set(anchors).size).toBe(results.length); // the stuffing scenario, run twice, gets two anchors
    for (const a of anchors) expect(html.match(new RegExp(`<section class="scenario [^"]*" id="${a}"`, 'g')), a).toHaveLength(1);
    expect(html.match(/<section class="scenario /g)).toHaveLength(results.length);
  });

  it('shows the run, the counts per outcome and how many failures there are in the header', () => {
    const count = (o: string) => new RegExp(`data-outcome="${o}"><span class="n">(\\d+)<`).exec(html)?.[1];
    expect([count('PASS'), count('VULNERABLE'), count('BRICKED'), count('POLICY-RISK'), count('INCONCLUSIVE')]).toEqual(['3', '1', '0', '1', '0']);
    expect(html).toMatch(/class="banner banner-fail">✘ 1 failure: 1 VULNERABLE, 0 BRICKED/);
    expect(html).toContain(`<dt>world</dt><dd>${meta.world}</dd>`);
    expect(html).toContain(`<dt>started</dt><dd>${meta.startedAt}</dd>`);
    const passing = htmlReport(results.slice(0, 3), meta);
    expect(passing).toContain('nothing VULNERABLE or BRICKED');
    expect(passing).not.toContain('class="banner banner-fail"');
  });

  it('highlights the pin that matched on the genuine intermediate, on the path and where it was sent', () => {
    const boxes = certBoxes(section(html, 'scenario-control-genuine'));
    const matched = boxes.filter((b) => b.classes.includes('matched'));
    expect(matched.map((b) => b.pin)).toEqual([pinOf('genuine-intermediate'), pinOf('genuine-intermediate')]);
    expect(matched.map((b) => b.classes.includes('step') ? 'path' : 'sent').sort()).toEqual(['path', 'sent']);
    for (const b of matched) expect(b.body).toContain('pin matched');
    expect(boxes.find((b) => b.pin === pinOf('genuine-leaf'))!.classes).not.toContain('matched');
    // The path ends at the genuine root, from the client's own trust store, marked as the anchor.
    const anchor = boxes.find((b) => b.classes.includes('anchor'))!;
    expect(anchor.pin).toBe(pinOf('genuine-root'));
    expect(anchor.body).toContain('from the trust store');
  });

  it('marks the pinned intermediate sent off the path in the stuffing scenario as CVE-2016-2402 bait, with no match', () => {
    const part = section(html, 'scenario-attack-pin-stuffing');
    const boxes = certBoxes(part);
    const bait = boxes.filter((b) => b.classes.includes('bait'));
    expect(bait.map((b) => [b.index, b.pin])).toEqual([['2', pinOf('genuine-intermediate')]]);
    expect(bait[0]!.classes).toEqual(expect.arrayContaining(['off-path', 'pinned']));
    expect(bait[0]!.body).toContain('pinned key sent but not on the path (ignored, CVE-2016-2402 bait)');
    expect(boxes.filter((b) => b.classes.includes('matched'))).toEqual([]);
    // The path a correct client builds runs to the rogue root, which the attacker never has to send.
    expect(boxes.filter((b) => b.classes.includes('step')).map((b) => b.pin)).toEqual([pinOf('rogue-leaf'), pinOf('rogue-intermediate'), pinOf('rogue-root')]);
  });

  it('shows the pin-failure report next to the verdict, marking which pins are the profile\'s', () => {
    const part = section(html, 'scenario-attack-pin-stuffing');
    const verdictAt = part.indexOf('<div class="verdict');
    const reportsAt = part.indexOf('<div class="reports"');
    expect(verdictAt).toBeGreaterThan(0);
    expect(reportsAt).toBeGreaterThan(verdictAt);
    expect(reportsAt).toBeLessThan(part.indexOf('<div class="chain"')); // before the picture, beside the verdict
    const reports = part.slice(reportsAt, part.indexOf('<div class="chain"'));
    expect(reports).toContain('Pin-failure reports (1)');
    expect(reports).toContain('<b>api.pinprick.test:443</b>');
    expect(reports).toContain('http://127.0.0.1:8080/pinprick/report');
    // Known pins: both profile pins, labelled. Served chain: the stuffed intermediate is the profile's.
    expect(reports.match(/profile pin: genuine-intermediate/g)!.length).toBeGreaterThanOrEqual(2);
    expect(reports).toContain('profile pin: backup-1');
    expect(reports).toMatch(/<details><summary>raw body<\/summary><pre>[\s\S]*served-certificate-chain[\s\S]*<\/pre><\/details>/);
    // The matrix counts it and links to it.
    expect(html).toMatch(/data-scenario="attack-pin-stuffing">[\s\S]*?<td class="num"><a href="#scenario-attack-pin-stuffing-reports">1<\/a><\/td>/);
  });

  it('gives the fix next to a POLICY-RISK verdict, in the matrix and in the section', () => {
    const fix = results[3]!.classification.fix!;
    expect(fix).toBeTruthy();
    const row = /<tr class="row o-policy-risk" data-scenario="rotation-intermediate">[\s\S]*?<\/tr>/.exec(html)![0];
    expect(row).toContain(`<b>Fix:</b> ${fix}`);
    expect(section(html, 'scenario-rotation-intermediate')).toContain(`<p class="fix"><b>Fix:</b> ${fix}</p>`);
  });

  it('escapes every string taken from the run: client output, subjects, ids, commands, report bodies', () => {
    // A real result with hostile strings put in where a server, a client or a report chooses the bytes.
    const real = results[1]!;
    const hostile: ScenarioResult = {
      ...real,
      id: 'x"><img src=x onerror=alert(0)>',
      title: '<b>bold</b>',
      stdout: 'ACCEPT <script>alert(1)</script>\n\x1b]0;title\x07 \x9b2J',
      stderr: '</pre><iframe>',
      command: "node client.mjs '<svg onload=alert(3)>'",
      chain: { ...real.chain, sent: real.chain.sent.map((c, i) => (i === 0 ? { ...c, subject: 'CN=<script>alert(2)</script>' } : c)) },
      reports: real.reports.map((r) => ({ ...r, hostname: '<script>alert(4)</script>\u202e', body: '</pre><script>alert(5)</script>' })),
    };
    const out = htmlReport([hostile], { ...meta, client: '<script>alert(6)</script>' });
    for (const raw of ['<script', '<img', '<iframe', '<svg', '<b>bold']) expect(out, raw).not.toContain(raw);
    expect(out).toContain('ACCEPT &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(out).toContain('x&quot;&gt;&lt;img src=x onerror=alert(0)&gt;');
    expect(out).toContain('&lt;/pre&gt;&lt;script&gt;alert(5)&lt;/script&gt;');
    // Controls and bidi characters are made visible by the project's one escaper (src/printable.ts).
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(out).toContain('ACCEPT &lt;script&gt;alert(1)&lt;/script&gt;\n\\x1B]0;title\\x07 \\x9B2J');
    // A report a web page sent is marked as such (issue 15, finding 10).
    const fromPage: ScenarioResult = { ...real, reports: real.reports.map((r) => ({ ...r, origin: 'http://attacker.example', userAgent: 'Mozilla/5.0 <x>', fromWebPage: true as const })) };
    const marked = htmlReport([fromPage], meta);
    expect(marked).toContain('sent by a web page at <code>http://attacker.example</code>: may be forged');
    expect(marked).toContain('Mozilla/5.0 &lt;x&gt;');
    // The anchor made from the id is a plain id: no quote can end the attribute.
    expect(out).toMatch(/<section class="scenario [^"]*" id="scenario-x-+img-src-x-onerror-alert-0--">/);
  });

  it('is self-contained: no external URL, stylesheet, script, font or image', () => {
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b|<script\b|<img\b|<iframe\b|@import|url\(/i);
    const hrefs = [...html.matchAll(/\bhref="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(results.length);
    for (const h of hrefs) expect(h).toMatch(/^#/);
    expect(html).not.toMatch(/\bsrc=/i);
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">[\s\S]*<style>[\s\S]*<\/style>[\s\S]*<\/html>\n$/);
  });

  it.skipIf(NO_CHROMIUM)(
    'renders in headless Chromium: the matrix rows are in the DOM, and a 1280 px screenshot is not blank',
    async () => {
      const dir = tempDir('pinprick-chromium-');
      try {
        const file = join(dir.path, 'report.html');
        writeFileSync(file, html);
        const dump = await chromium(['--dump-dom', pathToFileURL(file).href], join(dir.path, 'profile-dom'));
        expect(dump.code, dump.stderr).toBe(0);
        // The DOM as the browser built it: broken table markup would push rows out of <table>.
        const table = dump.stdout.slice(dump.stdout.indexOf('<table class="matrix">'), dump.stdout.indexOf('</table>'));
        expect(table.match(/<tr class="row /g)).toHaveLength(results.length);
        expect(dump.stdout.match(/<section class="scenario /g)).toHaveLength(results.length);
        const boxes = results.reduce((n, r) => n + r.chain.sent.length + r.chain.path.length, 0);
        expect(dump.stdout.match(/<article class="cert /g)).toHaveLength(boxes);

        const shot = async (page: string, png: string) => {
          const run = await chromium([`--screenshot=${png}`, '--window-size=1280,2000', pathToFileURL(page).href], `${png}.profile`);
          expect(run.code, run.stderr).toBe(0);
          return readFileSync(png);
        };
        const png = await shot(file, join(dir.path, 'report.png'));
        expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
        expect(pngSize(png)).toEqual({ width: 1280, height: 2000 });
        // Not blank: far larger than the same-size screenshot of an empty page.
        const emptyPage = join(dir.path, 'empty.html');
        writeFileSync(emptyPage, '<!DOCTYPE html><title>empty</title>');
        const empty = await shot(emptyPage, join(dir.path, 'empty.png'));
        expect(pngSize(empty)).toEqual({ width: 1280, height: 2000 });
        expect(png.length).toBeGreaterThan(8 * empty.length);
        // Kept for a human to look at.
        const keep = process.env.PINPRICK_SCREENSHOT ?? join(tmpdir(), 'pinprick-report.png');
        copyFileSync(join(dir.path, 'report.png'), keep);
        expect(statSync(keep).size).toBe(png.length);
      } finally {
        dir.cleanup();
      }
    },
    120_000,
  );
});
