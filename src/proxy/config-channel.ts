import type { IncomingMessage } from 'node:http';
import type { ConfigServe } from '../dynamic/channel.js';
import type { ConfigShape } from '../dynamic/adapters.js';
import type { PresentedScenario } from '../scenario/materialize.js';
import { canonical, requestedUrl } from './fetchable.js';
import { RecordStream } from './stream.js';

/**
 * One pin configuration the proxy served at a dynamic scenario's `config.url` (issue 19): the app
 * fetching its configuration over a channel the attacker controls. Recorded the moment it is
 * served, as caIssuers fetches are (fetchable.ts), so the harness sees it before the fetching
 * connection closes; the connection's own verdict record says it too (its detail).
 */
export interface ConfigFetch {
  id: number;
  /** ISO 8601. */
  time: string;
  scenario: string;
  /** The URL as the scenario writes it. */
  url: string;
  shape: ConfigShape;
  /** What was served (the scenario's `config.serve`). */
  serve: ConfigServe;
  /** The version the served text carries (read without checking anything), when it carries one. */
  version?: number;
  /**
   * How the request reached the proxy: `proxy` (an absolute-form plain-HTTP proxy request),
   * `direct` (plain HTTP sent straight to the proxy port), `connect` (https: over TLS in a CONNECT
   * tunnel), `tls` (https: over TLS on the direct TLS listener).
   */
  via: 'proxy' | 'direct' | 'connect' | 'tls';
  client: { address: string; port: number };
}

/** The configuration fetches the proxy answered, newest last (a bounded window; ids increase per proxy). */
export class ConfigFetchStream extends RecordStream<ConfigFetch> {}

/** Whether a plain-HTTP request asks for the scenario's configuration URL; how it reached the proxy when it does. */
export function configRequested(scenario: Pick<PresentedScenario, 'config'>, req: Pick<IncomingMessage, 'url' | 'headers'>): { via: 'proxy' | 'direct' } | undefined {
  if (!scenario.config) return undefined;
  const asked = requestedUrl(req);
  return asked && asked.asked === canonical(scenario.config.url) ? { via: asked.via } : undefined;
}

/**
 * The host, port and path of an https configuration URL (the proxy intercepts TLS to that host:port
 * with a leaf from the world's genuine hierarchy); undefined for a plain-HTTP one. The port is the
 * URL's, else 443 (RFC 9110 4.2.2).
 */
export function configTlsTarget(url: string): { host: string; port: number; path: string } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:') return undefined;
  return { host: u.hostname, port: u.port ? Number(u.port) : 443, path: `${u.pathname}${u.search}` };
}

/**
 * Whether a request on the configuration host's decrypted stream asks for the configuration: its
 * path (origin-form, RFC 9112 3.2.1; or absolute-form naming the same URL) is the URL's. The TLS
 * connection already named the host (SNI or CONNECT), so any other path is a 404, never forwarded.
 */
export function configRequestedOverTls(url: string, requestTarget: string | undefined): boolean {
  const target = configTlsTarget(url);
  if (!target || !requestTarget) return false;
  if (requestTarget.startsWith('/')) return requestTarget === target.path;
  const asked = configTlsTarget(requestTarget);
  return asked !== undefined && asked.host === target.host && asked.port === target.port && asked.path === target.path;
}

/** The answer on the configuration host for any other path: 404, plain text. */
export function configNotFound(): { status: number; headers: Record<string, string>; body: Buffer } {
  const body = Buffer.from('pinprick: this host serves only the scenario\'s configuration URL\n');
  return { status: 404, headers: { 'content-type': 'text/plain', 'content-length': String(body.length) }, body };
}

/**
 * The HTTP answer for a configuration: the JWS as `application/jose` (compact) or
 * `application/jose+json` (flattened), RFC 7515 section 9.2; the adapters' JSON as
 * `application/json`. HEAD gets the headers only; other methods are refused (405), never forwarded.
 */
export function configAnswer(method: string | undefined, shape: ConfigShape, body: string): { status: number; headers: Record<string, string>; body?: Buffer } {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain' }, body: Buffer.from('pinprick: a configuration URL answers GET\n') };
  const bytes = Buffer.from(body, 'utf8');
  const type = shape !== 'jws' ? 'application/json' : body.trimStart().startsWith('{') ? 'application/jose+json' : 'application/jose';
  return { status: 200, headers: { 'content-type': type, 'content-length': String(bytes.length), 'cache-control': 'no-store' }, ...(method === 'GET' ? { body: bytes } : {}) };
}
