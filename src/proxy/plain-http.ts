import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { LookupFunction } from './forbidden.js';
import { isPinReportBody, MAX_REPORT_BYTES, type PinReport } from './pin-reports.js';

/** What the plain-HTTP side of the proxy listener needs from the proxy. */
export interface PlainHttpContext {
  /** Where clients should send pin-failure reports. */
  reportUri(): string;
  /** `host:port` clients used to reach the proxy itself, for a report's URL. */
  selfAuthority(): string;
  /** Record a report body that arrived at `url`, with the request's headers (who sent it). */
  recordPinReport(url: string, body: string, headers: IncomingMessage['headers']): PinReport;
  /** Real servers for hosts: plain proxy requests to them go there. */
  upstreams?: Record<string, { host: string; port: number }>;
  /** An upstream that sends nothing for this long is cut off (502 or a reset). */
  upstreamIdleMs: number;
  /** For a refused port (the control API's), a lookup that refuses names resolving to this machine. */
  lookupFor?(port: number): LookupFunction | undefined;
}

/**
 * The plain-HTTP side of the proxy listener: requests to the proxy itself (origin-form) are the
 * pin-failure report collector; POSTs of a report to a made-up report host are collected too;
 * every other proxy request (absolute-form) is forwarded.
 */
export function plainHttpHandler(ctx: PlainHttpContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Sent to the proxy itself: any POST here is a report, whatever its shape: the user pointed
    // the client's report-uri at pinprick.
    if (req.url?.startsWith('/')) {
      if (req.method !== 'POST') {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(`pinprick: this is an HTTP proxy; POST pin-failure reports to ${ctx.reportUri()}, or send proxy requests with an absolute URL\n`);
        return;
      }
      readBody(req).then(
        (body) => {
          const pinReport = ctx.recordPinReport(`http://${req.headers.host ?? ctx.selfAuthority()}${req.url}`, body.toString('utf8'), req.headers);
          res.writeHead(204, { 'x-pinprick-report': String(pinReport.id) }).end();
        },
        () => res.writeHead(400).end(),
      );
      return;
    }
    if (req.method === 'POST' && !ctx.upstreams?.[hostOfUrl(req.url ?? '')]) {
      // A POST to a host with no real server behind it: a report sent to a made-up report host
      // (report-uri http://reports.example/...) is collected; anything else goes on as usual.
      readBody(req).then(
        (body) => {
          const text = body.toString('utf8');
          if (isPinReportBody(text)) {
            const pinReport = ctx.recordPinReport(req.url ?? '', text, req.headers);
            res.writeHead(204, { 'x-pinprick-report': String(pinReport.id) }).end();
          } else forwardPlain(ctx, req, res, body);
        },
        () => res.writeHead(400).end(),
      );
      return;
    }
    forwardPlain(ctx, req, res);
  };
}

function forwardPlain(ctx: PlainHttpContext, req: IncomingMessage, res: ServerResponse, buffered?: Buffer): void {
  let url: URL;
  try {
    url = new URL(req.url ?? '');
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('pinprick: a proxy request needs an absolute URL (http://host/path)\n');
    return;
  }
  const up = ctx.upstreams?.[url.hostname];
  const port = up?.port ?? Number(url.port || 80);
  const lookup = ctx.lookupFor?.(port);
  const upstreamReq = httpRequest(
    { host: up?.host ?? url.hostname, port, method: req.method, path: `${url.pathname}${url.search}`, headers: req.headers, timeout: ctx.upstreamIdleMs, ...(lookup ? { lookup } : {}) },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
    },
  );
  upstreamReq.on('timeout', () => upstreamReq.destroy(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })));
  upstreamReq.on('error', (err) => {
    if (res.headersSent) return res.destroy();
    res.writeHead(502, { 'content-type': 'text/plain' }).end(`pinprick: upstream ${url.host} is unreachable (${(err as NodeJS.ErrnoException).code ?? err.message})\n`);
  });
  req.on('error', () => upstreamReq.destroy());
  if (buffered) upstreamReq.end(buffered);
  else req.pipe(upstreamReq);
}

/** Read a request body, cut at {@link MAX_REPORT_BYTES} (the rest is drained, not buffered). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
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
