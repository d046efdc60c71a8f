import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { InputError } from '../errors.js';
import type { PresentedScenario } from '../scenario/materialize.js';
import type { Scenario } from '../scenario/scenario.js';
import { pemOf } from '../world/pem.js';
import type { World } from '../world/world.js';
import { listenAll } from './listeners.js';
import type { LogFailure } from './record-log.js';
import type { RunningProxy } from './server.js';
import type { ExpectedVerdict, VerdictKind } from './connection-record.js';

/** What the control API needs: the proxy it steers, the catalog to switch within, the token. */
export interface ControlOptions {
  proxy: RunningProxy;
  catalog: readonly Scenario[];
  /** Turns a scenario into its chain (materialising it on first use). */
  present: (scenario: Scenario) => Promise<PresentedScenario>;
  world: World;
  /** Mutations need `Authorization: Bearer <token>`; generated when not given. */
  token?: string;
  /** Called after each switch of scenario (to say so on the console). */
  onSwitch?: (from: string, to: string) => void;
}

/**
 * A fresh random token (144 bits), printed at start so only the person who started the proxy can
 * steer it. Hex, not base64url: a base64url token starts with '-' one time in 64, and then
 * `pinprick use --token -x...` reads it as short options.
 */
export function newControlToken(): string {
  return randomBytes(18).toString('hex');
}

/** What `GET /status` answers (and `pinprick status` prints). Counts are kept as records come, never scanned. */
export interface ControlStatus {
  scenario: {
    id: string;
    title: string;
    category: string;
    hosts: string[];
    /** With a profile: what a correct client does with this chain, by host. */
    expected?: Record<string, ExpectedVerdict>;
  };
  /** The proxy's listeners, and the control API's own (the address the request came to). */
  listen: { host: string; proxyPort: number; tlsPort: number; controlHost: string; controlPort: number };
  world: string;
  /** The pin profile records are judged against (`serve --profile`), when there is one. */
  profile?: string;
  /** Verdicts recorded in all. */
  verdicts: number;
  /** The same, by kind (every kind, zeros included). */
  verdictsByKind: Record<VerdictKind, number>;
  /** With a profile: records whose client did what a correct client does not. */
  mismatches?: number;
  /** Pin-failure reports collected in all. */
  reports: number;
  reportUri: string;
  connections: { open: number; accepted: number; max: number };
  limits: RunningProxy['limits'];
  /** Each durable log: which records it holds, where, and whether its writes fail. */
  logs: { of: 'verdicts' | 'reports'; path: string; ok: boolean; failure?: LogFailure }[];
}

/** The status of a running proxy, for `GET /status`; `control` is the address the request came to. */
export function statusOf(proxy: RunningProxy, world: World, control: { host: string; port: number }): ControlStatus {
  const s = proxy.scenario();
  const expected = proxy.expected();
  const logs: ControlStatus['logs'] = [];
  for (const [of, log] of [['verdicts', proxy.verdicts.log], ['reports', proxy.reports.log]] as const) {
    if (log) logs.push({ of, path: log.path, ok: !log.failure, ...(log.failure ? { failure: log.failure } : {}) });
  }
  return {
    scenario: { id: s.scenario.id, title: s.scenario.title, category: s.scenario.category, hosts: s.hosts, ...(expected ? { expected: Object.fromEntries(expected) } : {}) },
    listen: { host: proxy.host, proxyPort: proxy.proxyPort, tlsPort: proxy.tlsPort, controlHost: control.host, controlPort: control.port },
    world: world.name,
    ...(proxy.profile !== undefined ? { profile: proxy.profile } : {}),
    verdicts: proxy.verdicts.count,
    verdictsByKind: { ...proxy.verdicts.byKind },
    ...(proxy.profile !== undefined ? { mismatches: proxy.verdicts.mismatches } : {}),
    reports: proxy.reports.count,
    reportUri: proxy.reportUri,
    connections: { ...proxy.connections(), max: proxy.limits.maxConnections },
    limits: proxy.limits,
    logs,
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

/** The largest body the control API reads: `{"id": "..."}` is a few dozen bytes. */
const MAX_BODY_BYTES = 64 * 1024;

/** A request body that cannot be used: answered with this status and message, never a 500. */
class BodyError extends InputError {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(new BodyError(413, `the body is over ${limit} bytes; send {"id": "<scenario id>"}`));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** What a JSON value is, in words, for a message: `an object`, `a number`, `null`. */
function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  return t === 'object' ? 'an object' : `a ${t}`;
}

/** The scenario id of a `PUT /scenario` body, or a {@link BodyError} saying what is wrong with it. */
export function scenarioIdOf(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BodyError(400, 'the body is not JSON; send {"id": "<scenario id>"}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BodyError(400, `the body must be a JSON object {"id": "<scenario id>"}, got ${kindOf(parsed)}`);
  // An own property only: {"toString": ...} or a "__proto__" key must not reach Object.prototype.
  const id = Object.hasOwn(parsed, 'id') ? (parsed as Record<string, unknown>).id : undefined;
  if (typeof id !== 'string') throw new BodyError(400, `"id" must be a string (a scenario id), got ${kindOf(id)}`);
  return id;
}

/**
 * Why a request's `Host` or `Origin` is refused, or undefined when both name this control API.
 * A web page can make a browser send requests to 127.0.0.1 through a name it controls (DNS
 * rebinding: the name first resolves to the attacker's server, then to 127.0.0.1, and the page,
 * still same-origin with that name, reads the answers); such requests carry the page's name in
 * `Host`, so only the loopback names of the control API's own address are served (as `kubectl
 * proxy --accept-hosts` defaults to `^localhost$,^127\.0\.0\.1$,^\[::1\]$`, and geth's
 * `--http.vhosts` to localhost, both against DNS rebinding). A page's
 * request also carries its `Origin` (RFC 6454 section 7, the Fetch standard): any origin other
 * than the control API's own is refused, also on GET (the token guards changes only).
 */
export function controlRequestRefusal(headers: { host?: string; origin?: string }, port: number): string | undefined {
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const host = headers.host?.toLowerCase();
  if (host === undefined || !allowed.includes(host)) {
    return `Host '${headers.host ?? ''}' is not this control API's address: use http://127.0.0.1:${port} (or localhost, [::1]); other names are refused against DNS rebinding`;
  }
  const origin = headers.origin;
  if (origin !== undefined && !allowed.some((a) => origin.toLowerCase() === `http://${a}`)) {
    return `Origin '${origin}' is not allowed: the control API answers no web page but its own (http://127.0.0.1:${port})`;
  }
  return undefined;
}

function authorized(req: IncomingMessage, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The control API as a request handler (tests drive it with supertest; the CLI listens with it):
 * GET /status, /scenarios, /verdicts[?since=ID], /verdicts/stream (server-sent events),
 * /reports[?since=ID] (pin-failure reports the proxy collected), /ca.pem;
 * PUT /scenario {"id": "..."} with the token.
 */
export function controlHandler(options: ControlOptions & { token: string }): (req: IncomingMessage, res: ServerResponse) => void {
  const { proxy, catalog, world, token } = options;
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    const route = `${req.method} ${url.pathname}`;
    const refused = controlRequestRefusal(req.headers, req.socket.localPort ?? 0);
    if (refused) return json(res, 403, { error: refused });
    void (async () => {
      switch (route) {
        case 'GET /status':
          // Open like every GET (the token guards changes only): `pinprick status` needs only the address.
          return json(res, 200, statusOf(proxy, world, { host: req.socket.localAddress ?? '', port: req.socket.localPort ?? 0 }));
        case 'GET /scenarios':
          return json(res, 200, catalog.map((s) => ({ id: s.id, title: s.title, category: s.category, expect: s.expect ?? null, active: s.id === proxy.scenario().scenario.id })));
        case 'PUT /scenario': {
          if (!authorized(req, token)) return json(res, 401, { error: 'missing or wrong token: send Authorization: Bearer <token printed at start>' });
          let id: string;
          try {
            id = scenarioIdOf(await readBody(req));
          } catch (err) {
            if (!(err instanceof BodyError)) throw err;
            // A body cut short is not read to its end: the connection closes after the answer.
            if (err.status === 413) res.setHeader('connection', 'close');
            return json(res, err.status, { error: err.message });
          }
          const scenario = catalog.find((s) => s.id === id);
          if (!scenario) return json(res, 404, { error: `no scenario '${id.slice(0, 200)}'`, scenarios: catalog.map((s) => s.id) });
          const from = proxy.scenario().scenario.id;
          proxy.use(await options.present(scenario));
          options.onSwitch?.(from, scenario.id);
          return json(res, 200, { scenario: scenario.id });
        }
        case 'GET /verdicts':
        case 'GET /reports': {
          const page = pageOf(url);
          if (!page) return json(res, 400, { error: `expected ?since=ID (a whole number) and ?limit=N (1 to ${MAX_PAGE})` });
          const stream = route === 'GET /verdicts' ? proxy.verdicts : proxy.reports;
          const records: { id: number }[] = await stream.sinceDurable(page.since, page.limit);
          // A full page says where the next one starts; a poller follows it until a page is short.
          if (records.length === page.limit) res.setHeader('link', `<${url.pathname}?since=${records.at(-1)!.id}&limit=${page.limit}>; rel="next"`);
          return json(res, 200, records);
        }
        case 'GET /verdicts/stream': {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
          // Replay what was recorded after Last-Event-ID, so a reconnecting viewer loses nothing:
          // from the window, or page by page from the log; records that arrive meanwhile are held
          // and sent after the replay, in order, without duplicates.
          const lastSeen = Number(req.headers['last-event-id'] ?? url.searchParams.get('since') ?? 0);
          let sent = Number.isFinite(lastSeen) ? lastSeen : 0;
          const send = (v: { id: number }) => {
            if (v.id <= sent) return;
            sent = v.id;
            res.write(`id: ${v.id}\nevent: verdict\ndata: ${JSON.stringify(v)}\n\n`);
          };
          let held: { id: number }[] | undefined = [];
          const unsubscribe = proxy.verdicts.subscribe((v) => (held ? held.push(v) : send(v)));
          req.on('close', unsubscribe);
          for (;;) {
            const page = await proxy.verdicts.sinceDurable(sent, MAX_PAGE);
            page.forEach(send);
            if (page.length < MAX_PAGE || res.destroyed) break;
          }
          held.forEach(send);
          held = undefined;
          return;
        }
        case 'GET /ca.pem': {
          const body = world.trustedRoots().map((r) => pemOf(r.der, 'CERTIFICATE')).join('');
          res.writeHead(200, { 'content-type': 'application/x-pem-file', 'content-disposition': `attachment; filename="pinprick-${world.name}-roots.pem"` }).end(body);
          return;
        }
        default:
          return json(res, 404, { error: `no route ${route}`, routes: ['GET /status', 'GET /scenarios', 'PUT /scenario', 'GET /verdicts', 'GET /verdicts/stream', 'GET /reports', 'GET /ca.pem'] });
      }
    })().catch((err: Error) => {
      if (!res.headersSent) json(res, 500, { error: err.message });
      else res.destroy();
    });
  };
}

/** The most records one GET /verdicts or /reports answers (the default `limit`). */
export const MAX_PAGE = 1_000;

function pageOf(url: URL): { since: number; limit: number } | undefined {
  const since = Number(url.searchParams.get('since') ?? 0);
  const limit = Number(url.searchParams.get('limit') ?? MAX_PAGE);
  if (!Number.isSafeInteger(since) || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) return undefined;
  return { since, limit };
}

/** Start the control API on `host:port` (127.0.0.1 by default). */
export async function startControl(options: ControlOptions & { host?: string; port?: number }): Promise<{ server: Server; port: number; token: string; close: () => Promise<void> }> {
  const token = options.token ?? newControlToken();
  const server = createServer(controlHandler({ ...options, token }));
  await listenAll([{ server, host: options.host ?? '127.0.0.1', port: options.port ?? 0, label: 'the control API port' }]);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // The proxy must not reach its own control API for a client (serve --listen 0.0.0.0 lets the network use the proxy).
  options.proxy.forbid(port);
  return {
    server,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
