import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { ProxyError } from '../errors.js';

/** One server to bind, with the words that name it in an error. */
export interface Binding {
  server: HttpServer | NetServer;
  host: string;
  port: number;
  /** What it is, e.g. `the HTTP proxy port`. */
  label: string;
}

/**
 * Bind every server or none: if one cannot listen, the ones already bound are closed and a
 * {@link ProxyError} says which address and why, so a half-started proxy never keeps running.
 */
export async function listenAll(bindings: Binding[]): Promise<void> {
  const bound: Binding[] = [];
  try {
    for (const b of bindings) {
      if (!Number.isInteger(b.port) || b.port < 0 || b.port > 65535) throw new ProxyError(`cannot listen on ${b.label} ${b.port}: a port is a whole number from 0 to 65535`);
      await listen(b);
      bound.push(b);
    }
  } catch (err) {
    await Promise.all(bound.map((b) => closeServer(b.server)));
    throw err;
  }
}

function listen(b: Binding): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new ProxyError(`cannot listen on ${b.label} ${hostPort(b)}: ${listenErrorText(err)}`, { cause: err }));
    b.server.once('error', onError);
    b.server.listen(b.port, b.host, () => {
      b.server.off('error', onError);
      resolve();
    });
  });
}

function hostPort(b: Binding): string {
  return `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`;
}

/** The reason a bind failed, in words a user can act on. */
export function listenErrorText(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return 'the port is already in use (another pinprick serve?); pick another port or 0 for any free one';
    case 'EACCES':
      return 'permission denied (ports below 1024 need privileges)';
    case 'EADDRNOTAVAIL':
      return 'this machine has no such address';
    default:
      return `${err.code ?? 'error'}: ${err.message}`;
  }
}

/** Close a server, resolving once it has stopped (also when it was not listening). */
export function closeServer(server: HttpServer | NetServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The soft limit on open files (Linux `/proc/self/limits`), or undefined where it cannot be read. */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return undefined;
    return m[1] === 'unlimited' ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/**
 * Default connection limit: each client connection may hold a second descriptor (a tunnel's or a
 * forward's upstream), and the proxy keeps some for its logs, listeners and the control API. Past
 * it, a new connection is closed at accept and recorded (`dropped`), instead of the kernel's
 * EMFILE, which libuv answers by accepting and closing connections that leave no trace.
 */
export function defaultMaxConnections(limit = openFileLimit()): number {
  if (limit === undefined) return 10_000;
  return Math.max(16, Math.floor((limit - 64) / 2));
}
