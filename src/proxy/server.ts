import { createServer as createHttpServer, maxHeaderSize, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { pemOf } from '../world/pem.js';
import type { World } from '../world/world.js';
import type { PresentedScenario } from '../scenario/materialize.js';
import { alertFromError } from './alerts.js';
import { Connection, DEFAULT_LIMITS, type ConnectionCommand, type ConnectionEvent, type ConnectionLimits, type ScenarioView } from './connection.js';
import { configAnswer, type ConfigFetch, ConfigFetchStream, configNotFound, configRequested, configRequestedOverTls, configTlsTarget } from './config-channel.js';
import { fetchAnswer, fetchableFor, FetchStream } from './fetchable.js';
import { ForbiddenTargets } from './forbidden.js';
import { LeafCache, type ChainContext } from './leaf-cache.js';
import { closeServer, defaultMaxConnections, listenAll } from './listeners.js';
import { serverContext } from './server-context.js';
import { isPinReportBody, PinReportStream, readPinReport, reportSender, type PinReport } from './pin-reports.js';
import { plainHttpHandler, readBody } from './plain-http.js';
import { RecordLog, type LogFailure } from './record-log.js';
import { connectUpstream, forwardTls, openTunnel, pipeTunnel } from './tunnel.js';
import { VerdictStream, type ExpectedVerdict, type Listener } from './connection-record.js';

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
  /** How long a client has, from the start of TLS, to complete the handshake (its ClientHello included). */
  handshakeTimeoutMs?: number;
  /** How long a client has to send its whole request head on the proxy listener. */
  headTimeoutMs?: number;
  /** A tunnel or a forwarded connection with no traffic either way for this long is closed. */
  tunnelIdleMs?: number;
  /** Open client connections at most (both listeners); past it, new ones are closed and recorded as `dropped`. */
  maxConnections?: number;
  /**
   * Real servers for hosts (`host -> addr:port`): an accepted intercepted connection is forwarded
   * there over TLS (so a real app keeps working), and plain-HTTP proxy requests too.
   */
  upstreams?: Record<string, { host: string; port: number }>;
  /** Intercept hosts outside the scenario with a per-host leaf from the world (else tunnel them). */
  interceptAll?: boolean;
  /**
   * The world that issues per-host leaves for {@link interceptAll} and for a dynamic scenario's
   * https configuration host (without it, TLS to that host fails, recorded as such).
   */
  world?: World;
  /** How many per-host leaves {@link interceptAll} keeps (least recently used go first). */
  leafCacheSize?: number;
  /** Durable JSONL logs: one verdict (one pin-failure report) a line, written as it happens. */
  log?: { verdicts?: string; reports?: string };
  /** Called once per log whose writes start failing; the proxy goes on serving. */
  onLogFailure?: (failure: LogFailure) => void;
  /** Called once when the connection limit is first reached. */
  onOverload?: (limit: number) => void;
  /** In-memory windows: recent verdicts and reports kept for polling, SSE replay and the harness. */
  window?: { verdicts?: number; reports?: number; reportBytes?: number };
  /** `serve --profile`: each record about a scenario's chain says what a correct client does (`expected`, `mismatch`). */
  expect?: Expectation;
}

/**
 * The pin profile of the client under test, and what a correct client with it does with a
 * scenario's chain for one of its hosts (the reference model: `expectScenario`, whose verdict has
 * this shape). Asked once per host when a scenario is first presented (at start, on each switch),
 * never per connection.
 */
export interface Expectation {
  profile: string;
  of: (scenario: PresentedScenario, host: string) => { expected: 'accept' | 'reject' | 'either'; code: string };
}

/** A running proxy: its ports, its verdicts, and how to switch scenario and stop. */
export interface RunningProxy {
  host: string;
  proxyPort: number;
  tlsPort: number;
  verdicts: VerdictStream;
  /** Pin-failure reports (HPKP report-uri, TrustKit reportUris) clients sent to the proxy. */
  reports: PinReportStream;
  /** Certificates served at the active scenario's `fetchable:` URLs (caIssuers fetches), as they are served. */
  fetches: FetchStream;
  /** Pin configurations served at the active dynamic scenario's `config.url`, as they are served. */
  configFetches: ConfigFetchStream;
  /** Where clients should send pin-failure reports: `http://HOST:PROXYPORT/pinprick/report`. */
  reportUri: string;
  /** The bounds in force. */
  limits: ConnectionLimits & { maxConnections: number };
  /** Connections open now, and accepted in all. */
  connections(): { open: number; accepted: number };
  /** The active scenario. */
  scenario(): PresentedScenario;
  /** The pin profile records are judged against (`expect`), when there is one. */
  profile: string | undefined;
  /** What a correct client with {@link profile} does with the active scenario's chain, by host. */
  expected(): ReadonlyMap<string, ExpectedVerdict> | undefined;
  /** Switch scenario: connections from now on get its chain. */
  use(next: PresentedScenario): void;
  /**
   * Refuse CONNECT and plain-HTTP proxy requests to `port` on any local address from now on (403,
   * recorded): the control API's port ({@link startControl} calls it), which the proxy must not
   * open to the network behind `--listen 0.0.0.0`.
   */
  forbid(port: number): void;
  /** Stop: open connections are closed (each recorded), then the listeners and the logs. */
  close(): Promise<void>;
}

/**
 * Default in-memory windows: 1,000 verdicts; 200 reports or 16 MiB of them. Measured with
 * bench/proxy.ts (3 x 30,000 connections): a 10,000-verdict window keeps 6.4 MiB more heap alive
 * and took RSS to 1.60x the minimal proxy's, 1,000 to 1.14x. Pollers that fall behind read the log.
 */
export const DEFAULT_WINDOW = { verdicts: 1_000, reports: 200, reportBytes: 16 * 1024 * 1024 };

/** One live connection: its socket, its machine, and what the listener holds for it. */
interface Live {
  id: number;
  started: number;
  client: { address: string; port: number };
  socket: Socket;
  machine: Connection;
  scenario: PresentedScenario;
  timer?: NodeJS.Timeout;
  /** The socket whose inactivity timeout is armed, when one is. */
  idleOn?: Socket;
  tls?: TLSSocket;
  upstream?: Socket;
  leaf?: ChainContext;
  /** The host name the chain was chosen for (SNI, else the CONNECT host). */
  name?: string;
  /** The responder has the connection and has not yet seen its first request. */
  awaitingFirst?: boolean;
  /** The scenario's own chain is served (not a per-host leaf). */
  scenarioChain?: boolean;
  /** The responder serves the connection (not forwarded upstream). */
  byResponder?: boolean;
}

/**
 * Start the intercepting proxy. For the scenario's hosts it presents the scenario's chain byte for
 * byte (Node's `cert` option with concatenated PEMs sends it exactly as written) and records one
 * verdict per TCP connection accepted on either listener; other hosts are tunnelled untouched.
 * Each connection's verdict is decided by a {@link Connection} state machine; this function is
 * the socket side that feeds it and carries out what it says.
 */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const host = options.host ?? '127.0.0.1';
  const limits: ConnectionLimits = {
    headTimeoutMs: options.headTimeoutMs ?? DEFAULT_LIMITS.headTimeoutMs,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_LIMITS.handshakeTimeoutMs,
    graceMs: options.graceMs ?? DEFAULT_LIMITS.graceMs,
    tunnelIdleMs: options.tunnelIdleMs ?? DEFAULT_LIMITS.tunnelIdleMs,
  };
  const maxConnections = options.maxConnections ?? defaultMaxConnections();
  if (options.interceptAll && !options.world) throw new Error('interceptAll needs the world that issues per-host leaves');

  // Logs first: a log that cannot be opened stops the start before any port is bound.
  const onLogFailure = options.onLogFailure ?? (() => undefined);
  const verdictLog = options.log?.verdicts ? RecordLog.open(options.log.verdicts, 'verdict log', onLogFailure) : undefined;
  let pinReportLog: RecordLog | undefined;
  try {
    pinReportLog = options.log?.reports ? RecordLog.open(options.log.reports, 'pin-failure report log', onLogFailure) : undefined;
  } catch (err) {
    verdictLog?.close();
    throw err;
  }
  const window = { ...DEFAULT_WINDOW, ...options.window };
  const verdicts = new VerdictStream({ records: window.verdicts }, verdictLog);
  const reports = new PinReportStream({ records: window.reports, maxBytes: window.reportBytes, sizeOf: pinReportSize }, pinReportLog);
  const fetches = new FetchStream({ records: window.reports });
  const configFetches = new ConfigFetchStream({ records: window.reports });

  let nextPinReportId = 1;
  const recordPinReport = (scenario: PresentedScenario, url: string, body: string, headers: IncomingMessage['headers']): PinReport => {
    const { body: content, ...fields } = readPinReport(body, url);
    // Who sent it goes with it: a report a web page sent may be forged (see PinReport.fromWebPage).
    const pinReport: PinReport = { id: nextPinReportId++, receivedAt: new Date().toISOString(), scenario: scenario.scenario.id, ...fields, ...reportSender(headers), body: content };
    reports.push(pinReport);
    return pinReport;
  };

  const contexts = new WeakMap<PresentedScenario, { context: ChainContext; view: ScenarioView }>();
  const chainOf = (s: PresentedScenario) => {
    let c = contexts.get(s);
    if (!c) {
      const pins = s.chain.map((x) => x.pin.sha256);
      c = {
        context: {
          context: serverContext(s.leafKey.export({ type: 'pkcs8', format: 'pem' }), s.chain.map((x) => pemOf(x.der, 'CERTIFICATE')).join('')),
          pins,
        },
        view: { id: s.scenario.id, hosts: s.hosts, pins, ...(options.expect ? { expected: expectedOf(options.expect, s) } : {}), ...configTlsView(s) },
      };
      contexts.set(s, c);
    }
    return c;
  };
  let active = options.scenario;
  chainOf(active);
  // One issuer for every per-host leaf: intercept-all hosts and https configuration hosts alike.
  const leaves = options.world ? new LeafCache(options.world, options.leafCacheSize) : undefined;

  const live = new Set<Live>();
  const forbidden = new ForbiddenTargets();
  let nextId = 1;
  let overloadReported = false;

  /**
   * Serves accepted connections: a tiny HTTP/1.1 server that names the scenario (keep-alive
   * capable). The answer is fixed per scenario and made once (the request line it answers is in
   * the verdict record): on a keep-alive connection the proxy's cost per request is Node's HTTP
   * parser and TLS, as in the minimal reference of bench/proxy.ts.
   */
  const answers = new WeakMap<PresentedScenario, ScenarioAnswer>();
  const answerOf = (s: PresentedScenario) => {
    let a = answers.get(s);
    if (!a) answers.set(s, (a = scenarioAnswer(s.scenario)));
    return a;
  };
  const responder = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const l = byTls.get(req.socket as TLSSocket);
    if (l?.machine.isConfigChannel) return serveConfigOverTls(l, req, res);
    if (l?.awaitingFirst) reportFirst(l, `${req.method} ${req.url} HTTP/${req.httpVersion}`);
    const s = (l?.scenarioChain ? l.scenario : undefined) ?? active;
    const answer = () => {
      const a = answerOf(s);
      res.writeHead(200, a.headers);
      res.end(a.body);
    };
    if (req.method !== 'POST') return answer();
    // A report posted over an intercepted TLS connection (a report host in the scenario, or
    // intercept-all) is collected like one sent over plain HTTP.
    readBody(req).then((body) => {
      if (isPinReportBody(body.toString('utf8'))) recordPinReport(s, `https://${req.headers.host ?? s.hosts[0]}${req.url ?? '/'}`, body.toString('utf8'), req.headers);
      answer();
    }, answer);
  });
  responder.on('clientError', (err: Error & { rawPacket?: Buffer }, socket) => {
    // Application data that is not HTTP still proves the client accepted the chain.
    const raw = err.rawPacket?.subarray(0, 120).toString('latin1').split('\r\n')[0];
    const l = byTls.get(socket as TLSSocket);
    if (l) reportFirst(l, raw ? `(not HTTP) ${raw}` : '(not HTTP)');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  /** The first request (or bytes that are not HTTP) on an accepted connection: the proof it trusted the chain. */
  const reportFirst = (l: Live, line: string, note?: string) => {
    if (!l.awaitingFirst) return;
    l.awaitingFirst = false;
    feed(l, { type: 'app-data', requestLine: line, ...(note ? { note } : {}) });
  };

  /** The record's sentence for a configuration served, on either channel. */
  const configNote = (s: PresentedScenario, overTls: boolean) => {
    const channel = s.config!;
    return `served the ${channel.serve} pin configuration (${channel.shape}${channel.carried ? `, version ${channel.carried.version}` : ''}) at ${channel.url} for scenario ${s.scenario.id}: a configuration fetch${overTls ? ' over TLS' : ''}`;
  };
  /** One configuration served: recorded the moment it is, whichever channel carried it. */
  const recordConfigFetch = (s: PresentedScenario, via: ConfigFetch['via'], socket: Socket) => {
    const channel = s.config!;
    configFetches.push({
      id: configFetches.lastId + 1,
      time: new Date().toISOString(),
      scenario: s.scenario.id,
      url: channel.url,
      shape: channel.shape,
      serve: channel.serve,
      ...(channel.carried ? { version: channel.carried.version } : {}),
      via,
      client: { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
    });
  };
  /**
   * A request on the decrypted stream of an https configuration host: the configuration at its
   * URL's path (the same answer and recording as plain HTTP), 404 for any other path. Never the
   * scenario's answer and never forwarded: the configuration host is not the API host.
   */
  const serveConfigOverTls = (l: Live, req: IncomingMessage, res: ServerResponse) => {
    const channel = l.scenario.config!;
    const reply = configRequestedOverTls(channel.url, req.url) ? configAnswer(req.method, channel.shape, channel.body) : configNotFound();
    const served = reply.status === 200;
    if (l.awaitingFirst) reportFirst(l, `${req.method} ${req.url} HTTP/${req.httpVersion}`, served ? configNote(l.scenario, true) : `answered ${reply.status}: not the configuration URL's path`);
    if (served) recordConfigFetch(l.scenario, l.machine.listener === 'proxy' ? 'connect' : 'tls', l.socket);
    res.writeHead(reply.status, reply.headers).end(reply.body);
  };

  const feed = (l: Live, event: ConnectionEvent) => run(l, l.machine.handle(event));

  const run = (l: Live, commands: ConnectionCommand[]) => {
    for (const c of commands) {
      switch (c.type) {
        case 'send':
          if (l.socket.destroyed) break;
          if (c.then === 'keep') l.socket.write(c.data);
          else {
            l.socket.end(c.data);
            // A client that never reads nor closes must not hold the socket: a short linger, then gone.
            setTimeout(() => l.socket.destroy(), 1_000).unref();
          }
          break;
        case 'arm':
          clearTimeout(l.timer);
          l.timer = setTimeout(onTimer, c.ms, l);
          break;
        case 'idle': {
          clearTimeout(l.timer);
          // A connection the responder serves is bounded by the responder's own HTTP timeouts
          // (keep-alive 5 s, request 300 s); a socket timeout on top would be refreshed on every
          // read and write of a keep-alive connection for nothing.
          if (l.byResponder) break;
          // Inactivity is watched on the socket that carries the traffic: the TLS socket once
          // there is one (its reads bypass the raw socket's activity clock), else the raw one.
          const s = l.tls ?? l.socket;
          s.setTimeout(c.ms);
          if (l.idleOn !== s) {
            l.idleOn = s;
            s.on('timeout', () => feed(l, { type: 'timer', bytesIn: l.socket.bytesRead }));
          }
          break;
        }
        case 'disarm':
          clearTimeout(l.timer);
          l.idleOn?.setTimeout(0);
          break;
        case 'record':
          verdicts.push({ id: l.id, time: new Date(l.started).toISOString(), durationMs: Date.now() - l.started, client: l.client, ...c.verdict });
          break;
        case 'destroy':
          l.tls?.destroy();
          l.socket.destroy();
          l.upstream?.destroy();
          break;
        case 'issue-leaf':
          if (!leaves) {
            feed(l, { type: 'chain-failed', reason: 'the proxy was started without the world that issues per-host leaves' });
            break;
          }
          leaves.get(c.name, c.issuer).then(
            (leaf) => {
              l.leaf = leaf;
              feed(l, { type: 'chain-ready', pins: leaf.pins });
            },
            (err: Error) => feed(l, { type: 'chain-failed', reason: err.message }),
          );
          break;
        case 'start-tls':
          startTls(l, c.chain === 'scenario' ? chainOf(l.scenario).context : l.leaf!, c.chain === 'scenario', c.name, c.data);
          break;
        case 'connect-upstream':
          l.upstream = connectUpstream(
            c,
            {
              open: () => feed(l, { type: 'upstream-open' }),
              failed: (reason) => feed(l, { type: 'upstream-failed', reason }),
            },
            forbidden.lookupFor(c.port),
          );
          break;
        case 'pipe':
          l.socket.off('data', onRawData);
          pipeTunnel(l.socket, l.upstream!, c.data);
          break;
        case 'drop-upstream':
          l.upstream?.destroy();
          l.upstream = undefined;
          break;
        case 'tunnel':
          l.socket.off('data', onRawData);
          l.upstream = openTunnel(
            l.socket,
            c,
            c.data,
            {
              open: () => feed(l, { type: 'upstream-open' }),
              failed: (reason) => feed(l, { type: 'upstream-failed', reason }),
            },
            forbidden.lookupFor(c.port),
          );
          break;
      }
    }
  };

  const onTimer = (l: Live) => feed(l, { type: 'timer', bytesIn: l.socket.bytesRead });

  // Raw-socket listeners before TLS starts; the Live is found through a WeakMap, so the
  // listeners are shared functions (no closure per connection on the hot path).
  // (Never expando properties on Node's sockets: a socket object of a different shape makes the
  // inline caches of Node's own stream and HTTP code polymorphic, a cost on every read and write.)
  const bySocket = new WeakMap<Socket, Live>();
  const byTls = new WeakMap<TLSSocket, Live>();
  function onRawData(this: Socket, chunk: Buffer) {
    const l = bySocket.get(this);
    if (l) feed(l, { type: 'bytes', data: chunk });
  }
  function onRawEnd(this: Socket) {
    const l = bySocket.get(this);
    if (l && !l.tls) feed(l, { type: 'fin' });
  }
  function onRawClose(this: Socket, hadError: boolean) {
    const l = bySocket.get(this);
    if (!l) return;
    live.delete(l);
    clearTimeout(l.timer);
    feed(l, { type: 'close', reset: hadError, bytesIn: this.bytesRead, bytesOut: this.bytesWritten });
    l.tls?.destroy();
    l.upstream?.destroy();
  }
  const ignore = () => undefined;

  const accept = (socket: Socket, listener: Listener) => {
    // Every socket error is handled here: it surfaces as a 'close' with hadError, which the machine records.
    socket.on('error', ignore);
    const scenario = active;
    const overloaded = live.size >= maxConnections;
    const l: Live = {
      id: nextId++,
      started: Date.now(),
      client: { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
      socket,
      scenario,
      machine: new Connection({ listener, limits, scenario: chainOf(scenario).view, interceptAll: Boolean(options.interceptAll), forbidden, ...(overloaded ? { overloaded: { limit: maxConnections } } : {}) }),
      // Every field from the start: one object shape for every connection's life.
      timer: undefined,
      idleOn: undefined,
      tls: undefined,
      upstream: undefined,
      leaf: undefined,
      name: undefined,
      awaitingFirst: false,
      scenarioChain: false,
      byResponder: false,
    };
    if (overloaded && !overloadReported) {
      overloadReported = true;
      options.onOverload?.(maxConnections);
    }
    bySocket.set(socket, l);
    live.add(l);
    socket.once('close', onRawClose);
    if (listener === 'tls') {
      socket.on('data', onRawData);
      socket.once('end', onRawEnd);
    }
    run(l, l.machine.start());
    return l;
  };

  // TLS-socket listeners, shared like the raw ones: the Live hangs off the socket.
  function onSecure(this: TLSSocket) {
    const l = byTls.get(this)!;
    const cipher = this.getCipher();
    feed(l, { type: 'handshake-done', tlsVersion: this.getProtocol() ?? undefined, cipher: cipher.standardName ?? cipher.name, ...(this.alpnProtocol ? { alpn: this.alpnProtocol } : {}) });
    const name = l.name ?? '';
    const upstream = options.upstreams?.[name];
    if (upstream) {
      this.once('data', (chunk: Buffer) => {
        feed(l, { type: 'app-data', requestLine: chunk.subarray(0, 512).toString('latin1').split('\r\n')[0]! });
        l.upstream = forwardTls(this, chunk, name, upstream) as unknown as Socket;
      });
      return;
    }
    // The responder's HTTP parser consumes the TLS stream natively (no JS 'data' events), so
    // it reports the first request (or the first bytes that are not HTTP) back: see reportFirst.
    l.awaitingFirst = true;
    l.byResponder = true;
    responder.emit('connection', this);
  }
  function onTlsError(this: TLSSocket, err: Error) {
    const alert = alertFromError(err);
    feed(byTls.get(this)!, { type: 'tls-error', ...(alert ? { alert } : {}), code: (err as NodeJS.ErrnoException).code ?? err.message });
  }
  // A FIN (also on half-open CONNECT sockets, where it never becomes 'close' by itself).
  function onTlsEnd(this: TLSSocket) {
    feed(byTls.get(this)!, { type: 'fin' });
  }
  function onTlsClose(this: TLSSocket) {
    const socket = byTls.get(this)!.socket;
    if (!socket.destroyed) socket.destroy();
  }

  const startTls = (l: Live, chain: ChainContext, scenarioChain: boolean, name: string, data: Buffer) => {
    const socket = l.socket;
    socket.off('data', onRawData);
    socket.pause();
    // The ClientHello bytes already read go back in front of the stream for the TLS layer.
    socket.unshift(data);
    const t = new TLSSocket(socket, { isServer: true, secureContext: chain.context, ALPNProtocols: ['http/1.1'] });
    l.tls = t;
    l.name = name;
    byTls.set(t, l);
    l.scenarioChain = scenarioChain;
    t.once('secure', onSecure);
    t.on('error', onTlsError);
    t.once('end', onTlsEnd);
    t.once('close', onTlsClose);
  };

  const plainHttp = plainHttpHandler({
    reportUri: () => reportUri(),
    selfAuthority: () => `${host}:${proxyPortOf()}`,
    recordPinReport: (url, body, headers) => recordPinReport(active, url, body, headers),
    upstreams: options.upstreams,
    upstreamIdleMs: limits.tunnelIdleMs,
    lookupFor: (port) => forbidden.lookupFor(port),
  });
  const proxyServer: HttpServer = createHttpServer(
    {
      // Later heads on a kept-alive plain-HTTP connection are bounded by Node's own check, run this often.
      connectionsCheckingInterval: Math.min(1_000, limits.headTimeoutMs),
      headersTimeout: limits.headTimeoutMs + 1_000,
      requestTimeout: Math.max(limits.tunnelIdleMs, limits.headTimeoutMs + 2_000),
    },
    (req, res) => {
      const l = bySocket.get(req.socket);
      const requestLine = `${req.method} ${req.url} HTTP/${req.httpVersion}`.slice(0, 512);
      // A proxy request to the control API is refused before anything is forwarded, and noted in the record.
      const refused = forbidden.refusalOfUrl(req.url ?? '');
      // A scenario's fetchable: URL (a caIssuers fetch) is answered here, never forwarded.
      const fetch = refused ? undefined : fetchableFor(active, req);
      const answer = fetch && fetchAnswer(req.method, fetch.cert.der);
      // A dynamic scenario's configuration URL: the configuration it serves, never forwarded.
      const configAsked = refused || fetch ? undefined : configRequested(active, req);
      const channel = active.config;
      const configReply = configAsked && channel ? configAnswer(req.method, channel.shape, channel.body) : undefined;
      const note = refused
        ? `refused ${requestLine}: ${refused} (403)`
        : fetch && answer!.status === 200
          ? `served ${fetch.cert.name} (${fetch.cert.der.length} bytes of DER) at ${fetch.url} for scenario ${active.scenario.id}: a caIssuers fetch`
          : configReply?.status === 200
            ? configNote(active, false)
            : undefined;
      if (l) feed(l, { type: 'http-request', requestLine, ...(note ? { note } : {}) });
      if (configReply) {
        if (configReply.status === 200) recordConfigFetch(active, configAsked!.via, req.socket);
        res.writeHead(configReply.status, configReply.headers).end(configReply.body);
        return;
      }
      if (fetch) {
        const a = answer!;
        if (a.status === 200) {
          const client = { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 };
          fetches.push({ id: fetches.lastId + 1, time: new Date().toISOString(), scenario: active.scenario.id, url: fetch.url, certificate: fetch.cert.name, via: fetch.via, client });
        }
        res.writeHead(a.status, a.headers).end(a.body);
        return;
      }
      if (refused) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end(`pinprick: ${refused}\n`);
        return;
      }
      plainHttp(req, res);
    },
  );
  proxyServer.on('connection', (socket: Socket) => accept(socket, 'proxy'));
  proxyServer.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const l = bySocket.get(socket);
    if (!l) return socket.destroy();
    // The HTTP server lets go of the socket here: from now on its bytes are ours.
    socket.on('data', onRawData);
    socket.once('end', onRawEnd);
    feed(l, { type: 'connect', authority: req.url ?? '' });
    if (head.length) feed(l, { type: 'bytes', data: head });
  });
  proxyServer.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const l = bySocket.get(socket);
    if (!l || err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable) {
      // The client went away: its 'close' is recorded.
      socket.destroy();
      return;
    }
    // A head cut by the client's FIN (HPE_INVALID_EOF_STATE) or a server-side timeout: the
    // client gave up or was too slow; its 'close' (or our head timer) makes the record.
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_INVALID_EOF_STATE') {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    feed(l, { type: 'bad-request', status: tooLarge ? 431 : 400, reason: tooLarge ? `the request head exceeds ${maxHeaderSize} bytes` : `${err.code ?? 'error'}: ${err.message}`.slice(0, 200) });
    if (!socket.destroyed && l.machine.phase === 'done') setTimeout(() => socket.destroy(), 1_000).unref();
  });

  const tlsServer: NetServer = createNetServer((socket) => accept(socket, 'tls'));
  const proxyPortOf = () => (proxyServer.address() as AddressInfo | null)?.port ?? options.proxyPort ?? 0;
  const reportUri = () => `http://${host.includes(':') ? `[${host}]` : host}:${proxyPortOf()}/pinprick/report`;

  try {
    await listenAll([
      { server: proxyServer, host, port: options.proxyPort ?? 0, label: 'the HTTP proxy port' },
      { server: tlsServer, host, port: options.tlsPort ?? 0, label: 'the direct TLS port' },
    ]);
  } catch (err) {
    verdictLog?.close();
    pinReportLog?.close();
    throw err;
  }

  return {
    host,
    proxyPort: (proxyServer.address() as AddressInfo).port,
    tlsPort: (tlsServer.address() as AddressInfo).port,
    verdicts,
    reports,
    fetches,
    configFetches,
    reportUri: reportUri(),
    limits: { ...limits, maxConnections },
    connections: () => ({ open: live.size, accepted: nextId - 1 }),
    scenario: () => active,
    profile: options.expect?.profile,
    expected: () => chainOf(active).view.expected,
    use: (next) => {
      chainOf(next);
      active = next;
    },
    forbid: (port) => forbidden.add(port),
    close: async () => {
      const closing = [closeServer(proxyServer), closeServer(tlsServer)];
      for (const l of [...live]) {
        live.delete(l);
        clearTimeout(l.timer);
        run(l, l.machine.handle({ type: 'shutdown', bytesIn: l.socket.bytesRead, bytesOut: l.socket.bytesWritten }));
      }
      await Promise.all(closing);
      verdictLog?.close();
      pinReportLog?.close();
    },
  };
}

/** The HTTP answer to a client that accepted a scenario's chain: raw header pairs and a body. */
export interface ScenarioAnswer {
  headers: string[];
  body: Buffer;
}

/** The answer for a scenario (bench/proxy.ts gives its reference servers the same bytes). */
export function scenarioAnswer(scenario: { id: string; title: string }): ScenarioAnswer {
  const body = Buffer.from(`pinprick: scenario ${scenario.id}: ${scenario.title}\nThe client accepted the chain.\n`, 'utf8');
  return { body, headers: ['content-type', 'text/plain; charset=utf-8', 'content-length', String(body.length), 'x-pinprick-scenario', scenario.id] };
}

/** What a correct client does with a scenario's chain on each of its hosts; shared by every record. */
function expectedOf(expect: Expectation, s: PresentedScenario): ReadonlyMap<string, ExpectedVerdict> {
  return new Map(
    s.hosts.map((host) => {
      const v = expect.of(s, host);
      return [host, Object.freeze({ verdict: v.expected, code: v.code, profile: expect.profile })];
    }),
  );
}

/** The https configuration host:port a connection may ask for (ScenarioView.configTls), when the scenario has one. */
function configTlsView(s: PresentedScenario): Pick<ScenarioView, 'configTls'> {
  const target = s.config ? configTlsTarget(s.config.url) : undefined;
  return target ? { configTls: { host: target.host, port: target.port, issuer: s.config!.tls ?? 'genuine' } } : {};
}

/** A report's weight in the in-memory window: its body dominates. */
function pinReportSize(r: PinReport): number {
  return typeof r.body === 'string' ? r.body.length : JSON.stringify(r.body)?.length ?? 0;
}
