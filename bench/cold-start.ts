/**
 * Cold start: wall time from spawning a server process to the end of the first full HTTPS
 * transaction through it (TCP connect, TLS handshake verifying the chain against the world's
 * roots and the host name, as curl does, one GET, the whole response), with a cached world.
 *
 *   pinprick:  node bin/pinprick.js serve --proxy-port 0 --tls-port 0 --control-port 0 --log <tmp>/v.jsonl
 *              (ports read from its stdout), measured on its direct TLS port and through CONNECT
 *   reference: a bare Node TLS server script (tls.createServer + http.Server, same chain and key)
 *              started with `node`, printing its port
 *   floors:    `node` running an empty script, and `pinprick --version` (the CLI's module loading), to exit
 *
 * How: the world is created once in a temp certs dir (PINPRICK_CERTS) and one warm-up spawn of each
 * is not counted; then N spawns of each, interleaved in rotating order so drift hits all alike,
 * medians quoted. Servers are pinned to CPU 0 (`taskset -c 0`), this process (the client) to CPU 1.
 * Target: pinprick (direct) <= 1.5x the bare server.
 *
 * bin/pinprick.js runs dist/: build first. Run: npm run bench:cold  (= npm run build && tsx bench/cold-start.ts)
 *   or npx tsx bench/cold-start.ts [--spawns N (7)]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { median, parseFlags, pinSelf, spawnPinned, stopChild, TASKSET, waitForOutput } from './lib/proc.js';
import { handshake, openTunnel, roundTrip } from './lib/tls-load.js';

const BIN = fileURLToPath(new URL('../bin/pinprick.js', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** The reference: nothing but Node's TLS server and HTTP parser with the same chain. */
const BARE_SERVER = `import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTlsServer } from 'node:tls';
const body = 'bare\\n';
const http = createHttpServer((_req, res) => res.writeHead(200, { 'content-length': body.length }).end(body));
const tls = createTlsServer({ key: readFileSync(process.argv[2]), cert: readFileSync(process.argv[3]), ALPNProtocols: ['http/1.1'] }, (t) => http.emit('connection', t));
tls.listen(0, '127.0.0.1', () => console.log('listening ' + tls.address().port));
`;

interface Sample {
  ready: number;
  done: number;
}

const flags = parseFlags(process.argv.slice(2));
const spawns = flags.get('spawns', 7);
if (!existsSync(DIST)) {
  console.error('dist/ is missing: run `npm run build` first (bin/pinprick.js runs dist/), or use `npm run bench:cold`');
  process.exit(1);
}
pinSelf(1);

const dir = mkdtempSync(join(tmpdir(), 'pinprick-cold-'));
const certsDir = join(dir, 'certs');
const env = { ...process.env, PINPRICK_CERTS: certsDir, NO_COLOR: '1', TMPDIR: dir }; // TMPDIR: serve's control-state file stays in here
try {
  // The world, once, by the CLI being measured; then the same chain for the reference.
  execFileSync(process.execPath, [BIN, 'world', 'init'], { env, stdio: 'ignore' });
  const { openWorld } = await import('../src/world/store.js');
  const { loadCatalog, findScenario } = await import('../src/scenario/scenario.js');
  const { presentScenario } = await import('../src/scenario/materialize.js');
  const { pemOf } = await import('../src/world/pem.js');
  const opened = await openWorld({ certsDir, mustExist: true });
  const presented = await presentScenario(opened, findScenario(loadCatalog(opened.world.spec), 'control-genuine'));
  const keyFile = join(dir, 'leaf.key.pem');
  const chainFile = join(dir, 'chain.pem');
  const bareFile = join(dir, 'bare-tls-server.mjs');
  writeFileSync(keyFile, presented.leafKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  writeFileSync(chainFile, presented.chain.map((c) => pemOf(c.der, 'CERTIFICATE')).join(''));
  writeFileSync(bareFile, BARE_SERVER);
  const trusted = createSecureContext({ ca: opened.world.trustedRoots().map((r) => pemOf(r.der, 'CERTIFICATE')) });
  const emptyFile = join(dir, 'empty.mjs');
  writeFileSync(emptyFile, '');

  const serveArgs = [BIN, 'serve', '--proxy-port', '0', '--tls-port', '0', '--control-port', '0', '--log', join(dir, 'v.jsonl')];
  /** Spawn, wait for the ports, one verified transaction, stop. */
  const run = async (kind: 'bare' | 'pinprick direct' | 'pinprick CONNECT'): Promise<Sample> => {
    const t0 = performance.now();
    const child = spawnPinned(0, process.execPath, kind === 'bare' ? [bareFile, keyFile, chainFile] : serveArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    try {
      const pattern = kind === 'bare' ? /listening (\d+)/ : /HTTP proxy:\s+http:\/\/127\.0\.0\.1:(\d+)[\s\S]*direct TLS:\s+127\.0\.0\.1:(\d+)[\s\S]*token: \S+/;
      const { match } = await waitForOutput(child, pattern, 30_000).catch((e: Error) => {
        throw new Error(`${kind}: ${e.message} ${stderr}`);
      });
      const ready = performance.now() - t0;
      child.stdout!.resume(); // serve prints a line per verdict: keep the pipe flowing
      const t =
        kind === 'pinprick CONNECT'
          ? await handshake(trusted, 10_000, { socket: await openTunnel(Number(match[1]), 10_000) }, true)
          : await handshake(trusted, 10_000, { socket: netConnect({ port: Number(kind === 'bare' ? match[1] : match[2]), host: '127.0.0.1', noDelay: true }) }, true);
      const status = await roundTrip(t, 10_000);
      const done = performance.now() - t0;
      t.destroy();
      if (status !== 200) throw new Error(`${kind}: HTTP ${status}`);
      return { ready, done };
    } finally {
      await stopChild(child);
    }
  };
  /** Floors, spawn to exit: node with an empty ES module, and `pinprick --version` (the CLI's module loading). */
  const floor = (args: string[]): Promise<number> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const child = spawnPinned(0, process.execPath, args, { env, stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', () => resolve(performance.now() - t0));
    });

  const kinds = ['bare', 'pinprick direct', 'pinprick CONNECT'] as const;
  const samples = new Map<string, Sample[]>(kinds.map((k) => [k, []]));
  const floors: number[] = [];
  const versions: number[] = [];
  for (const k of kinds) await run(k); // warm-up: page cache, any first-use cache of the world
  await floor([emptyFile]);
  await floor([BIN, '--version']);
  console.error(`${spawns} spawns of each, rotating order; servers on CPU 0, client on CPU 1${TASKSET ? '' : ' (NOT pinned: taskset missing)'}`);
  for (let i = 0; i < spawns; i++) {
    const order = [...kinds.slice(i % kinds.length), ...kinds.slice(0, i % kinds.length)];
    for (const k of order) samples.get(k)!.push(await run(k));
    floors.push(await floor([emptyFile]));
    versions.push(await floor([BIN, '--version']));
    console.error(`  spawn ${i + 1}/${spawns}: ${kinds.map((k) => `${k} ${samples.get(k)!.at(-1)!.done.toFixed(0)} ms`).join(', ')}, node empty ${floors.at(-1)!.toFixed(0)} ms, pinprick --version ${versions.at(-1)!.toFixed(0)} ms`);
  }
  const med = (k: string, f: keyof Sample) => median(samples.get(k)!.map((s) => s[f]));
  const bare = med('bare', 'done');
  console.log(`Cold start with a cached world, medians of ${spawns} spawns (ms): spawn -> ports printed, spawn -> first full verified HTTPS transaction`);
  console.log(['server', 'ports printed', 'first transaction', 'ratio to bare', 'target'].join(' | '));
  for (const k of kinds) {
    const done = med(k, 'done');
    console.log([k === 'bare' ? 'bare Node TLS server (node script)' : `pinprick serve (${k.slice(9)})`, med(k, 'ready').toFixed(0), done.toFixed(0), k === 'bare' ? '1.00x' : `${(done / bare).toFixed(2)}x`, k === 'pinprick direct' ? '<= 1.50x' : '-'].join(' | '));
  }
  console.log(`floors, spawn -> exit: node with an empty script ${median(floors).toFixed(0)} ms; pinprick --version (CLI modules loaded) ${median(versions).toFixed(0)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
