/**
 * Capture the certificate chain a live TLS endpoint serves, byte for byte and in wire order.
 * Node's TLS stack does the handshake (with verification off: a probe must see broken chains too);
 * a pass-through stream copies every server byte to {@link ServerFlightParser}, and the client's
 * key log supplies the TLS 1.3 handshake secret that unlocks the encrypted Certificate message.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { InputError, NetworkError } from '../errors.js';
import { alertName, parseKeylogLine, ServerFlightParser, TlsWireError } from './tls-wire.js';

/** Where to probe and how. */
export interface FetchServedChainOptions {
  host: string;
  port: number;
  /** Server name to send; default `host`, and none when `host` is an IP literal (RFC 6066 3 forbids IPs in SNI). */
  sni?: string;
  /** An HTTP proxy to tunnel through with CONNECT. */
  proxy?: { host: string; port: number };
  /** Whole-probe deadline in milliseconds (default {@link DEFAULT_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** ALPN protocols to offer, e.g. `['h2', 'http/1.1']`. */
  alpn?: string[];
  /** Stops the probe: its sockets are destroyed and it fails at once with a {@link NetworkError} (the monitor, on SIGINT). */
  signal?: AbortSignal;
}

/** The chain as served, with what was negotiated to get it. */
export interface ServedChain {
  /** DER certificates exactly as sent: order, duplicates and unrelated extras preserved. */
  certificates: Buffer[];
  /** Negotiated protocol, e.g. `TLSv1.3`. */
  protocol: string;
  /** Negotiated cipher suite, IANA name (e.g. `TLS_AES_128_GCM_SHA256`). */
  cipher: string;
  /** Protocol the server selected by ALPN, when it selected one. */
  alpn?: string;
  /** Server name sent in the ClientHello, when one was. */
  servername?: string;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** `host:port` or `[v6]:port`, or undefined when the text is not one. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = HOST_PORT.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** `HOST`, `HOST:PORT` or `[V6]:PORT`, port 443 (HTTPS) when absent; undefined when the text is none of these. */
export function parseTarget(text: string): { host: string; port: number } | undefined {
  const withPort = parseHostPort(text);
  if (withPort) return withPort;
  if (/^[A-Za-z0-9.-]+$/.test(text) || /^\[[0-9a-fA-F:.]+\]$/.test(text)) return { host: text.replace(/^\[|\]$/g, ''), port: 443 };
  return undefined;
}

/**
 * An HTTP proxy to tunnel through, as `host:port` or as a URL `http://host:port` (what
 * `HTTPS_PROXY` holds); undefined for anything else. A proxy reached over TLS (`https://`) is not
 * supported: the CONNECT request goes in clear.
 */
export function parseProxyAddress(text: string): { host: string; port: number } | undefined {
  const m = /^http:\/\/([^/]+?)\/?$/i.exec(text);
  return parseHostPort(m ? m[1]! : text);
}

/** Long enough for a slow server across an ocean, short enough that a dead one does not stall a run. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** After close_notify, how long to wait for the server to close before destroying the socket. */
const CLOSE_GRACE_MS = 1_000;
/** A proxy's CONNECT answer is a status line and a few headers; more than this is not a proxy. */
const MAX_PROXY_RESPONSE = 64 * 1024;

/** Fetch the chain `host:port` serves, directly or through an HTTP CONNECT proxy. Fails with one-line {@link NetworkError}s. */
export async function fetchServedChain(options: FetchServedChainOptions): Promise<ServedChain> {
  const { host, port, proxy } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  checkPort(port, 'port');
  if (proxy) checkPort(proxy.port, 'proxy port');
  if (!host) throw new InputError('no host to probe');
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new InputError(`bad timeout ${timeoutMs}: expected a positive number of milliseconds`);

  const target = authority(host, port);
  const servername = options.sni ?? (isIP(host) ? undefined : host);
  const probe = new Probe(target, timeoutMs);
  const stop = () => probe.abort();
  if (options.signal?.aborted) throw new NetworkError(`probe of ${target} stopped`);
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const dialed = proxy ? `proxy ${authority(proxy.host, proxy.port)}` : target;
    const socket = await probe.run<Socket>(`connecting to ${dialed}`, (ok, fail) => {
      const s = netConnect({ host: proxy?.host ?? host, port: proxy?.port ?? port });
      probe.own(s);
      s.once('connect', () => ok(s));
      s.once('error', (err) => fail(new NetworkError(`cannot connect to ${dialed}: ${shortError(err)}`, { cause: err })));
    });
    const early = proxy ? await openTunnel(probe, socket, dialed, target) : Buffer.alloc(0);
    const { chain, tls } = await handshake(probe, socket, early, { servername, alpn: options.alpn });
    await closeGracefully(tls);
    return chain;
  } finally {
    options.signal?.removeEventListener('abort', stop);
    probe.dispose();
  }
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InputError(`bad ${what} ${port}: expected 1-65535`);
}

/** `host:port`, with IPv6 literals bracketed as in a URL authority (RFC 3986 3.2.2). */
function authority(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** `connect ECONNREFUSED` rather than Node's message, which repeats the address we already name. */
function shortError(err: Error): string {
  const { code, syscall } = err as NodeJS.ErrnoException;
  if (code) return `${syscall ?? 'connect'} ${code}`;
  return err.message || String(err);
}

/**
 * One probe's shared deadline and sockets: every phase races the same timer, and whatever
 * happens every socket is destroyed at the end.
 */
class Probe {
  private readonly sockets: { destroy(): void }[] = [];
  private readonly started = Date.now();
  /** Fails the phase under way, if one is. */
  private failPhase: ((err: Error) => void) | undefined;
  private stopped = false;

  constructor(
    readonly target: string,
    readonly timeoutMs: number,
  ) {}

  /** Track a socket for disposal. */
  own<T extends { destroy(): void }>(socket: T): T {
    this.sockets.push(socket);
    return socket;
  }

  /** Run one phase until it settles or the deadline passes; `doing` completes "timed out after N ms …". */
  run<T>(doing: string, body: (ok: (value: T) => void, fail: (err: Error) => void) => void): Promise<T> {
    if (this.stopped) return Promise.reject(new NetworkError(`probe of ${this.target} stopped`));
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      const left = Math.max(0, this.timeoutMs - (Date.now() - this.started));
      const timer = setTimeout(() => settle(() => reject(new NetworkError(`timed out after ${this.timeoutMs} ms ${doing}`))), left);
      this.failPhase = (err) => settle(() => reject(err));
      try {
        body(
          (value) => settle(() => resolve(value)),
          (err) => settle(() => reject(err)),
        );
      } catch (err) {
        settle(() => reject(err));
      }
    });
  }

  /** Stop: the phase under way fails, and every socket is destroyed. */
  abort(): void {
    this.stopped = true;
    this.failPhase?.(new NetworkError(`probe of ${this.target} stopped`));
    this.dispose();
  }

  /** Destroy every socket (idempotent). */
  dispose(): void {
    for (const s of this.sockets.splice(0)) s.destroy();
  }
}

/** Ask the proxy for a tunnel; resolves with any bytes that followed its answer. */
function openTunnel(probe: Probe, socket: Socket, proxyName: string, target: string): Promise<Buffer> {
  return probe.run(`waiting for ${proxyName} to answer CONNECT ${target}`, (ok, fail) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        if (received.length > MAX_PROXY_RESPONSE) done(new NetworkError(`${proxyName} sent no end of headers in ${MAX_PROXY_RESPONSE} bytes`));
        return;
      }
      const statusLine = received.subarray(0, received.indexOf('\r\n')).toString('latin1').trim();
      // Any 2xx opens a tunnel (RFC 9110 9.3.6); everything else is the proxy saying no.
      if (!/^HTTP\/1\.[01] 2\d\d(\s|$)/.test(statusLine)) return done(new NetworkError(`${proxyName} refused CONNECT: ${statusLine}`));
      done(undefined, received.subarray(end + 4));
    };
    const onEnd = () => done(new NetworkError(`${proxyName} closed the connection before answering CONNECT`));
    const onError = (err: Error) => done(new NetworkError(`${proxyName} failed during CONNECT: ${shortError(err)}`, { cause: err }));
    const done = (err?: Error, rest?: Buffer) => {
      socket.off('data', onData).off('end', onEnd).off('error', onError);
      socket.pause();
      if (err) fail(err);
      else ok(rest ?? Buffer.alloc(0));
    };
    socket.on('data', onData).once('end', onEnd).once('error', onError);
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  });
}

/**
 * Hands bytes between Node's TLS client and the TCP socket unchanged, copying what the server
 * sends to a listener before TLS sees it. A plain Duplex because `tls.connect({ socket })` given a
 * `net.Socket` reads its native handle directly, where no JavaScript listener can watch.
 */
class TeeStream extends Duplex {
  constructor(
    private readonly socket: Socket,
    early: Buffer,
    private readonly onServerBytes: (chunk: Buffer) => void,
  ) {
    super();
    if (early.length) this.forward(early);
    socket.on('data', (chunk: Buffer) => this.forward(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  private forward(chunk: Buffer): void {
    this.onServerBytes(chunk);
    if (!this.push(chunk)) this.socket.pause();
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.socket.destroy();
    callback(err);
  }
}

/** Run the TLS handshake over `socket` and return the chain the server sent. */
function handshake(probe: Probe, socket: Socket, early: Buffer, options: { servername?: string; alpn?: string[] }): Promise<{ chain: ServedChain; tls: TLSSocket }> {
  const { target } = probe;
  const parser = new ServerFlightParser();
  let wireError: TlsWireError | undefined;

  return probe.run(`waiting for the TLS handshake with ${target}`, (ok, fail) => {
    // Every failure in the handshake phase is explained from what the server did, not how Node felt.
    const explain = (cause?: Error): NetworkError => {
      const alert = parser.alert;
      if (alert) return new NetworkError(`${target} refused the TLS handshake: ${alertName(alert.description)} alert`, { cause });
      if (!parser.serverHello && parser.bytesReceived > 0) return new NetworkError(`${target} is not a TLS server (no ServerHello)`, { cause: wireError ?? cause });
      if (!parser.serverHello) return new NetworkError(`${target} closed the connection before sending a ServerHello${cause ? ` (${shortError(cause)})` : ''}`, { cause });
      if (wireError) return new NetworkError(`${target} sent a malformed TLS handshake: ${wireError.message}`, { cause: wireError });
      return new NetworkError(`TLS handshake with ${target} failed: ${cause ? shortError(cause) : 'connection closed'}`, { cause });
    };

    const tee = probe.own(
      new TeeStream(socket, early, (chunk) => {
        if (wireError) return;
        try {
          parser.push(chunk);
        } catch (err) {
          if (!(err instanceof TlsWireError)) throw err;
          wireError = err;
          fail(explain());
        }
      }),
    );
    tee.on('error', (err) => fail(explain(err)));
    const tls: TLSSocket = probe.own(
      tlsConnect({
        socket: tee,
        ...(options.servername === undefined ? {} : { servername: options.servername }),
        rejectUnauthorized: false,
        ...(options.alpn?.length ? { ALPNProtocols: options.alpn } : {}),
      }),
    );
    tls.on('keylog', (line: Buffer) => {
      const entry = parseKeylogLine(line.toString('latin1'));
      if (entry?.label !== 'SERVER_HANDSHAKE_TRAFFIC_SECRET' || wireError) return;
      try {
        parser.setServerHandshakeSecret(entry.secret);
      } catch (err) {
        if (!(err instanceof TlsWireError)) throw err;
        wireError = err;
        fail(explain());
      }
    });
    tls.on('error', (err) => fail(explain(err)));
    tls.once('close', () => fail(explain()));
    tls.once('secureConnect', () => {
      const certificates = parser.certificates;
      if (wireError) return fail(explain());
      if (!certificates?.length) {
        return fail(new NetworkError(`${target} completed the TLS handshake without sending a certificate${parser.needsSecret ? ' that could be decrypted (no handshake secret in the key log)' : ''}`));
      }
      // The tee and Node read the same bytes; a different leaf would mean the capture is wrong.
      const leaf = tls.getPeerCertificate().raw;
      if (leaf && !leaf.equals(certificates[0]!)) return fail(new NetworkError(`${target}: the captured leaf differs from the one Node's TLS client saw; please report this`));
      const cipher = tls.getCipher();
      const alpn = tls.alpnProtocol;
      const chain: ServedChain = {
        certificates,
        protocol: tls.getProtocol() ?? 'unknown',
        cipher: cipher.standardName ?? cipher.name,
        ...(alpn ? { alpn } : {}),
        ...(options.servername === undefined ? {} : { servername: options.servername }),
      };
      ok({ chain, tls });
    });
  });
}

/**
 * Say goodbye properly (close_notify, then FIN) so the server sees a clean close rather than a
 * reset; never fails, and gives up after {@link CLOSE_GRACE_MS} (the caller destroys the socket).
 */
function closeGracefully(tls: TLSSocket): Promise<void> {
  return new Promise((resolve) => {
    if (tls.destroyed) return resolve();
    const grace = setTimeout(resolve, CLOSE_GRACE_MS);
    tls.once('close', () => {
      clearTimeout(grace);
      resolve();
    });
    tls.end();
  });
}
