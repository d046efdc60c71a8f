import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorld } from '../../src/world/store.js';
import { pemOf } from '../../src/world/pem.js';
import { runCli } from '../helpers/cli.js';
import { curl } from '../helpers/curl.js';
import { tempDir } from '../helpers/tmp.js';

const BIN = fileURLToPath(new URL('../../bin/pinprick.js', import.meta.url));

describe('pinprick serve and pinprick use', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  const log = join(tmp.path, 'verdicts.jsonl');
  // serve leaves its control address in its runtime folder (TMPDIR/pinprick-<uid>/ without
  // XDG_RUNTIME_DIR): one of its own, so that another serve on this machine is never the one
  // `pinprick status` finds.
  const stateDir = join(tmp.path, 'state');
  const env = { TMPDIR: stateDir, XDG_RUNTIME_DIR: '' };
  let child: ChildProcess;
  let output = '';
  let ports: { proxy: number; tls: number; control: string; token: string };
  let roots: string;

  beforeAll(async () => {
    const { world } = await openWorld({ certsDir });
    roots = join(tmp.path, 'roots.pem');
    mkdirSync(stateDir);
    writeFileSync(roots, world.trustedRoots().map((r) => pemOf(r.der, 'CERTIFICATE')).join(''));
    child = spawn(process.execPath, [BIN, 'serve', '--proxy-port', '0', '--tls-port', '0', '--control-port', '0', '--log', log, '--profile', 'intermediate-only', '--grace', '500'], {
      env: { ...process.env, PINPRICK_CERTS: certsDir, NO_COLOR: '1', ...env },
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 20_000;
    while (!/token: \S+/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    ports = {
      proxy: Number(/HTTP proxy:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1]),
      tls: Number(/direct TLS:\s+127\.0\.0\.1:(\d+)/.exec(output)![1]),
      control: /control API: (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!,
      token: /token: (\S+)/.exec(output)![1]!,
    };
  });
  afterAll(() => {
    child?.kill('SIGTERM');
    tmp.cleanup();
  });

  it('prints its listeners on 127.0.0.1 and the control token', () => {
    expect(output).toMatch(/scenario control-genuine/);
    expect(ports.proxy).toBeGreaterThan(0);
    expect(ports.token.length).toBeGreaterThan(16);
  });

  it('prints one line per connection with the expected verdict for the profile, and appends it to the JSONL log', async () => {
    const r = await curl(['--cacert', roots, '--proxy', `http://127.0.0.1:${ports.proxy}`, 'https://api.pinprick.test/cli']);
    expect(r.code, r.stderr).toBe(0);
    const deadline = Date.now() + 5_000;
    while (!existsSync(log) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    const records = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.at(-1)).toMatchObject({ kind: 'accepted', requestLine: 'GET /cli HTTP/1.1', via: 'connect', expected: { verdict: 'accept', code: 'ok', profile: 'intermediate-only' } });
    expect(records.at(-1)).not.toHaveProperty('mismatch');
    while (!output.includes('GET /cli') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(output).toMatch(/accepted\s+control-genuine\s+api\.pinprick\.test\s+GET \/cli HTTP\/1\.1.*a correct intermediate-only client: accept, ok/);
  });

  it('pinprick use switches the running proxy to another scenario', async () => {
    const r = await runCli(['use', 'attack-rogue-root', '--control', ports.control, '--token', ports.token], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('now presenting attack-rogue-root');
    // serve says the switch on its console (issue 14: a console line on every scenario switch).
    const said = Date.now() + 3_000;
    while (!/scenario: control-genuine -> attack-rogue-root/.test(output) && Date.now() < said) await new Promise((res) => setTimeout(res, 50));
    expect(output).toMatch(/^\d\d:\d\d:\d\d\.\d{3} scenario: control-genuine -> attack-rogue-root \(switched over the control API\)$/m);
    const verdictCount = readFileSync(log, 'utf8').trim().split('\n').length;
    await curl(['--cacert', roots, '--resolve', `api.pinprick.test:${ports.tls}:127.0.0.1`, `https://api.pinprick.test:${ports.tls}/`]);
    const deadline = Date.now() + 5_000;
    let lines: string[] = [];
    while (lines.length <= verdictCount && Date.now() < deadline) {
      lines = readFileSync(log, 'utf8').trim().split('\n');
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ scenario: 'attack-rogue-root', kind: 'accepted' });
  });

  it('a client that accepts what a correct client rejects (curl has no pins, the chain is from a rogue root): mismatch in the log, MISMATCH on the console', async () => {
    const records = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.at(-1)).toMatchObject({ scenario: 'attack-rogue-root', kind: 'accepted', expected: { verdict: 'reject', code: 'pin-mismatch', profile: 'intermediate-only' }, mismatch: true });
    const deadline = Date.now() + 3_000;
    while (!output.includes('MISMATCH') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(output).toMatch(/^MISMATCH \d\d:\d\d:\d\d\.\d{3} #\d+ accepted\s+attack-rogue-root .*expected reject \(pin-mismatch\) for a correct intermediate-only client, observed accepted$/m);
    // The line as expected earlier carries no mark.
    expect(output).not.toMatch(/^MISMATCH .*control-genuine/m);
  });

  it('pinprick status finds the running serve and says what it serves, where, for which profile, and what it saw', async () => {
    const r = await runCli(['status'], { certsDir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`pinprick serve at ${ports.control}`);
    expect(r.stdout).toMatch(/^ {2}scenario: +attack-rogue-root \(.+\) for api\.pinprick\.test$/m);
    expect(r.stdout).toMatch(/^ {2}profile: +intermediate-only: a correct client rejects \(pin-mismatch\) on api\.pinprick\.test$/m);
    expect(r.stdout).toMatch(new RegExp(`^ {2}HTTP proxy: +http://127\\.0\\.0\\.1:${ports.proxy}\\b`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^ {2}direct TLS: +127\\.0\\.0\\.1:${ports.tls}$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^ {2}control API: +${ports.control.replace(/\./g, '\\.')}$`, 'm'));
    expect(r.stdout).toMatch(/^ {2}verdicts: +2 \(accepted 2\)$/m);
    expect(r.stdout).toMatch(/^ {2}mismatches: +1$/m);
    expect(r.stdout).toMatch(/^ {2}pin reports: +0$/m);
    expect(r.stdout).toContain(`${log}: ok`);
  });

  it('pinprick status --json prints GET /status as it came', async () => {
    const r = await runCli(['status', '--json'], { certsDir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ scenario: { id: 'attack-rogue-root' }, profile: 'intermediate-only', mismatches: 1, verdicts: 2, verdictsByKind: { accepted: 2 }, listen: { proxyPort: ports.proxy, tlsPort: ports.tls } });
  });

  it('pinprick status with no running serve: one line, exit 2', async () => {
    const empty = join(tmp.path, 'no-serve');
    mkdirSync(empty);
    const none = await runCli(['status'], { certsDir, env: { TMPDIR: empty, XDG_RUNTIME_DIR: '' } });
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^pinprick: no running pinprick serve found: [^\n]*start pinprick serve, or pass --control URL\n$/);
    // A state file left by a serve that is gone (killed): nothing answers at its address.
    mkdirSync(join(empty, `pinprick-${process.getuid!()}`), { mode: 0o700 });
    writeFileSync(join(empty, `pinprick-${process.getuid!()}`, 'control.json'), JSON.stringify({ url: 'http://127.0.0.1:1', token: 'x', pid: 999_999_999 }), { mode: 0o600 });
    const stale = await runCli(['status'], { certsDir, env: { TMPDIR: empty, XDG_RUNTIME_DIR: '' } });
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(/^pinprick: no running pinprick serve found: nothing answers at http:\/\/127\.0\.0\.1:1 [^\n]*\n$/);
    const given = await runCli(['status', '--control', 'http://127.0.0.1:1'], { certsDir, env: { TMPDIR: empty, XDG_RUNTIME_DIR: '' } });
    expect(given.code).toBe(2);
    expect(given.stderr).toMatch(/^pinprick: no running pinprick serve found: nothing answers at http:\/\/127\.0\.0\.1:1\b/);
  });

  it('pinprick use with a wrong token fails with one line and exit 2', async () => {
    const r = await runCli(['use', 'control-genuine', '--control', ports.control, '--token', 'wrong'], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pinprick: control API: missing or wrong token/);
  });
});
