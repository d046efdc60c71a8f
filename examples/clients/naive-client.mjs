#!/usr/bin/env node
// A deliberately VULNERABLE pinning client, for calibrating the pinprick harness (it must come
// out VULNERABLE on the pin-stuffing scenarios, and PASS everything else a correct client passes).
//
//   node naive-client.mjs --url https://HOST[:PORT]/PATH --cafile ROOTS.pem \
//        [--pins 'sha256//B64;sha256//B64'] [--proxy http://127.0.0.1:PORT | --connect-to ADDR:PORT] [--timeout MS]
//
// The bug (the PayPal 2015 Android sample; OkHttp before 2.7.4 / 3.1.2, CVE-2016-2402): it hashes
// every certificate of the chain AS SENT by the server (getServerCertificates(): order,
// duplicates and unrelated extras included) and accepts if ANY of them is pinned. Ordinary
// validation is still Node's (only --cafile roots, host name checked), so it is only vulnerable to
// pin stuffing: a rogue-but-trusted chain with the genuine pinned certificate appended.
//
// Node offers no API for the chain as sent (getPeerCertificate(true) rebuilds a path), so this
// client reads the server's Certificate message off the wire with pinprick's own parser
// (dist/proxy/tls-wire.js; `npm run build` first): the server's bytes are teed through a Duplex,
// and TLS 1.3's encrypted Certificate message is unlocked with the key from the 'keylog' event.
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { ClientError, fail, openTransport, parseCli, refuseAfterHandshake, rejectOnTlsError, sendRequestAndReport, spkiPin, startDeadline } from './common.mjs';

const SCRIPT = fileURLToPath(import.meta.url);

let wire;
try {
  wire = await import('../../dist/proxy/tls-wire.js');
} catch (err) {
  process.stderr.write(`naive-client.mjs: cannot load pinprick's wire parser from dist/ (run \`npm run build\`): ${err.code ?? err.message}\n`);
  process.exit(3);
}
const { ServerFlightParser, parseKeylogLine, TlsWireError } = wire;

/**
 * Passes bytes between Node's TLS client and the TCP socket unchanged, showing every server byte
 * to `onServerBytes` first. A Duplex rather than the net.Socket itself because
 * `tls.connect({ socket })` given a net.Socket reads its native handle, where no JavaScript
 * listener sees the bytes (the same reason as TeeStream in src/proxy/served-chain.ts).
 */
class TeeStream extends Duplex {
  constructor(socket, onServerBytes) {
    super();
    this.socket = socket;
    this.onServerBytes = onServerBytes;
    socket.on('data', (chunk) => {
      this.onServerBytes(chunk);
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }
  _read() {
    this.socket.resume();
  }
  _write(chunk, _encoding, callback) {
    this.socket.write(chunk, callback);
  }
  _final(callback) {
    this.socket.end(callback);
  }
  _destroy(err, callback) {
    this.socket.destroy();
    callback(err);
  }
}

async function main() {
  const cli = parseCli(process.argv.slice(2), SCRIPT);
  const deadline = startDeadline(SCRIPT, cli.timeoutMs);
  let socket;
  try {
    socket = await openTransport(cli);
  } catch (err) {
    return fail(SCRIPT, err);
  }

  const parser = new ServerFlightParser();
  let wireError;
  const capture = (step) => {
    if (wireError) return;
    try {
      step();
    } catch (err) {
      if (!(err instanceof TlsWireError)) throw err;
      wireError = err;
    }
  };
  const tee = new TeeStream(socket, (chunk) => capture(() => parser.push(chunk)));
  const tls = tlsConnect({
    socket: tee,
    ...(cli.servername === undefined ? {} : { servername: cli.servername }),
    host: cli.host,
    ca: cli.ca,
    rejectUnauthorized: true,
    ALPNProtocols: ['http/1.1'],
  });
  tls.on('keylog', (line) => {
    const entry = parseKeylogLine(line.toString('latin1'));
    if (entry?.label === 'SERVER_HANDSHAKE_TRAFFIC_SECRET') capture(() => parser.setServerHandshakeSecret(entry.secret));
  });

  const decided = rejectOnTlsError(tls, deadline);
  tls.once('secureConnect', () => {
    decided();
    if (cli.pins.size > 0) {
      const sent = parser.certificates;
      if (wireError || !sent?.length) {
        tls.destroy();
        clearTimeout(deadline.timer);
        return fail(SCRIPT, new ClientError(`could not read the chain as sent: ${wireError?.message ?? 'no Certificate message captured'}`));
      }
      // THE BUG: any certificate the server sent counts, whether or not it is on the validated path.
      const pins = sent.map((der) => spkiPin(der));
      if (!pins.some((pin) => cli.pins.has(pin))) return refuseAfterHandshake(tls, 'pin-mismatch', deadline);
    }
    sendRequestAndReport(tls, cli, deadline);
  });
}

main();
