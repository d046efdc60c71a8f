#!/usr/bin/env node
// A dynamic-pinning client (issue 19): its pins come from a signed configuration it fetches at run
// time, over a channel that is not pinned, as Approov and dynapins deliver them. By default it is
// CORRECT (it must PASS every dynamic scenario); `--naive KIND` makes it cut one corner.
//
//   node dynamic-client.mjs --url https://HOST[:PORT]/PATH --proxy http://127.0.0.1:PORT --cafile ROOTS.pem \
//        --config-url http[s]://…/config --config-key KEY.pem --config-state STATE [--device ID] \
//        [--shape jws|approov-detached|dynapins] [--naive unsigned|rollback|alg] [--pins 'sha256//B64;…'] [--timeout MS]
//
// What it does, in order (the harness fills these from {configUrl} {configKey} {configState} {configDevice}):
//  1. reads its last good configuration from --config-state (the signed text it last accepted) and
//     checks it again with the public key it embeds (--config-key);
//  2. fetches the configuration at --config-url through --proxy (an https URL through a CONNECT
//     tunnel, trusting --cafile, unpinned) and verifies it with pinprick's own
//     strict verifier (dist/dynamic/adapters.js, `npm run build` first): signature (ES256/EdDSA
//     only, the embedded key only), validity, device, and no rollback below the last good version;
//  3. adopts it (and writes it to --config-state) or refuses it and keeps the last good one; with
//     neither it FAILS CLOSED: it does not connect (REJECT no-valid-configuration);
//  4. prints `CONFIG version=N source=served|last-good|none reason=…`, then connects to --url
//     enforcing the configuration's pins for the host on the verified path (as correct-client.mjs;
//     a host the configuration unpins is not pinned) and prints ACCEPT/REJECT as the other
//     reference clients do (common.mjs).
// Without --config-url (a scenario with no configuration channel) it pins --pins, like correct-client.mjs.
//
// The corners `--naive` cuts, one each:
//   unsigned  reads any configuration, signed or not, and never checks the signature (validity,
//             device and version are still checked): tampered, stripped, foreign-key, alg:none
//             and HMAC configurations are adopted;
//   rollback  verifies signatures but not against the last good version: an older, validly signed
//             configuration is adopted;
//   alg       takes `alg` from the header: `none` is accepted unsigned, HS256 is checked as an HMAC
//             keyed with the embedded public key's PEM (the algorithm-confusion bug).
import { createHmac, createPublicKey, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { basename } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { errorCode, fail, finish, openTransport, parseCli, refuseAfterHandshake, rejectOnTlsError, sendRequestAndReport, spkiPin, startDeadline, verifiedPath } from './common.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const NAIVE = ['unsigned', 'rollback', 'alg'];
const SHAPES = ['jws', 'approov-detached', 'dynapins'];
const MAX_CONFIG_BYTES = 64 * 1024;

let lib;
try {
  const [adapters, jws, config, verify, model] = await Promise.all([
    import('../../dist/dynamic/adapters.js'),
    import('../../dist/dynamic/jws.js'),
    import('../../dist/dynamic/config.js'),
    import('../../dist/dynamic/verify.js'),
    import('../../dist/model/index.js'),
  ]);
  lib = { ...adapters, ...jws, ...config, ...verify, ruleFor: model.ruleFor };
} catch (err) {
  process.stderr.write(`${basename(SCRIPT)}: cannot load pinprick's verifier from dist/ (run \`npm run build\`): ${err.code ?? err.message}\n`);
  process.exit(3);
}

function usage(why) {
  process.stderr.write(`${basename(SCRIPT)}: ${why}; usage: node ${basename(SCRIPT)} --url https://… --proxy http://… --cafile ROOTS.pem --config-url http[s]://… --config-key KEY.pem --config-state FILE [--device ID] [--shape ${SHAPES.join('|')}] [--naive ${NAIVE.join('|')}] [--pins …] [--timeout MS]\n`);
  process.exit(2);
}

/** Take this client's own options out of argv; the rest is common.mjs's. */
function splitArgs(argv) {
  const own = { 'config-url': '', 'config-key': undefined, 'config-state': undefined, device: undefined, shape: 'jws', naive: undefined };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(argv[i]);
    if (m && Object.hasOwn(own, m[1])) {
      const value = m[2] ?? argv[++i];
      if (value === undefined) usage(`--${m[1]} needs a value`);
      own[m[1]] = value;
    } else rest.push(argv[i]);
  }
  if (own.naive !== undefined && !NAIVE.includes(own.naive)) usage(`--naive ${JSON.stringify(own.naive)}: expected ${NAIVE.join(', ')}`);
  if (!SHAPES.includes(own.shape)) usage(`--shape ${JSON.stringify(own.shape)}: expected ${SHAPES.join(', ')}`);
  if (own['config-url'] && (!own['config-key'] || !own['config-state'])) usage('--config-url needs --config-key (the embedded public key) and --config-state (where the last good configuration is kept)');
  return { own, rest };
}

/**
 * GET the configuration, bounded. http://: through the proxy as an absolute-form request (RFC 9112
 * 3.2.2). https://: a CONNECT tunnel through the proxy (as the API connection), TLS trusting
 * --cafile and nothing pinned: the configuration channel is deliberately unpinned, so the app can
 * never brick itself on it; what protects the configuration is its signature, checked next.
 */
async function fetchConfig(url, cli, timeoutMs) {
  const u = new URL(url);
  if (u.protocol !== 'https:') {
    const target = cli.proxy ? { host: cli.proxy.host, port: cli.proxy.port, path: u.href } : { host: u.hostname, port: u.port || 80, path: `${u.pathname}${u.search}` };
    return getBody({ ...target, headers: { host: u.host, accept: '*/*' } }, timeoutMs);
  }
  const port = Number(u.port || 443);
  let timer;
  const tunnel = Promise.race([
    openTransport({ host: u.hostname, port, proxy: cli.proxy }),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), timeoutMs))),
  ]).finally(() => clearTimeout(timer));
  const socket = await tunnel;
  const tls = tlsConnect({ socket, servername: u.hostname, host: u.hostname, ca: cli.ca, rejectUnauthorized: true, ALPNProtocols: ['http/1.1'] });
  return getBody({ createConnection: () => tls, host: u.hostname, port, path: `${u.pathname}${u.search}`, headers: { host: u.host, accept: '*/*', connection: 'close' } }, timeoutMs);
}

/** One GET, its body (at most MAX_CONFIG_BYTES) on 200, an error otherwise. */
function getBody(options, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ ...options, method: 'GET', timeout: timeoutMs }, (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (c) => {
        size += c.length;
        if (size > MAX_CONFIG_BYTES) req.destroy(new Error(`more than ${MAX_CONFIG_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** The `--naive alg` bug: the header's algorithm decides how (and whether) the signature is checked. */
function verifyTrustingAlg(text, keyPem, trusted, now, lastGood, options) {
  const parsed = lib.parseJws(text.trim());
  if (!parsed.ok) return lib.verifyConfig(text.trim(), trusted, now, lastGood, options);
  const { header, payload, protectedB64, payloadB64, signature } = parsed.jws;
  const alg = String(header.alg);
  let signed;
  if (alg.toLowerCase() === 'none') signed = true;
  else if (/^HS256$/i.test(alg)) {
    const mac = createHmac('sha256', keyPem).update(lib.signingInput(protectedB64, payloadB64)).digest();
    signed = mac.length === signature.length && timingSafeEqual(mac, signature);
  } else return lib.verifyConfig(text.trim(), trusted, now, lastGood, options);
  if (!signed) return { ok: false, code: 'bad-signature', reason: `the ${alg} signature does not verify` };
  const doc = lib.parseStrictJson(payload);
  const read = 'value' in doc ? lib.readConfigPayload(doc.value) : { problem: doc.problem };
  if ('problem' in read) return { ok: false, code: 'malformed', reason: read.problem };
  return lib.checkConfig(read.config, now, lastGood, options) ?? { ok: true, config: read.config };
}

/** Verify a configuration text as this client (correct, or with its one corner cut) does. */
function verifyAs(naive, shape, text, keyPem, trusted, now, lastGood, options) {
  if (naive === 'unsigned') {
    const config = lib.readConfigUnverified(shape, text);
    if (!config) return { ok: false, code: 'malformed', reason: 'no configuration in it' };
    return lib.checkConfig(config, now, lastGood, options) ?? { ok: true, config };
  }
  if (naive === 'rollback') return lib.verifyConfigShape(shape, text, trusted, now, undefined, options);
  if (naive === 'alg' && shape === 'jws') return verifyTrustingAlg(text, keyPem, trusted, now, lastGood, options);
  return lib.verifyConfigShape(shape, text, trusted, now, lastGood, options);
}

/** Keep the accepted configuration for the next launch: a new file renamed over the old one. */
function keep(statePath, text) {
  const tmp = `${statePath}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { flag: 'wx', mode: 0o600 });
  renameSync(tmp, statePath);
}

/** The configuration to use: served, last good, or none; and why. */
async function chooseConfig(own, cli) {
  const keyPem = readFileSync(own['config-key'], 'utf8');
  const trusted = [lib.trustedKey(createPublicKey(keyPem))];
  const options = own.device !== undefined ? { device: own.device } : {};
  const now = new Date();
  let lastGood;
  let stateText;
  try {
    stateText = readFileSync(own['config-state'], 'utf8');
  } catch {
    // No state: a first launch.
  }
  if (stateText !== undefined) {
    const kept = verifyAs(own.naive, own.shape, stateText, keyPem, trusted, now, undefined, options);
    if (kept.ok) lastGood = kept.config;
  }
  let served;
  try {
    served = await fetchConfig(own['config-url'], cli, Math.min(cli.timeoutMs, 5_000));
  } catch (err) {
    return lastGood ? { source: 'last-good', config: lastGood, reason: `fetch-failed:${errorCode(err)}` } : { source: 'none', reason: `fetch-failed:${errorCode(err)}` };
  }
  const verdict = verifyAs(own.naive, own.shape, served, keyPem, trusted, now, lastGood, options);
  if (verdict.ok) {
    keep(own['config-state'], served);
    return { source: 'served', config: verdict.config, reason: 'verified' };
  }
  return lastGood ? { source: 'last-good', config: lastGood, reason: verdict.code } : { source: 'none', reason: verdict.code };
}

async function main() {
  const { own, rest } = splitArgs(process.argv.slice(2));
  const cli = parseCli(rest, SCRIPT);
  let pins = cli.pins;
  let enforce = true;
  if (own['config-url']) {
    let chosen;
    try {
      chosen = await chooseConfig(own, cli);
    } catch (err) {
      return fail(SCRIPT, err);
    }
    const line = `CONFIG version=${chosen.config?.version ?? 'none'} source=${chosen.source} reason=${String(chosen.reason).replace(/\s+/g, '_')}`;
    process.stdout.write(`${line}\n`);
    // Fail closed: no valid configuration, no connection.
    if (!chosen.config) return finish('REJECT no-valid-configuration', 1);
    const applied = lib.ruleFor(lib.configPolicy(chosen.config), cli.host);
    const rule = applied?.rule;
    pins = new Set(rule && !rule.exempt ? rule.pins.filter((p) => p.hash === 'sha256').map((p) => p.value) : []);
    enforce = rule ? rule.enforce !== false : true;
  }
  const deadline = startDeadline(SCRIPT, cli.timeoutMs);
  let socket;
  try {
    socket = await openTransport(cli);
  } catch (err) {
    return fail(SCRIPT, err);
  }
  const tls = tlsConnect({ socket, ...(cli.servername === undefined ? {} : { servername: cli.servername }), host: cli.host, ca: cli.ca, rejectUnauthorized: true, ALPNProtocols: ['http/1.1'] });
  const decided = rejectOnTlsError(tls, deadline);
  tls.once('secureConnect', () => {
    decided();
    if (pins.size > 0 && enforce) {
      const path = verifiedPath(tls).map((cert) => spkiPin(cert.raw));
      if (!path.some((pin) => pins.has(pin))) return refuseAfterHandshake(tls, 'pin-mismatch', deadline);
    }
    sendRequestAndReport(tls, cli, deadline);
  });
}

main();
