/**
 * `pinprick serve` against hostile peers (issue 15): a real serve process, real clients (Node's
 * tls and http, curl), on 127.0.0.1 only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { mkdirSync, readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorld } from '../../src/world/store.js';
import { curl } from '../helpers/curl.js';
import { tempDir } from '../helpers/tmp.js';

const BIN = fileURLToPath(new URL('../../bin/pinprick.js', import.meta.url));

/** A raw CONNECT to the proxy: the status line of its answer. */
function rawConnect(proxyPort: number, authority: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port: proxyPort }, () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      if (text.includes('\r\n')) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text.split('\r\n')[0]!));
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

/** The verdict records so far. */
function records(log: string): { kind: string; target?: string; detail: string }[] {
  return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; target?: string; detail: string });
}

/** A TLS client whose SNI is `servername`, as sent (Node passes it to OpenSSL untouched); resolves when the connection ends. */
function tlsWithSni(port: number, servername: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: true });
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

describe('pinprick serve against hostile peers (issue 15)', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  const stateDir = join(tmp.path, 'state');
  const log = join(tmp.path, 'verdicts.jsonl');
  let child: ChildProcess;
  let stdout = '';
  let ports: { proxy: number; tls: number; control: number; token: string };

  /** Wait (bounded) until stdout matches. */
  async function until(re: RegExp, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!re.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  }

  beforeAll(async () => {
    await openWorld({ certsDir });
    mkdirSync(stateDir);
    child = spawn(process.execPath, [BIN, 'serve', '--proxy-port', '0', '--tls-port', '0', '--control-port', '0', '--log', log, '--grace', '500'], {
      env: { ...process.env, PINPRICK_CERTS: certsDir, NO_COLOR: '1', TMPDIR: stateDir },
    });
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stdout += d));
    await until(/token: \S+/, 20_000);
    ports = {
      proxy: Number(/HTTP proxy:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)![1]),
      tls: Number(/direct TLS:\s+127\.0\.0\.1:(\d+)/.exec(stdout)![1]),
      control: Number(/control API: http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)![1]),
      token: /token: (\S+)/.exec(stdout)![1]!,
    };
  });
  afterAll(() => {
    child?.kill('SIGTERM');
    tmp.cleanup();
  });

  it('finding 3: an SNI with CR LF and an OSC sequence is one escaped console line, not a forged verdict nor a window title', async () => {
    const before = stdout.length;
    const forged = 'evil.test\r\n12:00:00.000 #99 accepted                 control-genuine  api.pinprick.test  GET / HTTP/1.1\x1b]0;title\x07';
    await tlsWithSni(ports.tls, forged);
    await until(/evil\.test\\x0D\\x0A/);
    const lines = stdout.slice(before).split('\n').filter(Boolean);
    // One connection, one line: the forged "#99 accepted" is inside it, escaped.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} #\d+ rejected +control-genuine {2}evil\.test\\x0D\\x0A12:00:00\.000 #99 accepted .*GET \/ HTTP\/1\.1\\x1B\]0;title\\x07 {2}/);
    expect(stdout.slice(before)).not.toMatch(/[\x1b\x07\r]/);
  });

  it('finding 4: a plain-HTTP proxy request to the loopback-only control API is refused (403) and recorded', async () => {
    const r = await curl(['-i', '--proxy', `http://127.0.0.1:${ports.proxy}`, `http://127.0.0.1:${ports.control}/status`]);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(r.stdout).toContain("pinprick's control API");
    expect(r.stdout).not.toContain('"scenario"');
    const viaLocalhost = await curl(['-i', '--proxy', `http://127.0.0.1:${ports.proxy}`, `http://localhost:${ports.control}/verdicts`]);
    expect(viaLocalhost.stdout).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    const deadline = Date.now() + 5_000;
    while (!records(log).some((v) => v.kind === 'plain-http' && /refused/.test(v.detail)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(records(log).find((v) => v.kind === 'plain-http' && /refused/.test(v.detail))?.detail).toMatch(/refused GET http:\/\/127\.0\.0\.1:\d+\/status HTTP\/1\.1: .*control API.*\(403\)/);
  });

  it('finding 4: a CONNECT tunnel to the control API is refused (403) and recorded, in any spelling of a local address', async () => {
    const r = await curl(['-i', '--proxytunnel', '--proxy', `http://127.0.0.1:${ports.proxy}`, `http://127.0.0.1:${ports.control}/status`]);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(r.stdout).not.toContain('"scenario"');
    for (const host of ['localhost', '127.1', '127.0.0.2', '0.0.0.0', '[::ffff:127.0.0.1]', '[::1]', '2130706433']) {
      expect(await rawConnect(ports.proxy, `${host}:${ports.control}`), host).toBe('HTTP/1.1 403 Forbidden');
    }
    const deadline = Date.now() + 5_000;
    while (records(log).filter((v) => v.kind === 'malformed').length < 8 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    const refused = records(log).filter((v) => v.kind === 'malformed' && /control API/.test(v.detail));
    expect(refused).toHaveLength(8);
    expect(refused[0]).toMatchObject({ target: `127.0.0.1:${ports.control}` });
  });

  it('finding 4: a host name that resolves to a local address is refused when the proxy would connect', async () => {
    // This machine's own name, when the resolver maps it to a local address (/etc/hosts usually does).
    const name = hostname();
    const address = await lookup(name).then((a) => a.address, () => undefined);
    if (!address || !/^127\.|^::1$/.test(address)) return;
    // The name is not local by its spelling: the proxy tries, and its lookup refuses the address.
    expect(await rawConnect(ports.proxy, `${name}:${ports.control}`)).toBe('HTTP/1.1 502 Bad Gateway');
    const r = await curl(['-i', '--proxy', `http://127.0.0.1:${ports.proxy}`, `http://${name}:${ports.control}/status`]);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 502 /);
    expect(r.stdout).toContain(`refused: ${name} resolves to ${address}`);
    expect(r.stdout).not.toContain('"scenario"');
    const deadline = Date.now() + 5_000;
    while (!records(log).some((v) => v.kind === 'upstream-failed') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(records(log).find((v) => v.kind === 'upstream-failed')?.detail).toMatch(new RegExp(`could not be opened: refused: ${name} resolves to .*control API`));
  });

  it('finding 4: other ports on loopback are still proxied as before', async () => {
    // The proxy's own TLS port, through a tunnel: the scenario's chain answers (curl rejects it: untrusted).
    const r = await curl(['--proxy', `http://127.0.0.1:${ports.proxy}`, `https://127.0.0.1:${ports.tls}/`]);
    expect(r.code).toBe(60);
  });

  it('finding 10: a pin-failure report a web page sent (cross-site text/plain POST) is shown as such on the console, origin escaped', async () => {
    const before = stdout.length;
    const body = JSON.stringify({ hostname: 'api.pinprick.test', port: 443, 'known-pins': ['pin-sha256="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="'], 'served-certificate-chain': [], 'validated-certificate-chain': [] });
    // Node's HTTP parser refuses C0 controls in a header, but takes bytes over 0x7F as Latin-1:
    // U+009B (C2 9B in UTF-8) arrives as 'Â' and the 8-bit CSI, which some terminals obey.
    const r = await curl(['-X', 'POST', '-H', 'content-type: text/plain', '-H', 'origin: http://attacker.example/\u009b2J', '-A', 'Mozilla/5.0', '--data-binary', body, '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${ports.proxy}/pinprick/report`]);
    expect(r.stdout).toBe('204');
    await until(/may be forged/);
    const line = stdout.slice(before).split('\n').find((l) => l.includes(' report #'));
    expect(line).toMatch(/ report #\d+ hpkp .*  sent by a web page at http:\/\/attacker\.example\/Â\\x9B2J: may be forged$/);
    expect(stdout.slice(before)).not.toMatch(/[\x80-\x9f]/);
    // The control API lists it with where it came from.
    const reports = (await (await fetch(`http://127.0.0.1:${ports.control}/reports`)).json()) as { fromWebPage?: boolean; origin?: string }[];
    expect(reports.at(-1)).toMatchObject({ fromWebPage: true, origin: 'http://attacker.example/Â\x9b2J', userAgent: 'Mozilla/5.0' });
  });
});
