/**
 * Issue 14, the QA loop around `pinprick run`: shards of a CI matrix merged into the report of the
 * whole run (never when a shard is missing or doubled), two runs of a client compared, and a
 * re-run of what did not pass. Real runs of the reference clients through the real proxy.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const client = (name: string) => `node ${ROOT}examples/clients/${name}-client.mjs --url {url} --proxy {proxy} --cafile {cafile} --pins "$PINPRICK_PINS"`;
const SELECTION = ['control-genuine', 'attack-rogue-root', 'attack-pin-stuffing', 'rotation-leaf-key'];

interface Report {
  profile: string;
  shard?: string;
  selection?: string[];
  mergedFrom?: string[];
  summary: Record<string, number>;
  results: { id: string; shard?: string; classification: { outcome: string } }[];
}

describe('pinprick report merge | diff, and pinprick run --rerun-failed', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const certsDir = join(tmp.path, 'certs');
  const cli = (args: string[]) => runCli(args, { certsDir, cwd: tmp.path, timeoutMs: 90_000 });
  const run = (name: string, report: string, extra: string[] = []) => cli(['run', '--client', client(name), '--scenarios', ...SELECTION, '--grace', '800', '--report', join(tmp.path, report), ...extra]);
  const read = (dir: string) => JSON.parse(readFileSync(join(tmp.path, dir, 'report.json'), 'utf8')) as Report;
  let shards: CliResult[];
  let naive: CliResult;

  beforeAll(async () => {
    shards = [await run('correct', 'shard-1', ['--shard', '1/2']), await run('correct', 'shard-2', ['--shard', '2/2'])];
    naive = await run('naive', 'naive');
  }, 180_000);

  it('each shard records its shard and the whole selection', () => {
    for (const r of shards) expect(r.code, r.stderr).toBe(0);
    // In catalog order, calibration first.
    expect(read('shard-2')).toMatchObject({ shard: '2/2', selection: ['calibration-canary', 'attack-pin-stuffing', 'attack-rogue-root', 'control-genuine', 'rotation-leaf-key'] });
  });

  it('merge joins the shards into one report.json, junit.xml, summary.md and report.html, and exits as the whole run would', async () => {
    const r = await cli(['report', 'merge', 'shard-2', 'shard-1', '--report', 'merged']);
    expect(r.code, r.stderr).toBe(0);
    const merged = read('merged');
    expect(merged.mergedFrom).toEqual(['shard-1', 'shard-2']);
    expect(merged.results.map((x) => x.id)).toEqual(['calibration-canary', 'calibration-canary', 'attack-pin-stuffing', 'attack-rogue-root', 'control-genuine', 'rotation-leaf-key']);
    expect(merged.results.filter((x) => x.id === 'calibration-canary').map((x) => x.shard)).toEqual(['1/2', '2/2']);
    expect(merged.summary).toMatchObject({ PASS: 6, VULNERABLE: 0, INCONCLUSIVE: 0 });
    const junit = readFileSync(join(tmp.path, 'merged', 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite [^>]*tests="6"/);
    expect(junit).toContain('name="calibration-canary (shard 2/2)"');
    for (const f of ['summary.md', 'report.html']) expect(existsSync(join(tmp.path, 'merged', f)), f).toBe(true);
    expect(r.stdout).toMatch(/^diagnosis: this client behaved as a correct client/m);
  }, 60_000);

  it('merge fails, writing nothing, when a shard is missing, given twice, or the output is a shard folder', async () => {
    // Four independent refusals, run at once.
    const [missing, twice, into, notReport] = await Promise.all([
      cli(['report', 'merge', 'shard-1', '--report', 'half']),
      cli(['report', 'merge', 'shard-1', 'shard-2', join(tmp.path, 'shard-2', 'report.json'), '--report', 'twice']),
      cli(['report', 'merge', 'shard-1', 'shard-2', '--report', 'shard-1']),
      cli(['report', 'merge', join(ROOT, 'package.json')]),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('pinprick: shard 2/2 is missing (cannot merge: nothing written)');
    expect(existsSync(join(tmp.path, 'half'))).toBe(false);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/shard 2\/2 given twice/);
    expect(into.code).toBe(2);
    expect(into.stderr).toMatch(/that is the shard report shard-1; merge into another folder/);
    expect(notReport.code).toBe(2);
    expect(notReport.stderr).toMatch(/package\.json: not a pinprick run report/);
  }, 60_000);

  it('diff says what changed between two runs, and exits 1 when something got worse', async () => {
    expect(naive.code).toBe(1);
    const [worse, better] = await Promise.all([cli(['report', 'diff', 'shard-1', 'naive']), cli(['report', 'diff', 'naive', 'merged'])]);
    expect(worse.code, worse.stderr).toBe(1);
    expect(worse.stdout).toMatch(/^! +attack-pin-stuffing +worse +PASS +rejected-after-handshake +VULNERABLE +accepted$/m);
    expect(worse.stdout).toMatch(/diagnosis: \+pins-chain-as-sent -correct/);
    // shard-1 ran only half: the rest is "added" in the later run.
    expect(worse.stdout).toMatch(/^> +attack-rogue-root +added/m);
    expect(better.code, better.stderr).toBe(0);
    expect(better.stdout).toMatch(/^\+ +attack-pin-stuffing +better/m);
    expect(better.stdout).toMatch(/1 changed \(0 worse\), 4 unchanged/);
  }, 60_000);

  it('run --rerun-failed runs again what did not PASS, with the report\'s client and profile, into rerun/ beside it', async () => {
    // With leaf-only pins a leaf rotation is POLICY-RISK; with the default profile it would PASS.
    expect((await run('correct', 'leaf', ['--profile', 'leaf-only'])).code).toBe(0);
    const r = await cli(['run', '--rerun-failed', 'leaf', '--grace', '800']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^re-running 1 scenario\(s\) that did not PASS in leaf\/report\.json: rotation-leaf-key$/m);
    // The POLICY-RISK fix names the keys and their pins, computed with the model.
    expect(r.stdout).toMatch(/^POLICY-RISK rotation-leaf-key: add genuine-root \(sha256\/[A-Za-z0-9+/]{43}=\) or genuine-intermediate \(sha256\/[A-Za-z0-9+/]{43}=\), which are on the new path; or pin a backup key \(backup-1, backup-2\)/m);
    const again = read(join('leaf', 'rerun'));
    expect(again.results.map((x) => [x.id, x.classification.outcome])).toEqual([
      ['calibration-canary', 'PASS'],
      ['rotation-leaf-key', 'POLICY-RISK'],
    ]);
    expect(again).toMatchObject({ profile: 'leaf-only' });
    // The first run's record is kept.
    expect(read('leaf').results).toHaveLength(5);
    // The naive client's VULNERABLE again, with its own command.
    const naiveAgain = await cli(['run', '--rerun-failed', 'naive', '--grace', '800', '--report', 'naive-again']);
    expect(naiveAgain.code, naiveAgain.stderr).toBe(1);
    expect(read('naive-again').results.map((x) => [x.id, x.classification.outcome])).toEqual([
      ['calibration-canary', 'PASS'],
      ['attack-pin-stuffing', 'VULNERABLE'],
    ]);
    const none = await cli(['run', '--rerun-failed', 'shard-2']);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/nothing to re-run: every scenario of shard-2\/report\.json passed/);
  }, 90_000);

  it('run --rerun-failed with a profile given as a file loads that file again (before: "no profile" for its id)', async () => {
    const file = join(tmp.path, 'my-leaf-pins.yaml');
    writeFileSync(file, 'id: my-leaf-pins\npins: [genuine-leaf]\n');
    expect((await run('correct', 'file-profile', ['--profile', file])).code).toBe(0);
    expect(read('file-profile')).toMatchObject({ profile: 'my-leaf-pins', profileFile: file });
    const r = await cli(['run', '--rerun-failed', 'file-profile', '--grace', '800']);
    expect(r.code, r.stderr).toBe(0);
    expect(read(join('file-profile', 'rerun'))).toMatchObject({ profile: 'my-leaf-pins', profileFile: file });
    expect(read(join('file-profile', 'rerun')).results.map((x) => [x.id, x.classification.outcome])).toEqual([
      ['calibration-canary', 'PASS'],
      ['rotation-leaf-key', 'POLICY-RISK'],
    ]);
  }, 90_000);
});
