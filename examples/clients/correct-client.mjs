#!/usr/bin/env node
// A CORRECT pinning client, for calibrating the pinprick harness (it must PASS every scenario).
//
//   node correct-client.mjs --url https://HOST[:PORT]/PATH --cafile ROOTS.pem \
//        [--pins 'sha256//B64;sha256//B64'] [--proxy http://127.0.0.1:PORT | --connect-to ADDR:PORT] [--timeout MS]
//        [--report-uri http://127.0.0.1:PROXYPORT/pinprick/report]
//
// It trusts only the roots in --cafile, lets Node verify the chain and the host name, and then
// (RFC 7469) accepts only if a pinned key is on the VERIFIED path: the certificates Node links by
// issuer from the leaf up to the trusted root. Certificates the server sent that are not on that
// path (pin stuffing, CVE-2016-2402) never count. On a pin mismatch it completes the handshake,
// sends no request, closes, prints `REJECT pin-mismatch` and exits 1. See common.mjs for the
// output contract. With --report-uri it also POSTs an RFC 7469 pin failure report there after a
// pin mismatch (pinprick collects them: `{reportUri}` in a harness template).
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { fail, openTransport, parseCli, postPinReport, refuseAfterHandshake, rejectOnTlsError, sendRequestAndReport, spkiPin, startDeadline, verifiedPath } from './common.mjs';

const SCRIPT = fileURLToPath(import.meta.url);

// verifiedPath lives in common.mjs (the dynamic client enforces its pins on the same path).
export { verifiedPath };

async function main() {
  const cli = parseCli(process.argv.slice(2), SCRIPT);
  const deadline = startDeadline(SCRIPT, cli.timeoutMs);
  let socket;
  try {
    socket = await openTransport(cli);
  } catch (err) {
    return fail(SCRIPT, err);
  }
  const tls = tlsConnect({
    // Directly: dial --connect-to or the URL's host; through a proxy: run over the CONNECT tunnel.
    socket,
    ...(cli.servername === undefined ? {} : { servername: cli.servername }),
    // Checked against the URL's host even when --connect-to dials somewhere else.
    host: cli.host,
    ca: cli.ca, // ONLY these roots: Node's bundled store is replaced, not extended
    rejectUnauthorized: true,
    ALPNProtocols: ['http/1.1'],
  });
  const decided = rejectOnTlsError(tls, deadline);
  tls.once('secureConnect', () => {
    decided();
    if (cli.pins.size > 0) {
      const path = verifiedPath(tls);
      const pins = path.map((cert) => spkiPin(cert.raw));
      if (!pins.some((pin) => cli.pins.has(pin))) return refuseAfterHandshake(tls, 'pin-mismatch', deadline, () => postPinReport(cli, path));
    }
    sendRequestAndReport(tls, cli, deadline);
  });
}

main();
