/**
 * The proxy under fire, with real sockets on 127.0.0.1: every fault of issue 13 (bad, slow, idle,
 * resetting and oversized clients, long tunnels, logs that cannot be written, ports that cannot be
 * bound), and the promise that every TCP connection accepted gets exactly one record. Timeouts are
 * shortened so the suite stays fast; the defaults are the same code with larger numbers.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer as createNetServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyError } from '../../src/errors.js';
import { LeafCache } from '../../src/proxy/leaf-cache.js';
import { startProxy, type ProxyOptions, type RunningProxy } from '../../src/proxy/server.js';
import type { ConnectionVerdict } from '../../src/proxy/connection-record.js';
import { presentScenario, type PresentedScenario } from '../../src/scenario/materialize.js';
import { findScenario, loadCatalog } from '../../src/scenario/scenario.js';
import { pemOf } from '../../src/world/pem.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { curl } from '../helpers/curl.js';
import { tempDir } from '../helpers/tmp.js';

const HOST = 'api.pinprick.test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Open a TCP connection to the proxy; resolves once connected. Errors are swallowed (the proxy may reset us). */
function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => undefined);
    s.once('error', reject);
  });
}

/** Wait until `n` records have arrived after `before`, bounded. */
async function records(proxy: RunningProxy, before: number, n: number, timeoutMs = 8_000): Promise<ConnectionVerdict[]> {
  const deadline = Date.now() + timeoutMs;
  while (proxy.verdicts.count < before + n && Date.now() < deadline) await sleep(20);
  await sleep(150); // and no more than n
  return proxy.verdicts.recent().filter((v) => v.id > 0).slice(-(proxy.verdicts.count - before));
}

/** A TLS client through CONNECT: resolves how it ended. */
function tlsThroughProxy(proxy: RunningProxy, options: { servername?: string; ca?: string; request?: boolean } = {}): Promise<'accepted' | 'refused'> {
  return new Promise((resolve) => {
    const s = netConnect(proxy.proxyPort, '127.0.0.1', () => s.write(`CONNECT ${HOST}:443 HTTP/1.1\r\nHost: ${HOST}:443\r\n\r\n`));
    s.on('error', () => resolve('refused'));
    s.once('data', () => {
      const t = tlsConnect({ socket: s, servername: options.servername ?? HOST, ...(options.ca ? { ca: options.ca } : { rejectUnauthorized: false }) });
      t.on('error', () => resolve('refused'));
      t.once('secureConnect', () => {
        if (options.request === false) {
          t.end();
          return resolve('refused');
        }
        t.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
        t.once('data', () => {
          t.destroy();
          resolve('accepted');
        });
      });
    });
  });
}

describe('the proxy under fire', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let genuine: PresentedScenario;
  let proxy: RunningProxy;
  const LIMITS = { headTimeoutMs: 400, handshakeTimeoutMs: 400, graceMs: 400, tunnelIdleMs: 600 };
  const start = (extra: Partial<ProxyOptions> = {}) => startProxy({ scenario: genuine, ...LIMITS, ...extra });

  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    genuine = await presentScenario(opened, findScenario(loadCatalog(opened.world.spec), 'control-genuine'));
    proxy = await start({ log: { verdicts: join(tmp.path, 'verdicts.jsonl') } });
  });
  afterAll(async () => {
    await proxy?.close();
    tmp.cleanup();
  });

  it('survives a burst of malformed CONNECT requests from clients that reset at once, recording each', async () => {
    const bad = [
      `CONNECT ${HOST} HTTP/1.1\r\n\r\n`,
      `CONNECT ${HOST}:0 HTTP/1.1\r\n\r\n`,
      `CONNECT ${HOST}:99999 HTTP/1.1\r\n\r\n`,
      `CONNECT ${'h'.repeat(10_000)}:443 HTTP/1.1\r\n\r\n`,
      `CONNECT ${HOST}:443 HTTP/1.1\r\nX-Big: ${'x'.repeat(100_000)}\r\n\r\n`,
      `CONNECT ho\u0000st:443 HTTP/1.1\r\n\r\n`,
      `CONNECT ${HOST}:443 HTTP/1.1\r\nX-Nul: a\u0000b\r\n\r\n`,
    ];
    const before = proxy.verdicts.count;
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        bad.map(async (request, i) => {
          const s = await tcp(proxy.proxyPort);
          s.write(request, 'latin1');
          // Half of them reset at once, half after the proxy's answer had time to be written.
          if ((i + round) % 2 === 0) s.resetAndDestroy();
          else setTimeout(() => s.resetAndDestroy(), 5);
        }),
      );
    }
    const got = await records(proxy, before, bad.length * rounds);
    expect(got).toHaveLength(bad.length * rounds);
    for (const v of got) expect(['malformed', 'closed'], v.detail).toContain(v.kind);
    // Still serving.
    expect(await tlsThroughProxy(proxy)).toBe('accepted');
  });

  it('answers each malformed CONNECT with a 400 or 431 that says why', async () => {
    const answer = async (request: string) => {
      const s = await tcp(proxy.proxyPort);
      s.write(request, 'latin1');
      let text = '';
      s.on('data', (d) => (text += d.toString('latin1')));
      await new Promise((r) => s.once('close', r));
      return text;
    };
    expect(await answer(`CONNECT ${HOST}:0 HTTP/1.1\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400 Bad Request[\s\S]*port from 1 to 65535/);
    expect(await answer(`CONNECT ${HOST}:443 HTTP/1.1\r\nX-Big: ${'x'.repeat(100_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    expect(await answer(`CONNECT ${HOST}:443 HTTP/1.1\r\nX-Nul: a\u0000b\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('closes and records connections that send nothing, on both listeners, after the bound', async () => {
    const before = proxy.verdicts.count;
    const t0 = Date.now();
    const sockets = await Promise.all([...Array.from({ length: 20 }, () => tcp(proxy.proxyPort)), ...Array.from({ length: 20 }, () => tcp(proxy.tlsPort))]);
    await Promise.all(sockets.map((s) => new Promise((r) => (s.destroyed ? r(null) : s.once('close', r)))));
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(LIMITS.headTimeoutMs - 50);
    expect(elapsed).toBeLessThan(LIMITS.headTimeoutMs + 2_000);
    const got = await records(proxy, before, 40);
    expect(got).toHaveLength(40);
    expect(got.filter((v) => v.kind === 'timeout' && v.awaited === 'request-head' && v.via === 'proxy')).toHaveLength(20);
    expect(got.filter((v) => v.kind === 'timeout' && v.awaited === 'client-hello' && v.via === 'direct')).toHaveLength(20);
  });

  it('times out a CONNECT head sent one byte at a time, and says how much came', async () => {
    const before = proxy.verdicts.count;
    const request = Buffer.from(`CONNECT ${HOST}:443 HTTP/1.1\r\nHost: ${HOST}:443\r\n\r\n`);
    const slow = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const s = await tcp(proxy.proxyPort);
        let i = 0;
        const drip = setInterval(() => (i < request.length && !s.destroyed ? s.write(request.subarray(i, ++i)) : clearInterval(drip)), 50);
        await new Promise((r) => s.once('close', r));
        clearInterval(drip);
        return i;
      }),
    );
    for (const sent of slow) expect(sent).toBeLessThan(request.length);
    const got = await records(proxy, before, 5);
    expect(got).toHaveLength(5);
    for (const v of got) {
      expect(v).toMatchObject({ kind: 'timeout', awaited: 'request-head' });
      expect(v.detail).toMatch(/sent \d+ bytes but no complete request head within 400 ms/);
    }
  });

  it('keeps a tunnel open while data flows for longer than the handshake bound, then records it once as tunnelled', async () => {
    const world = opened.world;
    const real = createTlsServer({ key: world.key('vendor-intermediate').key.export({ type: 'pkcs8', format: 'pem' }), cert: pemOf(world.cert('vendor-intermediate').der, 'CERTIFICATE') });
    real.on('secureConnection', (s) => s.pipe(s)); // echo
    await new Promise<void>((r) => real.listen(0, '127.0.0.1', r));
    const port = (real.address() as AddressInfo).port;
    const before = proxy.verdicts.count;
    try {
      const s = await tcp(proxy.proxyPort);
      s.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`);
      await new Promise((r) => s.once('data', r));
      const t = tlsConnect({ socket: s, servername: 'outside.test', rejectUnauthorized: false });
      await new Promise((r) => t.once('secureConnect', r));
      // 1.5 s of echoes, 3.75x the handshake bound and 2.5x the idle bound, with traffic every 100 ms.
      let echoed = 0;
      t.on('data', (d) => (echoed += d.length));
      for (let i = 0; i < 15; i++) {
        t.write('ping');
        await sleep(100);
      }
      expect(t.destroyed).toBe(false);
      expect(echoed).toBe(60);
      t.end();
      const [v] = await records(proxy, before, 1);
      expect(proxy.verdicts.count).toBe(before + 1);
      expect(v).toMatchObject({ kind: 'tunnelled', target: `127.0.0.1:${port}`, sni: 'outside.test' });
      expect(v!.durationMs).toBeGreaterThan(1_400);
      // An idle tunnel is closed after the idle bound, and says so.
      const idleBefore = proxy.verdicts.count;
      const s2 = await tcp(proxy.proxyPort);
      s2.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`);
      await new Promise((r) => s2.once('data', r));
      const t2 = tlsConnect({ socket: s2, servername: 'outside.test', rejectUnauthorized: false });
      t2.on('error', () => undefined);
      await new Promise((r) => t2.once('secureConnect', r));
      await new Promise((r) => t2.once('close', r));
      const [idle] = await records(proxy, idleBefore, 1);
      expect(idle).toMatchObject({ kind: 'tunnelled' });
      expect(idle!.detail).toMatch(/closed after 600 ms with no traffic/);
    } finally {
      real.close();
    }
  });

  const deadPort = async () => {
    const closed = createNetServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    return port;
  };

  it('answers a CONNECT whose host cannot be reached with 502 and the reason (not 200), and records upstream-failed', async () => {
    const port = await deadPort();
    const before = proxy.verdicts.count;
    const s = await tcp(proxy.proxyPort);
    s.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`);
    let answer = '';
    s.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    await new Promise((r) => s.once('close', r));
    expect(answer).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(answer).toMatch(/could not be opened: ECONNREFUSED/);
    const [v] = await records(proxy, before, 1);
    expect(v).toMatchObject({ kind: 'upstream-failed', target: `127.0.0.1:${port}` });
    expect(v!.detail).toMatch(/ECONNREFUSED/);
    expect(v!.scenario).toBeUndefined();
  });

  it('a real curl through the proxy to an unreachable host is told 502 at once (issue 14, defect 3)', async () => {
    const port = await deadPort();
    const before = proxy.verdicts.count;
    const started = Date.now();
    const r = await curl(['--proxy', `http://127.0.0.1:${proxy.proxyPort}`, `https://127.0.0.1:${port}/`]);
    expect(r.code).toBe(56); // curl: failure receiving network data (the proxy refused the tunnel)
    expect(r.stderr).toMatch(/502/);
    expect(Date.now() - started).toBeLessThan(3_000);
    const [v] = await records(proxy, before, 1);
    expect(v).toMatchObject({ kind: 'upstream-failed', via: 'connect' });
  });

  it('refuses a ClientHello that claims 16 MiB at its header, with an alert, long before 16 MiB are sent', async () => {
    const before = proxy.verdicts.count;
    const s = await tcp(proxy.tlsPort);
    const header = Buffer.from([22, 3, 1, 0x40, 0x00, 1, 0xff, 0xff, 0xff]);
    let received = Buffer.alloc(0);
    s.on('data', (d) => (received = Buffer.concat([received, d])));
    s.write(header);
    let sent = header.length;
    const chunk = Buffer.alloc(16 * 1024);
    while (!s.destroyed && !s.writableEnded && sent < 16 * 1024 * 1024 && !received.length) {
      if (!s.write(chunk)) await Promise.race([new Promise((r) => s.once('drain', r)), new Promise((r) => s.once('close', r)), sleep(200)]);
      sent += chunk.length;
      await sleep(1);
    }
    await new Promise((r) => (s.destroyed ? r(null) : s.once('close', r)));
    expect(sent).toBeLessThan(1024 * 1024);
    expect(received.subarray(0, 7)).toEqual(Buffer.from([21, 3, 3, 0, 2, 2, 47])); // fatal illegal_parameter
    const [v] = await records(proxy, before, 1);
    expect(v).toMatchObject({ kind: 'malformed', via: 'direct' });
  });

  it('gives every TCP connection exactly one record, whatever kind of client it is', async () => {
    const before = proxy.verdicts.count;
    const ca = opened.world.trustedRoots().map((r) => pemOf(r.der, 'CERTIFICATE')).join('');
    const kinds: Record<string, () => Promise<unknown>> = {
      accepting: () => tlsThroughProxy(proxy, { ca }),
      rejecting: () => tlsThroughProxy(proxy, { ca: pemOf(opened.world.cert('vendor-intermediate').der, 'CERTIFICATE') }),
      'handshake only': () => tlsThroughProxy(proxy, { request: false }).then(() => sleep(10)),
      resetting: async () => {
        const s = await tcp(proxy.proxyPort);
        s.write(`CONNECT ${HOST}:443 HTTP/1.1\r\n\r\n`);
        await new Promise((r) => s.once('data', r));
        s.resetAndDestroy();
      },
      'half-open': async () => {
        const s = await tcp(proxy.proxyPort);
        s.write(`CONNECT ${HOST}:443 HTTP/1.1\r\n\r\n`);
        await new Promise((r) => s.once('data', r));
        s.end();
      },
      silent: () => tcp(proxy.tlsPort),
      'connect and close': async () => (await tcp(proxy.proxyPort)).end(),
      malformed: async () => (await tcp(proxy.proxyPort)).end(`CONNECT nope HTTP/1.1\r\n\r\n`),
      'plain HTTP to the TLS port': async () => (await tcp(proxy.tlsPort)).end('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      garbage: async () => (await tcp(proxy.tlsPort)).write(Buffer.from('\x00\x01\x02\x03\x04\x05')),
      'plain HTTP proxy request': async () => (await tcp(proxy.proxyPort)).end('GET http://127.0.0.1:1/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    };
    const n = 4;
    for (let i = 0; i < n; i++) await Promise.all(Object.values(kinds).map((k) => k().catch(() => undefined)));
    const total = Object.keys(kinds).length * n;
    const got = await records(proxy, before, total, 10_000);
    expect(got).toHaveLength(total);
    expect(new Set(got.map((v) => v.id)).size).toBe(total);
    const count = (kind: string) => got.filter((v) => v.kind === kind).length;
    expect(count('accepted')).toBe(n);
    expect(count('closed')).toBe(n);
    expect(count('malformed')).toBe(n);
    expect(count('not-tls')).toBe(2 * n);
    expect(count('plain-http')).toBe(n);
    // The log holds them too.
    const logged = readFileSync(join(tmp.path, 'verdicts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ConnectionVerdict);
    for (const v of got) expect(logged.some((l) => l.id === v.id && l.kind === v.kind)).toBe(true);
  });

  it('keeps a bounded window in memory and reads older records back from the log', async () => {
    const log = join(tmp.path, 'window.jsonl');
    const small = await start({ window: { verdicts: 20 }, log: { verdicts: log } });
    try {
      for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 10 }, async () => (await tcp(small.proxyPort)).end()));
      const deadline = Date.now() + 5_000;
      while (small.verdicts.count < 100 && Date.now() < deadline) await sleep(20);
      expect(small.verdicts.count).toBe(100);
      expect(small.verdicts.recent().length).toBeLessThanOrEqual(20 + 16);
      const all = await small.verdicts.sinceDurable(0, 1_000);
      expect(all.map((v) => v.id)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      const page = await small.verdicts.sinceDurable(10, 5);
      expect(page.map((v) => v.id)).toEqual([11, 12, 13, 14, 15]);
    } finally {
      await small.close();
    }
  });

  it('closes connections past the connection limit at accept, records them as dropped, and says so once', async () => {
    const warnings: number[] = [];
    const tight = await start({ maxConnections: 3, onOverload: (limit) => warnings.push(limit) });
    try {
      const held = await Promise.all(Array.from({ length: 3 }, () => tcp(tight.tlsPort)));
      await sleep(50);
      const extra = await Promise.all(Array.from({ length: 2 }, () => tcp(tight.proxyPort)));
      await Promise.all(extra.map((s) => new Promise((r) => (s.destroyed ? r(null) : s.once('close', r)))));
      const dropped = tight.verdicts.recent().filter((v) => v.kind === 'dropped');
      expect(dropped).toHaveLength(2);
      expect(dropped[0]!.detail).toMatch(/limit of 3 open connections/);
      expect(warnings).toEqual([3]);
      held.forEach((s) => s.destroy());
    } finally {
      await tight.close();
    }
  });

  it('records the connections still open when it stops, before it closes its log', async () => {
    const log = join(tmp.path, 'stop.jsonl');
    const p = await start({ log: { verdicts: log } });
    await Promise.all(Array.from({ length: 3 }, () => tcp(p.tlsPort)));
    await sleep(50);
    await p.close();
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ConnectionVerdict);
    expect(lines).toHaveLength(3);
    for (const v of lines) expect(v.detail).toMatch(/the proxy stopped while awaiting client-hello/);
  });
});

describe('start-up and logs', () => {
  const tmp = tempDir();
  let genuine: PresentedScenario;
  beforeAll(async () => {
    const opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    genuine = await presentScenario(opened, findScenario(loadCatalog(opened.world.spec), 'control-genuine'));
  });
  afterAll(() => tmp.cleanup());

  it('binds all its listeners or none: a port in use closes the ones already bound and names the port', async () => {
    const taken = createNetServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const takenPort = (taken.address() as AddressInfo).port;
    const free = createNetServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const freePort = (free.address() as AddressInfo).port;
    await new Promise((r) => free.close(r));
    try {
      const err = await startProxy({ scenario: genuine, proxyPort: freePort, tlsPort: takenPort }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProxyError);
      expect((err as Error).message).toBe(`cannot listen on the direct TLS port 127.0.0.1:${takenPort}: the port is already in use (another pinprick serve?); pick another port or 0 for any free one`);
      // The proxy port that had been bound is free again.
      const again = createNetServer();
      await new Promise<void>((resolve, reject) => again.once('error', reject).listen(freePort, '127.0.0.1', resolve));
      await new Promise((r) => again.close(r));
    } finally {
      taken.close();
    }
    const range = await startProxy({ scenario: genuine, proxyPort: 70_000 }).catch((e: unknown) => e);
    expect((range as Error).message).toMatch(/cannot listen on the HTTP proxy port 70000: a port is a whole number from 0 to 65535/);
  });

  it('refuses to start with a log it cannot open (a folder), before binding any port', async () => {
    const folder = join(tmp.path, 'a-folder');
    mkdirSync(folder);
    const err = await startProxy({ scenario: genuine, log: { verdicts: folder } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxyError);
    expect((err as Error).message).toMatch(/^cannot open the verdict log '.*a-folder': EISDIR/);
  });

  it('reports a log whose writes fail once, and goes on serving and recording in memory', async () => {
    const failures: string[] = [];
    const p = await startProxy({ scenario: genuine, log: { verdicts: '/dev/full' }, onLogFailure: (f) => failures.push(`${f.path} ${f.error}`) });
    try {
      for (let i = 0; i < 3; i++) (await tcp(p.proxyPort)).end();
      const deadline = Date.now() + 5_000;
      while (p.verdicts.count < 3 && Date.now() < deadline) await sleep(20);
      expect(p.verdicts.count).toBe(3);
      expect(failures).toEqual(['/dev/full ENOSPC: no space left on device']);
      expect(p.verdicts.log!.failure).toMatchObject({ lost: 3 });
    } finally {
      await p.close();
    }
  });
});

describe('the intercept-all leaf cache', () => {
  it('keeps at most its capacity of hosts, evicting the least recently used', async () => {
    const tmp = tempDir();
    try {
      const { world } = await openWorld({ certsDir: join(tmp.path, 'certs') });
      const cache = new LeafCache(world, 3);
      const a = cache.get('a.test');
      await Promise.all(['b.test', 'c.test'].map((h) => cache.get(h)));
      expect(cache.get('a.test')).toBe(a); // a is now the most recent
      await cache.get('d.test'); // evicts b
      expect(cache.size).toBe(3);
      expect(cache.get('a.test')).toBe(a);
      const b2 = cache.get('b.test'); // issued again, evicting c
      expect(cache.size).toBe(3);
      expect((await b2).pins[0]).toBe(world.key('genuine-leaf').pin.sha256);
    } finally {
      tmp.cleanup();
    }
  });
});
