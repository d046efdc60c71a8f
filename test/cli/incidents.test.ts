/**
 * `pinprick incidents list|show` (issue 18) as a user runs it, and `pinprick run --scenarios
 * <incident id>` replaying Barclays 2016 through the proxy with the Node reference client.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findIncident, loadShippedIncidents, replayCommands, shippedTimelineFiles, timelineFile } from '../../src/incidents/incident.js';
import { incidentLines } from '../../src/cli/commands/incidents.js';
import { loadCatalog } from '../../src/scenario/scenario.js';
import { defaultWorldSpec } from '../../src/world/spec.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const catalog = loadCatalog(defaultWorldSpec());
const incidents = loadShippedIncidents(catalog);

describe('pinprick incidents', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const certsDir = join(tmp.path, 'certs');
  const cli = (args: string[]) => runCli(args, { certsDir, cwd: ROOT });

  it('list: a table of every incident, oldest first, with its date, changes and scenarios', async () => {
    const r = await cli(['incidents', 'list']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id +date +title +changes +scenarios$/);
    expect(lines.slice(2).map((l) => l.split(' ')[0])).toEqual(incidents.map((i) => i.id));
    expect(r.stdout).toMatch(/^barclays-2016 +2016-11-24 +Barclays' payment app .* +intermediate +rotation-intermediate$/m);
    // Nothing was generated: listing needs no world.
    expect(existsSync(certsDir)).toBe(false);
  });

  it('list --json: every field, the date and the file from the package root', async () => {
    const r = await cli(['incidents', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(json.map((i) => i.id)).toEqual(incidents.map((i) => i.id));
    expect(json.find((i) => i.id === 'entrust-2024')).toMatchObject({ date: '2024-06-27', file: 'incidents/entrust-2024.yaml', changes: ['distrust', 'root', 'intermediate', 'leaf-key'], scenarios: ['rotation-root-distrusted', 'rotation-ca-vendor-switch'] });
    expect(json[0]).not.toHaveProperty('source');
  });

  it('show: the story, the dates, what broke and survived, the scenarios, the sources and the replay command', async () => {
    const r = await cli(['incidents', 'show', 'barclays-2016']);
    expect(r.code, r.stderr).toBe(0);
    const barclays = findIncident(incidents, 'barclays-2016');
    const timeline = timelineFile(barclays)!;
    expect(r.stdout.trimEnd()).toBe(incidentLines(barclays, catalog, replayCommands(barclays, existsSync(timeline), shippedTimelineFiles())).join('\n'));
    expect(r.stdout).toMatch(/^date: 2016-11-24 {3}changes: intermediate {3}file: incidents\/barclays-2016\.yaml$/m);
    expect(r.stdout).toMatch(/^ {2}rotation-intermediate +depends-on-pins +Intermediate rotated$/m);
    expect(r.stdout).toContain(`  pinprick run --scenarios barclays-2016 --profile intermediate-only --report reports/barclays-2016 --client 'node examples/clients/correct-client.mjs --url {url} --proxy {proxy} --cafile {cafile} --pins "$PINPRICK_PINS"'`);
    // The simulate command only once the timeline file exists.
    expect(r.stdout.includes('pinprick simulate timelines/barclays-2016.yaml')).toBe(existsSync(timeline));
    // And each contrast beside it (timelines/<id>-*.yaml): the same change for the app that shipped a backup pin.
    expect(r.stdout).toContain('  pinprick simulate timelines/barclays-2016-backup.yaml');
  });

  it('show --json: the incident and its replay commands', async () => {
    const r = await cli(['incidents', 'show', 'dst-root-ca-x3-2021', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { id: string; dates: { date: string }[]; replay: { run: string; simulate?: string } };
    expect(json.id).toBe('dst-root-ca-x3-2021');
    expect(json.dates.map((d) => d.date)).toContain('2021-09-30');
    expect(json.replay.run).toMatch(/^pinprick run --scenarios dst-root-ca-x3-2021 --profile intermediate-backup /);
    expect(json.replay.simulate !== undefined).toBe(existsSync(join(ROOT, 'timelines/dst-root-ca-x3-2021.yaml')));
  });

  it('an unknown id: one line with the known ids, exit 2', async () => {
    const r = await cli(['incidents', 'show', 'barclay-2016']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`pinprick: no incident 'barclay-2016'; did you mean 'barclays-2016'? (known: ${incidents.map((i) => i.id).join(', ')})\n`);
  });

  it('--help is true: the command is listed, with its actions and options', async () => {
    const top = await cli(['--help']);
    expect(top.stdout).toMatch(/pinprick incidents <action> +The dated catalog of real pinning incidents/);
    const help = await cli(['incidents', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/pinprick incidents list +List the incidents/);
    expect(help.stdout).toMatch(/pinprick incidents show <id> +Show an incident/);
    const show = await cli(['incidents', 'show', '--help']);
    expect(show.stdout).toContain('--json');
    const run = await cli(['run', '--help']);
    expect(run.stdout.replace(/\s+/g, ' ')).toContain('incident ids (barclays-2016: pinprick incidents list)');
  });
});

describe('pinprick run --scenarios barclays-2016', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it("replays the incident's scenarios through the proxy with the reference client: Barclays' policy cannot survive it", async () => {
    const report = join(tmp.path, 'report');
    const client = `node ${ROOT}examples/clients/correct-client.mjs --url {url} --proxy {proxy} --cafile {cafile} --pins "$PINPRICK_PINS"`;
    const r = await runCli(['run', '--scenarios', 'barclays-2016', '--profile', 'intermediate-only', '--client', client, '--grace', '500', '--report', report], { certsDir: join(tmp.path, 'certs'), timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8')) as { selection: string[]; results: { id: string; classification: { outcome: string }; expected: { verdict: string; code: string } }[] };
    // The calibration scenario runs first in every selection; then exactly what the incident lists.
    expect(json.selection).toEqual(['calibration-canary', 'rotation-intermediate']);
    const byId = Object.fromEntries(json.results.map((x) => [x.id, x]));
    expect(byId['calibration-canary']!.classification.outcome).toBe('PASS');
    expect(byId['rotation-intermediate']!.expected).toMatchObject({ verdict: 'reject', code: 'pin-mismatch' });
    expect(byId['rotation-intermediate']!.classification.outcome).toBe('POLICY-RISK');
    expect(r.stdout).toMatch(/POLICY-RISK rotation-intermediate: /);
  }, 60_000);
});
