/**
 * HTTPS load over loopback, direct or through an HTTP CONNECT proxy: new connections (full TLS
 * handshake + one request each) or keep-alive requests. Bounded by count and by time; every socket
 * operation has a timeout, so a stuck server ends a run with errors instead of hanging it.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';

export const HOST = 'api.pinprick.test';
export const REQUEST = `GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;

export interface LoadJob {
  mode: 'new' | 'keepalive';
  /** Direct TLS port (when no proxyPort). */
  port?: number;
  /** HTTP proxy port: every connection goes through CONNECT. */
  proxyPort?: number;
  concurrency: number;
  /** Stop starting transactions after this many seconds. */
  seconds: number;
  /** Stop after this many transactions (new connections), whichever comes first. */
  count?: number;
  /** Per-operation timeout (connect, CONNECT answer, handshake, response). */
  timeoutMs?: number;
}

export interface LoadResult {
  /** Completed transactions (a response read in full). */
  done: number;
  /** Wall time from start until the last worker stopped, s. */
  elapsed: number;
  /** Failed transactions by error code. */
  errors: Record<string, number>;
  /** CPU time this process used during the run, ms. */
  cpuMs: number;
}

const errorKind = (err: unknown): string => (err as NodeJS.ErrnoException)?.code ?? String((err as Error)?.message ?? err).slice(0, 60);

/** Reject after `ms` unless settled, destroying `sockets`. */
function withTimeout<T>(ms: number, what: string, sockets: () => (Socket | undefined)[], run: (resolve: (v: T) => void, reject: (e: Error) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      for (const s of sockets()) s?.destroy();
      reject(Object.assign(new Error(`${what}: no answer within ${ms} ms`), { code: `timeout(${what})` }));
    }, ms);
    run(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Open a TCP connection to the proxy and CONNECT to HOST:443; resolves with the tunnel socket (paused). */
export function openTunnel(proxyPort: number, timeoutMs: number, host = HOST): Promise<Socket> {
  let s: Socket | undefined;
  return withTimeout<Socket>(timeoutMs, 'CONNECT', () => [s], (resolve, reject) => {
    s = netConnect({ port: proxyPort, host: '127.0.0.1', noDelay: true });
    const sock = s;
    let buf: Buffer = Buffer.alloc(0);
    const fail = (e: Error) => {
      sock.destroy();
      reject(e);
    };
    sock.once('connect', () => sock.write(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`));
    const onData = (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData).off('error', fail).off('end', onEnd);
      sock.pause();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, 20).toString('latin1'))?.[1];
      if (status !== '200') return fail(Object.assign(new Error(`CONNECT answered ${status}`), { code: `CONNECT ${status}` }));
      if (buf.length > end + 4) sock.unshift(buf.subarray(end + 4));
      resolve(sock);
    };
    const onEnd = () => fail(Object.assign(new Error('the proxy closed before answering CONNECT'), { code: 'CONNECT closed' }));
    sock.on('data', onData).once('error', fail).once('end', onEnd);
  });
}

/**
 * TLS client handshake over `socket` (or to 127.0.0.1:port), Nagle off. The chain is not verified
 * unless `verify` (then `context` must hold the CAs to trust, and the host name is checked).
 */
export function handshake(context: SecureContext, timeoutMs: number, target: { socket: Socket } | { port: number }, verify = false): Promise<TLSSocket> {
  let t: TLSSocket | undefined;
  const socket = 'socket' in target ? target.socket : netConnect({ port: target.port, host: '127.0.0.1', noDelay: true });
  return withTimeout<TLSSocket>(timeoutMs, 'handshake', () => [t, socket], (resolve, reject) => {
    t = tlsConnect({ socket, secureContext: context, servername: HOST, rejectUnauthorized: verify, ALPNProtocols: ['http/1.1'] });
    const tls = t;
    const fail = (e: Error) => {
      tls.destroy();
      reject(e);
    };
    tls.once('secureConnect', () => {
      tls.off('error', fail);
      resolve(tls);
    });
    tls.once('error', fail);
  });
}

/** Send one GET and read the whole response (Content-Length framed); resolves with the status. */
export function roundTrip(t: TLSSocket, timeoutMs: number, request = REQUEST): Promise<number> {
  return withTimeout<number>(timeoutMs, 'response', () => [t], (resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const done = () => t.off('data', onData).off('error', fail).off('end', onEnd);
    const fail = (e: Error) => {
      done();
      t.destroy();
      reject(e);
    };
    const onData = (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      const headEnd = buf.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = buf.subarray(0, headEnd).toString('latin1');
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < headEnd + 4 + len) return;
      done();
      resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0));
    };
    const onEnd = () => fail(Object.assign(new Error('the server closed before a full response'), { code: 'response closed' }));
    t.on('data', onData).once('error', fail).once('end', onEnd);
    t.write(request);
  });
}

/** Run a load job; one process, `concurrency` concurrent workers. */
export async function runLoad(job: LoadJob, context: SecureContext = createSecureContext()): Promise<LoadResult> {
  const timeoutMs = job.timeoutMs ?? 10_000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = Date.now() + job.seconds * 1000;
  const errors: Record<string, number> = {};
  let started = 0;
  let done = 0;
  const more = () => Date.now() < deadline && (job.count === undefined || started < job.count);
  const fail = async (err: unknown) => {
    const k = errorKind(err);
    errors[k] = (errors[k] ?? 0) + 1;
    await new Promise((r) => setTimeout(r, 5)); // no busy loop against a dead server
  };
  const open = async (): Promise<TLSSocket> => {
    if (job.proxyPort) return handshake(context, timeoutMs, { socket: await openTunnel(job.proxyPort, timeoutMs) });
    return handshake(context, timeoutMs, { port: job.port! });
  };
  const worker = async () => {
    if (job.mode === 'keepalive') {
      let t: TLSSocket | undefined;
      while (more()) {
        started++;
        try {
          t ??= await open();
          const status = await roundTrip(t, timeoutMs);
          if (status !== 200) throw Object.assign(new Error(`status ${status}`), { code: `HTTP ${status}` });
          done++;
        } catch (err) {
          t?.destroy();
          t = undefined;
          await fail(err);
        }
      }
      t?.destroy();
      return;
    }
    while (more()) {
      started++;
      let t: TLSSocket | undefined;
      try {
        t = await open();
        const status = await roundTrip(t, timeoutMs);
        if (status !== 200) throw Object.assign(new Error(`status ${status}`), { code: `HTTP ${status}` });
        done++;
      } catch (err) {
        await fail(err);
      } finally {
        t?.destroy();
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  const cpu = process.cpuUsage(cpu0);
  return { done, elapsed: (performance.now() - t0) / 1000, errors, cpuMs: (cpu.user + cpu.system) / 1000 };
}
