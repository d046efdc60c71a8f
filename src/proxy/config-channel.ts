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
  via: 'proxy' | 'direct';
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
