/**
 * Proxy throughput and memory against minimal Node references presenting the same chain
 * (control-genuine), measured side by side in one run on loopback 127.0.0.1. Prints figures and
 * ratios; asserts nothing.
 *
 * References:
 * - CONNECT: a *minimal Node CONNECT proxy*: http.createServer() whose 'connect' handler answers
 *   `200 Connection Established`, wraps the socket in `new tls.TLSSocket(socket, { isServer: true,
 *   secureContext })` and hands it to an http.Server ('connection') that answers what pinprick
 *   answers (the same headers and body, from scenarioAnswer()). It records nothing; pinprick
 *   records one verdict per connection (counted in its process). Node's defaults issue session
 *   tickets, pinprick issues none a client can redeem, so one more row compares pinprick with the
 *   same minimal proxy with SSL_OP_NO_TICKET (like for like).
 * - direct: a bare `tls.createServer` with the same chain and the same tiny http.Server.
 *
 * How: the servers under test run in child processes pinned to CPU 0 (`taskset -c 0`), the load
 * client on CPU 1; this process only orchestrates. The load client is Go's (bench/lib/http-load.go,
 * built at start; `--load node` for bench/lib/tls-load.ts, used anyway when `go` is missing): a
 * Node TLS client costs about as much CPU per handshake as the server it loads, so a Node load
 * saturates its core first and wall rates then measure the client; Go's client costs about half,
 * so the server's core is the limit, as when issue 13's figures were taken. Each workload runs R
 * short rounds per server, A/B interleaved (ABBA...) so drift hits both sides alike; medians are
 * quoted. Two figures per side: transactions per second of wall time (the server's capacity when
 * its CPU use is near 100 %), and transactions per CPU-second of the server process (/proc user +
 * system time; printed: CPU use of each process).
 *
 * Workloads (ECDSA P-256 by default, `--keys ec-p256,rsa-2048` for more):
 * - CONNECT, new connection per transaction (full handshake + one request), concurrency 16 and 64;
 * - CONNECT, keep-alive requests, concurrency 16;
 * - direct TLS, new connections and keep-alive, concurrency 16 (pinprick's TLS port vs bare).
 * Target: pinprick >= 1.0x the minimal CONNECT proxy for new connections and keep-alive (both figures).
 *
 * Memory: fresh pinprick and minimal-proxy processes each take a warm-up round (N/3), a full GC,
 * then K rounds of N new CONNECT connections (concurrency 64, rounds interleaved); RSS (VmRSS) is
 * printed after each round, then
 * the V8 heap in use after a forced full GC (the children run with --expose-gc), which tells
 * retained memory (a leak) from garbage not yet collected.
 * Targets: pinprick's RSS flat within 10 % across rounds, and <= 1.3x the minimal proxy's.
 *
 * Run: npm run bench:proxy     or     npx tsx bench/proxy.ts [seconds-per-round]
 *   --rounds R (5)  --keys ec-p256[,rsa-2048]  --rss-conns N (30000)  --rss-rounds K (3)
 *   --no-rss  --only-rss  --no-direct  --window N (pinprick's in-memory verdict window)  --load go|node
 * Quick: npx tsx bench/proxy.ts 1 --rounds 3 --rss-conns 2000
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, createServer as createTlsServer, TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { constants } from 'node:crypto';
import { cpuMs, median, parseFlags, rssMiB, sleep, spawnPinned, stopChild, TASKSET } from './lib/proc.js';
import type { KeyType } from '../src/world/keys.js';
import { runLoad, type LoadJob, type LoadResult } from './lib/tls-load.js';
import { writeServerFiles } from './lib/server-files.js';

const SELF = fileURLToPath(import.meta.url);
const TSX = import.meta.resolve('tsx');

type Kind = 'pinprick' | 'minimal' | 'minimal-no-ticket' | 'bare';
interface Ports {
  pinprickProxy?: number;
  pinprickTls?: number;
  minimal?: number;
  minimalNoTicket?: number;
  bare?: number;
}
interface Stats {
  verdicts: number;
  rssMiB: number;
  /** V8 heap in use right after a full GC ('stats-gc' only): what the process really retains. */
  heapAfterGcMiB?: number;
}

// ---------------------------------------------------------------------------------------------
// Child roles

/** Server child: `server <kinds> <dir> <keyType>`; reports its ports over IPC, then answers 'stats'. */
async function serverMain(kinds: Kind[], dir: string, keyType: string): Promise<void> {
  const ports: Ports = {};
  let verdicts = 0;
  // Every server answers the same bytes: pinprick's answer for the scenario (headers and body),
  // so the figures compare the proxies' work, not the size of what they send back.
  // (Read from a file the orchestrator wrote: the reference processes load no pinprick module.)
  const saved = JSON.parse(readFileSync(join(dir, 'answer.json'), 'utf8')) as { headers: string[]; body: string };
  const headers = saved.headers;
  const body = Buffer.from(saved.body, 'utf8');
  const answer = (): HttpServer => createHttpServer((_req, res) => res.writeHead(200, headers).end(body));
  const key = readFileSync(join(dir, `${keyType}.key.pem`));
  const cert = readFileSync(join(dir, `${keyType}.chain.pem`));
  // The reference CONNECT proxy: nothing but what a MITM test proxy cannot do without. Node's
  // defaults issue TLS session tickets; pinprick issues none a client can redeem (every connection
  // is a full handshake: src/proxy/server-context.ts), so a like-for-like variant turns them off too.
  const minimal = async (noTicket: boolean): Promise<number> => {
    const secureContext = createSecureContext({ key, cert, ...(noTicket ? { secureOptions: constants.SSL_OP_NO_TICKET } : {}) });
    const http = answer();
    const proxy = createHttpServer();
    proxy.on('connect', (_req, socket: Socket, head: Buffer) => {
      socket.on('error', () => undefined);
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) socket.unshift(head);
      const t = new TLSSocket(socket, { isServer: true, secureContext, ALPNProtocols: ['http/1.1'] });
      t.on('error', () => t.destroy());
      http.emit('connection', t);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    return (proxy.address() as AddressInfo).port;
  };
  if (kinds.includes('minimal')) ports.minimal = await minimal(false);
  if (kinds.includes('minimal-no-ticket')) ports.minimalNoTicket = await minimal(true);
  if (kinds.includes('bare')) {
    const http = answer();
    const bare = createTlsServer({ key, cert, ALPNProtocols: ['http/1.1'] });
    bare.on('secureConnection', (t) => http.emit('connection', t));
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    ports.bare = (bare.address() as AddressInfo).port;
  }
  if (kinds.includes('pinprick')) {
    const { openWorld } = await import('../src/world/store.js');
    const { loadCatalog, findScenario } = await import('../src/scenario/scenario.js');
    const { presentScenario } = await import('../src/scenario/materialize.js');
    const { startProxy } = await import('../src/proxy/server.js');
    const opened = await openWorld({ certsDir: join(dir, 'certs'), name: keyType, mustExist: true });
    const presented = await presentScenario(opened, findScenario(loadCatalog(opened.world.spec), 'control-genuine'));
    // --window N: the verdict window pinprick keeps in memory (default: serve's default).
    const window = process.env.PINPRICK_BENCH_WINDOW ? { verdicts: Number(process.env.PINPRICK_BENCH_WINDOW) } : undefined;
    const proxy = await startProxy({ scenario: presented, ...(window ? { window } : {}) });
    proxy.verdicts.subscribe(() => verdicts++);
    ports.pinprickProxy = proxy.proxyPort;
    ports.pinprickTls = proxy.tlsPort;
  }
  process.on('message', (m) => {
    if (m === 'stats') process.send!({ verdicts, rssMiB: process.memoryUsage().rss / 2 ** 20 } satisfies Stats);
    if (m === 'stats-gc') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send!({ verdicts, rssMiB: process.memoryUsage().rss / 2 ** 20, heapAfterGcMiB: process.memoryUsage().heapUsed / 2 ** 20 } satisfies Stats);
    }
  });
  process.send!(ports);
}

/** Load child: `load`; runs each LoadJob it is sent and answers with the LoadResult. */
function loadMain(): void {
  process.on('message', async (job) => process.send!(await runLoad(job as LoadJob)));
}

// ---------------------------------------------------------------------------------------------
// Orchestration

/** A child process running this file with `--import tsx`, pinned to `cpu`, talking over IPC. */
class Child {
  readonly proc: ChildProcess;
  private queue: ((m: unknown) => void)[] = [];
  constructor(cpu: number, args: string[]) {
    this.proc = spawnPinned(cpu, process.execPath, ['--expose-gc', '--import', TSX, SELF, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.proc.on('message', (m) => this.queue.shift()?.(m));
    this.proc.on('exit', (code, signal) => {
      for (const q of this.queue.splice(0)) q(new Error(`child ${args.join(' ')} exited (${code ?? signal})`));
    });
  }
  /** The next message (optionally after sending one), bounded in time. */
  ask<T>(send: unknown, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the child within ${timeoutMs} ms`)), timeoutMs);
      this.queue.push((m) => {
        clearTimeout(timer);
        if (m instanceof Error) reject(m);
        else resolve(m as T);
      });
      if (send !== undefined) this.proc.send(send as object);
    });
  }
  stop(): Promise<void> {
    return stopChild(this.proc);
  }
}

async function startServer(kinds: Kind[], dir: string, keyType: string): Promise<{ child: Child; ports: Ports }> {
  const child = new Child(0, ['server', kinds.join(','), dir, keyType]);
  const ports = await child.ask<Ports>(undefined, 60_000);
  return { child, ports };
}

interface Run extends LoadResult {
  /** Transactions per second of wall time. */
  rate: number;
  /** Transactions per CPU-second of the server: what it would do with a core to itself. */
  capacity: number;
  /** Share of one core the server and the load generator used. */
  serverCpu: number;
  loadCpu: number;
}

/** A load generator pinned to CPU 1: runs one job at a time. */
interface Load {
  readonly name: string;
  run(job: LoadJob): Promise<LoadResult>;
  stop(): Promise<void>;
}

/** The Node load generator (bench/lib/tls-load.ts) in a child process. */
function nodeLoad(): Load {
  const child = new Child(1, ['load']);
  return { name: 'Node (bench/lib/tls-load.ts)', run: (job) => child.ask<LoadResult>(job, (job.seconds + 60) * 1000), stop: () => child.stop() };
}

/**
 * The Go load client (bench/lib/http-load.go), built into `dir` once, one process per job. It
 * checks every body against `bodyFile`. Undefined when `go` is not installed.
 */
function goLoad(dir: string, bodyFile: string): Load | undefined {
  const binary = join(dir, 'http-load');
  const source = fileURLToPath(new URL('./lib/http-load.go', import.meta.url));
  // One file, outside any module (GO111MODULE=off): nothing to fetch.
  const built = spawnSync('go', ['build', '-o', binary, source], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GO111MODULE: 'off' } });
  if (built.error || built.status !== 0) {
    if (!built.error) console.error(`note: go build of bench/lib/http-load.go failed: ${built.stderr.toString().trim().split('\n').at(-1)}`);
    return undefined;
  }
  return {
    name: 'Go (bench/lib/http-load.go)',
    run: (job) =>
      new Promise<LoadResult>((resolve, reject) => {
        const args = ['-c', String(job.concurrency), '-d', String(job.seconds), '-mode', job.mode, '-body', bodyFile, ...(job.count ? ['-n', String(job.count)] : [])];
        args.push(...(job.proxyPort ? ['-proxy', `http://127.0.0.1:${job.proxyPort}`] : ['-addr', `127.0.0.1:${job.port}`]));
        const child = spawnPinned(1, binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), (job.seconds + 60) * 1000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          try {
            resolve(JSON.parse(out) as LoadResult);
          } catch {
            reject(new Error(`the Go load client exited (${code}) without a result`));
          }
        });
      }),
    stop: async () => undefined,
  };
}

/** One load job against one server child; server CPU share from /proc. */
async function measure(load: Load, server: Child, job: LoadJob): Promise<Run> {
  const pid = server.proc.pid!;
  const c0 = cpuMs(pid);
  const t0 = performance.now();
  const r = await load.run(job);
  const wall = performance.now() - t0;
  const serverMs = cpuMs(pid) - c0;
  return { ...r, rate: r.done / r.elapsed, capacity: r.done / (serverMs / 1000), serverCpu: serverMs / wall, loadCpu: r.cpuMs / (r.elapsed * 1000) };
}

const fmtErrors = (e: Record<string, number>) =>
  Object.entries(e)
    .map(([k, n]) => `${k} x${n}`)
    .join(', ');
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

async function orchestrate(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), ['no-rss', 'only-rss', 'no-direct']);
  const seconds = Number(flags._[0] ?? 4);
  const rounds = flags.get('rounds', 5);
  const keyTypes = flags.str('keys', 'ec-p256').split(',');
  const rssConns = flags.get('rss-conns', 30_000);
  if (flags.has('window')) process.env.PINPRICK_BENCH_WINDOW = String(flags.get('window', 10_000));
  const rssRounds = flags.get('rss-rounds', 3);
  const doThroughput = !flags.has('only-rss');
  const doRss = !flags.has('no-rss');
  const doDirect = !flags.has('no-direct');
  if (!(seconds > 0) || !(rounds >= 1)) throw new Error('usage: npx tsx bench/proxy.ts [seconds-per-round] [--rounds R] ...');

  const dir = mkdtempSync(join(tmpdir(), 'pinprick-bench-'));
  const children: Child[] = [];
  const loads: Load[] = [];
  const spawnServer = async (kinds: Kind[], keyType: string) => {
    const s = await startServer(kinds, dir, keyType);
    children.push(s.child);
    return s;
  };
  const out: string[] = [];
  try {
    // Worlds (private keys) live in the temp dir only.
    for (const keyType of keyTypes) await writeServerFiles(dir, keyType as KeyType);

    const bodyFile = join(dir, 'body');
    writeFileSync(bodyFile, (JSON.parse(readFileSync(join(dir, 'answer.json'), 'utf8')) as { body: string }).body);
    const wanted = flags.str('load', 'go');
    const go = wanted === 'go' ? goLoad(dir, bodyFile) : undefined;
    if (wanted === 'go' && !go) console.error('note: go is not installed (Debian package golang-go): the Node load generator is used, which saturates its core before the servers do');
    const load = go ?? nodeLoad();
    loads.push(load);
    console.error(`pinning: servers on CPU 0, load generator (${load.name}) on CPU 1${TASKSET ? '' : ' (NOT pinned: taskset missing)'}; ${seconds} s rounds x ${rounds}, A/B interleaved`);

    if (doThroughput) {
      out.push(`Throughput, per second, median of ${rounds} rounds of ${seconds} s per side (A/B interleaved), loopback; servers on CPU 0, load on CPU 1.`);
      out.push('"per server CPU-s" = transactions per CPU-second the server process used (user + system, /proc): its capacity with a core to');
      out.push('itself, the fair comparison when the load generator (one core too) is the limit. "CPU use" = share of one core used by the');
      out.push('reference / pinprick / load generator: a load near 100 % with servers below it means the wall-clock rates are load-bound.');
      out.push(['key', 'workload', 'conc.', 'reference /s', 'pinprick /s', 'ratio', 'ref per server CPU-s', 'pinprick per server CPU-s', 'ratio', 'target', 'CPU use ref / pinprick / load', 'pinprick verdicts'].join(' | '));
      for (const keyType of keyTypes) {
        const pin = await spawnServer(['pinprick'], keyType);
        const ref = await spawnServer(['minimal', 'minimal-no-ticket', 'bare'], keyType);
        const workloads: { label: string; mode: LoadJob['mode']; concurrency: number; direct: boolean; noTicket?: boolean }[] = [
          { label: 'CONNECT: new connection + 1 request', mode: 'new', concurrency: 16, direct: false },
          { label: 'CONNECT: new connection + 1 request', mode: 'new', concurrency: 64, direct: false },
          { label: 'CONNECT: keep-alive requests', mode: 'keepalive', concurrency: 16, direct: false },
          // Like for like: the same reference with session tickets off, as pinprick has them.
          { label: 'CONNECT: new connection + 1 request', mode: 'new', concurrency: 16, direct: false, noTicket: true },
          ...(doDirect
            ? [
                { label: 'direct TLS: new connection + 1 request', mode: 'new' as const, concurrency: 16, direct: true },
                { label: 'direct TLS: keep-alive requests', mode: 'keepalive' as const, concurrency: 16, direct: true },
              ]
            : []),
        ];
        // Warm-up (JIT, lazy init), not counted.
        for (const w of [workloads[0]!, workloads[2]!]) {
          await measure(load, pin.child, { mode: w.mode, proxyPort: pin.ports.pinprickProxy, seconds: 1, concurrency: 16 });
          await measure(load, ref.child, { mode: w.mode, proxyPort: ref.ports.minimal, seconds: 1, concurrency: 16 });
        }
        for (const w of workloads) {
          const refJob: LoadJob = { mode: w.mode, concurrency: w.concurrency, seconds, ...(w.direct ? { port: ref.ports.bare } : { proxyPort: w.noTicket ? ref.ports.minimalNoTicket : ref.ports.minimal }) };
          const pinJob: LoadJob = { mode: w.mode, concurrency: w.concurrency, seconds, ...(w.direct ? { port: pin.ports.pinprickTls } : { proxyPort: pin.ports.pinprickProxy }) };
          const refRuns: Run[] = [];
          const pinRuns: Run[] = [];
          let verdicts = 0;
          let pinTransactions = 0;
          for (let r = 0; r < rounds; r++) {
            const sides = r % 2 === 0 ? (['pin', 'ref'] as const) : (['ref', 'pin'] as const);
            for (const side of sides) {
              if (side === 'ref') refRuns.push(await measure(load, ref.child, refJob));
              else {
                const before = await pin.child.ask<Stats>('stats', 10_000);
                const run = await measure(load, pin.child, pinJob);
                await sleep(200); // the last connections' verdicts (client closes settle them)
                verdicts += (await pin.child.ask<Stats>('stats', 10_000)).verdicts - before.verdicts;
                pinTransactions += w.mode === 'new' ? run.done + Object.values(run.errors).reduce((a, b) => a + b, 0) : w.concurrency;
                pinRuns.push(run);
              }
              await sleep(100);
            }
            const last = (xs: Run[]) => xs.at(-1)!.rate.toFixed(0);
            const cap = (xs: Run[]) => xs.at(-1)!.capacity.toFixed(0);
            console.error(`  ${keyType} ${w.label} c${w.concurrency} round ${r + 1}/${rounds}: reference ${last(refRuns)}/s (${cap(refRuns)}/CPU-s), pinprick ${last(pinRuns)}/s (${cap(pinRuns)}/CPU-s)`);
          }
          const refRate = median(refRuns.map((x) => x.rate));
          const pinRate = median(pinRuns.map((x) => x.rate));
          const refCap = median(refRuns.map((x) => x.capacity));
          const pinCap = median(pinRuns.map((x) => x.capacity));
          const errors = [...refRuns.map((x) => ['reference', x.errors] as const), ...pinRuns.map((x) => ['pinprick', x.errors] as const)].filter(([, e]) => Object.keys(e).length);
          for (const [who, e] of errors) console.error(`  errors (${who}, ${w.label} c${w.concurrency}): ${fmtErrors(e)}`);
          out.push(
            [
              keyType,
              `${w.label} (vs ${w.direct ? 'bare TLS server' : w.noTicket ? 'minimal CONNECT proxy without session tickets' : 'minimal CONNECT proxy'})`,
              String(w.concurrency),
              refRate.toFixed(0),
              pinRate.toFixed(0),
              `${(pinRate / refRate).toFixed(2)}x`,
              refCap.toFixed(0),
              pinCap.toFixed(0),
              `${(pinCap / refCap).toFixed(2)}x`,
              w.direct || w.noTicket ? '-' : '>= 1.00x (both)',
              `${pct(median(refRuns.map((x) => x.serverCpu)))} / ${pct(median(pinRuns.map((x) => x.serverCpu)))} / ${pct(median([...refRuns, ...pinRuns].map((x) => x.loadCpu)))}`,
              `${verdicts} for ${pinTransactions} connections`,
            ].join(' | '),
          );
        }
        await pin.child.stop();
        await ref.child.stop();
      }
    }

    if (doRss) {
      const keyType = keyTypes[0]!;
      out.push('');
      out.push(`Memory (${keyType}): fresh processes, a warm-up round then ${rssRounds} rounds of ${rssConns} new CONNECT connections each (concurrency 64, rounds interleaved), RSS after each round (MiB).`);
      const pin = await spawnServer(['pinprick'], keyType);
      const ref = await spawnServer(['minimal'], keyType);
      const sides = [
        { name: 'pinprick', s: pin, port: pin.ports.pinprickProxy!, rss: [] as number[], heap: [] as number[], rates: [] as number[], errors: {} as Record<string, number>, verdicts: [] as number[] },
        { name: 'minimal proxy', s: ref, port: ref.ports.minimal!, rss: [] as number[], heap: [] as number[], rates: [] as number[], errors: {} as Record<string, number>, verdicts: [] as number[] },
      ];
      const start = sides.map((x) => rssMiB(x.s.child.proc.pid!));
      // A warm-up round first (JIT code, the heap's first growth, the verdict window filling),
      // then a full GC, so the measured rounds all start from the same state: flat means no growth
      // with the run, not that start-up is free. Its RSS is printed too.
      const warm = Math.max(1_000, Math.round(rssConns / 3));
      const afterWarmUp: number[] = [];
      for (const side of sides) {
        await measure(load, side.s.child, { mode: 'new', proxyPort: side.port, concurrency: 64, count: warm, seconds: Math.max(120, warm / 50) });
        await sleep(1000);
        afterWarmUp.push(rssMiB(side.s.child.proc.pid!));
        await side.s.child.ask<Stats>('stats-gc', 10_000);
      }
      for (let r = 0; r < rssRounds; r++) {
        for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
          const run = await measure(load, side.s.child, { mode: 'new', proxyPort: side.port, concurrency: 64, count: rssConns, seconds: Math.max(120, rssConns / 50) });
          await sleep(1000); // let the last sockets close
          side.rss.push(rssMiB(side.s.child.proc.pid!)); // as it is, before the GC below
          const stats = await side.s.child.ask<Stats>('stats-gc', 10_000);
          side.heap.push(stats.heapAfterGcMiB!);
          side.rates.push(run.rate);
          side.verdicts.push(stats.verdicts);
          for (const [k, n] of Object.entries(run.errors)) side.errors[k] = (side.errors[k] ?? 0) + n;
          console.error(`  RSS round ${r + 1}/${rssRounds} ${side.name}: ${run.done} transactions at ${run.rate.toFixed(0)}/s, RSS ${side.rss.at(-1)!.toFixed(1)} MiB, heap after GC ${side.heap.at(-1)!.toFixed(1)} MiB`);
        }
      }
      out.push(['server', 'at start', `after a warm-up round of ${warm}`, ...Array.from({ length: rssRounds }, (_, i) => `after round ${i + 1}`), 'transactions/s (median)', 'errors'].join(' | '));
      sides.forEach((x, i) => out.push([x.name, start[i]!.toFixed(1), afterWarmUp[i]!.toFixed(1), ...x.rss.map((v) => v.toFixed(1)), median(x.rates).toFixed(0), fmtErrors(x.errors) || 'none'].join(' | ')));
      out.push(`V8 heap in use after a full GC, after each round (MiB; what is retained, unlike RSS which also holds garbage not yet collected): ${sides.map((x) => `${x.name} ${x.heap.map((v) => v.toFixed(1)).join(' / ')}`).join('; ')}`);
      const [p, m] = sides as [(typeof sides)[0], (typeof sides)[0]];
      const spread = (Math.max(...p.rss) - Math.min(...p.rss)) / Math.min(...p.rss);
      const ratio = p.rss.at(-1)! / m.rss.at(-1)!;
      out.push(`pinprick verdicts recorded: ${p.verdicts.join(', ')} (cumulative, for ${rssConns} connections per round)`);
      out.push(`pinprick RSS spread across rounds: ${(spread * 100).toFixed(1)} % (target: flat within 10 %): ${spread <= 0.1 ? 'FLAT' : 'NOT FLAT'}`);
      out.push(`pinprick / minimal proxy RSS after the rounds: ${ratio.toFixed(2)}x (target <= 1.30x): ${ratio <= 1.3 ? 'met' : 'NOT met'}`);
    }
  } finally {
    for (const c of children) await c.stop();
    for (const l of loads) await l.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(out.join('\n'));
}

const role = process.argv[2];
// A child whose orchestrator is gone (crash, Ctrl-C) goes too: nothing keeps listening.
if (role === 'server' || role === 'load') process.once('disconnect', () => process.exit(0));
if (role === 'server') await serverMain(process.argv[3]!.split(',') as Kind[], process.argv[4]!, process.argv[5]!);
else if (role === 'load') loadMain();
else await orchestrate();
