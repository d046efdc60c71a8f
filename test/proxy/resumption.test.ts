/**
 * Every connection is a full handshake: a client that kept a session from an earlier connection
 * (Node, OpenSSL's s_client, OkHttp and browsers all cache them) cannot resume it, so the proxy
 * presents the scenario's chain every time and each record's chainPins are what was sent. A
 * resumed TLS 1.2 or 1.3 handshake (RFC 5077, RFC 8446 2.2) sends no Certificate message: the
 * client would be judged on a chain it was never shown, and its pin check (which on Android and in
 * OkHttp looks at the session's stored certificates) would not run on a fresh chain.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type SecureVersion } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../src/proxy/server.js';
import { presentScenario } from '../../src/scenario/materialize.js';
import { findScenario, loadCatalog } from '../../src/scenario/scenario.js';
import { openWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

const HOST = 'api.pinprick.test';

/** CONNECT through the proxy; resolves with the tunnel once the proxy answered 200. */
function tunnel(proxyPort: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ port: proxyPort, host: '127.0.0.1' }, () => s.write(`CONNECT ${HOST}:443 HTTP/1.1\r\nHost: ${HOST}:443\r\n\r\n`));
    s.once('error', reject);
    s.once('data', (d: Buffer) => (d.toString('latin1').startsWith('HTTP/1.1 200') ? resolve(s) : reject(new Error(d.toString('latin1')))));
  });
}

/** One TLS connection (optionally offering `session`), one request; the session it ends with and whether it resumed. */
function handshake(target: { socket: Socket } | { port: number }, maxVersion: SecureVersion, session?: Buffer): Promise<{ resumed: boolean; session: Buffer | undefined }> {
  return new Promise((resolve, reject) => {
    const t = tlsConnect({ ...target, host: '127.0.0.1', servername: HOST, rejectUnauthorized: false, maxVersion, ...(session ? { session } : {}) });
    let latest: Buffer | undefined;
    let resumed = false;
    t.on('session', (s: Buffer) => (latest = s));
    t.once('secureConnect', () => {
      resumed = t.isSessionReused();
      t.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
    });
    t.on('data', () => undefined);
    t.once('error', reject);
    t.once('close', () => resolve({ resumed, session: latest ?? t.getSession() }));
  });
}

/**
 * `openssl s_client ARGS` sending one request, asynchronously (the proxy runs in this process), with
 * a deadline; its output. -ign_eof: it reads until the server closes, which the answer (Connection: close) makes it do.
 */
function sClient(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-ign_eof', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
  });
}

describe('no session resumption: every connection is shown the chain', () => {
  const tmp = tempDir();
  let proxy: RunningProxy;
  beforeAll(async () => {
    const opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    const presented = await presentScenario(opened, findScenario(loadCatalog(opened.world.spec), 'control-genuine'));
    proxy = await startProxy({ scenario: presented, graceMs: 500 });
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    tmp.cleanup();
  });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    for (const via of ['connect', 'direct'] as const) {
      it(`${version}, ${via === 'connect' ? 'through CONNECT' : 'on the direct TLS port'}: a Node client offering its session gets a full handshake, and both connections are recorded accepted with the chain`, async () => {
        const target = async () => (via === 'connect' ? { socket: await tunnel(proxy.proxyPort) } : { port: proxy.tlsPort });
        const before = proxy.verdicts.lastId;
        const first = await handshake(await target(), version);
        expect(first.session, 'the server gave the client a session to keep').toBeDefined();
        const second = await handshake(await target(), version, first.session);
        expect(second.resumed).toBe(false);
        const records = await Promise.all([1, 2].map((n) => proxy.verdicts.next((v) => v.id === before + n, { includePast: true, timeoutMs: 5_000 })));
        for (const r of records) expect(r).toMatchObject({ kind: 'accepted', via, tlsVersion: version, chainPins: proxy.scenario().chain.map((c) => c.pin.sha256) });
      });
    }
  }

  it("OpenSSL's s_client with -sess_out then -sess_in: the second handshake is New, not Reused (TLS 1.3 and 1.2)", async () => {
    for (const version of ['-tls1_3', '-tls1_2']) {
      const sess = join(tmp.path, `session${version}.pem`);
      const first = await sClient([version, '-connect', `127.0.0.1:${proxy.tlsPort}`, '-servername', HOST, '-sess_out', sess]);
      expect(first).toMatch(/^New, /m);
      expect(first, 'the request was answered').toMatch(/^HTTP\/1\.1 200/m);
      const second = await sClient([version, '-connect', `127.0.0.1:${proxy.tlsPort}`, '-servername', HOST, '-sess_in', sess]);
      expect(second).toMatch(/^New, /m);
      expect(second).not.toMatch(/^Reused, /m);
    }
  });
});
