import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runManual } from '../../src/harness/manual.js';
import type { RunningProxy } from '../../src/proxy/server.js';
import { findProfile, resolveProfile } from '../../src/scenario/profile.js';
import { findScenario, loadCatalog } from '../../src/scenario/scenario.js';
import { pemOf } from '../../src/world/pem.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { curl } from '../helpers/curl.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('pinprick run --manual: a person drives the client, the harness switches scenarios and waits', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let roots: string;
  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    roots = join(tmp.path, 'roots.pem');
    writeFileSync(roots, opened.world.trustedRoots().map((r) => pemOf(r.der, 'CERTIFICATE')).join(''));
  });
  afterAll(() => tmp.cleanup());
  /** `pinprick run --manual` on control-genuine and attack-rogue-root (calibration comes first), any free ports. */
  const manualCli = (report: string) =>
    spawn(process.execPath, [join(ROOT, 'bin/pinprick.js'), 'run', '--manual', '--scenarios', 'control-genuine', 'attack-rogue-root', '--proxy-port', '0', '--tls-port', '0', '--report', report], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PINPRICK_CERTS: join(tmp.path, 'certs'), NO_COLOR: '1' },
    });

  it('takes the next connection per scenario as the client\'s behaviour; Enter skips (INCONCLUSIVE), q stops', async () => {
    const catalog = loadCatalog(opened.world.spec);
    const ids = ['calibration-canary', 'control-genuine', 'attack-rogue-root', 'rotation-leaf-key', 'rotation-intermediate'];
    const input = new PassThrough();
    const said: string[] = [];
    let proxy: RunningProxy | undefined;
    let waits = 0;
    // The "person": on each prompt, does what the test plans for that scenario.
    const plan = [
      () => curl(['--cacert', roots, '--proxy', `http://127.0.0.1:${proxy!.proxyPort}`, 'https://canary.pinprick.test/']),
      () => curl(['--cacert', roots, '--proxy', `http://127.0.0.1:${proxy!.proxyPort}`, 'https://api.pinprick.test/app']),
      async () => {
        // First an unrelated connection (issue 14, defect 2): a probe for another name sent to the
        // direct TLS port gets this scenario's chain and is rejected, but must not be its result.
        await curl(['--cacert', roots, '--resolve', `other.example:${proxy!.tlsPort}:127.0.0.1`, `https://other.example:${proxy!.tlsPort}/`]);
        await curl(['--cacert', roots, '--pinnedpubkey', `sha256//${opened.world.cert('genuine-intermediate').pin.sha256}`, '--proxy', `http://127.0.0.1:${proxy!.proxyPort}`, 'https://api.pinprick.test/app']);
      },
      () => input.write('\n'),
      () => input.write('q\n'),
    ];
    const results = await runManual({
      opened,
      scenarios: ids.map((id) => findScenario(catalog, id)),
      profile: resolveProfile(findProfile('intermediate-backup', opened.world.spec), opened.world),
      graceMs: 800,
      reportWaitMs: 50,
      waitMs: 20_000, // bounded, in case a step goes wrong
      workDir: join(tmp.path, 'work'),
      input,
      say: (line) => {
        said.push(line);
        if (line.includes('Waiting for the connection')) void plan[waits++]!();
      },
      onStart: (p) => (proxy = p),
    });
    expect(results.map((r) => [r.id, r.classification.outcome])).toEqual([
      ['calibration-canary', 'PASS'],
      ['control-genuine', 'PASS'],
      // curl pins the leaf only, so an intermediate pin rejects everything: rightly here.
      ['attack-rogue-root', 'PASS'],
      ['rotation-leaf-key', 'INCONCLUSIVE'],
      // Stopped with q: recorded as not run, not left out.
      ['rotation-intermediate', 'INCONCLUSIVE'],
    ]);
    expect(results[4]!.command).toBe('(manual, not run)');
    expect(results[4]!.classification.reason).toMatch(/^not run/);
    expect(said.join('\n')).toMatch(/ignored: rejected(-after-handshake)? connection for other\.example, not a host of this scenario/);
    expect(results[1]!.wire).toMatchObject({ kind: 'accepted', via: 'connect', requestLine: 'GET /app HTTP/1.1' });
    expect(results[1]!.exitCode).toBeUndefined();
    expect(results[2]!.wire!.kind).toBe('rejected-after-handshake');
    expect(results[3]!.classification.reason).toMatch(/skipped/);
    expect(results[3]!.command).toBe('(manual, skipped)');
    // What the person was told: the scenario, the proxy, and what a correct client does.
    expect(said).toContain('[3/5] attack-rogue-root: ' + findScenario(catalog, 'attack-rogue-root').title);
    expect(said.join('\n')).toMatch(/A correct client with this pin set would REJECT/);
    expect(said.join('\n')).toMatch(/stopped: the remaining scenarios were not run/);
  }, 60_000);

  it('r re-runs the previous scenario (the app was not ready): the new result replaces the skipped one', async () => {
    const catalog = loadCatalog(opened.world.spec);
    const input = new PassThrough();
    const said: string[] = [];
    let proxy: RunningProxy | undefined;
    let waits = 0;
    const viaProxy = () => curl(['--cacert', roots, '--proxy', `http://127.0.0.1:${proxy!.proxyPort}`, 'https://api.pinprick.test/app']);
    const plan = [
      () => curl(['--cacert', roots, '--proxy', `http://127.0.0.1:${proxy!.proxyPort}`, 'https://canary.pinprick.test/']),
      () => input.write('\n'), // control-genuine: skipped (the person was not ready)
      () => input.write('r\n'), // at attack-rogue-root: back to control-genuine
      viaProxy, // control-genuine again: now the app connects
      () => input.write('\n'), // attack-rogue-root: skipped
    ];
    const results = await runManual({
      opened,
      scenarios: ['calibration-canary', 'control-genuine', 'attack-rogue-root'].map((id) => findScenario(catalog, id)),
      profile: resolveProfile(findProfile('intermediate-backup', opened.world.spec), opened.world),
      graceMs: 800,
      reportWaitMs: 50,
      waitMs: 20_000,
      workDir: join(tmp.path, 'work-again'),
      input,
      say: (line) => {
        said.push(line);
        if (line.includes('Waiting for the connection')) void plan[waits++]!();
      },
      onStart: (p) => (proxy = p),
    });
    expect(waits).toBe(5);
    expect(results.map((r) => [r.id, r.classification.outcome, r.command])).toEqual([
      ['calibration-canary', 'PASS', '(manual)'],
      ['control-genuine', 'PASS', '(manual)'],
      ['attack-rogue-root', 'INCONCLUSIVE', '(manual, skipped)'],
    ]);
    expect(said).toContain('  re-running control-genuine');
    expect(said.filter((l) => l.startsWith('[2/3] control-genuine'))).toHaveLength(2);
  }, 60_000);

  it('the CLI: stdin lines skip, the proxy port is printed, reports are written, exit 0', async () => {
    const report = join(tmp.path, 'manual-reports');
    const child = manualCli(report);
    let stdout = '';
    let stderr = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.stderr.on('data', (d) => (stderr += d));
    let prompts = 0;
    let port = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      port ||= Number(/HTTP proxy to 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1] ?? 0);
      const seen = stdout.split('Waiting for the connection').length - 1;
      while (prompts < seen) {
        prompts++;
        // Calibration first (the canary host), then the catalog's order: attack-rogue-root
        // (skipped), then control-genuine.
        const trusting = (url: string) => void curl(['--cacert', join(report, 'pinprick-ca.pem'), '--proxy', `http://127.0.0.1:${port}`, url]);
        if (prompts === 1) trusting('https://canary.pinprick.test/');
        else if (prompts === 3) trusting('https://api.pinprick.test/');
        else child.stdin.write('\n');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(killer);
    expect(stderr).toBe('');
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/control-genuine .*PASS/);
    expect(stdout).toMatch(/attack-rogue-root .*INCONCLUSIVE/);
    const json = readFileSync(join(report, 'report.json'), 'utf8');
    expect(JSON.parse(json)).toMatchObject({ client: '(manual)', summary: { PASS: 2, INCONCLUSIVE: 1 } });
    // Every report format lands in --report, the HTML one included.
    expect(readFileSync(join(report, 'junit.xml'), 'utf8')).toContain('name="control-genuine"');
    expect(readFileSync(join(report, 'summary.md'), 'utf8')).toContain('`control-genuine`');
    expect(readFileSync(join(report, 'report.html'), 'utf8')).toMatch(/<html[\s\S]*control-genuine[\s\S]*<\/html>/);
  }, 60_000);

  it('the CLI: q stops the run, the rest is recorded as not run, and the exit code is 4 (issue 14, defect 7)', async () => {
    const report = join(tmp.path, 'manual-quit');
    const child = manualCli(report);
    let stdout = '';
    let prompts = 0;
    const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      const port = Number(/HTTP proxy to 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1] ?? 0);
      const seen = stdout.split('Waiting for the connection').length - 1;
      while (prompts < seen) {
        prompts++;
        if (prompts === 1) void curl(['--cacert', join(report, 'pinprick-ca.pem'), '--proxy', `http://127.0.0.1:${port}`, 'https://canary.pinprick.test/']);
        else child.stdin.write('q\n');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(killer);
    expect(code, stdout).toBe(4);
    expect(stdout).toMatch(/incomplete: 2 scenario\(s\) not run/);
    const json = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8')) as { results: { id: string; command: string }[] };
    expect(json.results.map((r) => [r.id, r.command])).toEqual([
      ['calibration-canary', '(manual)'],
      ['attack-rogue-root', '(manual, not run)'],
      ['control-genuine', '(manual, not run)'],
    ]);
  }, 60_000);
});
