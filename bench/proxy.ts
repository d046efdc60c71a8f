/**
 * Proxy throughput against a bare Node TLS server presenting the same chain, measured in one run
 * on loopback. Prints figures and ratios; asserts nothing. Target: new connections through
 * pinprick >= 0.7x the bare server. Run: npx tsx bench/proxy.ts [seconds]
 *
 * The load comes from a separate process (this file with `client` as argument), so the server
 * under test and the load generator do not share one event loop.
 */
import { fork } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { fileURLToPath } from 'node:url';

interface Job {
  mode: 'new' | 'keepalive';
  port: number;
  proxyPort?: number;
  seconds: number;
  concurrency: number;
}

const HOST = 'api.pinprick.test';
const REQUEST = `GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;

/** Load generator: counts completed request/response transactions. */
async function client(job: Job): Promise<number> {
  const deadline = Date.now() + job.seconds * 1000;
  let done = 0;
  const open = (): Promise<import('node:tls').TLSSocket> =>
    new Promise((resolve, reject) => {
      const start = (socket?: import('node:net').Socket) => {
        const t = tlsConnect({ ...(socket ? { socket } : { host: '127.0.0.1', port: job.port }), servername: HOST, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
        t.once('secureConnect', () => resolve(t));
        t.once('error', reject);
      };
      if (!job.proxyPort) return start();
      const s = netConnect(job.proxyPort, '127.0.0.1', () => s.write(`CONNECT ${HOST}:443 HTTP/1.1\r\nHost: ${HOST}:443\r\n\r\n`));
      s.once('data', () => start(s));
      s.once('error', reject);
    });
  const roundTrip = (t: import('node:tls').TLSSocket): Promise<void> =>
    new Promise((resolve, reject) => {
      let got = '';
      const onData = (d: Buffer) => {
        got += d.toString('latin1');
        const headEnd = got.indexOf('\r\n\r\n');
        const len = /content-length: (\d+)/i.exec(got);
        if (headEnd >= 0 && len && got.length >= headEnd + 4 + Number(len[1])) {
          t.off('data', onData).off('error', reject);
          resolve();
        }
      };
      t.on('data', onData);
      t.once('error', reject);
      t.write(REQUEST);
    });
  const worker = async () => {
    if (job.mode === 'keepalive') {
      const t = await open();
      while (Date.now() < deadline) {
        await roundTrip(t);
        done++;
      }
      t.destroy();
      return;
    }
    while (Date.now() < deadline) {
      const t = await open();
      await roundTrip(t);
      t.destroy();
      done++;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  return done / job.seconds;
}

function runClient(job: Job): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['client'], { execArgv: ['--import', 'tsx'] });
    child.once('message', (rate) => {
      resolve(rate as number);
      child.kill();
    });
    child.once('error', reject);
    child.send(job);
  });
}

if (process.argv[2] === 'client') {
  process.once('message', async (job) => process.send!(await client(job as Job)));
} else {
  const seconds = Number(process.argv[2] ?? 5);
  const { openWorld } = await import('../src/world/store.js');
  const { loadCatalog, findScenario } = await import('../src/scenario/scenario.js');
  const { presentScenario } = await import('../src/scenario/materialize.js');
  const { startProxy } = await import('../src/proxy/server.js');
  const { pemOf } = await import('../src/world/pem.js');
  const dir = mkdtempSync(join(tmpdir(), 'pinprick-bench-'));
  const rows: string[][] = [];
  try {
    for (const keyType of ['ec-p256', 'rsa-2048'] as const) {
      const opened = await openWorld({ certsDir: dir, name: keyType, keyType });
      const presented = await presentScenario(opened, findScenario(loadCatalog(opened.world.spec), 'control-genuine'));
      const body = 'pinprick bench\n';
      const bare = createTlsServer({ key: presented.leafKey.export({ type: 'pkcs8', format: 'pem' }), cert: presented.chain.map((c) => pemOf(c.der, 'CERTIFICATE')).join(''), ALPNProtocols: ['http/1.1'] });
      const http = createHttpServer((_req, res) => res.writeHead(200, { 'content-length': body.length }).end(body));
      bare.on('secureConnection', (t) => http.emit('connection', t));
      await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
      const barePort = (bare.address() as AddressInfo).port;
      const proxy = await startProxy({ scenario: presented });
      let verdicts = 0;
      proxy.verdicts.subscribe(() => verdicts++);
      const measure = async (mode: Job['mode'], concurrency: number) => {
        const b = await runClient({ mode, port: barePort, seconds, concurrency });
        const d = await runClient({ mode, port: proxy.tlsPort, seconds, concurrency });
        const c = await runClient({ mode, port: 0, proxyPort: proxy.proxyPort, seconds, concurrency });
        rows.push([keyType, mode === 'new' ? 'new connection + 1 request' : 'keep-alive requests', String(concurrency), b.toFixed(0), d.toFixed(0), (d / b).toFixed(2), c.toFixed(0), (c / b).toFixed(2)]);
      };
      await measure('new', 4);
      await measure('keepalive', 4);
      await proxy.close();
      bare.close();
      console.error(`${keyType}: ${verdicts} verdicts recorded by pinprick`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`pinprick vs a bare Node TLS server with the same chain, ${seconds} s each, loopback, load from a separate process (per second)`);
  console.log(['key', 'workload', 'conc.', 'bare', 'pinprick direct', 'ratio', 'pinprick CONNECT', 'ratio'].join(' | '));
  for (const r of rows) console.log(r.join(' | '));
  console.log('target: new connections >= 0.70x the bare server (verdict recording included)');
  const { spawnSync } = await import('node:child_process');
  if (spawnSync('mitmdump', ['--version']).status !== 0) console.log('mitmdump is not installed: not measured (Debian package mitmproxy)');
  else console.log('mitmdump is installed but its measurement is not implemented yet');
}
