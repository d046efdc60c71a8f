/**
 * `pinprick monitor` against pinprick's own direct TLS listener (`pinprick serve --tls-port 0`),
 * the scenario switched through the control API: --once for CI (exit 0, 1, 2), expiry warnings
 * both ways, then the long-running mode: a switch is seen within one interval, a webhook receiver
 * on 127.0.0.1 gets the failure (after answering 500 once) and the recovery, a dead webhook is
 * reported and monitoring goes on, and a restart with the same state does not alert again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemOf } from '../../src/world/pem.js';
import { openWorld } from '../../src/world/store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const BIN = fileURLToPath(new URL('../../bin/pinprick.js', import.meta.url));
const SNI = 'api.pinprick.test';

/** A process whose output is collected as it comes, and waited on by pattern. */
interface Watched {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the time the pattern first matched stdout, or rejects after `ms`. */
  waitFor: (pattern: RegExp, ms: number) => Promise<number>;
  exited: Promise<number | null>;
}

function watch(args: string[], env: Record<string, string>, cwd: string): Watched {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (t: number) => void }[] = [];
  child.stdout!.on('data', (d) => {
    out += d;
    for (const w of waiters.splice(0)) {
      if (w.pattern.test(out)) w.resolve(Date.now());
      else waiters.push(w);
    }
  });
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern, ms) =>
      new Promise((resolve, reject) => {
        if (pattern.test(out)) return resolve(Date.now());
        const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms; stdout:\n${out}\nstderr:\n${err}`)), ms);
        waiters.push({ pattern, resolve: (t) => (clearTimeout(timer), resolve(t)) });
      }),
  };
}

/** A webhook receiver on 127.0.0.1: answers `plan` in turn (the last repeats), keeps the bodies it took (2xx) and counts every attempt. */
async function receiver(plan: number[]): Promise<{ url: string; bodies: Record<string, unknown>[]; attempts: () => number; close: () => void }> {
  const bodies: Record<string, unknown>[] = [];
  let attempts = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const status = plan[Math.min(attempts, plan.length - 1)]!;
      attempts++;
      if (status < 300) bodies.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/SECRET`,
    bodies,
    attempts: () => attempts,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('pinprick monitor against pinprick serve', () => {
  const tmp = tempDir('pinprick-monitor-');
  const certsDir = join(tmp.path, 'certs');
  const env = { PINPRICK_CERTS: certsDir, TMPDIR: tmp.path, XDG_RUNTIME_DIR: '' };
  let serve: Watched;
  let tls: number;
  let proxyPort: number;
  let control: string;
  let token: string;
  const monitor = (args: string[]) => runCli(['monitor', ...args], { certsDir, cwd: tmp.path, env });
  const endpoint = () => ['--endpoint', `127.0.0.1:${tls}`, '--sni', SNI];
  const use = async (id: string) => {
    const r = await fetch(`${control}/scenario`, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ id }) });
    expect(r.status).toBe(200);
  };

  beforeAll(async () => {
    serve = watch(['serve', '--proxy-port', '0', '--tls-port', '0', '--control-port', '0', '--log', join(tmp.path, 'verdicts.jsonl')], env, tmp.path);
    await serve.waitFor(/token: \S+/, 60_000);
    tls = Number(/direct TLS:\s+127\.0\.0\.1:(\d+)/.exec(serve.stdout())![1]);
    proxyPort = Number(/HTTP proxy:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(serve.stdout())![1]);
    control = /control API: (http:\/\/127\.0\.0\.1:\d+)/.exec(serve.stdout())![1]!;
    token = /token: (\S+)/.exec(serve.stdout())![1]!;
  });
  afterAll(async () => {
    serve?.child.kill('SIGTERM');
    await serve?.exited;
    tmp.cleanup();
  });

  it('--once: the genuine chain passes intermediate-backup: one line, exit 0; --json: the same as one object', async () => {
    const r = await monitor([...endpoint(), '--profile', 'intermediate-backup', '--once', '--state', 'once.json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^PASS 127\\.0\\.0\\.1:${tls} sni=api\\.pinprick\\.test: ok: The chain validates and pin 'genuine-intermediate' matches .* on the validated path\\.\\n$`));
    const j = await monitor([...endpoint(), '--profile', 'intermediate-backup', '--once', '--state', 'once.json', '--json']);
    expect(j.code).toBe(0);
    const record = JSON.parse(j.stdout) as Record<string, unknown>;
    expect(record).toMatchObject({ endpoint: `127.0.0.1:${tls} sni=${SNI}`, host: '127.0.0.1', port: tls, sni: SNI, status: 'pass', previousStatus: 'pass', code: 'ok', fix: null, warnings: [] });
    expect(record.pinsSeen).toEqual([expect.stringMatching(/^sha256\/[A-Za-z0-9+/]{43}=$/), expect.stringMatching(/^sha256\//)]);
    // Through serve's CONNECT proxy, which intercepts api.pinprick.test:443 with the same chain.
    const viaProxy = await monitor(['--endpoint', `${SNI}:443`, '--proxy', `http://127.0.0.1:${proxyPort}`, '--profile', 'intermediate-backup', '--once', '--state', 'proxy.json', '--json']);
    expect(viaProxy.code, viaProxy.stderr).toBe(0);
    expect(JSON.parse(viaProxy.stdout)).toMatchObject({ endpoint: 'api.pinprick.test:443', sni: null, status: 'pass', pinsSeen: record.pinsSeen });
  });

  it('--once: after a switch to an intermediate the app does not pin, exit 1 with the reason and the fix; an unreachable endpoint fails too', async () => {
    await use('rotation-intermediate');
    try {
      const r = await monitor([...endpoint(), '--profile', 'intermediate-backup', '--once', '--state', 'once.json']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        new RegExp(
          `^FAIL 127\\.0\\.0\\.1:${tls} sni=api\\.pinprick\\.test \\(was PASS\\): pin-mismatch: The chain validates but no pinned key is on the validated path\\. \\(fix: serve a chain with a key the app pins again \\(genuine-intermediate, backup-1\\); to move to this chain: add genuine-root \\(sha256/.*\\) or genuine-intermediate-2 \\(sha256/.*\\), which are on the new path; or issue the new certificate with backup-1, the backup key already pinned; ship the pin set in a release, and serve this chain only once it is installed\\)\\n$`,
        ),
      );
    } finally {
      await use('control-genuine');
    }
    writeFileSync(join(tmp.path, 'two.txt'), `# the direct listener, by address\n127.0.0.1:${tls} sni=${SNI}\n127.0.0.1:1   # nothing listens\n`);
    const both = await monitor(['--endpoints', 'two.txt', '--profile', 'intermediate-backup', '--once', '--state', 'two.json']);
    expect(both.code).toBe(1);
    expect(both.stdout.split('\n')).toEqual([expect.stringMatching(/^PASS 127\.0\.0\.1:\d+ sni=api\.pinprick\.test: ok: /), 'UNREACHABLE 127.0.0.1:1: unreachable: cannot connect to 127.0.0.1:1: connect ECONNREFUSED (fix: check that the server is up and reachable from here (address, port, firewall, --proxy))', '']);
  });

  it.each([
    [['--endpoint', 'api.pinprick.test:99999', '--profile', 'intermediate-backup', '--once'], "pinprick: --endpoint 'api.pinprick.test:99999': expected HOST:PORT, HOST (port 443) or [IPv6]:PORT"],
    [['--profile', 'intermediate-backup', '--once'], 'pinprick: no endpoint to monitor: give --endpoint HOST:PORT (repeatable) or --endpoints FILE'],
    [['--endpoint', '127.0.0.1:1', '--profile', 'intermediate-backup', '--interval', '15'], "pinprick: --interval '15': expected a whole number and a unit, such as 500ms, 30s, 15m, 1h or 2d"],
    [['--endpoint', '127.0.0.1:1', '--profile', 'intermediate-backup', '--interval', '1s', '--interval', '2s'], 'pinprick: --interval is given 2 times: give it once'],
    [['--endpoint', '127.0.0.1:1', '--profile', 'intermediate-backup', '--webhook', 'file:///etc/passwd'], "pinprick: --webhook 'file://…': only http and https URLs are posted to"],
    [['--endpoints', 'eps.txt', '--profile', 'intermediate-backup', '--once'], "pinprick: eps.txt:2: unknown 'port=8443': after the endpoint only sni=NAME may follow"],
    [['--endpoint', '127.0.0.1:1', '--profile', 'intermediate-backup', '--once', '--state', 'notes.txt'], 'pinprick: notes.txt: not a pinprick monitor state file (not JSON); remove it'],
  ])('bad input %j: one line on stderr, exit 2, nothing probed', async (args, message) => {
    writeFileSync(join(tmp.path, 'eps.txt'), '# endpoints\n127.0.0.1:8443 port=8443\n');
    writeFileSync(join(tmp.path, 'notes.txt'), 'my notes\n');
    const r = await monitor(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr.startsWith(message), r.stderr).toBe(true);
    expect(readFileSync(join(tmp.path, 'notes.txt'), 'utf8')).toBe('my notes\n');
  });

  it('--warn-days: a pinned leaf alone (397 days) warns at 400 days; an announced backup pin, or a pinned intermediate (3 years), silences it', async () => {
    const leafOnly = await monitor([...endpoint(), '--profile', 'leaf-only', '--once', '--warn-days', '400', '--state', 'warn.json']);
    expect(leafOnly.code).toBe(0);
    expect(leafOnly.stdout).toMatch(/^WARN 127\.0\.0\.1:\d+ sni=api\.pinprick\.test: ok: .*; warning expiry: every pinned key on the path is in a certificate that expires within 400 days \('CN=api\.pinprick\.test' on \d{4}-\d\d-\d\d; the first in 39\d days\) and the pin set holds no backup pin outside this chain: a renewal with a new key bricks the app \(fix: renew with the same key, or add a pin of a backup key kept offline .* before \d{4}-\d\d-\d\d\)\n$/);
    writeFileSync(join(tmp.path, 'leaf-backup.yaml'), 'id: leaf-backup\npins: [genuine-leaf, backup-1]\n');
    const announced = await monitor([...endpoint(), '--profile', 'leaf-backup.yaml', '--once', '--warn-days', '400', '--state', 'warn.json']);
    expect(announced.code).toBe(0);
    expect(announced.stdout).toMatch(/^PASS .*: ok: The chain validates and pin 'genuine-leaf' matches/);
    // Pinned with a key whose certificate lives 3 years: in use past 400 days, so nothing to warn about.
    const intermediate = await monitor([...endpoint(), '--profile', 'intermediate-only', '--once', '--warn-days', '400', '--state', 'warn.json']);
    expect(intermediate.stdout).toMatch(/^PASS .*: ok: The chain validates and pin 'genuine-intermediate' matches/);
  });

  it("an app's own configuration (a curl pin list) trusts the system store, where the test CA is not; --roots FILE trusts the world's roots", async () => {
    const { world } = await openWorld({ certsDir });
    // curl checks the leaf's key only (--pinnedpubkey): the list pins the genuine leaf and a backup.
    writeFileSync(join(tmp.path, 'pins.txt'), `sha256//${world.key('genuine-leaf').pin.sha256};sha256//${world.key('backup-1').pin.sha256}\n`);
    writeFileSync(join(tmp.path, 'roots.pem'), world.trustedRoots().map((r) => pemOf(r.der, 'CERTIFICATE')).join(''));
    const system = await monitor([...endpoint(), '--profile', 'pins.txt', '--once', '--state', 'app.json']);
    expect(system.code).toBe(1);
    expect(system.stdout).toMatch(/^FAIL 127\.0\.0\.1:\d+ sni=api\.pinprick\.test: untrusted: .*for a private CA, give its root with --roots\)\n$/);
    const roots = await monitor([...endpoint(), '--profile', 'pins.txt', '--roots', 'roots.pem', '--once', '--state', 'app.json']);
    expect(roots.code, roots.stdout + roots.stderr).toBe(0);
    // The list names no host: it pins the monitored one (the SNI), so the pin check ran.
    expect(roots.stdout).toMatch(/^PASS 127\.0\.0\.1:\d+ sni=api\.pinprick\.test \(was FAIL\): ok: The chain validates and pin \S+ matches 'CN=api\.pinprick\.test' \(depth 0\)/);
  });

  it('long-running: a switch is seen within one interval, the webhook gets the failure (after a 500) and the recovery, SIGTERM stops it cleanly; a restart does not alert again', async () => {
    const hook = await receiver([500, 200]);
    const state = join(tmp.path, 'watch.json');
    const args = ['monitor', ...endpoint(), '--profile', 'intermediate-only', '--state', state, '--webhook', hook.url, '--webhook-backoff', '100ms', '--webhook-retries', '2', '--webhook-timeout', '2s'];
    const m = watch([...args, '--interval', '1s'], env, tmp.path);
    try {
      await m.waitFor(/PASS 127\.0\.0\.1/, 20_000);
      expect(m.stderr()).toMatch(/^pinprick monitor: 1 endpoint, profile intermediate-only, every 1s, trusting the profile's trust store \(world default\); state .*watch\.json; webhook http:\/\/127\.0\.0\.1:\d+\n$/);
      // The webhook URL's path (where receivers keep their secret) is never printed.
      expect(m.stderr()).not.toContain('SECRET');
      // The first pass is a line, and no event.
      expect(hook.attempts()).toBe(0);

      const switched = Date.now();
      await use('rotation-intermediate');
      const seen = await m.waitFor(/FAIL 127\.0\.0\.1:\d+ sni=api\.pinprick\.test \(was PASS\): pin-mismatch: /, 5_000);
      // Within one interval (1 s), and some slack for a loaded machine.
      expect(seen - switched).toBeLessThan(1_000 + 2_000);
      expect(m.stdout()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z FAIL /m);
      await until(() => hook.bodies.length === 1, 5_000, 'the failure event');
      // Answered 500 first, then taken: two attempts for one event.
      expect(hook.attempts()).toBe(2);
      expect(hook.bodies[0]).toMatchObject({ event: 'failure', endpoint: `127.0.0.1:${tls} sni=${SNI}`, sni: SNI, status: 'fail', previousStatus: 'pass', code: 'pin-mismatch', warning: null, profile: 'intermediate-only', pinprick: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      expect(hook.bodies[0]!.fix).toMatch(/^serve a chain with a key the app pins again \(genuine-intermediate\)/);
      expect(hook.bodies[0]!.pinsSeen).toHaveLength(2);

      await use('control-genuine');
      await m.waitFor(/PASS 127\.0\.0\.1:\d+ sni=api\.pinprick\.test \(was FAIL\): ok: /, 5_000);
      await until(() => hook.bodies.length === 2, 5_000, 'the recovery event');
      expect(hook.bodies[1]).toMatchObject({ event: 'recovery', status: 'pass', previousStatus: 'fail', code: 'ok', fix: null });
      // Unchanged rounds print nothing: three lines in all.
      await new Promise((r) => setTimeout(r, 1_200));
      expect(m.stdout().trim().split('\n')).toHaveLength(3);

      m.child.kill('SIGTERM');
      expect(await m.exited).toBe(0);
      expect(m.stderr()).toMatch(/pinprick monitor: stopped after \d+ rounds; state in .*watch\.json\n$/);
      expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ format: 'pinprick-monitor-state', profile: 'intermediate-only', endpoints: { [`127.0.0.1:${tls} sni=${SNI}`]: { status: 'pass', code: 'ok' } } });

      // Restarted with the same state: nothing changed, so nothing is printed or posted.
      const again = watch([...args, '--max-probes', '2', '--interval', '200ms'], env, tmp.path);
      expect(await again.exited).toBe(0);
      expect(again.stdout()).toBe('');
      expect(again.stderr()).toMatch(/stopped after 2 rounds/);
      expect(hook.attempts()).toBe(3);
    } finally {
      m.child.kill('SIGKILL');
      hook.close();
    }
  });

  it('a dead webhook is reported once per event on stderr, and monitoring goes on', async () => {
    const dead = await receiver([200]);
    dead.close();
    const deadUrl = dead.url.replace('/hook/SECRET', '/hook');
    // A name the leaf does not cover: the first probe fails, so a failure event is due.
    const m = watch(['monitor', '--endpoint', `127.0.0.1:${tls}`, '--sni', 'other.pinprick.test', '--profile', 'intermediate-only', '--interval', '300ms', '--max-probes', '4', '--state', join(tmp.path, 'dead.json'), '--webhook', deadUrl, '--webhook-retries', '1', '--webhook-backoff', '50ms'], env, tmp.path);
    expect(await m.exited).toBe(0);
    expect(m.stdout()).toMatch(/^\S+ FAIL 127\.0\.0\.1:\d+ sni=other\.pinprick\.test: hostname-mismatch: .*\(fix: serve a certificate whose subjectAltName covers other\.pinprick\.test, or give the name the app sends with --sni\)\n$/);
    const reports = m.stderr().split('\n').filter((l) => l.startsWith('pinprick: webhook'));
    expect(reports).toEqual([`pinprick: webhook ${new URL(deadUrl).origin}: failure event for 127.0.0.1:${tls} sni=other.pinprick.test not delivered after 2 attempts: connect ECONNREFUSED`]);
    expect(m.stderr()).toMatch(/stopped after 4 rounds/);
  });
});
