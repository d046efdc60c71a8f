import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { LookupFunction } from './forbidden.js';

/** What a tunnel reports back to the connection that opened it. */
export interface TunnelEvents {
  /** The upstream connected and bytes flow both ways. */
  open(): void;
  /** The upstream could not be reached (before it connected). */
  failed(reason: string): void;
}

/**
 * Connect to a tunnel's target and hold the connection: `open` once connected, `failed` (with the
 * error code) if it cannot be reached. An error after that only closes it.
 */
export function connectUpstream(to: { host: string; port: number }, events: TunnelEvents, lookup?: LookupFunction): Socket {
  // `lookup` (a refused port: see ForbiddenTargets.lookupFor) vets the addresses a name resolves to.
  const upstream = netConnect({ host: to.host, port: to.port, ...(lookup ? { lookup } : {}) });
  let connected = false;
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (!connected) events.failed(err.code ?? err.message);
  });
  upstream.once('connect', () => {
    connected = true;
    events.open();
  });
  return upstream;
}

/**
 * Pipe a client's connection and a connected upstream both ways, after replaying the bytes already
 * read from the client (its ClientHello). Either side's close ends the other; the caller bounds
 * idleness on the client socket (whose activity is both directions' traffic).
 */
export function pipeTunnel(client: Socket, upstream: Socket, first: Buffer): void {
  client.pause();
  if (first.length) upstream.write(first);
  client.pipe(upstream).pipe(client);
  client.resume();
  upstream.on('error', () => client.destroy());
  // The server closed: flush what it sent, then close the client side too.
  upstream.once('close', () => client.destroySoon());
  client.once('close', () => upstream.destroy());
}

/** Connect to `to`, then {@link pipeTunnel}: a tunnel decided after the ClientHello was read. */
export function openTunnel(client: Socket, to: { host: string; port: number }, first: Buffer, events: TunnelEvents, lookup?: LookupFunction): Socket {
  client.pause();
  const upstream = connectUpstream(
    to,
    {
      open: () => {
        pipeTunnel(client, upstream, first);
        events.open();
      },
      failed: (reason) => {
        events.failed(reason);
        client.destroy();
      },
    },
    lookup,
  );
  client.once('close', () => upstream.destroy());
  return upstream;
}

/**
 * Forward an accepted, intercepted connection to the real server over TLS (so a real app keeps
 * working through the test): the first application bytes are replayed, then both ways are piped;
 * when the server cannot be reached the client gets a 502 naming it.
 */
export function forwardTls(client: TLSSocket, first: Buffer, name: string, to: { host: string; port: number }): TLSSocket {
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
  upstream.on('error', () => undefined);
  client.on('error', () => upstream.destroy());
  client.once('close', () => upstream.destroy());
  return upstream;
}
