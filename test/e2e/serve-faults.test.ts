/**
 * `pinprick serve` as a user runs it, under faults: a burst of malformed, resetting clients must
 * not take the process down; start-up is all or nothing with one line and exit 2; a log that
 * cannot be written is said once and the proxy goes on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorld } from '../../src/world/store.js';
import { runCli } from '../helpers/cli.js';
import { curl } from '../helpers/curl.js';
import { tempDir } from '../helpers/tmp.js';

const BIN = fileURLToPath(new URL('../../bin/pinprick.js', import.meta.url));
const HOST = 'api.pinprick.test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Serve {
  child: ChildProcess;
  output: () => string;
  stderr: () => string;
  proxyPort: number;
}

async function serve(certsDir: string, args: string[]): Promise<Serve> {
  const child = spawn(process.execPath, [BIN, 'serve', '--proxy-port', '0', '--tls-port', '0', '--control-port', '0', ...args], { env: { ...process.env, PINPRICK_CERTS: certsDir, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const deadline = Date.now() + 20_000;
  while (!/token: \S+/.test(out) && child.exitCode === null && Date.now() < deadline) await sleep(50);
  const port = /HTTP proxy:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
  if (!port) throw new Error(`serve did not start: ${out}${err}`);
  return { child, output: () => out, stderr: () => err, proxyPort: Number(port[1]) };
}

function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => undefined);
    s.once('error', reject);
  });
}

describe('pinprick serve under faults', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  beforeAll(async () => {
    await openWorld({ certsDir });
  });
  afterAll(() => tmp.cleanup());

  it('stays up through a burst of malformed CONNECT requests whose clients reset, and logs one record for each', async () => {
    const log = join(tmp.path, 'burst.jsonl');
    const s = await serve(certsDir, ['--log', log]);
    try {
      const bad = [`CONNECT ${HOST} HTTP/1.1\r\n\r\n`, `CONNECT ${HOST}:0 HTTP/1.1\r\n\r\n`, `CONNECT ${HOST}:99999 HTTP/1.1\r\n\r\n`, `CONNECT ${'h'.repeat(10_000)}:443 HTTP/1.1\r\n\r\n`, `CONNECT ${HOST}:443 HTTP/1.1\r\nX: ${'x'.repeat(100_000)}\r\n\r\n`, `CONNECT h\u0000:443 HTTP/1.1\r\n\r\n`];
      let opened = 0;
      for (let round = 0; round < 5; round++) {
        await Promise.all(
          bad.map(async (request, i) => {
            const c = await tcp(s.proxyPort);
            opened++;
            c.write(request, 'latin1');
            if ((i + round) % 2) c.resetAndDestroy();
            else setTimeout(() => c.resetAndDestroy(), 3);
          }),
        );
      }
      await sleep(500);
      expect(s.child.exitCode, s.stderr()).toBeNull();
      const r = await curl(['-k', '--proxy', `http://127.0.0.1:${s.proxyPort}`, `https://${HOST}/after-the-burst`]);
      expect(r.code, r.stderr).toBe(0);
      const deadline = Date.now() + 5_000;
      let lines: string[] = [];
      while (lines.length < opened + 1 && Date.now() < deadline) {
        lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];
        await sleep(50);
      }
      expect(lines).toHaveLength(opened + 1);
      expect(s.stderr()).not.toMatch(/Error|at /);
    } finally {
      s.child.kill('SIGTERM');
    }
  });

  it('says once on stderr that the log cannot be written, and goes on serving', async () => {
    const s = await serve(certsDir, ['--log', '/dev/full']);
    try {
      for (let i = 0; i < 3; i++) {
        const r = await curl(['-k', '--proxy', `http://127.0.0.1:${s.proxyPort}`, `https://${HOST}/full-${i}`]);
        expect(r.code, r.stderr).toBe(0);
      }
      await sleep(200);
      expect(s.stderr().match(/cannot write \/dev\/full \(ENOSPC: no space left on device\)/g)).toHaveLength(1);
      expect(s.child.exitCode).toBeNull();
    } finally {
      s.child.kill('SIGTERM');
    }
  });

  it('refuses to start, with one line and exit 2, on a port out of range, a port in use, or a log that is a folder', async () => {
    const range = await runCli(['serve', '--proxy-port', '70000'], { certsDir });
    expect(range.code).toBe(2);
    expect(range.stderr).toBe('pinprick: --proxy-port 70000: expected a port from 0 to 65535\n');

    const taken = createNetServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      const inUse = await runCli(['serve', '--proxy-port', '0', '--tls-port', '0', '--control-port', String(port), '--log', join(tmp.path, 'x.jsonl')], { certsDir, timeoutMs: 20_000 });
      // It exits by itself (no listener left running), with one line naming the port.
      expect(inUse.code).toBe(2);
      expect(inUse.stderr).toBe(`pinprick: cannot listen on the control API port 127.0.0.1:${port}: the port is already in use (another pinprick serve?); pick another port or 0 for any free one\n`);
    } finally {
      taken.close();
    }

    const folder = join(tmp.path, 'logs-folder');
    mkdirSync(folder);
    const dir = await runCli(['serve', '--proxy-port', '0', '--tls-port', '0', '--control-port', '0', '--log', folder], { certsDir, timeoutMs: 20_000 });
    expect(dir.code).toBe(2);
    expect(dir.stderr).toMatch(/^pinprick: cannot open the verdict log '.*logs-folder': EISDIR: illegal operation on a directory\n$/);
  });
});
