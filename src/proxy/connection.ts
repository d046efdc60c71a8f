/**
 * The life of one TCP connection accepted by the proxy, as a socket-free state machine in the
 * sans-io style of mitmproxy's TLS layer: the listener feeds it events (bytes seen, a request head
 * parsed, the handshake done, an alert, application data, FIN, RST, a timer) and carries out the
 * commands it returns (send these bytes, start TLS with this chain, tunnel, arm a timer, record a
 * verdict, close). It decides; it never touches a socket, a file or a clock, so every path is
 * tested by table (test/proxy/connection.test.ts).
 *
 * Its promise: exactly one `record` command per connection, whatever happens, and every phase
 * bounded by a timer.
 */
import { hostNameProblem } from '../model/hostname.js';
import { alertByCode, type Alert } from './alerts.js';
import { ClientHelloReader, ClientHelloTooLargeError, TlsWireError, type ClientHelloInfo } from './tls-wire.js';
import type { LeafIssuer } from './leaf-cache.js';
import { isMismatch, type ConnectionVerdict, type ExpectedVerdict, type Listener, type VerdictKind } from './connection-record.js';

/** Every bound on a connection's phases, in milliseconds. */
export interface ConnectionLimits {
  /** Proxy listener: the whole request head (CONNECT or plain HTTP) must arrive within this. */
  headTimeoutMs: number;
  /** TLS: from the start of TLS (accept on the direct listener, or the CONNECT answer) to a completed handshake. */
  handshakeTimeoutMs: number;
  /** After the handshake, how long the client has to send data or close. */
  graceMs: number;
  /** A tunnel (or a forwarded connection) is closed after this long with no byte either way. */
  tunnelIdleMs: number;
}

/** Defaults of {@link ConnectionLimits}; README "Reliability" lists them with their flags. */
export const DEFAULT_LIMITS: ConnectionLimits = {
  // Both 10 s: a phone on a slow network finishes a head or a handshake in well under a second;
  // OpenSSL's s_server and nginx's client_header_timeout use 60 s, which lets a slow client hold a
  // test proxy's sockets far too long.
  headTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  // OkHttp checks pins and closes within milliseconds; 3 s is ample on a loaded CI machine.
  graceMs: 3_000,
  // Long enough for a long poll or a slow download, short enough that forgotten tunnels end.
  tunnelIdleMs: 300_000,
};

/** The active scenario as one connection sees it: frozen when the connection arrives. */
export interface ScenarioView {
  id: string;
  hosts: readonly string[];
  /** RFC 7469 pins of its chain, in order. */
  pins: string[];
  /** With `serve --profile`: what a correct client does with its chain, by host (one entry per host). */
  expected?: ReadonlyMap<string, ExpectedVerdict>;
  /**
   * A dynamic scenario whose configuration URL is https: its host and port. A CONNECT to exactly
   * that host:port (or direct TLS naming the host) is intercepted with a per-host leaf from the
   * world's genuine hierarchy, never the scenario's chain: the configuration channel is not the API.
   */
  configTls?: { host: string; port: number; issuer: LeafIssuer };
}

/** Everything the machine needs to know at accept. */
export interface ConnectionSetup {
  listener: Listener;
  limits: ConnectionLimits;
  scenario: ScenarioView;
  /** Intercept hosts outside the scenario with a per-host leaf (else tunnel them). */
  interceptAll: boolean;
  /** The proxy is at its connection limit: this one is closed at once (and recorded). */
  overloaded?: { limit: number };
  /** Targets a CONNECT may not reach (the control API): why, or undefined. One Set lookup per target. */
  forbidden?: { refusal(host: string, port: number): string | undefined };
}

/** What the listener tells the machine. */
export type ConnectionEvent =
  /** Proxy listener: a CONNECT request head, with its authority (`host:port`). */
  | { type: 'connect'; authority: string }
  /** Proxy listener: a plain HTTP request head (a proxy request or a report to the proxy itself). */
  | { type: 'http-request'; requestLine: string; note?: string }
  /** Proxy listener: a request head that could not be parsed, or was too large. */
  | { type: 'bad-request'; status: 400 | 431; reason: string }
  /** Raw bytes from the client before the TLS layer takes over. */
  | { type: 'bytes'; data: Buffer }
  /** Intercept-all: the per-host chain is ready (its pins), or could not be issued. */
  | { type: 'chain-ready'; pins: string[] }
  | { type: 'chain-failed'; reason: string }
  | { type: 'handshake-done'; tlsVersion?: string; cipher?: string; alpn?: string }
  /** The TLS layer failed: the alert the client sent (when it sent one) and the error code. */
  | { type: 'tls-error'; alert?: Alert; code: string }
  /** The first application data: a request line, or a description of bytes that are not HTTP. */
  | { type: 'app-data'; requestLine: string; note?: string }
  /** Tunnel: the upstream connected, or could not be reached. */
  | { type: 'upstream-open' }
  | { type: 'upstream-failed'; reason: string }
  /** The client half-closed (FIN). */
  | { type: 'fin' }
  /** The connection is gone: `reset` when it ended with an error (RST). Byte counts from the socket. */
  | { type: 'close'; reset: boolean; bytesIn: number; bytesOut: number }
  /** The armed timer (or the idle timer) fired; `bytesIn` as the socket counts them. */
  | { type: 'timer'; bytesIn: number }
  /** The proxy is stopping; byte counts from the socket. */
  | { type: 'shutdown'; bytesIn: number; bytesOut: number };

/** The facts of a verdict the machine decides; the listener adds id, times and the client address. */
export type VerdictFacts = Omit<ConnectionVerdict, 'id' | 'time' | 'durationMs' | 'client'>;

/** What the machine asks the listener to do, in order. */
export type ConnectionCommand =
  /** Write these bytes; then end (FIN after the write), destroy, or keep the connection. */
  | { type: 'send'; data: string | Buffer; then: 'keep' | 'end' | 'destroy' }
  /** Start the TLS server side over the connection, replaying `data` (the ClientHello read so far). */
  | { type: 'start-tls'; chain: 'scenario' | 'host-leaf'; name: string; data: Buffer }
  /** Intercept-all: get the per-host chain for `name`, then say `chain-ready` or `chain-failed`. */
  | { type: 'issue-leaf'; name: string; issuer?: LeafIssuer }
  /** Open a TCP connection to the target, write `data` to it, then pipe both ways. */
  | { type: 'tunnel'; host: string; port: number; data: Buffer }
  /** Open a TCP connection to the target and hold it; say `upstream-open` or `upstream-failed`. */
  | { type: 'connect-upstream'; host: string; port: number }
  /** Through the held upstream: write `data` to it, then pipe both ways. */
  | { type: 'pipe'; data: Buffer }
  /** Close the held upstream (the client turned out to want the scenario's host). */
  | { type: 'drop-upstream' }
  /** Start (or restart) the one timer: fire `timer` after `ms`. */
  | { type: 'arm'; ms: number }
  /** Fire `timer` after `ms` with no byte either way (restarted by every byte). */
  | { type: 'idle'; ms: number }
  | { type: 'disarm' }
  | { type: 'record'; verdict: VerdictFacts }
  | { type: 'destroy' };

/** Where a connection is in its life. */
export type Phase =
  | 'head' // proxy listener, awaiting the request head
  | 'hello' // TLS, awaiting a complete ClientHello
  | 'issuing' // intercept-all, awaiting the per-host chain
  | 'handshake' // TLS, our chain sent, awaiting the end of the handshake
  | 'grace' // handshake done, awaiting data or a close
  | 'open' // accepted: the responder or the upstream serves it
  | 'tunnel-connecting' // a tunnel's upstream is connecting (before the CONNECT answer, or after the ClientHello)
  | 'tunnel'
  | 'http' // plain HTTP on the proxy listener
  | 'done';

/** What each phase awaits, for timeout records (`awaited`). */
const AWAITED: Partial<Record<Phase, ConnectionVerdict['awaited']>> = {
  head: 'request-head',
  hello: 'client-hello',
  issuing: 'handshake',
  handshake: 'handshake',
  grace: 'data',
  'tunnel-connecting': 'upstream',
  tunnel: 'traffic',
  open: 'traffic',
  http: 'request-head',
};

/** RFC 8446 6.2: fatal alert record (TLS 1.2 framing, which 1.3 keeps for alerts sent in the clear). */
export function alertRecord(alert: Alert): Buffer {
  return Buffer.from([21, 3, 3, 0, 2, 2, alert.code]);
}

/** `host:port` of a CONNECT request (RFC 9110 9.3.6: authority-form, a port is required). */
export function parseAuthority(text: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s/[\]@\x00-\x1f\x7f]+):(\d{1,5})$/.exec(text);
  // RFC 1035 2.3.4: a host name is at most 255 octets.
  if (!m || m[1]!.length > 255) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1]!.replace(/^\[|\]$/g, ''), port } : undefined;
}

/** The answer to every good CONNECT: one buffer, written as is. */
const CONNECT_ESTABLISHED = Buffer.from('HTTP/1.1 200 Connection Established\r\nProxy-Agent: pinprick\r\n\r\n', 'latin1');

/** The pins of no chain (nothing served yet); shared, never written to. */
const NO_PINS: string[] = [];

const PLAIN_HTTP_ON_TLS =
  'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\npinprick: this port speaks TLS; use https:// (or the proxy port for plain HTTP)\n';

const REASONS = { 400: 'Bad Request', 403: 'Forbidden', 431: 'Request Header Fields Too Large', 502: 'Bad Gateway' } as const;

function httpError(status: keyof typeof REASONS, text: string): string {
  const reason = REASONS[status];
  const body = `pinprick: ${text}\n`;
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Printable start of bytes that are not what was expected (for a record's detail). */
function describeBytes(data: Buffer): string {
  const text = data.subarray(0, 16).toString('latin1');
  return /^[A-Z]{3,8} \S+/.test(text) ? `plain HTTP (${text.split('\r\n')[0]!.slice(0, 60)})` : `bytes that are not TLS (${data.subarray(0, 8).toString('hex')})`;
}

/** One TCP connection's verdict logic. Feed it with {@link handle}; carry out what it returns. */
export class Connection {
  private phaseNow: Phase;
  private recorded = false;
  private readonly hello = new ClientHelloReader();
  private info: ClientHelloInfo | undefined;
  private target: { host: string; port: number } | undefined;
  private negotiated: Pick<ConnectionVerdict, 'tlsVersion' | 'cipher' | 'alpn'> | undefined;
  private servedPins: string[] = NO_PINS;
  /** Whether the scenario's chain (not a per-host leaf) is, or would be, the one served. */
  private scenarioServed = false;
  /** The connection is for the scenario's https configuration URL (ScenarioView.configTls). */
  private configChannel = false;
  private httpRequests = 0;
  private firstRequestLine: string | undefined;
  /** Notes for an end-of-connection record (tunnels, plain HTTP); made when the first one comes. */
  private notes: string[] | undefined;
  private serverName = '';
  /** The CONNECT was answered (200 sent): a failure can no longer be told as a 502. */
  private answered = false;
  /** An upstream is connected and held for a tunnel, before the ClientHello decides. */
  private upstreamHeld = false;
  /** Bytes the client sent before the CONNECT was answered. */
  private early: Buffer[] | undefined;

  constructor(private readonly setup: ConnectionSetup) {
    this.phaseNow = setup.listener === 'proxy' ? 'head' : 'hello';
    this.scenarioServed = setup.listener === 'tls';
  }

  /** The current phase (for tests and the listener's bookkeeping). */
  get phase(): Phase {
    return this.phaseNow;
  }

  /** Whether the connection is for the scenario's https configuration host (its requests get the configuration, not the scenario's answer). */
  get isConfigChannel(): boolean {
    return this.configChannel;
  }

  /** The listener that accepted the connection. */
  get listener(): Listener {
    return this.setup.listener;
  }

  /** Whether the one record has been made. */
  get isRecorded(): boolean {
    return this.recorded;
  }

  /** The commands to carry out at accept. */
  start(): ConnectionCommand[] {
    if (this.setup.overloaded) {
      this.phaseNow = 'done';
      return [
        this.record('dropped', `the proxy was at its limit of ${this.setup.overloaded.limit} open connections: closed at accept (raise the limit with --max-connections and ulimit -n)`),
        { type: 'destroy' },
      ];
    }
    const { limits } = this.setup;
    return [{ type: 'arm', ms: this.phaseNow === 'head' ? limits.headTimeoutMs : limits.handshakeTimeoutMs }];
  }

  /** Feed one event; returns what to do. Events after the end are ignored. */
  handle(event: ConnectionEvent): ConnectionCommand[] {
    if (this.phaseNow === 'done') return [];
    switch (event.type) {
      case 'connect':
        return this.onConnect(event.authority);
      case 'http-request':
        return this.onHttpRequest(event.requestLine, event.note);
      case 'bad-request':
        return this.onBadRequest(event.status, event.reason);
      case 'bytes':
        if (this.phaseNow === 'tunnel-connecting' && !this.answered) {
          // Sent before our answer (a client that does not wait for it): kept for the ClientHello.
          (this.early ??= []).push(event.data);
          return [];
        }
        return this.phaseNow === 'hello' ? this.onHelloBytes(event.data) : [];
      case 'chain-ready':
        if (this.phaseNow !== 'issuing') return [];
        this.servedPins = event.pins;
        this.phaseNow = 'handshake';
        return [{ type: 'start-tls', chain: 'host-leaf', name: this.serverName, data: this.hello.buffered }];
      case 'chain-failed':
        if (this.phaseNow !== 'issuing') return [];
        return this.finish('malformed', `pinprick could not issue a certificate for ${this.serverName}: ${event.reason}`, [{ type: 'destroy' }]);
      case 'handshake-done':
        if (this.phaseNow !== 'handshake') return [];
        this.negotiated = {};
        if (event.tlsVersion) this.negotiated.tlsVersion = event.tlsVersion;
        if (event.cipher) this.negotiated.cipher = event.cipher;
        if (event.alpn) this.negotiated.alpn = event.alpn;
        this.phaseNow = 'grace';
        return [{ type: 'arm', ms: this.setup.limits.graceMs }];
      case 'tls-error':
        return this.onTlsError(event.alert, event.code);
      case 'app-data':
        if (this.phaseNow !== 'grace') return [];
        this.phaseNow = 'open';
        return [
          this.record(
            'accepted',
            this.configChannel
              ? `a configuration fetch over TLS: the client accepted pinprick's certificate for ${this.serverName} (the world's ${this.setup.scenario.configTls?.issuer ?? 'genuine'} hierarchy) and sent application data${event.note ? `; ${event.note}` : ''}`
              : 'the client completed the handshake and sent application data',
            { requestLine: event.requestLine },
          ),
          // The responder's own keep-alive bounds apply from here; a forwarded connection is idle-bounded.
          { type: 'idle', ms: this.setup.limits.tunnelIdleMs },
        ];
      case 'upstream-open':
        if (this.phaseNow !== 'tunnel-connecting') return [];
        if (!this.answered) {
          // The upstream is there: now the client may go on, and its ClientHello says the rest.
          this.answered = true;
          this.upstreamHeld = true;
          this.phaseNow = 'hello';
          const answer: ConnectionCommand[] = [{ type: 'send', data: CONNECT_ESTABLISHED, then: 'keep' }];
          const early = this.early;
          this.early = undefined;
          // The handshake bound runs from the CONNECT, so it is not re-armed here.
          return early ? [...answer, ...this.onHelloBytes(Buffer.concat(early))] : answer;
        }
        this.phaseNow = 'tunnel';
        return [{ type: 'idle', ms: this.setup.limits.tunnelIdleMs }];
      case 'upstream-failed': {
        if (this.phaseNow !== 'tunnel-connecting') return [];
        const why = `the tunnel to ${this.targetText()} could not be opened: ${event.reason}`;
        // Before the CONNECT answer the client can still be told why (RFC 9110 15.6.3).
        return this.finish('upstream-failed', why, [this.answered ? { type: 'destroy' } : { type: 'send', data: httpError(502, why), then: 'end' }]);
      }
      case 'fin':
        return this.onEnd(false, true);
      case 'close':
        return this.onClose(event.reset, event.bytesIn, event.bytesOut);
      case 'timer':
        return this.onTimer(event.bytesIn);
      case 'shutdown':
        return this.onShutdown(event.bytesIn, event.bytesOut);
    }
  }

  private onConnect(authority: string): ConnectionCommand[] {
    if (this.phaseNow !== 'head') return [];
    const target = parseAuthority(authority);
    if (!target) {
      const why = `CONNECT needs host:port with a port from 1 to 65535, got '${authority.slice(0, 80)}'`;
      return this.finish('malformed', `a bad CONNECT request: ${why}`, [{ type: 'send', data: httpError(400, why), then: 'end' }], { target: authority.slice(0, 255) });
    }
    this.target = target;
    const refused = this.setup.forbidden?.refusal(target.host, target.port);
    if (refused) {
      // Before any upstream is opened: the proxy must not be a way into pinprick's own API.
      return this.finish('malformed', `a CONNECT to ${this.targetText()} was refused (403): ${refused}`, [{ type: 'send', data: httpError(403, refused), then: 'end' }]);
    }
    if (!this.setup.interceptAll && !this.setup.scenario.hosts.includes(target.host) && !this.isConfigTarget(target.host, target.port)) {
      // A host outside the scenario is most likely tunnelled: reach it before answering, so a
      // host that cannot be reached gets a 502 with the reason, not a 200 and then a dropped
      // connection. (The ClientHello may still name a scenario host; then the upstream is dropped.)
      this.phaseNow = 'tunnel-connecting';
      return [
        { type: 'connect-upstream', host: target.host, port: target.port },
        { type: 'arm', ms: this.setup.limits.handshakeTimeoutMs },
      ];
    }
    this.answered = true;
    this.phaseNow = 'hello';
    this.scenarioServed = true;
    return [
      { type: 'send', data: CONNECT_ESTABLISHED, then: 'keep' },
      { type: 'arm', ms: this.setup.limits.handshakeTimeoutMs },
    ];
  }

  private onHttpRequest(requestLine: string, note: string | undefined): ConnectionCommand[] {
    if (this.phaseNow !== 'head' && this.phaseNow !== 'http') return [];
    this.httpRequests++;
    this.firstRequestLine ??= requestLine;
    if (note) (this.notes ??= []).push(note);
    if (this.phaseNow === 'http') return [];
    this.phaseNow = 'http';
    // From here the HTTP server's own keep-alive and header timeouts bound the connection.
    return [{ type: 'disarm' }];
  }

  private onBadRequest(status: 400 | 431, reason: string): ConnectionCommand[] {
    if (this.phaseNow === 'http') {
      (this.notes ??= []).push(`then a bad request (${reason})`);
      return [{ type: 'send', data: httpError(status, reason), then: 'end' }];
    }
    if (this.phaseNow !== 'head') return [];
    return this.finish('malformed', `a bad proxy request: ${reason} (answered ${status})`, [{ type: 'send', data: httpError(status, reason), then: 'end' }]);
  }

  private onHelloBytes(data: Buffer): ConnectionCommand[] {
    try {
      this.info = this.hello.push(data);
    } catch (err) {
      if (err instanceof ClientHelloTooLargeError) {
        // OpenSSL answers an oversized ClientHello with illegal_parameter ("excessive message size").
        const alert = alertByCode(47);
        return this.finish('malformed', `${err.message}: refused with a ${alert.name} alert`, [{ type: 'send', data: alertRecord(alert), then: 'destroy' }]);
      }
      if (!(err instanceof TlsWireError)) throw err;
      if (this.upstreamHeld) return this.pipeHeld();
      const seen = this.hello.buffered;
      const what = describeBytes(seen);
      const http = what.startsWith('plain HTTP');
      return this.finish('not-tls', `the client sent ${what}${http ? ' to a TLS port' : ''}`, [http ? { type: 'send', data: PLAIN_HTTP_ON_TLS, then: 'end' } : { type: 'destroy' }]);
    }
    if (!this.info) return [];
    const name = this.info.servername ?? this.target?.host;
    this.serverName = name ?? this.setup.scenario.hosts[0] ?? '';
    if (!name || this.setup.scenario.hosts.includes(name)) {
      const serve = this.serveScenario();
      if (!this.upstreamHeld) return serve;
      this.upstreamHeld = false;
      return [{ type: 'drop-upstream' }, ...serve];
    }
    if (this.upstreamHeld) return this.pipeHeld();
    if (this.isConfigTarget(name, this.target?.port)) {
      // The configuration host: a leaf for it under the genuine intermediate (the intercept-all
      // issuer), whatever --intercept-all says; the name is the scenario's, already a host name.
      this.scenarioServed = false;
      this.configChannel = true;
      this.phaseNow = 'issuing';
      return [{ type: 'issue-leaf', name, issuer: this.setup.scenario.configTls!.issuer }];
    }
    if (this.setup.interceptAll) {
      this.scenarioServed = false;
      // The name becomes the subject of a leaf under the genuine intermediate: only a host name
      // gets one. RFC 6066 section 3: a server that does not recognize the name may abort with a
      // fatal unrecognized_name alert; the client is told, and the record says why.
      const problem = hostNameProblem(name);
      if (problem) {
        const alert = alertByCode(112);
        const shown = name.length > 255 ? `${name.slice(0, 255)}…` : name;
        const what = this.info.servername === undefined ? 'the CONNECT host' : 'the SNI';
        return this.finish('malformed', `refused with an ${alert.name} alert: ${what} '${shown}' is not a DNS host name (${problem}), so no certificate was issued for it`, [
          { type: 'send', data: alertRecord(alert), then: 'destroy' },
        ]);
      }
      this.phaseNow = 'issuing';
      return [{ type: 'issue-leaf', name }];
    }
    if (this.setup.listener === 'proxy' && this.target) {
      this.scenarioServed = false;
      this.phaseNow = 'tunnel-connecting';
      // The handshake bound still runs while the upstream connects.
      return [{ type: 'tunnel', host: this.target.host, port: this.target.port, data: this.hello.buffered }];
    }
    // A client sent here directly (DNS, /etc/hosts) for a host the scenario does not name: it
    // still gets the scenario's chain, and a verdict.
    return this.serveScenario();
  }

  /** A tunnel through the upstream already connected: bytes read so far go first. */
  private pipeHeld(): ConnectionCommand[] {
    this.scenarioServed = false;
    this.phaseNow = 'tunnel';
    return [{ type: 'pipe', data: this.hello.buffered }, { type: 'idle', ms: this.setup.limits.tunnelIdleMs }];
  }

  private serveScenario(): ConnectionCommand[] {
    this.scenarioServed = true;
    this.servedPins = this.setup.scenario.pins;
    this.phaseNow = 'handshake';
    return [{ type: 'start-tls', chain: 'scenario', name: this.serverName, data: this.hello.buffered }];
  }

  private onTlsError(alert: Alert | undefined, code: string): ConnectionCommand[] {
    const extra = alert ? { alert } : {};
    if (this.phaseNow === 'handshake') {
      return this.finish('rejected', alert ? `the client refused the chain with a ${alert.name} alert` : `the handshake failed: ${code}`, [{ type: 'destroy' }], extra);
    }
    if (this.phaseNow === 'grace') {
      return this.finish('rejected-after-handshake', `the handshake completed, then the connection failed (${code}) before any data`, [{ type: 'destroy' }], extra);
    }
    return [];
  }

  /** A FIN (half-close) or the end of the connection before the phase's goal. */
  private onEnd(reset: boolean, fin: boolean): ConnectionCommand[] {
    const then: ConnectionCommand[] = fin ? [{ type: 'destroy' }] : [];
    switch (this.phaseNow) {
      case 'head': {
        // A FIN on the proxy listener before a full head: the client gave up.
        return this.finish('closed', `the client ${reset ? 'reset' : 'closed'} the connection before a complete request head`, then);
      }
      case 'hello':
        if (this.upstreamHeld) return this.finish('tunnelled', `the client ${reset ? 'reset' : 'closed'} the tunnel to ${this.targetText()} before sending anything through it`, then);
        if (this.hello.bytes) return this.finish('not-tls', `the client ${reset ? 'reset' : 'closed'} the connection before completing a ClientHello (${this.hello.bytes} bytes)`, then);
        return this.finish('rejected', `the client ${reset ? 'reset' : 'closed'} the connection without sending anything`, then);
      case 'issuing':
      case 'handshake':
        return this.finish('rejected', `the client ${reset ? 'reset' : 'closed'} the connection during the handshake without an alert`, then);
      case 'grace':
        return this.finish('rejected-after-handshake', `the handshake completed, then the client ${reset ? 'reset' : 'closed'} the connection without sending data`, then);
      case 'tunnel-connecting':
        return this.finish('tunnelled', `the client closed before the tunnel to ${this.targetText()} opened`, then);
      default:
        // Tunnels, plain HTTP and accepted connections carry on in one direction after a FIN.
        return [];
    }
  }

  private onClose(reset: boolean, bytesIn: number, bytesOut: number): ConnectionCommand[] {
    if (this.phaseNow === 'head' && bytesIn === 0) {
      return this.finish('closed', `the client ${reset ? 'reset' : 'closed'} the connection without sending anything`, []);
    }
    const commands = this.onEnd(reset, false);
    if (this.recorded) {
      this.phaseNow = 'done';
      return [{ type: 'disarm' }, ...commands];
    }
    return this.endRecord(bytesIn, bytesOut, []);
  }

  /** The record of a tunnel or a plain-HTTP connection, made when it ends. */
  private endRecord(bytesIn: number, bytesOut: number, then: ConnectionCommand[]): ConnectionCommand[] {
    const bytes = { bytes: { in: bytesIn, out: bytesOut } };
    const notes = this.notes ? `; ${this.notes.join('; ')}` : '';
    if (this.target && !this.scenarioServed) {
      return this.finish('tunnelled', `tunnelled untouched to ${this.targetText()}: ${bytesIn} bytes from the client, ${bytesOut} to it${notes}`, then, bytes);
    }
    const first = this.firstRequestLine ?? '(no request)';
    const n = this.httpRequests;
    return this.finish('plain-http', `${n} plain HTTP request${n === 1 ? '' : 's'}, the first: ${first}${notes}`, then, { requestLine: first, ...bytes });
  }

  private onTimer(bytesIn: number): ConnectionCommand[] {
    const { limits } = this.setup;
    const destroy: ConnectionCommand[] = [{ type: 'destroy' }];
    switch (this.phaseNow) {
      case 'head':
        return this.finish(
          'timeout',
          bytesIn ? `the client sent ${bytesIn} bytes but no complete request head within ${limits.headTimeoutMs} ms` : `the client sent nothing within ${limits.headTimeoutMs} ms`,
          destroy,
        );
      case 'hello':
        return this.finish(
          'timeout',
          this.hello.bytes ? `the client sent ${this.hello.bytes} bytes but no complete TLS ClientHello within ${limits.handshakeTimeoutMs} ms` : `the client sent no TLS ClientHello within ${limits.handshakeTimeoutMs} ms`,
          destroy,
        );
      case 'issuing':
      case 'handshake':
        return this.finish('timeout', `the client did not complete the handshake within ${limits.handshakeTimeoutMs} ms`, destroy);
      case 'grace':
        return this.finish('timeout', `the handshake completed but the client sent nothing within ${limits.graceMs} ms`, destroy);
      case 'tunnel-connecting': {
        const why = `the tunnel to ${this.targetText()} did not open within ${limits.handshakeTimeoutMs} ms`;
        return this.finish('upstream-failed', why, this.answered ? destroy : [{ type: 'send', data: httpError(502, why), then: 'end' }]);
      }
      case 'tunnel':
        (this.notes ??= []).push(`closed after ${limits.tunnelIdleMs} ms with no traffic`);
        return destroy; // recorded at close, with the byte counts
      default:
        return destroy;
    }
  }

  private onShutdown(bytesIn: number, bytesOut: number): ConnectionCommand[] {
    const destroy: ConnectionCommand[] = [{ type: 'destroy' }];
    if (this.recorded) return this.finish('timeout', '', destroy);
    if (this.phaseNow === 'tunnel' || this.phaseNow === 'http') {
      (this.notes ??= []).push('closed when the proxy stopped');
      return this.endRecord(bytesIn, bytesOut, destroy);
    }
    return this.finish('timeout', `the proxy stopped while awaiting ${AWAITED[this.phaseNow] ?? 'the client'}`, destroy);
  }

  /** Record (once) and move to the end. */
  private finish(kind: VerdictKind, detail: string, then: ConnectionCommand[], extra?: Partial<VerdictFacts>): ConnectionCommand[] {
    if (this.recorded) {
      this.phaseNow = 'done';
      return then;
    }
    const record = this.record(kind, detail, extra);
    this.phaseNow = 'done';
    return [{ type: 'disarm' }, record, ...then];
  }

  private record(kind: VerdictKind, detail: string, extra?: Partial<VerdictFacts>): ConnectionCommand {
    this.recorded = true;
    return this.recordFacts(kind, detail, extra);
  }

  private recordFacts(kind: VerdictKind, detail: string, extra?: Partial<VerdictFacts>): ConnectionCommand {
    const awaited = kind === 'timeout' ? AWAITED[this.phaseNow] : undefined;
    const tlsPhase = this.phaseNow !== 'head' && this.phaseNow !== 'http';
    // Built field by field (no spreads: one object per record, on every connection's path), in
    // the order the JSONL log shows them; `extra` last, overriding.
    // A configuration host's connection says so whatever became of it (the accepted record says it in full).
    const said = this.configChannel && kind !== 'accepted' ? `on the https configuration channel of scenario ${this.setup.scenario.id}: ${detail}` : detail;
    const verdict = { kind, detail: said } as VerdictFacts;
    if (this.scenarioServed && tlsPhase && kind !== 'tunnelled' && kind !== 'upstream-failed') verdict.scenario = this.setup.scenario.id;
    verdict.via = this.setup.listener === 'tls' ? 'direct' : this.target ? 'connect' : 'proxy';
    if (this.target) verdict.target = `${this.target.host.includes(':') ? `[${this.target.host}]` : this.target.host}:${this.target.port}`;
    if (this.info?.servername) verdict.sni = this.info.servername;
    if (this.negotiated) Object.assign(verdict, this.negotiated);
    if (awaited) verdict.awaited = awaited;
    verdict.chainPins = this.servedPins;
    Object.assign(verdict, extra);
    const expectedByHost = this.setup.scenario.expected;
    if (expectedByHost !== undefined && verdict.scenario !== undefined) {
      // The host the client asked for (as the harness reads it: SNI, else the CONNECT host); a
      // client that names none gets the chain chosen for the first host.
      const expected = expectedByHost.get(this.info?.servername ?? this.target?.host ?? this.setup.scenario.hosts[0] ?? '');
      if (expected) {
        verdict.expected = expected;
        if (isMismatch(kind, expected)) verdict.mismatch = true;
      }
    }
    return { type: 'record', verdict };
  }

  /**
   * Whether `host` (and the CONNECT port, when there is a CONNECT) is the https configuration URL's.
   * The direct TLS listener has no port to compare: the SNI decides there.
   */
  private isConfigTarget(host: string, port: number | undefined): boolean {
    const c = this.setup.scenario.configTls;
    return c !== undefined && host === c.host && (port === undefined || this.setup.listener === 'tls' || port === c.port);
  }

  private targetText(): string {
    return this.target ? `${this.target.host}:${this.target.port}` : '(no target)';
  }
}
