// Shared plumbing of the reference clients (correct-client.mjs, naive-client.mjs): command line,
// TCP / CONNECT tunnel, RFC 7469 pins, the request and the TryTLS-style output. The two clients
// differ only in WHICH certificates they hash; everything else is here so that difference stands out.
//
// Output contract (stdout, one line, first word for the harness):
//   ACCEPT <status line>     exit 0   the chain was accepted and a request was sent
//   REJECT <reason>          exit 1   pin-mismatch, or Node's validation error code
// Errors that say nothing about the chain (proxy unreachable, CONNECT refused, timeout before a
// decision) print one line on stderr and exit 3; bad usage prints one line on stderr and exits 2.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect as netConnect, isIP } from 'node:net';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

export const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_PROXY_RESPONSE = 64 * 1024;

/** A one-line failure that is not about the chain (exit 3). */
export class ClientError extends Error {}

export function usageLine(script) {
  return (
    `usage: node ${basename(script)} --url https://HOST[:PORT][/PATH] --cafile ROOTS.pem ` +
    `[--pins 'sha256//B64;sha256//B64'] [--proxy http://HOST:PORT | --connect-to ADDR:PORT] [--timeout MS] [--report-uri http://…]` +
    ` (--connect-to dials ADDR:PORT but keeps HOST for SNI, the name check and Host:; empty --pins = no pinning)`
  );
}

/** Bad usage: ONE line on stderr (the reason, then the usage), exit 2. */
function usage(script, why) {
  process.stderr.write(`${basename(script)}: ${why}; ${usageLine(script)}\n`);
  process.exit(2);
}

function parseHostPort(text, what, script) {
  const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) usage(script, `bad ${what} ${JSON.stringify(text)}: expected HOST:PORT`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** Parse and check the command line; exits 2 with one line on any problem. */
export function parseCli(argv, script) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        proxy: { type: 'string' },
        'connect-to': { type: 'string' },
        cafile: { type: 'string' },
        pins: { type: 'string', default: '' },
        timeout: { type: 'string' },
        'report-uri': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    usage(script, err.message.split('\n')[0]);
  }
  if (values.help) {
    process.stdout.write(`${usageLine(script)}\n`);
    process.exit(0);
  }
  if (!values.url) usage(script, 'missing --url');
  if (!values.cafile) usage(script, 'missing --cafile (the only roots this client trusts)');

  let url;
  try {
    url = new URL(values.url);
  } catch {
    usage(script, `bad --url ${JSON.stringify(values.url)}`);
  }
  if (url.protocol !== 'https:') usage(script, `--url must be https://, got ${url.protocol}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : 443;

  let proxy;
  if (values.proxy !== undefined) {
    let p;
    try {
      p = new URL(values.proxy);
    } catch {
      usage(script, `bad --proxy ${JSON.stringify(values.proxy)}`);
    }
    if (p.protocol !== 'http:') usage(script, `--proxy must be http://HOST:PORT, got ${p.protocol}`);
    proxy = { host: p.hostname.replace(/^\[|\]$/g, ''), port: p.port ? Number(p.port) : 80 };
  }
  const connectTo = values['connect-to'] === undefined ? undefined : parseHostPort(values['connect-to'], '--connect-to', script);
  if (proxy && connectTo) usage(script, '--proxy and --connect-to exclude each other');

  let ca;
  try {
    ca = readFileSync(values.cafile, 'latin1');
  } catch (err) {
    usage(script, `cannot read --cafile ${values.cafile}: ${err.code ?? err.message}`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) usage(script, `--cafile ${values.cafile} holds no PEM certificate`);

  const pins = new Set();
  for (const entry of values.pins.split(';').map((s) => s.trim()).filter(Boolean)) {
    const m = /^sha256\/\/([A-Za-z0-9+/]{43}=)$/.exec(entry);
    if (!m) usage(script, `bad pin ${JSON.stringify(entry)}: expected sha256//<44 base64 characters>`);
    pins.add(m[1]);
  }

  let reportUri;
  if (values['report-uri']) {
    try {
      reportUri = new URL(values['report-uri']);
    } catch {
      usage(script, `bad --report-uri ${JSON.stringify(values['report-uri'])}`);
    }
    if (reportUri.protocol !== 'http:') usage(script, `--report-uri must be http:// (pinprick's collector), got ${reportUri.protocol}`);
  }

  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (values.timeout !== undefined) {
    timeoutMs = Number(values.timeout);
    if (!(Number.isInteger(timeoutMs) && timeoutMs > 0)) usage(script, `bad --timeout ${JSON.stringify(values.timeout)}: expected milliseconds`);
  }

  return {
    host,
    port,
    path: `${url.pathname || '/'}${url.search}`,
    // RFC 6066 3: no IP literals in SNI.
    servername: isIP(host) ? undefined : host,
    proxy,
    connectTo,
    ca,
    pins,
    timeoutMs,
    reportUri,
  };
}

/** `host:port` with IPv6 literals bracketed. */
export function authority(host, port) {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * Open the TCP connection the TLS client will run over: to the proxy followed by a CONNECT
 * tunnel, to --connect-to, or to the URL's host. Resolves with a connected, paused socket.
 */
export async function openTransport(cli) {
  const target = authority(cli.host, cli.port);
  const dial = cli.proxy ?? cli.connectTo ?? { host: cli.host, port: cli.port };
  const dialName = cli.proxy ? `proxy ${authority(dial.host, dial.port)}` : authority(dial.host, dial.port);
  const socket = await new Promise((resolve, reject) => {
    const s = netConnect({ host: dial.host, port: dial.port });
    s.once('connect', () => {
      s.off('error', onError);
      resolve(s);
    });
    const onError = (err) => reject(new ClientError(`cannot connect to ${dialName}: ${err.code ?? err.message}`));
    s.once('error', onError);
  });
  if (!cli.proxy) return socket;

  await new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const done = (err) => {
      socket.off('data', onData).off('end', onEnd).off('error', onError);
      socket.pause();
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve();
    };
    const onData = (chunk) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        if (received.length > MAX_PROXY_RESPONSE) done(new ClientError(`${dialName} sent no end of headers`));
        return;
      }
      const status = received.subarray(0, received.indexOf('\r\n')).toString('latin1').trim();
      if (!/^HTTP\/1\.[01] 2\d\d(\s|$)/.test(status)) return done(new ClientError(`${dialName} refused CONNECT ${target}: ${status}`));
      // A TLS server never speaks first: bytes after the answer are not ours to hand to TLS.
      if (received.length > end + 4) return done(new ClientError(`${dialName} sent unexpected bytes after its CONNECT answer`));
      done();
    };
    const onEnd = () => done(new ClientError(`${dialName} closed the connection before answering CONNECT`));
    const onError = (err) => done(new ClientError(`${dialName} failed during CONNECT: ${err.code ?? err.message}`));
    socket.on('data', onData).once('end', onEnd).once('error', onError);
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  });
  return socket;
}

/** RFC 7469 pin: base64(SHA-256(DER SubjectPublicKeyInfo)). Never from `.pubkey` (EC: only the point). */
export function spkiPin(der) {
  const spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** Print the one stdout line and exit. */
export function finish(line, code) {
  process.stdout.write(`${line}\n`, () => process.exit(code));
}

/** Print one stderr line and exit 3 (nothing was learnt about the chain). */
export function fail(script, err) {
  const message = err instanceof ClientError ? err.message : `${err?.code ?? ''} ${err?.message ?? err}`.trim();
  process.stderr.write(`${basename(script)}: ${message}\n`, () => process.exit(3));
}

/** Node's validation error (or, failing that, the socket error) as one word for `REJECT <code>`. */
export function errorCode(err) {
  return String(err?.code ?? err?.message ?? err).replace(/\s+/g, '_');
}

/**
 * The first TLS error decides the connection: `REJECT <code>` and exit 1 (a handshake the client
 * refused, or the server's alert). Returns the function to call once the handshake is through, so
 * a later error (after the client decided) is not reported as a second verdict.
 */
export function rejectOnTlsError(tls, deadline) {
  let decided = false;
  tls.on('error', (err) => {
    if (decided) return;
    decided = true;
    clearTimeout(deadline.timer);
    tls.destroy();
    process.stdout.write(`REJECT ${errorCode(err)}\n`, () => process.exit(1));
  });
  return () => {
    decided = true;
  };
}

/**
 * The client has accepted the chain: send one request, read the answer until the server closes,
 * print `ACCEPT <status line>` and exit 0.
 */
export function sendRequestAndReport(tls, cli, deadline) {
  const hostHeader = cli.port === 443 ? authority(cli.host, 443).replace(/:443$/, '') : authority(cli.host, cli.port);
  let response = Buffer.alloc(0);
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    clearTimeout(deadline.timer);
    const text = response.toString('latin1');
    const statusLine = text.slice(0, text.indexOf('\r\n') >= 0 ? text.indexOf('\r\n') : undefined).trim();
    tls.destroy();
    finish(`ACCEPT ${statusLine || '(no response)'}`, 0);
  };
  tls.on('data', (chunk) => {
    response = Buffer.concat([response, chunk]);
  });
  tls.once('end', report);
  tls.once('close', report);
  tls.on('error', report); // already accepted: a late reset changes nothing
  deadline.onExpire = report;
  tls.write(`GET ${cli.path} HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: pinprick-example-client\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
}

/** One deadline for the whole run; what it does when it fires changes once the chain is accepted. */
export function startDeadline(script, timeoutMs) {
  const deadline = {
    onExpire: () => fail(script, new ClientError(`timed out after ${timeoutMs} ms before the TLS handshake completed`)),
    timer: undefined,
  };
  deadline.timer = setTimeout(() => deadline.onExpire(), timeoutMs);
  return deadline;
}

/**
 * Refuse the connection after the handshake without sending a request: close_notify + FIN (as
 * curl --pinnedpubkey and OkHttp do), then destroy; print `REJECT <reason>` and exit 1.
 * Ending instead of destroying at once matters in TLS 1.3: the client Finished is still queued
 * when 'secureConnect' fires, and a bare destroy would look like an aborted handshake.
 */
export function refuseAfterHandshake(tls, reason, deadline, afterClose = async () => undefined) {
  clearTimeout(deadline.timer);
  let done = false;
  const close = () => {
    if (done) return;
    done = true;
    tls.destroy();
    afterClose().finally(() => finish(`REJECT ${reason}`, 1));
  };
  tls.removeAllListeners('data');
  tls.on('error', close);
  tls.once('close', close);
  tls.once('finish', close); // close_notify and FIN are out: nothing more to wait for
  setTimeout(close, 1_000).unref();
  tls.end();
}

/**
 * Send an RFC 7469 section 3 pin validation failure report to --report-uri (HPKP's report-uri, as
 * browsers did, and what TrustKit's reportUris send in spirit). Node exposes only the path it
 * built, not the chain as sent, so both chain fields carry that path. Best effort, bounded: a
 * report that cannot be delivered never changes the verdict or the exit code.
 */
export function postPinReport(cli, path) {
  if (!cli.reportUri) return Promise.resolve();
  const pem = (cert) => cert.toString();
  const body = JSON.stringify({
    'date-time': new Date().toISOString(),
    hostname: cli.host,
    port: cli.port,
    'effective-expiration-date': new Date(Date.now() + 60 * 86_400_000).toISOString(),
    'include-subdomains': false,
    'noted-hostname': cli.host,
    'served-certificate-chain': path.map(pem),
    'validated-certificate-chain': path.map(pem),
    'known-pins': [...cli.pins].map((pin) => `pin-sha256="${pin}"`),
  });
  return new Promise((resolve) => {
    const req = httpRequest(cli.reportUri, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 2_000 }, (res) => {
      res.resume();
      res.once('end', resolve);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve());
    req.end(body);
  });
}

/**
 * The verified path as Node exposes it: `getPeerCertificate(true)` walked through
 * `issuerCertificate`. Node links the sent certificates by issuer and finishes with the trusted
 * root, so unrelated extras, duplicates and wire order do not matter. Each link is re-checked
 * (issuer name and signature) so that a wrong link can only shorten the path, never lengthen it.
 * The walk stops at a self-issued certificate (a root is its own issuerCertificate).
 */
export function verifiedPath(tls) {
  const path = [];
  const seen = new Set();
  let node = tls.getPeerCertificate(true);
  while (node?.raw && !seen.has(node.fingerprint256)) {
    seen.add(node.fingerprint256);
    const cert = new X509Certificate(node.raw);
    path.push(cert);
    if (cert.checkIssued(cert)) break; // self-issued: the anchor
    const next = node.issuerCertificate;
    if (!next?.raw || next === node) break;
    const issuer = new X509Certificate(next.raw);
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) break;
    node = next;
  }
  return path;
}
