import type { AddressInfo } from 'node:net';
import { createServer as createNetServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type DetailedPeerCertificate, type SecureVersion, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/errors.js';
import { fetchServedChain, type FetchServedChainOptions } from '../../src/proxy/served-chain.js';
import { pemOf } from '../../src/world/pem.js';
import { openWorld } from '../../src/world/store.js';
import type { World } from '../../src/world/world.js';
import { tempDir } from '../helpers/tmp.js';

/** The injected clock the worlds are generated at (validity is irrelevant: the probe verifies nothing). */
const NOW = new Date('2026-03-01T12:00:00Z');
const HOST = '127.0.0.1';

/** A listening server that destroys whatever connections it still holds when closed. */
interface Running {
  port: number;
  close(): Promise<void>;
}

async function start(server: Server): Promise<Running> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function withServer<T>(server: Server, body: (port: number) => Promise<T>): Promise<T> {
  const running = await start(server);
  try {
    return await body(running.port);
  } finally {
    await running.close();
  }
}

/** How a test TLS server is configured. */
interface ServerSetup {
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
  /** Node takes TLS 1.3 suites (`TLS_…`) in `ciphers` too; it has no separate `ciphersuites` option. */
  ciphers?: string;
  ALPNProtocols?: string[];
}

/** What the server saw of each connection. */
interface Seen {
  servername: string | false | null;
  closedCleanly: boolean;
}

/** A TLS server whose `cert` is the named certificates' PEM blocks concatenated in the given order. */
function tlsServer(world: World, names: string[], setup: ServerSetup, seen: Seen[] = []): Server {
  const cert = names.map((n) => pemOf(world.cert(n).der, 'CERTIFICATE')).join('');
  const key = world.key(world.cert(names[0]!).def.key).key.export({ type: 'pkcs8', format: 'pem' }) as string;
  const server = createTlsServer({ key, cert, ...setup });
  server.on('secureConnection', (socket: TLSSocket) => {
    const entry: Seen = { servername: socket.servername, closedCleanly: false };
    seen.push(entry);
    socket.on('error', () => {});
    socket.on('end', () => (entry.closedCleanly = true));
  });
  server.on('tlsClientError', () => {});
  return server;
}

const TLS12: ServerSetup = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };
const TLS13: ServerSetup = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };

/** The layouts a misconfigured server can serve; the leaf comes first because its key is paired with the first block. */
const LAYOUTS: [string, string[]][] = [
  ['the leaf alone', ['genuine-leaf']],
  ['leaf + intermediate', ['genuine-leaf', 'genuine-intermediate']],
  ['leaf + intermediate + root', ['genuine-leaf', 'genuine-intermediate', 'genuine-root']],
  ['leaf, then its issuers in reverse order (root before intermediate)', ['genuine-leaf', 'genuine-root', 'genuine-intermediate']],
  ['a duplicated intermediate', ['genuine-leaf', 'genuine-intermediate', 'genuine-intermediate']],
  ['an unrelated extra root between leaf and intermediate', ['genuine-leaf', 'untrusted-root', 'genuine-intermediate']],
];

const PROTOCOLS: { label: string; setup: ServerSetup; protocol: string; cipher: RegExp }[] = [
  { label: 'TLS 1.2 (Certificate in the clear)', setup: TLS12, protocol: 'TLSv1.2', cipher: /^TLS_ECDHE_/ },
  { label: 'TLS 1.3 with TLS_AES_128_GCM_SHA256', setup: { ...TLS13, ciphers: 'TLS_AES_128_GCM_SHA256' }, protocol: 'TLSv1.3', cipher: /^TLS_AES_128_GCM_SHA256$/ },
  { label: 'TLS 1.3 with TLS_AES_256_GCM_SHA384', setup: { ...TLS13, ciphers: 'TLS_AES_256_GCM_SHA384' }, protocol: 'TLSv1.3', cipher: /^TLS_AES_256_GCM_SHA384$/ },
  {
    label: 'TLS 1.3 with TLS_CHACHA20_POLY1305_SHA256',
    setup: { ...TLS13, ciphers: 'TLS_CHACHA20_POLY1305_SHA256' },
    protocol: 'TLSv1.3',
    cipher: /^TLS_CHACHA20_POLY1305_SHA256$/,
  },
];

const certsDir = tempDir();
let world: World;

beforeAll(async () => {
  world = (await openWorld({ certsDir: certsDir.path, now: NOW })).world;
});
afterAll(() => certsDir.cleanup());

function ders(w: World, names: string[]): Buffer[] {
  return names.map((n) => w.cert(n).der);
}

/** The probe's failure, asserted to be a NetworkError with a one-line message. */
async function probeError(options: FetchServedChainOptions): Promise<string> {
  const err: unknown = await fetchServedChain(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NetworkError);
  const message = (err as NetworkError).message;
  expect(message).not.toContain('\n');
  return message;
}

/** A port nothing listens on: one the OS just handed out and took back. */
async function closedPort(): Promise<number> {
  const running = await start(createNetServer());
  await running.close();
  return running.port;
}

/** A minimal HTTP CONNECT proxy: records each request line, then tunnels, or answers `refuse` instead. */
function connectProxy(requests: string[], refuse?: string): Server {
  return createNetServer((client) => {
    client.on('error', () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const requestLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      requests.push(requestLine);
      if (refuse) return void client.end(`${refuse}\r\nContent-Length: 0\r\n\r\n`);
      const m = /^CONNECT \[?([^\]\s]+?)\]?:(\d+) HTTP\/1\.1$/.exec(requestLine);
      if (!m) return void client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      const upstream = netConnect({ host: m[1]!, port: Number(m[2]) }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head.subarray(end + 4));
        client.pipe(upstream).pipe(client);
      });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
}

describe.each(PROTOCOLS)('over $label, the probe returns the certificates exactly as the server sends them', ({ setup, protocol, cipher }) => {
  it.each(LAYOUTS)('%s', async (_label, names) => {
    await withServer(tlsServer(world, names, setup), async (port) => {
      const served = await fetchServedChain({ host: HOST, port });
      expect(served.certificates).toEqual(ders(world, names));
      expect(served.protocol).toBe(protocol);
      expect(served.cipher).toMatch(cipher);
    });
  });
});

describe("Node's TLS server with concatenated PEMs in `cert` (the property pinprick's scenarios rely on)", () => {
  const names = ['genuine-leaf', 'untrusted-root', 'genuine-intermediate', 'genuine-intermediate', 'genuine-root'];

  it('sends every block as written: order, duplicates and unrelated extras, on TLS 1.2 and 1.3', async () => {
    for (const setup of [TLS12, TLS13]) {
      await withServer(tlsServer(world, names, setup), async (port) => {
        expect((await fetchServedChain({ host: HOST, port })).certificates).toEqual(ders(world, names));
      });
    }
  });

  it("cannot be observed with getPeerCertificate(true): Node rebuilds a path by issuer and loses the extra and the duplicate", async () => {
    await withServer(tlsServer(world, names, TLS13), async (port) => {
      const socket = tlsConnect({ host: HOST, port, rejectUnauthorized: false });
      try {
        await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
        const walked: Buffer[] = [];
        for (let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true); c?.raw; c = c.issuerCertificate === c ? undefined : c.issuerCertificate) {
          walked.push(c.raw);
        }
        expect(walked).not.toContainEqual(world.cert('untrusted-root').der);
        expect(walked.length).toBeLessThan(names.length);
      } finally {
        socket.destroy();
      }
    });
  });
});

describe('a world of rsa-2048 keys', () => {
  let rsa: World;
  beforeAll(async () => {
    rsa = (await openWorld({ certsDir: certsDir.path, name: 'rsa', keyType: 'rsa-2048', now: NOW })).world;
  });

  it.each([
    ['TLS 1.2', TLS12],
    ['TLS 1.3', TLS13],
  ] as const)('is served and captured exactly over %s', async (_label, setup) => {
    const names = ['genuine-leaf', 'genuine-intermediate', 'vendor-root', 'genuine-intermediate'];
    await withServer(tlsServer(rsa, names, setup), async (port) => {
      const served = await fetchServedChain({ host: HOST, port });
      expect(served.certificates).toEqual(ders(rsa, names));
      if (setup === TLS12) expect(served.cipher).toMatch(/^TLS_ECDHE_RSA_/);
    });
  });
});

describe('what the probe negotiates', () => {
  const names = ['genuine-leaf', 'genuine-intermediate'];

  it('sends no SNI to an IP literal, the given sni otherwise, and reports it', async () => {
    const seen: Seen[] = [];
    await withServer(tlsServer(world, names, TLS13, seen), async (port) => {
      expect((await fetchServedChain({ host: HOST, port })).servername).toBeUndefined();
      expect((await fetchServedChain({ host: HOST, port, sni: 'api.pinprick.test' })).servername).toBe('api.pinprick.test');
      expect((await fetchServedChain({ host: 'localhost', port })).servername).toBe('localhost');
    });
    expect(seen.map((s) => s.servername)).toEqual([false, 'api.pinprick.test', 'localhost']);
  });

  it('offers the given ALPN protocols and reports the one the server picked', async () => {
    await withServer(tlsServer(world, names, { ...TLS13, ALPNProtocols: ['http/1.1'] }), async (port) => {
      const served = await fetchServedChain({ host: HOST, port, alpn: ['h2', 'http/1.1'] });
      expect(served.alpn).toBe('http/1.1');
      expect((await fetchServedChain({ host: HOST, port })).alpn).toBeUndefined();
    });
  });

  it('ends the connection cleanly (the server sees an orderly end, not a reset)', async () => {
    const seen: Seen[] = [];
    await withServer(tlsServer(world, names, TLS12, seen), async (port) => {
      await fetchServedChain({ host: HOST, port });
      await fetchServedChain({ host: HOST, port });
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    expect(seen.map((s) => s.closedCleanly)).toEqual([true, true]);
  });
});

describe('through an HTTP CONNECT proxy', () => {
  it('tunnels to the target and captures the same chain', async () => {
    const names = ['genuine-leaf', 'genuine-intermediate', 'genuine-intermediate'];
    const requests: string[] = [];
    await withServer(tlsServer(world, names, TLS13), (port) =>
      withServer(connectProxy(requests), async (proxyPort) => {
        const served = await fetchServedChain({ host: HOST, port, proxy: { host: HOST, port: proxyPort } });
        expect(served.certificates).toEqual(ders(world, names));
        expect(requests).toEqual([`CONNECT ${HOST}:${port} HTTP/1.1`]);
      }),
    );
  });
});

describe('failures are NetworkErrors with one clear line', () => {
  it('names the address and the socket error when nothing listens', async () => {
    const port = await closedPort();
    expect(await probeError({ host: HOST, port })).toBe(`cannot connect to ${HOST}:${port}: connect ECONNREFUSED`);
  });

  it('says a server that answers in plain HTTP is not a TLS server', async () => {
    const http = createNetServer((s) => {
      s.on('error', () => {});
      s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'));
    });
    await withServer(http, async (port) => {
      expect(await probeError({ host: HOST, port })).toBe(`${HOST}:${port} is not a TLS server (no ServerHello)`);
    });
  });

  it('quotes the status line of a proxy that refuses CONNECT', async () => {
    await withServer(connectProxy([], 'HTTP/1.1 403 Forbidden'), async (proxyPort) => {
      expect(await probeError({ host: 'api.pinprick.test', port: 443, proxy: { host: HOST, port: proxyPort } })).toBe(
        `proxy ${HOST}:${proxyPort} refused CONNECT: HTTP/1.1 403 Forbidden`,
      );
    });
  });

  it('says when the proxy itself cannot be reached', async () => {
    const proxyPort = await closedPort();
    expect(await probeError({ host: 'api.pinprick.test', port: 443, proxy: { host: HOST, port: proxyPort } })).toBe(
      `cannot connect to proxy ${HOST}:${proxyPort}: connect ECONNREFUSED`,
    );
  });

  it('gives up on a server that accepts and never answers, after timeoutMs', async () => {
    const silent = createNetServer((s) => s.on('error', () => {}));
    await withServer(silent, async (port) => {
      const started = Date.now();
      expect(await probeError({ host: HOST, port, timeoutMs: 300 })).toBe(`timed out after 300 ms waiting for the TLS handshake with ${HOST}:${port}`);
      expect(Date.now() - started).toBeLessThan(3_000);
    });
  });

  it('stops at once when its signal aborts (the monitor on SIGINT), already aborted or mid-handshake', async () => {
    const silent = createNetServer((s) => s.on('error', () => {}));
    await withServer(silent, async (port) => {
      expect(await probeError({ host: HOST, port, signal: AbortSignal.abort() })).toBe(`probe of ${HOST}:${port} stopped`);
      const stop = new AbortController();
      const started = Date.now();
      setTimeout(() => stop.abort(), 100);
      expect(await probeError({ host: HOST, port, timeoutMs: 5_000, signal: stop.signal })).toBe(`probe of ${HOST}:${port} stopped`);
      expect(Date.now() - started).toBeLessThan(2_000);
    });
  });

  it('names the alert of a TLS server that refuses the handshake', async () => {
    await withServer(tlsServer(world, ['genuine-leaf'], { ...TLS13, ALPNProtocols: ['h2'] }), async (port) => {
      expect(await probeError({ host: HOST, port, alpn: ['http/1.1'] })).toBe(`${HOST}:${port} refused the TLS handshake: no_application_protocol (120) alert`);
    });
  });
});
