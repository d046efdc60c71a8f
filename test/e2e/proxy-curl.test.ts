import { writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchServedChain } from '../../src/proxy/served-chain.js';
import { startProxy, type RunningProxy } from '../../src/proxy/server.js';
import { presentScenario, type PresentedScenario } from '../../src/scenario/materialize.js';
import { findScenario, loadCatalog, type Scenario } from '../../src/scenario/scenario.js';
import { pemOf } from '../../src/world/pem.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { curl } from '../helpers/curl.js';
import { tempDir } from '../helpers/tmp.js';

const HOST = 'api.pinprick.test';

describe('the proxy with real curl and Node clients', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let catalog: Scenario[];
  let proxy: RunningProxy;
  let roots: string;
  const present = async (id: string): Promise<PresentedScenario> => presentScenario(opened, findScenario(catalog, id));
  const direct = () => ['--resolve', `${HOST}:${proxy.tlsPort}:127.0.0.1`, `https://${HOST}:${proxy.tlsPort}/hello`];
  const nextVerdict = () => proxy.verdicts.next(() => true, { timeoutMs: 15_000 });

  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    catalog = loadCatalog(opened.world.spec);
    proxy = await startProxy({ scenario: await present('control-genuine'), graceMs: 1_000, handshakeTimeoutMs: 1_500 });
    roots = join(tmp.path, 'roots.pem');
    writeFileSync(roots, opened.world.trustedRoots().map((r) => pemOf(r.der, 'CERTIFICATE')).join(''));
  });
  afterAll(async () => {
    await proxy?.close();
    tmp.cleanup();
  });

  it('listens on 127.0.0.1 by default', () => {
    expect(proxy.host).toBe('127.0.0.1');
  });

  it('records accepted, with the request line, TLS version and chain pins, when curl trusts the chain (direct, --resolve)', async () => {
    const verdict = nextVerdict();
    const r = await curl(['--cacert', roots, ...direct()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('scenario control-genuine');
    const v = await verdict;
    expect(v).toMatchObject({ kind: 'accepted', via: 'direct', sni: HOST, requestLine: 'GET /hello HTTP/1.1', scenario: 'control-genuine', alpn: 'http/1.1' });
    expect(v.tlsVersion).toBe('TLSv1.3');
    expect(v.chainPins).toEqual([opened.world.cert('genuine-leaf').pin.sha256, opened.world.cert('genuine-intermediate').pin.sha256]);
  });

  it('records accepted through the explicit proxy (CONNECT), with the CONNECT target', async () => {
    const verdict = nextVerdict();
    const r = await curl(['--cacert', roots, '--proxy', `http://127.0.0.1:${proxy.proxyPort}`, `https://${HOST}/via-proxy`]);
    expect(r.code, r.stderr).toBe(0);
    expect(await verdict).toMatchObject({ kind: 'accepted', via: 'connect', target: `${HOST}:443`, requestLine: 'GET /via-proxy HTTP/1.1' });
  });

  it('records rejected with unknown_ca when curl does not trust the root', async () => {
    const verdict = nextVerdict();
    const r = await curl(direct());
    expect(r.code).toBe(60);
    expect(await verdict).toMatchObject({ kind: 'rejected', alert: { name: 'unknown_ca', code: 48 } });
  });

  it('records rejected-after-handshake when curl --pinnedpubkey refuses the key after TLS', async () => {
    const verdict = nextVerdict();
    const r = await curl(['--cacert', roots, '--pinnedpubkey', `sha256//${opened.world.key('backup-1').pin.sha256}`, ...direct()]);
    expect(r.code).toBe(90);
    expect((await verdict).kind).toBe('rejected-after-handshake');
  });

  it('accepts for curl --pinnedpubkey with the leaf pin', async () => {
    const verdict = nextVerdict();
    const r = await curl(['--cacert', roots, '--pinnedpubkey', `sha256//${opened.world.cert('genuine-leaf').pin.sha256}`, ...direct()]);
    expect(r.code, r.stderr).toBe(0);
    expect((await verdict).kind).toBe('accepted');
  });

  it('records rejected (no alert) when a Node client with a pin check drops the handshake', async () => {
    const verdict = nextVerdict();
    await new Promise<void>((resolve) => {
      const s = tlsConnect({
        host: '127.0.0.1',
        port: proxy.tlsPort,
        servername: HOST,
        ca: opened.world.trustedRoots().map((r) => pemOf(r.der, 'CERTIFICATE')),
        checkServerIdentity: () => new Error('pin mismatch'),
      });
      s.on('error', () => resolve());
      s.on('secureConnect', () => resolve());
    });
    const v = await verdict;
    expect(v.kind).toBe('rejected');
    expect(v.alert).toBeUndefined();
  });

  it('records rejected-after-handshake for a Node TLS 1.2 client that does not trust the chain (Node checks after Finished, then closes)', async () => {
    const verdict = nextVerdict();
    await new Promise<void>((resolve) => {
      // No CA given: Node's default store does not know the test root, so OpenSSL sends an alert.
      const s = tlsConnect({ host: '127.0.0.1', port: proxy.tlsPort, servername: HOST, maxVersion: 'TLSv1.2' });
      s.on('error', () => resolve());
      s.on('secureConnect', () => resolve());
    });
    const v = await verdict;
    expect(v.kind).toBe('rejected-after-handshake');
    expect(v.tlsVersion).toBe('TLSv1.2');
  });

  it('presents the scenario chain byte for byte, including reversed pin stuffing', async () => {
    for (const id of ['control-genuine', 'attack-pin-stuffing-reversed', 'attack-pin-stuffing-duplicated']) {
      const scenario = await present(id);
      proxy.use(scenario);
      const verdict = nextVerdict();
      const served = await fetchServedChain({ host: '127.0.0.1', port: proxy.tlsPort, sni: HOST });
      expect(served.certificates.map((c) => c.toString('hex')), id).toEqual(scenario.chain.map((c) => c.der.toString('hex')));
      const v = await verdict;
      expect(v.scenario).toBe(id);
      expect(v.chainPins).toEqual(scenario.chain.map((c) => c.pin.sha256));
    }
    proxy.use(await present('control-genuine'));
  });

  it('switches scenario while running: the next connection gets the new chain', async () => {
    proxy.use(await present('attack-rogue-root'));
    const verdict = nextVerdict();
    const r = await curl(['--cacert', roots, '--pinnedpubkey', `sha256//${opened.world.cert('genuine-leaf').pin.sha256}`, ...direct()]);
    expect(r.code).toBe(90);
    expect(await verdict).toMatchObject({ kind: 'rejected-after-handshake', scenario: 'attack-rogue-root' });
    proxy.use(await present('control-genuine'));
  });

  it('records not-tls for a plain HTTP request to the TLS port, and answers 400', async () => {
    const verdict = nextVerdict();
    const r = await curl([`http://127.0.0.1:${proxy.tlsPort}/`]);
    expect(r.stdout).toContain('this port speaks TLS');
    expect((await verdict).kind).toBe('not-tls');
  });

  it('records not-tls for garbage bytes after CONNECT', async () => {
    const verdict = nextVerdict();
    const s = netConnect(proxy.proxyPort, '127.0.0.1');
    s.on('error', () => undefined);
    s.write(`CONNECT ${HOST}:443 HTTP/1.1\r\nHost: ${HOST}:443\r\n\r\n`);
    s.once('data', () => s.write(Buffer.from('\x00\x01garbage-not-tls\r\n\r\n')));
    const v = await verdict;
    s.destroy();
    expect(v).toMatchObject({ kind: 'not-tls', via: 'connect' });
  });

  it('records rejected at once, not timeout, for a half-close (FIN) after CONNECT with nothing sent', async () => {
    const verdict = nextVerdict();
    const s = netConnect({ port: proxy.proxyPort, host: '127.0.0.1', allowHalfOpen: true });
    s.on('error', () => undefined);
    s.write(`CONNECT ${HOST}:443 HTTP/1.1\r\nHost: ${HOST}:443\r\n\r\n`);
    s.once('data', () => s.end()); // FIN only: the tunnel socket stays half-open on the proxy side
    const v = await verdict;
    s.destroy();
    expect(v).toMatchObject({ kind: 'rejected', via: 'connect' });
    expect(v.detail).toMatch(/without sending anything/);
    expect(v.durationMs).toBeLessThan(1_500); // the handshake timeout would say 'timeout' at 1.5 s
  });

  it('records timeout for a client that never speaks', async () => {
    const verdict = nextVerdict();
    const s = netConnect(proxy.tlsPort, '127.0.0.1');
    s.on('error', () => undefined);
    const v = await verdict;
    s.destroy();
    expect(v.kind).toBe('timeout');
    expect(v.detail).toMatch(/no TLS ClientHello/);
  });

  it('records rejected for a client that drops mid-handshake', async () => {
    const verdict = nextVerdict();
    const s = tlsConnect({ host: '127.0.0.1', port: proxy.tlsPort, servername: HOST, rejectUnauthorized: false });
    s.on('error', () => undefined);
    // Drop as soon as the ClientHello is out, before the server's flight can be answered.
    setImmediate(() => s.destroy());
    const v = await verdict;
    expect(v.kind).toBe('rejected');
  });

  it('tunnels a host outside the scenario untouched: the client sees the real server chain, and one tunnelled record names no scenario', async () => {
    const world = opened.world;
    const real = createTlsServer({ key: world.key('vendor-intermediate').key.export({ type: 'pkcs8', format: 'pem' }), cert: pemOf(world.cert('vendor-intermediate').der, 'CERTIFICATE') });
    real.on('secureConnection', (s) => s.end());
    await new Promise<void>((r) => real.listen(0, '127.0.0.1', r));
    const before = proxy.verdicts.count;
    const port = (real.address() as AddressInfo).port;
    try {
      const record = proxy.verdicts.next((v) => v.kind === 'tunnelled', { timeoutMs: 5_000 });
      const served = await fetchServedChain({ host: '127.0.0.1', port, proxy: { host: '127.0.0.1', port: proxy.proxyPort } });
      expect(served.certificates.map((c) => c.toString('hex'))).toEqual([world.cert('vendor-intermediate').der.toString('hex')]);
      const v = await record;
      expect(v).toMatchObject({ kind: 'tunnelled', via: 'connect', target: `127.0.0.1:${port}`, chainPins: [] });
      // Not about the scenario: the harness never takes it for a client's answer to a chain.
      expect(v.scenario).toBeUndefined();
      expect(v.bytes!.out).toBeGreaterThan(served.certificates[0]!.length);
      await new Promise((r) => setTimeout(r, 200));
      expect(proxy.verdicts.count).toBe(before + 1);
    } finally {
      real.close();
    }
  });

  it('answers 502 with a clear body when a plain-HTTP upstream is down', async () => {
    const r = await curl(['--proxy', `http://127.0.0.1:${proxy.proxyPort}`, 'http://127.0.0.1:1/']);
    expect(r.stdout).toMatch(/^pinprick: upstream 127\.0\.0\.1:1 is unreachable \(ECONNREFUSED\)/);
  });
});
