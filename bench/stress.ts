/**
 * Soak of a real `pinprick serve` process with a mix of well- and ill-behaved clients, checking the
 * proxy's promise: exactly one JSONL verdict record per TCP connection it accepted, and no growth.
 *
 * How: `pinprick serve` (bin/pinprick.js, so dist/: build first; `--from-src` runs src/ through tsx)
 * runs pinned to CPU 0 (`taskset -c 0`) with short `--head-timeout`, `--handshake-timeout` and
 * `--grace`, its verdict log in a temp dir, its world in a temp certs dir (PINPRICK_CERTS). This
 * process, pinned to CPU 1, runs R rounds of N transactions at concurrency C against the proxy
 * port on 127.0.0.1, each transaction a fresh TCP connection from the mix (`--mix kind=weight,...`):
 *   accept        CONNECT, TLS trusting nothing but completing (rejectUnauthorized: false), GET, response
 *   reject-alert  CONNECT, a TLS 1.2 ClientHello, reads the server's Certificate, verifies it against an
 *                 unrelated CA (the world's untrusted root): fails, so it sends a fatal unknown_ca alert
 *   reject-node   CONNECT, Node's TLS client verifying against that unrelated CA (drops the connection)
 *   reset         CONNECT then a TCP reset (socket.resetAndDestroy()), right after the 200 or mid-handshake
 *   half-open     CONNECT then a FIN only: with the head, after the 200, or after the TLS handshake
 *   slow          the CONNECT head one byte every 20 ms, then as accept
 *   malformed     CONNECT with a bad port, a NUL in the host, no port, port 0, or TLS bytes instead of HTTP
 *   idle          connects and sends nothing (the server's --head-timeout ends it)
 * Every wait is bounded (per transaction: head + handshake timeouts + grace + 5 s). Per round it
 * prints connections opened (client 'connect' events), records written to the log (waiting, bounded,
 * for the log to settle), records by kind, client outcomes by kind, and the server's RSS and open fds.
 * Target: opened == records every round (exit 1 otherwise, or if the server dies), RSS flat.
 *
 * Run: npm run bench:stress  (= npm run build && tsx bench/stress.ts)
 *   or npx tsx bench/stress.ts [--transactions N (5000)] [--concurrency C (64)] [--rounds R (3)]
 *        [--head-timeout MS (2000)] [--handshake-timeout MS (3000)] [--grace MS (500)] [--mix ...] [--from-src]
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { parseFlags, pinSelf, rssMiB, sleep, spawnPinned, stopChild, TASKSET, waitForOutput } from './lib/proc.js';
import { HOST } from './lib/tls-load.js';

const BIN = fileURLToPath(new URL('../bin/pinprick.js', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const SRC_MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const KINDS = ['accept', 'reject-alert', 'reject-node', 'reset', 'half-open', 'slow', 'malformed', 'idle'] as const;
type Kind = (typeof KINDS)[number];
const CONNECT_HEAD = `CONNECT ${HOST}:443 HTTP/1.1\r\nHost: ${HOST}:443\r\n\r\n`;

const flags = parseFlags(process.argv.slice(2), ['from-src']);
const transactions = flags.get('transactions', 5000);
const concurrency = flags.get('concurrency', 64);
const rounds = flags.get('rounds', 3);
const headTimeout = flags.get('head-timeout', 2000);
const handshakeTimeout = flags.get('handshake-timeout', 3000);
const grace = flags.get('grace', 500);
const fromSrc = flags.has('from-src');
const mix = new Map<Kind, number>(KINDS.map((k) => [k, k === 'accept' ? 2 : 1]));
for (const part of flags.str('mix', '').split(',').filter(Boolean)) {
  const [k, w] = part.split('=');
  if (!KINDS.includes(k as Kind) || !(Number(w) >= 0)) throw new Error(`--mix ${part}: expected KIND=WEIGHT with KIND one of ${KINDS.join(', ')}`);
  mix.set(k as Kind, Number(w));
}
const schedule: Kind[] = KINDS.flatMap((k) => Array<Kind>(mix.get(k)!).fill(k));
if (!schedule.length) throw new Error('--mix: every weight is 0');
/** No transaction waits longer than this, whatever the server does. */
const CAP_MS = headTimeout + handshakeTimeout + grace + 5000;

// ---------------------------------------------------------------------------------------------
// Client building blocks (all bounded)

class Tx {
  opened = false;
  private sockets: Socket[] = [];
  constructor(readonly kind: Kind, readonly variant: number) {}
  track<T extends Socket>(s: T): T {
    this.sockets.push(s);
    s.on('error', () => undefined); // outcomes are read from the awaited steps
    return s;
  }
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}

/** A labelled failure: the outcome of a transaction that did not go as its kind expects. */
const outcome = (label: string) => Object.assign(new Error(label), { outcome: label });

function tcp(tx: Tx, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tx.track(netConnect({ port, host: '127.0.0.1', noDelay: true }));
    s.once('connect', () => {
      tx.opened = true;
      resolve(s);
    });
    s.once('error', (e: NodeJS.ErrnoException) => reject(outcome(`connect ${e.code ?? e.message}`)));
  });
}

/** Wait for an HTTP response head; resolves with the status, or 0 if the server closed first. */
function readHead(s: Socket): Promise<number> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (status: number) => {
      s.off('data', onData).off('end', onEnd).off('close', onEnd);
      resolve(status);
    };
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n\r\n')) {
        s.pause();
        done(Number(/^HTTP\/1\.[01] (\d{3})/.exec(buf)?.[1] ?? -1));
      }
    };
    const onEnd = () => done(0);
    s.on('data', onData).once('end', onEnd).once('close', onEnd);
  });
}

/** Resolves when the server has closed its side (FIN or reset) or the socket is gone. */
function serverClosed(s: Socket): Promise<void> {
  if (s.destroyed || s.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    s.once('end', () => resolve()).once('close', () => resolve());
    s.resume(); // drain whatever comes first (a 400 body, TLS records)
  });
}

async function connectTunnel(tx: Tx, port: number, slow = false): Promise<Socket> {
  const s = await tcp(tx, port);
  if (slow) {
    for (const byte of Buffer.from(CONNECT_HEAD)) {
      if (s.destroyed || s.writableEnded) break;
      s.write(Buffer.from([byte]));
      await sleep(20);
    }
  } else s.write(CONNECT_HEAD);
  const status = await readHead(s);
  if (status !== 200) throw outcome(status === 0 ? 'CONNECT closed by server' : `CONNECT ${status}`);
  return s;
}

function tlsOver(tx: Tx, s: Socket, context: SecureContext, verify: boolean): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const t = tx.track(tlsConnect({ socket: s, secureContext: context, servername: HOST, rejectUnauthorized: verify, ALPNProtocols: ['http/1.1'] }));
    t.once('secureConnect', () => resolve(t));
    t.once('error', (e: NodeJS.ErrnoException) => reject(outcome(`tls ${e.code ?? e.message}`)));
    t.once('close', () => reject(outcome('tls closed by server')));
  });
}

function getOverTls(t: TLSSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = '';
    t.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length >= end + 4 + len) resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(buf)?.[1] ?? -1));
    });
    t.once('end', () => reject(outcome('response: closed by server')));
    t.once('error', (e: NodeJS.ErrnoException) => reject(outcome(`response ${e.code ?? e.message}`)));
    t.write(`GET /stress HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
  });
}

/** Read TLS 1.2 plaintext handshake records until the Certificate message; its DER certificates. */
function readServerCertificates(s: Socket): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let records = Buffer.alloc(0);
    let handshake = Buffer.alloc(0);
    const finish = (e?: Error, certs?: Buffer[]) => {
      s.off('data', onData).off('end', onEnd).off('close', onEnd);
      if (e) reject(e);
      else resolve(certs!);
    };
    const onEnd = () => finish(outcome('closed by server before its Certificate'));
    const onData = (d: Buffer) => {
      records = Buffer.concat([records, d]);
      while (records.length >= 5 && records.length >= 5 + records.readUInt16BE(3)) {
        const type = records[0]!;
        const body = records.subarray(5, 5 + records.readUInt16BE(3));
        records = records.subarray(5 + body.length);
        if (type === 21) return finish(outcome(`server alert ${body[1]}`));
        if (type !== 22) return finish(outcome(`unexpected record type ${type}`));
        handshake = Buffer.concat([handshake, body]);
      }
      for (let off = 0; off + 4 <= handshake.length; ) {
        const len = handshake.readUIntBE(off + 1, 3);
        if (off + 4 + len > handshake.length) break;
        if (handshake[off] === 11) {
          const certs: Buffer[] = [];
          const msg = handshake.subarray(off + 4, off + 4 + len);
          for (let p = 3; p + 3 <= msg.length; ) {
            const n = msg.readUIntBE(p, 3);
            certs.push(msg.subarray(p + 3, p + 3 + n));
            p += 3 + n;
          }
          return finish(undefined, certs);
        }
        off += 4 + len;
      }
    };
    s.on('data', onData).once('end', onEnd).once('close', onEnd);
    s.resume();
  });
}

/** A TLS 1.2-only ClientHello for HOST, as Node's client writes it (captured once, replayed). */
async function captureClientHello(): Promise<Buffer> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const got = new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ClientHello captured within 5 s')), 5000);
    server.once('connection', (s) => {
      let buf = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
          clearTimeout(timer);
          resolve(buf.subarray(0, 5 + buf.readUInt16BE(3)));
          s.destroy();
        }
      });
    });
  });
  const t = tlsConnect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', servername: HOST, maxVersion: 'TLSv1.2', rejectUnauthorized: false });
  t.on('error', () => undefined);
  try {
    return await got;
  } finally {
    t.destroy();
    server.close();
  }
}

interface Env {
  port: number;
  anyChain: SecureContext;
  unrelatedCa: SecureContext;
  unrelatedCaCert: X509Certificate;
  clientHello12: Buffer;
}

/** One transaction; resolves with its outcome label ('ok' when it went as its kind expects). */
async function transaction(tx: Tx, env: Env): Promise<string> {
  const { port } = env;
  switch (tx.kind) {
    case 'accept':
    case 'slow': {
      const s = await connectTunnel(tx, port, tx.kind === 'slow');
      const t = await tlsOver(tx, s, env.anyChain, false);
      const status = await getOverTls(t);
      return status === 200 ? 'ok' : `HTTP ${status}`;
    }
    case 'reject-alert': {
      const s = await connectTunnel(tx, port);
      s.write(env.clientHello12);
      const certs = (await readServerCertificates(s)).map((der) => new X509Certificate(der));
      const trusted = certs.some((c) => c.checkIssued(env.unrelatedCaCert) && c.verify(env.unrelatedCaCert.publicKey));
      if (trusted) return 'chain unexpectedly verified by the unrelated CA';
      s.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 48])); // fatal unknown_ca
      await serverClosed(s);
      return 'ok';
    }
    case 'reject-node': {
      const s = await connectTunnel(tx, port);
      try {
        await tlsOver(tx, s, env.unrelatedCa, true);
      } catch (e) {
        const label = (e as { outcome?: string }).outcome ?? '';
        return /SELF_SIGNED|UNABLE_TO|CERT_/.test(label) ? 'ok' : label;
      }
      return 'chain unexpectedly verified by the unrelated CA';
    }
    case 'reset': {
      const s = await connectTunnel(tx, port);
      if (tx.variant % 2 === 1) {
        // Mid-handshake: after the ClientHello, once the server's first flight arrives.
        s.write(env.clientHello12);
        await new Promise<void>((r) => {
          s.once('data', () => r()).once('close', () => r());
          s.resume();
        });
      }
      s.resetAndDestroy();
      return 'ok';
    }
    case 'half-open': {
      const variant = tx.variant % 3;
      let s: Socket;
      if (variant === 0) {
        s = await tcp(tx, port);
        s.end(CONNECT_HEAD); // the head and the FIN together
      } else if (variant === 1) {
        s = await connectTunnel(tx, port);
        s.end();
      } else {
        s = await connectTunnel(tx, port);
        const t = await tlsOver(tx, s, env.anyChain, false);
        t.end(); // handshake done, then close_notify + FIN, no data
        await serverClosed(t);
        return 'ok';
      }
      await serverClosed(s);
      return 'ok';
    }
    case 'malformed': {
      const heads = [
        `CONNECT ${HOST}:99999 HTTP/1.1\r\nHost: ${HOST}:99999\r\n\r\n`,
        `CONNECT api\0.pinprick.test:443 HTTP/1.1\r\nHost: ${HOST}:443\r\n\r\n`,
        `CONNECT ${HOST} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`,
        `CONNECT ${HOST}:0 HTTP/1.1\r\nHost: ${HOST}:0\r\n\r\n`,
      ];
      const s = await tcp(tx, port);
      const variant = tx.variant % (heads.length + 1);
      s.write(variant < heads.length ? heads[variant]! : env.clientHello12); // last: TLS bytes to the HTTP proxy port
      const status = await readHead(s);
      s.destroy();
      return status === 0 || (status >= 400 && status < 500) ? 'ok' : `answered ${status}`;
    }
    case 'idle': {
      const s = await tcp(tx, port);
      const closed = await Promise.race([serverClosed(s).then(() => true), sleep(headTimeout + 3000).then(() => false)]);
      return closed ? 'ok' : `not closed by the server within ${headTimeout + 3000} ms`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The verdict log, read incrementally

class LogTail {
  private offset = 0;
  private partial = '';
  count = 0;
  kinds: Record<string, number> = {};
  constructor(private readonly path: string) {}
  poll(): number {
    if (!existsSync(this.path)) return this.count;
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(1 << 20);
      for (let n; (n = readSync(fd, buf, 0, buf.length, this.offset)) > 0; ) {
        this.offset += n;
        const lines = (this.partial + buf.subarray(0, n).toString('utf8')).split('\n');
        this.partial = lines.pop()!;
        for (const line of lines) {
          if (!line.trim()) continue;
          this.count++;
          let kind = 'unparsable';
          try {
            // The kind, with the alert name or what a timeout awaited when the record has them.
            const r = JSON.parse(line) as { kind?: unknown; alert?: { name?: unknown }; awaited?: unknown };
            const more = r.alert?.name ?? r.awaited;
            kind = `${String(r.kind)}${more ? ` (${String(more)})` : ''}`;
          } catch {
            /* counted as unparsable */
          }
          this.kinds[kind] = (this.kinds[kind] ?? 0) + 1;
        }
      }
    } finally {
      closeSync(fd);
    }
    return this.count;
  }
}

const fmt = (o: Record<string, number>) =>
  Object.entries(o)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');

// ---------------------------------------------------------------------------------------------

if (!fromSrc && !existsSync(DIST)) {
  console.error('dist/ is missing: run `npm run build` first (bin/pinprick.js runs dist/), use `npm run bench:stress`, or pass --from-src');
  process.exit(1);
}
pinSelf(1);
const dir = mkdtempSync(join(tmpdir(), 'pinprick-stress-'));
const certsDir = join(dir, 'certs');
const log = join(dir, 'verdicts.jsonl');
const childEnv = { ...process.env, PINPRICK_CERTS: certsDir, NO_COLOR: '1', TMPDIR: dir }; // TMPDIR: serve's control-state file stays in here
let cli: string[] = [BIN];
if (fromSrc) {
  const launcher = join(dir, 'pinprick-src.mjs');
  writeFileSync(launcher, `import { main } from ${JSON.stringify(SRC_MAIN)};\nmain(process.argv.slice(2));\n`);
  cli = ['--import', import.meta.resolve('tsx'), launcher];
}
let failed = false;
let child: ReturnType<typeof spawnPinned> | undefined;
try {
  execFileSync(process.execPath, [...cli, 'world', 'init'], { env: childEnv, stdio: 'ignore' });
  const { openWorld } = await import('../src/world/store.js');
  const { pemOf } = await import('../src/world/pem.js');
  const opened = await openWorld({ certsDir, mustExist: true });
  const unrelated = opened.world.cert('untrusted-root');
  const env: Omit<Env, 'port'> = {
    anyChain: createSecureContext(),
    unrelatedCa: createSecureContext({ ca: pemOf(unrelated.der, 'CERTIFICATE') }),
    unrelatedCaCert: new X509Certificate(unrelated.der),
    clientHello12: await captureClientHello(),
  };

  // Only the timeout flags this build of serve knows (they are new): the others are reported.
  const help = execFileSync(process.execPath, [...cli, 'serve', '--help'], { env: childEnv }).toString();
  const wanted: [string, number][] = [
    ['--head-timeout', headTimeout],
    ['--handshake-timeout', handshakeTimeout],
    ['--grace', grace],
  ];
  const serveFlags: string[] = [];
  for (const [flag, value] of wanted) {
    if (help.includes(flag)) serveFlags.push(flag, String(value));
    else console.log(`note: this serve has no ${flag}: run without it (its idle/slow bounds are the built-in ones)`);
  }
  const args = [...cli, 'serve', '--proxy-port', '0', '--tls-port', '0', '--control-port', '0', '--log', log, ...serveFlags];
  child = spawnPinned(0, process.execPath, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (d: Buffer) => (tail = (tail + d.toString('utf8')).slice(-4000));
  child.stderr!.on('data', keep);
  const { match } = await waitForOutput(child, /HTTP proxy:\s+http:\/\/127\.0\.0\.1:(\d+)[\s\S]*token: \S+/, 30_000);
  child.stdout!.on('data', keep); // one line per verdict: keep the pipe flowing
  const port = Number(match[1]);
  const pid = child.pid!;
  console.log(`pinprick serve ${fromSrc ? '(src via tsx)' : '(dist)'} pid ${pid} on CPU 0, clients on CPU 1${TASKSET ? '' : ' (NOT pinned: taskset missing)'}: ${serveFlags.join(' ')}`);
  console.log(`${rounds} rounds x ${transactions} transactions, concurrency ${concurrency}, mix ${[...mix].map(([k, w]) => `${k}=${w}`).join(',')}; RSS at start ${rssMiB(pid).toFixed(1)} MiB`);

  const logTail = new LogTail(log);
  const variants = new Map<Kind, number>(KINDS.map((k) => [k, 0]));
  for (let round = 1; round <= rounds; round++) {
    const before = logTail.poll();
    const kindsBefore = { ...logTail.kinds };
    let opened = 0;
    let next = 0;
    const outcomes = new Map<Kind, Record<string, number>>(KINDS.map((k) => [k, {}]));
    const t0 = performance.now();
    const worker = async () => {
      while (next < transactions) {
        const i = next++;
        const kind = schedule[i % schedule.length]!;
        const v = variants.get(kind)!;
        variants.set(kind, v + 1);
        const tx = new Tx(kind, v);
        let label: string;
        let timer: NodeJS.Timeout | undefined;
        try {
          label = await Promise.race([
            transaction(tx, { ...env, port }),
            new Promise<string>((r) => (timer = setTimeout(() => r(`client gave up after ${CAP_MS} ms`), CAP_MS))),
          ]);
        } catch (e) {
          label = (e as { outcome?: string }).outcome ?? `client error ${(e as Error).message}`;
        } finally {
          clearTimeout(timer);
          tx.destroyAll();
        }
        if (tx.opened) opened++;
        const o = outcomes.get(kind)!;
        o[label] = (o[label] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsed = (performance.now() - t0) / 1000;

    // Wait (bounded) for the log to settle: every connection's record, then nothing more.
    const settleBy = Date.now() + headTimeout + handshakeTimeout + grace + 5000;
    let last = -1;
    let stableSince = Date.now();
    while (Date.now() < settleBy) {
      const n = logTail.poll() - before;
      if (n !== last) {
        last = n;
        stableSince = Date.now();
      } else if (n === opened && Date.now() - stableSince >= 500) break;
      await sleep(100);
    }
    const records = logTail.poll() - before;
    const kinds: Record<string, number> = {};
    for (const [k, n] of Object.entries(logTail.kinds)) if (n - (kindsBefore[k] ?? 0)) kinds[k] = n - (kindsBefore[k] ?? 0);
    const alive = child.exitCode === null && child.signalCode === null;
    let fds = NaN;
    try {
      fds = readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      /* not Linux, or gone */
    }
    console.log(`round ${round}/${rounds}: ${transactions} transactions in ${elapsed.toFixed(1)} s; connections opened ${opened}, records written ${records}${records === opened ? ' (equal)' : ` MISMATCH (${records - opened > 0 ? '+' : ''}${records - opened})`}`);
    console.log(`  records by kind: ${fmt(kinds) || 'none'}`);
    for (const [k, o] of outcomes) {
      const bad = Object.entries(o).filter(([l]) => l !== 'ok');
      if (Object.keys(o).length) console.log(`  client ${k}: ok ${o.ok ?? 0}${bad.length ? `; ${bad.map(([l, n]) => `${l} x${n}`).join(', ')}` : ''}`);
    }
    console.log(`  server: ${alive ? 'alive' : `DIED (${child.exitCode ?? child.signalCode})`}, RSS ${rssMiB(pid).toFixed(1)} MiB, open fds ${fds}`);
    if (records !== opened) failed = true;
    if (!alive) {
      console.log(`server output (last 4000 characters):\n${tail}`);
      failed = true;
      break;
    }
  }
} finally {
  if (child) await stopChild(child);
  rmSync(dir, { recursive: true, force: true });
}
console.log(failed ? 'FAIL: records and connections differ (or the server died)' : 'OK: exactly one record per connection in every round');
process.exit(failed ? 1 : 0);
