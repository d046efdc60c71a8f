/**
 * The configuration channel's path, measured (issue 19): a client's plain-HTTP GET of a URL that
 * the proxy intercepts and answers with a (possibly rewritten) body. Three proxies side by side in
 * one run, on loopback 127.0.0.1; prints figures, ratios and facts, asserts nothing.
 *
 *   pinprick:        `node bin/pinprick.js serve --scenario rotation-missing-intermediate-aia` (dist/):
 *                    the scenario's `fetchable:` URL is answered by the proxy itself (src/proxy/server.ts
 *                    -> fetchable.ts), the code path the configuration channel uses. It records a verdict
 *                    per connection (console line + JSONL log) and a fetch per answer, as it always does.
 *                    Its forwarder (plain-http.ts) pipes the origin's response unchanged: it has no
 *                    rewriting step, so its forward row is shown for scale only (no rewrite).
 *   http-mitm-proxy: 1.1.0 (the design card's library), `keepAlive: true`. Answer: `onRequest` writes the
 *                    response and does not call back (its examples/preventRequest.ts). Forward + rewrite:
 *                    `ctx.onResponseData` buffers, `ctx.onResponseEnd` writes the rewritten body (its
 *                    examples/processFullResponseBody.ts).
 *   minimal proxy:   Node `http.createServer` that answers the same URL, or forwards with `http.request`
 *                    (keep-alive agent) and rewrites the buffered body: the floor, records nothing.
 *
 * Every answer is the same bytes: the scenario's genuine intermediate (DER, application/pkix-cert).
 * The origin (a Node http server) serves those bytes at /config; a rewrite flips the last byte
 * (a tampered configuration: the same size, so no side sends more than another). The load client
 * checks every body byte for byte against what that proxy should send.
 *
 * How: the proxies and the origin run as separate processes pinned to CPU 0 (`taskset -c 0`), the
 * load client (Go's net/http: bench/lib/http-load.go, built into the temp dir; one http.Transport
 * and one connection per worker, keep-alive or DisableKeepAlives) pinned to CPU 1. Each workload runs R rounds per
 * proxy in rotating order, so the machine's drift (20-35 % between runs) hits all alike; medians
 * quoted. Figures: requests per second of wall time, requests per CPU-second of the proxy process
 * (/proc user + system), p50 and p99 latency (client side), RSS after all rounds.
 * Facts: start-up time (spawn -> listening, medians of 3; http-mitm-proxy with an empty CA folder,
 * where it generates its CA, and with the folder it wrote), what each proxy records of connections
 * that never complete a request, what a forwarded response looks like after each (headers that
 * matter to a pinning test), http-mitm-proxy's dependency tree (from package-lock.json).
 *
 * bin/pinprick.js runs dist/: build first. Run: npm run bench:config (= npm run build && tsx bench/config-channel.ts)
 *   or npx tsx bench/config-channel.ts [seconds-per-round (2)] [--rounds R (3)] [--concurrency C (16)]
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpuMs, median, parseFlags, pinSelf, rssMiB, sleep, spawnPinned, stopChild, TASKSET } from './lib/proc.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/pinprick.js');
const DIST = join(ROOT, 'dist/cli/main.js');
const SCENARIO = 'rotation-missing-intermediate-aia';
/** The scenario's fetchable: URL (scenarios/rotation-missing-intermediate-aia.yaml). */
const CONFIG_URL = 'http://api.pinprick.test/pinprick/aia/genuine-intermediate.der';

/** The rewrite every rewriting proxy applies: the last byte flipped (JavaScript source, shared by the scripts below). */
const TAMPER = 'const tamper = (b) => { const c = Buffer.from(b); c[c.length - 1] ^= 0xff; return c; };';
const tamper = (b: Buffer): Buffer => {
  const c = Buffer.from(b);
  c[c.length - 1]! ^= 0xff;
  return c;
};

/** Lines on stdin: `stats` -> one JSON line with the process's counters and RSS. */
const STATS = `process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { if (d.includes('stats')) console.log('stats ' + JSON.stringify({ ...counts, rssMiB: process.memoryUsage().rss / 2 ** 20 })); });`;

/** The origin: serves the body at /config with headers a pinning test cares about. */
const ORIGIN = `import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
const body = readFileSync(process.argv[2]);
const server = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/pkix-cert', 'content-length': body.length, 'public-key-pins-report-only': 'pin-sha256="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; max-age=60', 'x-config-version': '7' }).end(body));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
`;

/** http-mitm-proxy: answer CONFIG_URL in onRequest; forward anything else and rewrite the whole body. */
const MITM = `const t0 = performance.now();
const { readFileSync } = await import('node:fs');
const { Proxy } = await import(process.argv[2]);
const body = readFileSync(process.argv[3]);
const target = new URL(${JSON.stringify(CONFIG_URL)});
${TAMPER}
const counts = { onRequest: 0, onError: 0, onConnect: 0 };
const proxy = new Proxy();
proxy.onError(() => { counts.onError++; });
proxy.onConnect((_req, _socket, _head, cb) => { counts.onConnect++; cb(); });
proxy.onRequest((ctx, callback) => {
  counts.onRequest++;
  const o = ctx.proxyToServerRequestOptions; // it has already cut the absolute URL down to host, port and path
  if (o.host === target.hostname && o.path === target.pathname) {
    ctx.proxyToClientResponse.writeHead(200, { 'content-type': 'application/pkix-cert', 'content-length': body.length }).end(body);
    return; // no callback: nothing goes upstream
  }
  const chunks = [];
  ctx.onResponseData((_ctx, chunk, cb) => { chunks.push(chunk); cb(null, undefined); });
  ctx.onResponseEnd((c, cb) => { c.proxyToClientResponse.write(tamper(Buffer.concat(chunks))); cb(); });
  callback();
});
proxy.listen({ host: '127.0.0.1', port: 0, sslCaDir: process.argv[4], keepAlive: true }, (err) => {
  if (err) throw err;
  console.log('listening ' + proxy.httpPort + ' in ' + (performance.now() - t0).toFixed(1) + ' ms');
});
${STATS}
`;

/** The floor: Node's http server, answering CONFIG_URL or forwarding with a rewrite. */
const MINIMAL = `const t0 = performance.now();
const { readFileSync } = await import('node:fs');
const { Agent, createServer, request } = await import('node:http');
const body = readFileSync(process.argv[2]);
${TAMPER}
const counts = { requests: 0 };
const agent = new Agent({ keepAlive: true });
const server = createServer((req, res) => {
  counts.requests++;
  if (req.url === ${JSON.stringify(CONFIG_URL)}) return res.writeHead(200, { 'content-type': 'application/pkix-cert', 'content-length': body.length }).end(body);
  let url;
  try { url = new URL(req.url); } catch { return res.writeHead(400).end(); }
  const up = request({ host: url.hostname, port: url.port || 80, path: url.pathname + url.search, method: req.method, headers: req.headers, agent }, (upRes) => {
    const chunks = [];
    upRes.on('data', (c) => chunks.push(c));
    upRes.on('end', () => {
      const out = tamper(Buffer.concat(chunks));
      res.writeHead(upRes.statusCode, { ...upRes.headers, 'content-length': out.length }).end(out);
    });
  });
  up.on('error', () => { if (!res.headersSent) res.writeHead(502).end(); else res.destroy(); });
  req.pipe(up);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port + ' in ' + (performance.now() - t0).toFixed(1) + ' ms'));
${STATS}
`;


interface LoadResult {
  done: number;
  elapsed: number;
  errors: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  cpuMs: number;
}
interface Run extends LoadResult {
  rate: number;
  /** Requests per CPU-second of the proxy process. */
  capacity: number;
}

type Kind = 'pinprick' | 'http-mitm-proxy' | 'minimal';
const KINDS: Kind[] = ['pinprick', 'http-mitm-proxy', 'minimal'];

interface Server {
  child: ChildProcess;
  port: number;
  /** The last `stats` line's JSON (mitm and minimal only). */
  stats(): Promise<Record<string, number>>;
}

const flags = parseFlags(process.argv.slice(2));
const seconds = Number(flags._[0] ?? 2);
const rounds = flags.get('rounds', 3);
const concurrency = flags.get('concurrency', 16);
if (!existsSync(DIST)) {
  console.error('dist/ is missing: run `npm run build` first (bin/pinprick.js runs dist/), or use `npm run bench:config`');
  process.exit(1);
}
pinSelf(1);

const dir = mkdtempSync(join(tmpdir(), 'pinprick-config-'));
const certsDir = join(dir, 'certs');
const env = { ...process.env, PINPRICK_CERTS: certsDir, NO_COLOR: '1', TMPDIR: dir }; // TMPDIR: serve's control-state file stays in here
const children: ChildProcess[] = [];
const MITM_URL = pathToFileURL(fileURLToPath(import.meta.resolve('http-mitm-proxy'))).href;

/** Spawn a server script or serve on CPU 0; resolves when it prints its port. */
async function start(kind: Kind | 'origin', caDir?: string): Promise<{ server: Server; readyMs: number }> {
  const script = (name: string, text: string) => {
    const file = join(dir, name);
    if (!existsSync(file)) writeFileSync(file, text);
    return file;
  };
  const args =
    kind === 'pinprick'
      ? [BIN, 'serve', '--scenario', SCENARIO, '--proxy-port', '0', '--tls-port', '0', '--control-port', '0', '--log', join(dir, 'verdicts.jsonl')]
      : kind === 'http-mitm-proxy'
        ? [script('mitm.mjs', MITM), MITM_URL, join(dir, 'body.der'), caDir ?? join(dir, 'mitm-ca')]
        : kind === 'minimal'
          ? [script('minimal.mjs', MINIMAL), join(dir, 'body.der')]
          : [script('origin.mjs', ORIGIN), join(dir, 'body.der')];
  // stdout goes to a file, not a pipe: Node writes to a pipe synchronously on Linux, so a reader
  // sharing CPU 1 with the load client would slow serve's per-verdict console lines, not serve.
  const outFile = join(dir, `${kind}-${children.length}.out`);
  const fd = openSync(outFile, 'wx');
  const t0 = performance.now();
  const child = spawnPinned(0, process.execPath, args, { env, stdio: ['pipe', fd, 'pipe'] });
  closeSync(fd);
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const pattern = kind === 'pinprick' ? /HTTP proxy:\s+http:\/\/127\.0\.0\.1:(\d+)[\s\S]*token: \S+/ : /listening (\d+)/;
  const match = await poll(() => pattern.exec(readFileSync(outFile, 'utf8')) ?? undefined, 60_000, () => `${kind}: no ${pattern} within 60 s (exit ${child.exitCode}) ${stderr}`);
  const readyMs = performance.now() - t0;
  let asked = 0;
  const stats = async () => {
    asked++;
    child.stdin!.write('stats\n');
    const lines = await poll(
      () => {
        const found = readFileSync(outFile, 'utf8').split('\n').filter((l) => l.startsWith('stats '));
        return found.length >= asked ? found : undefined;
      },
      5000,
      () => `${kind}: no stats within 5 s`,
    );
    return JSON.parse(lines[asked - 1]!.slice(6)) as Record<string, number>;
  };
  return { server: { child, port: Number(match[1]), stats }, readyMs };
}

/** Call `get` every 5 ms until it returns something, at most `timeoutMs`. */
async function poll<T>(get: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(what());
    await sleep(5);
  }
}

/** One plain-HTTP proxy request through `port`, read in full. */
function fetchVia(port: number, url: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: url, headers: { host: new URL(url).host }, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A connection that never completes a request: `bytes` (maybe none), then FIN. */
function incomplete(port: number, bytes: string): Promise<void> {
  return new Promise((resolve) => {
    const s = netConnect({ port, host: '127.0.0.1' }, () => s.end(bytes));
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.resume();
  });
}

/** Packages a lockfile entry pulls in (Node's lookup: nested node_modules first, then upwards), itself included. */
function lockTree(lock: { packages: Record<string, { dependencies?: Record<string, string>; dev?: boolean }> }, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const name of Object.keys(lock.packages[path]?.dependencies ?? {})) {
      let base = path;
      for (;;) {
        const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
        if (lock.packages[candidate]) {
          visit(candidate);
          break;
        }
        if (!base) break;
        const at = base.lastIndexOf('node_modules/');
        base = at <= 0 ? '' : base.slice(0, at - 1);
      }
    }
  };
  roots.forEach(visit);
  return seen;
}

function duBytes(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + duBytes(join(path, name)), 0);
}

const fmtErrors = (e: Record<string, number>) =>
  Object.entries(e)
    .map(([k, n]) => `${k} x${n}`)
    .join(', ');

const out: string[] = [];
try {
  // The world, by the CLI being measured; the body is the certificate the scenario serves at CONFIG_URL.
  execFileSync(process.execPath, [BIN, 'world', 'init'], { env, stdio: 'ignore' });
  const { openWorld } = await import('../src/world/store.js');
  const { loadCatalog, findScenario } = await import('../src/scenario/scenario.js');
  const { presentScenario } = await import('../src/scenario/materialize.js');
  const opened = await openWorld({ certsDir, mustExist: true });
  const presented = await presentScenario(opened, findScenario(loadCatalog(opened.world.spec), SCENARIO));
  const body = presented.fetchable?.get(CONFIG_URL)?.der;
  if (!body) throw new Error(`${SCENARIO} has no fetchable ${CONFIG_URL}`);
  writeFileSync(join(dir, 'body.der'), body);
  writeFileSync(join(dir, 'tampered.der'), tamper(body));
  // The benches' one Go load client (one connection per worker; p50/p99 of each run).
  execFileSync('go', ['build', '-o', join(dir, 'load'), fileURLToPath(new URL('./lib/http-load.go', import.meta.url))], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, GO111MODULE: 'off' } });
  console.error(`proxies and origin on CPU 0, Go load client on CPU 1${TASKSET ? '' : ' (NOT pinned: taskset missing)'}; ${seconds} s rounds x ${rounds} per proxy, rotating order; C=${concurrency}`);

  // Start-up: spawn -> listening, 3 rotations; http-mitm-proxy with an empty CA folder and with the one it wrote.
  const startKinds = ['pinprick', 'http-mitm-proxy (new CA folder)', 'http-mitm-proxy (CA folder exists)', 'minimal'] as const;
  const startMs = new Map<string, number[]>(startKinds.map((k) => [k, []]));
  const keptCa = join(dir, 'mitm-ca-kept');
  for (let i = 0; i < 3; i++) {
    for (const k of [...startKinds.slice(i), ...startKinds.slice(0, i)]) {
      const caDir = k === 'http-mitm-proxy (new CA folder)' ? mkdtempSync(join(dir, 'mitm-ca-')) : keptCa;
      if (k === 'http-mitm-proxy (CA folder exists)' && !existsSync(keptCa)) await stopChild((await start('http-mitm-proxy', keptCa)).server.child);
      const { server, readyMs } = await start(k.startsWith('http-mitm-proxy') ? 'http-mitm-proxy' : (k as Kind), caDir);
      startMs.get(k)!.push(readyMs);
      await stopChild(server.child);
    }
  }

  const origin = (await start('origin')).server;
  const forwardUrl = `http://127.0.0.1:${origin.port}/config`;
  const servers = new Map<Kind, Server>();
  for (const k of KINDS) servers.set(k, (await start(k)).server);

  // Facts: what a forwarded response looks like after each proxy (one request each).
  const facts: string[] = [];
  for (const k of KINDS) {
    const answered = await fetchVia(servers.get(k)!.port, CONFIG_URL);
    const fwd = await fetchVia(servers.get(k)!.port, forwardUrl);
    const expected = k === 'pinprick' ? body : tamper(body);
    facts.push(
      [
        k,
        `${answered.status}, ${answered.body.equals(body) ? 'body as expected' : 'BODY DIFFERS'}`,
        `${fwd.status}, ${fwd.body.equals(expected) ? (k === 'pinprick' ? 'unchanged (no rewrite step)' : 'rewritten as expected') : 'BODY DIFFERS'}`,
        fwd.headers['content-length'] ? `content-length ${fwd.headers['content-length']}` : `transfer-encoding ${fwd.headers['transfer-encoding'] ?? '-'}`,
        fwd.headers['public-key-pins-report-only'] ? 'passed' : 'REMOVED',
        fwd.headers['x-config-version'] ? 'passed' : 'removed',
      ].join(' | '),
    );
  }

  // Facts: connections that never complete a request (no bytes; half a head then FIN).
  const logLines = () => (existsSync(join(dir, 'verdicts.jsonl')) ? readFileSync(join(dir, 'verdicts.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0);
  await sleep(300);
  const pinBefore = logLines();
  const mitmBefore = await servers.get('http-mitm-proxy')!.stats();
  const minBefore = await servers.get('minimal')!.stats();
  const probes = [``, `GET ${CONFIG_URL} HTTP/1.1\r\nHost: api.pinprick.test\r\n`];
  for (const k of KINDS) for (const p of probes) await incomplete(servers.get(k)!.port, p);
  await sleep(500);
  const pinRecords = logLines() - pinBefore;
  const mitmAfter = await servers.get('http-mitm-proxy')!.stats();
  const minAfter = await servers.get('minimal')!.stats();
  const hookCalls = (['onRequest', 'onError', 'onConnect'] as const).reduce((n, h) => n + (mitmAfter[h]! - mitmBefore[h]!), 0);

  // Load.
  const load = (k: Kind, mode: 'keepalive' | 'new', route: 'answer' | 'forward', secs: number): Promise<Run> =>
    new Promise((resolve, reject) => {
      const server = servers.get(k)!;
      const url = route === 'answer' ? CONFIG_URL : forwardUrl;
      const want = route === 'forward' && k !== 'pinprick' ? 'tampered.der' : 'body.der';
      const pid = server.child.pid!;
      const c0 = cpuMs(pid);
      const child = spawnPinned(1, join(dir, 'load'), ['-proxy', `http://127.0.0.1:${server.port}`, '-url', url, '-c', String(concurrency), '-d', String(secs), '-mode', mode, '-body', join(dir, want)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout!.on('data', (d) => (text += d));
      child.once('error', reject);
      child.once('exit', (code) => {
        if (code !== 0) return reject(new Error(`load client exited ${code}: ${text}`));
        const r = JSON.parse(text) as LoadResult;
        resolve({ ...r, rate: r.done / r.elapsed, capacity: r.done / ((cpuMs(pid) - c0) / 1000) });
      });
    });

  const workloads = [
    { route: 'answer', mode: 'keepalive', label: 'answer from the proxy, keep-alive' },
    { route: 'answer', mode: 'new', label: 'answer from the proxy, new connection per request' },
    { route: 'forward', mode: 'keepalive', label: 'forward to the origin + rewrite the body, keep-alive' },
    { route: 'forward', mode: 'new', label: 'forward to the origin + rewrite the body, new connection per request' },
  ] as const;
  for (const w of [workloads[0], workloads[2]]) for (const k of KINDS) await load(k, w.mode, w.route, 1); // warm-up (JIT), not counted
  const results = new Map<string, Run[]>();
  for (const w of workloads) {
    for (let r = 0; r < rounds; r++) {
      for (const k of [...KINDS.slice(r % 3), ...KINDS.slice(0, r % 3)]) {
        const run = await load(k, w.mode, w.route, seconds);
        const key = `${w.label}/${k}`;
        results.set(key, [...(results.get(key) ?? []), run]);
        await sleep(100);
      }
      console.error(`  ${w.label} round ${r + 1}/${rounds}: ${KINDS.map((k) => `${k} ${results.get(`${w.label}/${k}`)!.at(-1)!.rate.toFixed(0)}/s`).join(', ')}`);
    }
  }
  const rss = new Map(KINDS.map((k) => [k, rssMiB(servers.get(k)!.child.pid!)]));

  // Report.
  const date = new Date().toISOString().slice(0, 10);
  out.push(`Configuration channel path (issue 19), ${date}: plain-HTTP GET through each proxy, C=${concurrency}, medians of ${rounds} rounds of ${seconds} s, rotating order;`);
  out.push('proxies + origin on CPU 0, Go load client on CPU 1. "per CPU-s" = requests per CPU-second of the proxy process; ratios are to the minimal proxy.');
  out.push(['workload', 'proxy', 'req/s', 'ratio', 'per CPU-s', 'ratio', 'p50 ms', 'p99 ms', 'errors'].join(' | '));
  for (const w of workloads) {
    const m = (k: Kind, f: (x: Run) => number) => median(results.get(`${w.label}/${k}`)!.map(f));
    for (const k of KINDS) {
      const errs: Record<string, number> = {};
      for (const x of results.get(`${w.label}/${k}`)!) for (const [e, n] of Object.entries(x.errors)) errs[e] = (errs[e] ?? 0) + n;
      out.push(
        [
          w.label,
          k === 'pinprick' && w.route === 'forward' ? 'pinprick (forwards unchanged: no rewrite step)' : k,
          m(k, (x) => x.rate).toFixed(0),
          `${(m(k, (x) => x.rate) / m('minimal', (x) => x.rate)).toFixed(2)}x`,
          m(k, (x) => x.capacity).toFixed(0),
          `${(m(k, (x) => x.capacity) / m('minimal', (x) => x.capacity)).toFixed(2)}x`,
          m(k, (x) => x.p50Ms).toFixed(2),
          m(k, (x) => x.p99Ms).toFixed(2),
          fmtErrors(errs) || 'none',
        ].join(' | '),
      );
    }
  }
  out.push(`RSS after all rounds (MiB): ${KINDS.map((k) => `${k} ${rss.get(k)!.toFixed(1)}`).join(', ')}; ratio to minimal: ${KINDS.map((k) => `${k} ${(rss.get(k)! / rss.get('minimal')!).toFixed(2)}x`).join(', ')}`);
  out.push('');
  out.push('Start-up, spawn -> listening (ms, median of 3; pinprick: `serve` with a cached world, until it prints its ports):');
  out.push(startKinds.map((k) => `${k} ${median(startMs.get(k)!).toFixed(0)}`).join(', '));
  out.push('');
  out.push('One request each (answer | forward + rewrite | framing of the forwarded response | origin\'s public-key-pins-report-only | origin\'s x-config-version):');
  out.push(['proxy', 'answer', 'forward', 'framing', 'Public-Key-Pins*', 'other headers'].join(' | '));
  out.push(...facts);
  out.push('');
  out.push(`Connections that never complete a request (${probes.length} per proxy: connect + FIN with no bytes; half a request head + FIN):`);
  out.push(`pinprick records ${pinRecords} (one verdict per TCP connection, in its log); http-mitm-proxy calls its hooks (onRequest, onError, onConnect) ${hookCalls} times; the minimal proxy sees ${minAfter.requests! - minBefore.requests!} requests (it records nothing).`);
  // Dependency footprint, from the lockfile (what `npm ls --omit=dev --all` would list if it were a runtime dependency).
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Parameters<typeof lockTree>[0];
  const mitmTree = lockTree(lock, ['node_modules/http-mitm-proxy']);
  const runtime = lockTree(lock, Object.keys(lock.packages['']?.dependencies ?? {}).map((n) => `node_modules/${n}`));
  const added = [...mitmTree].filter((p) => !runtime.has(p));
  const bytes = [...mitmTree].reduce((n, p) => n + (existsSync(join(ROOT, p)) ? duBytes(join(ROOT, p)) : 0), 0);
  const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.resolve('http-mitm-proxy'))), '..', 'package.json'), 'utf8')) as { version: string; time?: unknown; date?: unknown };
  out.push('');
  out.push(`http-mitm-proxy ${pkg.version}: ${mitmTree.size - 1} packages below it (${added.length - 1} not already in pinprick's runtime tree of ${runtime.size}), ${(bytes / 2 ** 20).toFixed(1)} MiB on disk; release date in its package.json: ${pkg.time ?? pkg.date ?? 'none'}.`);
  out.push(`  added: ${added.filter((p) => p !== 'node_modules/http-mitm-proxy').map((p) => p.replace(/^.*node_modules\//, '')).join(', ')}`);
} finally {
  for (const c of children) await stopChild(c);
  rmSync(dir, { recursive: true, force: true });
}
console.log(out.join('\n'));
