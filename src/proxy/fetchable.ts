import type { IncomingMessage } from 'node:http';
import type { PresentedCert, PresentedScenario } from '../scenario/materialize.js';
import { RecordStream } from './stream.js';

/**
 * One certificate the proxy served at a scenario's `fetchable:` URL: a client fetching a missing
 * issuer from a caIssuers URL (RFC 5280 4.2.2.1), which Apple, Windows and Chrome do (the model's
 * `aia-fetch` difference). Recorded the moment it is served, so a run can tell "the client fetched
 * the intermediate" before the fetching connection closes.
 */
export interface CertificateFetch {
  id: number;
  /** ISO 8601. */
  time: string;
  scenario: string;
  /** The URL as the scenario writes it. */
  url: string;
  /** The certificate's name (world or scenario). */
  certificate: string;
  /** `proxy`: an absolute-form proxy request (`GET http://host/path`); `direct`: sent to the proxy port as the host itself (`Host:` header). */
  via: 'proxy' | 'direct';
  client: { address: string; port: number };
}

/** The fetches the proxy answered, newest last (a bounded window; ids increase per proxy). */
export class FetchStream extends RecordStream<CertificateFetch> {}

/** Canonical form of an http URL (`HTTP://Host:80/p` and `http://host/p` are one URL); undefined when it is not one. */
export function canonical(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The certificate a scenario serves for a plain-HTTP request, with the URL as the scenario writes
 * it; undefined when the request names none of its `fetchable:` URLs. A proxy request names the
 * URL in its request line; a request sent straight to the proxy port (the client resolved the URL's
 * host to the proxy) names it by its Host header and path.
 */
export function fetchableFor(scenario: Pick<PresentedScenario, 'fetchable'>, req: Pick<IncomingMessage, 'url' | 'headers'>): { url: string; cert: PresentedCert; via: 'proxy' | 'direct' } | undefined {
  if (!scenario.fetchable?.size) return undefined;
  const { asked, via } = requestedUrl(req) ?? {};
  if (!asked) return undefined;
  for (const [url, cert] of scenario.fetchable) {
    if (canonical(url) === asked) return { url, cert, via: via! };
  }
  return undefined;
}

/**
 * The canonical URL a plain-HTTP request asks for: a proxy request names it in its request line; a
 * request sent straight to the proxy port (the client resolved the URL's host to the proxy) by its
 * Host header and path.
 */
export function requestedUrl(req: Pick<IncomingMessage, 'url' | 'headers'>): { asked: string; via: 'proxy' | 'direct' } | undefined {
  if (!req.url) return undefined;
  const direct = req.url.startsWith('/');
  const asked = canonical(direct ? `http://${req.headers.host ?? ''}${req.url}` : req.url);
  return asked ? { asked, via: direct ? 'direct' : 'proxy' } : undefined;
}

/**
 * The HTTP answer for a served certificate: its DER as application/pkix-cert, the media type RFC
 * 2585 section 4.1 registers and RFC 5280 4.2.2.1 names for a caIssuers URL that serves one
 * certificate. HEAD gets the headers only; other methods are refused (405), never forwarded.
 */
export function fetchAnswer(method: string | undefined, der: Buffer): { status: number; headers: Record<string, string>; body?: Buffer } {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain' }, body: Buffer.from('pinprick: a caIssuers URL answers GET\n') };
  return { status: 200, headers: { 'content-type': 'application/pkix-cert', 'content-length': String(der.length) }, ...(method === 'GET' ? { body: der } : {}) };
}
