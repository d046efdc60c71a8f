import { connect as tlsConnect, createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { connect as netConnect, createServer as createNetServer, isIP, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { pemOf } from '../world/pem.js';
import { issueCertificate } from '../world/recipe.js';
import type { World } from '../world/world.js';
import type { PresentedScenario } from '../scenario/materialize.js';
import { alertFromError } from './alerts.js';
import { isPinReportBody, MAX_REPORT_BYTES, PinReportStream, readPinReport, type PinReport } from './pin-reports.js';
import { peekClientHello, TlsWireError, type ClientHelloInfo } from './tls-wire.js';
import { VerdictStream, type ConnectionVerdict, type VerdictKind } from './verdict.js';

/** Options of {@link startProxy}. */
export interface ProxyOptions {
  /** The scenario whose chain is presented for its hosts. */
  scenario: PresentedScenario;
  /** Listen address; 127.0.0.1 unless the user asks for another. */
  host?: string;
  /** Explicit HTTP proxy port (CONNECT and plain HTTP); 0 = any free port. */
  proxyPort?: number;
  /** Direct TLS listener port (SNI picks the chain); 0 = any free port. */
  tlsPort?: number;
  /** After the handshake, how long the client has to send data or close before `timeout`. */
  graceMs?: number;
  /** How long a client has to send its ClientHello. */
  handshakeTimeoutMs?: number;
  /**
   * Real servers for hosts (`host -> addr:port`): an accepted intercepted connection is forwarded
   * there over TLS (so a real app keeps working), and plain-HTTP proxy requests too.
   */
  upstreams?: Record<string, { host: string; port: number }>;
  /** Intercept hosts outside the scenario with a per-host leaf from the world (else tunnel them). */
  interceptAll?: boolean;
  /** The world that issues per-host leaves for {@link interceptAll}. */
  world?: World;
}

/** A running proxy: its ports, its verdicts, and how to switch scenario and stop. */
export interface RunningProxy {
  host: string;
  proxyPort: number;
  tlsPort: number;
  verdicts: VerdictStream;
  /** Pin-failure reports (HPKP report-uri, TrustKit reportUris) clients sent to the proxy. */
  reports: PinReportStream;
  /** Where clients should send pin-failure reports: `http://HOST:PROXYPORT/pinprick/report`. */
  reportUri: string;
  /** The active scenario. */
  scenario(): PresentedScenario;
  /** Switch scenario: connections from now on get its chain. */
  use(next: PresentedScenario): void;
  close(): Promise<void>;
}

/** Default grace after the handshake: OkHttp checks pins and closes within milliseconds; 3 s is ample on a loaded CI machine. */
export const DEFAULT_GRACE_MS = 3_000;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

interface ChainContext {
  context: SecureContext;
  pins: string[];
}

/**
 * Start the intercepting proxy. For the scenario's hosts it presents the scenario's chain byte for
 * byte (Node's `cert` option with concatenated PEMs sends it exactly as written) and records one
 * verdict per TLS connection; other hosts are tunnelled untouched.
 */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const host = options.host ?? '127.0.0.1';
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const verdicts = new VerdictStream();
  const reports = new PinReportStream();
  let nextReportId = 1;
  const recordReport = (scenario: PresentedScenario, url: string, body: string): PinReport => {
    const report: PinReport = { id: nextReportId++, receivedAt: new Date().toISOString(), scenario: scenario.scenario.id, ...readPinReport(body, url) };
    reports.push(report);
    return report;
  };
  const sockets = new Set<Socket>();
  const contexts = new WeakMap<PresentedScenario, ChainContext>();
  let active = options.scenario;
  let nextId = 1;

  const chainContext = (s: PresentedScenario): ChainContext => {
    let c = contexts.get(s);
    if (!c) {
      c = {
        context: createSecureContext({
          key: s.leafKey.export({ type: 'pkcs8', format: 'pem' }),
          cert: s.chain.map((x) => pemOf(x.der, 'CERTIFICATE')).join(''),
        }),
        pins: s.chain.map((x) => x.pin.sha256),
      };
      contexts.set(s, c);
    }
    return c;
  };
  chainContext(active);
  if (options.interceptAll && !options.world) throw new Error('interceptAll needs the world that issues per-host leaves');

  // One certificate per host, issued once for the proxy's lifetime, all for the genuine leaf key:
  // a new host costs one signature, never a key generation.
  const hostContexts = new Map<string, Promise<ChainContext>>();
  const hostContext = (name: string): Promise<ChainContext> => {
    let c = hostContexts.get(name);
    if (!c) {
      const world = options.world!;
      const issuer = world.cert('genuine-intermediate');
      const leafKey = world.key('genuine-leaf').key;
      c = issueCertificate({
        recipe: {
          subject: `CN=${name}`,
          key: 'genuine-leaf',
          issuer: 'genuine-intermediate',
          notBefore: '-1d',
          notAfter: '+397d',
          ca: false,
          keyUsage: ['digitalSignature'],
          extKeyUsage: ['serverAuth'],
          ...(isIP(name) ? { ip: [name] } : { dns: [name] }),
        },
        subjectKey: leafKey,
        issuerKey: world.key(issuer.def.key).key,
        issuerCert: issuer.x509,
        now: new Date(),
      }).then((der) => ({
        context: createSecureContext({ key: leafKey.export({ type: 'pkcs8', format: 'pem' }), cert: pemOf(der, 'CERTIFICATE') + pemOf(issuer.der, 'CERTIFICATE') }),
        pins: [world.key('genuine-leaf').pin.sha256, issuer.pin.sha256],
      }));
      hostContexts.set(name, c);
    }
    return c;
  };

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const firstData = new WeakMap<object, (requestLine: string) => void>();
  const reportFirst = (socket: object, line: string) => {
    const report = firstData.get(socket);
    if (!report) return;
    firstData.delete(socket);
    report(line);
  };

  /** Serves accepted connections: a tiny HTTP/1.1 server that names the scenario (keep-alive capable). */
  const responder = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    reportFirst(req.socket, `${req.method} ${req.url} HTTP/${req.httpVersion}`);
    const s = (req.socket as Socket & { pinprickScenario?: PresentedScenario }).pinprickScenario ?? active;
    const answer = () => {
      const body = `pinprick: scenario ${s.scenario.id}: ${s.scenario.title}\nThe client accepted the chain and sent: ${req.method} ${req.url}\n`;
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-pinprick-scenario': s.scenario.id });
      res.end(body);
    };
    if (req.method !== 'POST') return answer();
    // A report posted over an intercepted TLS connection (a report host in the scenario, or
    // intercept-all) is collected like one sent over plain HTTP.
    readBody(req).then((body) => {
      if (isPinReportBody(body.toString('utf8'))) recordReport(s, `https://${req.headers.host ?? s.hosts[0]}${req.url ?? '/'}`, body.toString('utf8'));
      answer();
    }, answer);
  });

  responder.on('clientError', (err: Error & { rawPacket?: Buffer }, socket) => {
    // Application data that is not HTTP still proves the client accepted the chain.
    const raw = err.rawPacket?.subarray(0, 120).toString('latin1').split('\r\n')[0];
    reportFirst(socket, raw ? `(not HTTP) ${raw}` : '(not HTTP)');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  const handle = (socket: Socket, via: 'connect' | 'direct', target?: { host: string; port: number }, head?: Buffer) => {
    track(socket);
    const started = Date.now();
    const id = nextId++;
    const scenario = active;
    const client = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    let settled = false;
    let tls: TLSSocket | undefined;
    let hello: ClientHelloInfo | undefined;
    let pins: string[] = [];
    let handshakeDone = false;
    // Read at 'secure': once the socket is closed, Node no longer reports them.
    let negotiated: Pick<ConnectionVerdict, 'alpn' | 'tlsVersion' | 'cipher'> = {};
    // The scenario whose chain was served; undefined for a per-host leaf (intercept-all).
    let servedScenario: PresentedScenario | undefined = scenario;
    let timer: NodeJS.Timeout | undefined;

    const settle = (kind: VerdictKind, detail: string, extra: Partial<ConnectionVerdict> = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      verdicts.push({
        id,
        time: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        kind,
        detail,
        ...(servedScenario ? { scenario: servedScenario.scenario.id } : {}),
        via,
        ...(target ? { target: `${target.host}:${target.port}` } : {}),
        client,
        ...(hello?.servername ? { sni: hello.servername } : {}),
        ...negotiated,
        chainPins: pins,
        ...extra,
      });
    };

    timer = setTimeout(() => {
      settle('timeout', `the client sent no TLS ClientHello within ${handshakeTimeoutMs} ms`);
      socket.destroy();
    }, handshakeTimeoutMs);
    socket.on('error', () => undefined); // reported through 'close' and the TLS layer

    let peeked: Buffer = head?.length ? Buffer.from(head) : Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      peeked = peeked.length ? Buffer.concat([peeked, chunk]) : chunk;
      examine();
    };
    const onEarlyClose = () => settle(peeked.length ? 'not-tls' : 'rejected', peeked.length ? 'the client closed before completing a ClientHello' : 'the client closed the connection without sending anything');
    const examine = () => {
      try {
        hello = peekClientHello(peeked);
      } catch (err) {
        if (!(err instanceof TlsWireError)) throw err;
        socket.off('data', onData).off('close', onEarlyClose).off('end', onEarlyEnd);
        const text = peeked.subarray(0, 16).toString('latin1');
        const http = /^[A-Z]{3,8} \S+/.test(text);
        settle('not-tls', http ? `the client spoke plain HTTP (${text.split('\r\n')[0]!.slice(0, 60)}) to a TLS port` : `the client sent bytes that are not TLS (${peeked.subarray(0, 8).toString('hex')})`);
        if (http) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\npinprick: this port speaks TLS; use https:// (or the proxy port for plain HTTP)\n');
        else socket.destroy();
        return;
      }
      if (!hello) return;
      socket.off('data', onData).off('close', onEarlyClose).off('end', onEarlyEnd);
      socket.pause();
      const name = hello.servername ?? target?.host;
      if (!name || scenario.hosts.includes(name)) return terminate(chainContext(scenario), scenario);
      if (options.interceptAll) {
        hostContext(name).then(
          (chain) => terminate(chain, undefined),
          (err: Error) => {
            settle('rejected', `pinprick could not issue a certificate for ${name}: ${err.message}`);
            socket.destroy();
          },
        );
        return;
      }
      if (via === 'connect' && target) return tunnel(socket, target, peeked);
      // A client sent here directly (DNS, /etc/hosts) for a host the scenario does not name: it
      // still gets the scenario's chain, and a verdict.
      terminate(chainContext(scenario), scenario);
    };

    const terminate = (chain: ChainContext, served: PresentedScenario | undefined) => {
      servedScenario = served;
      pins = chain.pins;
      // The ClientHello bytes already read go back in front of the stream for the TLS layer.
      socket.unshift(peeked);
      const t = new TLSSocket(socket, { isServer: true, secureContext: chain.context, ALPNProtocols: ['http/1.1'] });
      tls = t;
      if (served) (t as TLSSocket & { pinprickScenario?: PresentedScenario }).pinprickScenario = served;
      t.once('secure', () => {
        handshakeDone = true;
        const cipher = t.getCipher();
        negotiated = { tlsVersion: t.getProtocol() ?? undefined, cipher: cipher.standardName ?? cipher.name, ...(t.alpnProtocol ? { alpn: t.alpnProtocol } : {}) };
        clearTimeout(timer);
        timer = setTimeout(() => {
          settle('timeout', `the handshake completed but the client sent nothing within ${graceMs} ms`);
          t.destroy();
        }, graceMs);
        // The responder's HTTP parser consumes the TLS stream natively (no JS 'data' events), so
        // it reports the first request (or the first bytes that are not HTTP) back here.
        const accepted = (line: string) => settle('accepted', 'the client completed the handshake and sent application data', { requestLine: line });
        const name = hello?.servername ?? target?.host ?? scenario.hosts[0]!;
        const upstream = options.upstreams?.[name];
        if (upstream) {
          t.once('data', (chunk: Buffer) => {
            accepted(chunk.subarray(0, 512).toString('latin1').split('\r\n')[0]!);
            forward(t, chunk, name, upstream);
          });
          return;
        }
        firstData.set(t, accepted);
        responder.emit('connection', t);
      });
      t.on('error', (err: Error) => {
        const alert = alertFromError(err);
        if (!handshakeDone) {
          settle('rejected', alert ? `the client refused the chain with a ${alert.name} alert` : `the handshake failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`, alert ? { alert } : {});
        } else {
          settle('rejected-after-handshake', `the handshake completed, then the connection failed (${(err as NodeJS.ErrnoException).code ?? err.message}) before any data`, alert ? { alert } : {});
        }
      });
      const closed = () => {
        if (handshakeDone) settle('rejected-after-handshake', 'the handshake completed, then the client closed the connection without sending data');
        else settle('rejected', 'the client closed the connection during the handshake without an alert');
      };
      t.once('close', closed);
      // Sockets handed over by the HTTP server's 'connect' event are half-open (http.Server sets
      // allowHalfOpen), so a client's bare FIN arrives as 'end' and never becomes 'close' by
      // itself: a FIN during the handshake is the refusal, and it is recorded now.
      t.once('end', () => {
        if (!handshakeDone) {
          closed();
          t.destroy();
        }
      });
    };

    socket.on('data', onData);
    socket.once('close', onEarlyClose);
    // Half-open CONNECT sockets again: a FIN before the ClientHello is a close.
    const onEarlyEnd = () => {
      if (hello) return;
      onEarlyClose();
      socket.destroy();
    };
    socket.once('end', onEarlyEnd);
    if (peeked.length) examine();
  };

  /** Forward an accepted connection to the real server over TLS; 502 when it cannot be reached. */
  const forward = (client: TLSSocket, first: Buffer, name: string, to: { host: string; port: number }) => {
    client.pause();
    // A test proxy: the upstream is the user's own server, often with a self-signed certificate.
    const upstream = tlsConnect({ host: to.host, port: to.port, servername: isIP(name) ? undefined : name, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    upstream.once('secureConnect', () => {
      upstream.write(first);
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      if (upstream.readyState === 'open' || client.destroyed) return client.destroy();
      const body = `pinprick: upstream ${name} (${to.host}:${to.port}) is unreachable (${err.code ?? err.message})\n`;
      client.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  };

  const tunnel = (socket: Socket, target: { host: string; port: number }, first: Buffer) => {
    const upstream = netConnect(target.port, target.host);
    track(upstream);
    upstream.once('connect', () => {
      upstream.write(first);
      socket.pipe(upstream).pipe(socket);
      socket.resume();
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  };

  const proxyServer: HttpServer = createHttpServer((req, res) => plainHttp(req, res));
  proxyServer.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const target = parseAuthority(req.url ?? '');
    if (!target) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\npinprick: CONNECT needs host:port\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\nProxy-Agent: pinprick\r\n\r\n');
    handle(socket, 'connect', target, head);
  });
  proxyServer.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  proxyServer.on('connection', track);

  const plainHttp = (req: IncomingMessage, res: ServerResponse) => {
    // Sent to the proxy itself (origin-form): the report collector. Any POST here is a report,
    // whatever its shape: the user pointed the client's report-uri at pinprick.
    if (req.url?.startsWith('/')) {
      if (req.method !== 'POST') {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(`pinprick: this is an HTTP proxy; POST pin-failure reports to ${reportUri()}, or send proxy requests with an absolute URL\n`);
        return;
      }
      readBody(req).then(
        (body) => {
          const report = recordReport(active, `http://${req.headers.host ?? `${host}:${proxyPortOf()}`}${req.url}`, body.toString('utf8'));
          res.writeHead(204, { 'x-pinprick-report': String(report.id) }).end();
        },
        () => res.writeHead(400).end(),
      );
      return;
    }
    if (req.method === 'POST' && !options.upstreams?.[hostOfUrl(req.url ?? '')]) {
      // A POST to a host with no real server behind it, through the proxy: a report sent to a
      // made-up report host (report-uri http://reports.example/...) is collected; anything else
      // goes on to the host as usual.
      readBody(req).then(
        (body) => {
          const text = body.toString('utf8');
          if (isPinReportBody(text)) {
            const report = recordReport(active, req.url ?? '', text);
            res.writeHead(204, { 'x-pinprick-report': String(report.id) }).end();
          } else forwardPlain(req, res, body);
        },
        () => res.writeHead(400).end(),
      );
      return;
    }
    forwardPlain(req, res);
  };

  const forwardPlain = (req: IncomingMessage, res: ServerResponse, buffered?: Buffer) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('pinprick: a proxy request needs an absolute URL (http://host/path)\n');
      return;
    }
    const up = options.upstreams?.[url.hostname];
    const upstreamReq = httpRequest(
      { host: up?.host ?? url.hostname, port: up?.port ?? (url.port || 80), method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstreamReq.on('error', (err) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`pinprick: upstream ${url.host} is unreachable (${(err as NodeJS.ErrnoException).code ?? err.message})\n`);
    });
    if (buffered) upstreamReq.end(buffered);
    else req.pipe(upstreamReq);
  };

  const tlsServer: NetServer = createNetServer((socket) => handle(socket, 'direct'));
  const proxyPortOf = () => (proxyServer.address() as AddressInfo).port;
  const reportUri = () => `http://${host.includes(':') ? `[${host}]` : host}:${proxyPortOf()}/pinprick/report`;

  await Promise.all([listen(proxyServer, options.proxyPort ?? 0, host), listen(tlsServer, options.tlsPort ?? 0, host)]);

  return {
    host,
    proxyPort: (proxyServer.address() as AddressInfo).port,
    tlsPort: (tlsServer.address() as AddressInfo).port,
    verdicts,
    reports,
    reportUri: reportUri(),
    scenario: () => active,
    use: (next) => {
      chainContext(next);
      active = next;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([closeServer(proxyServer), closeServer(tlsServer)]);
    },
  };
}

/** Read a request body, cut at {@link MAX_REPORT_BYTES} (the rest is drained, not buffered). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size >= MAX_REPORT_BYTES) return;
      chunks.push(chunk);
      size += chunk.length;
    });
    req.once('end', () => resolve(Buffer.concat(chunks).subarray(0, MAX_REPORT_BYTES)));
    req.once('error', reject);
  });
}

function hostOfUrl(text: string): string {
  try {
    return new URL(text).hostname;
  } catch {
    return '';
  }
}

function parseAuthority(text: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s/]+):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1]!.replace(/^\[|\]$/g, ''), port } : undefined;
}

function listen(server: HttpServer | NetServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: HttpServer | NetServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
