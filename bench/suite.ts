/**
 * Wall time of the whole scenario catalog run against curl through pinprick, next to the same curl
 * runs against a bare `openssl s_server` presenting the same chains. Prints figures, asserts
 * nothing. Target: pinprick <= 1.5x the bare server. Run: npx tsx bench/suite.ts [--rounds N]
 *
 * - World: a fresh ECDSA P-256 world in a temporary folder (removed at the end); its creation and
 *   the one-time issuing of the scenarios' derived certificates are not timed.
 * - Profile: `leaf-only`. curl's `--pinnedpubkey` checks only the leaf's key, so this is the one
 *   shipped profile whose pins curl can actually enforce; with CA pins curl would refuse everything.
 * - pinprick side: `runSuite` (the real harness, serial), CLI default timeout and grace, timed as a
 *   whole: proxy start and close once, per-scenario presentation, trust file, model, curl, verdict.
 * - openssl side: one `s_server` per scenario, the same curl command line (same flags, same
 *   PINPRICK_PINS rule) with `--resolve` to the server instead of `--proxy`. Reported two ways:
 *   curl runs only (the headline, since pinprick switches scenarios in process and pays its proxy
 *   start once) and including each server's start and stop.
 * - Rounds alternate which side goes first, so neither always runs on a warmer machine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSuite } from '../src/harness/run.js';
import { fillTemplate } from '../src/harness/template.js';
import { ruleFor } from '../src/model/index.js';
import { presentScenario, type PresentedScenario } from '../src/scenario/materialize.js';
import { findProfile, resolveProfile, type ResolvedProfile } from '../src/scenario/profile.js';
import { loadCatalog, type Scenario } from '../src/scenario/scenario.js';
import { pemBlocks, pemOf } from '../src/world/pem.js';
import { openWorld, type OpenedWorld } from '../src/world/store.js';

const PROFILE = 'leaf-only';
/** Per curl run, as `pinprick run` defaults to; curl's own --max-time 10 fires first. */
const TIMEOUT_MS = 20_000;
/** `pinprick run`'s default grace, so the pinprick figure is what the CLI costs. */
const GRACE_MS = 2_000;
/** The client template of test/harness/run-curl.test.ts (pins only for hosts the profile covers). */
const CURL_VIA_PINPRICK = `curl -sS --max-time 10 --proxy {proxy} --cacert {cafile} --capath /nonexistent \${PINPRICK_PINS:+--pinnedpubkey "$PINPRICK_PINS"} {url}`;
/** The same command, sent straight to the s_server on loopback (each placeholder quoted, one shell word). */
const CURL_DIRECT = `curl -sS --max-time 10 --resolve {host}:{port}:127.0.0.1 --cacert {cafile} --capath /nonexistent \${PINPRICK_PINS:+--pinnedpubkey "$PINPRICK_PINS"} {url}`;
/** Bound on an s_server becoming reachable; a start takes tens of milliseconds here. */
const SERVER_READY_MS = 5_000;
const PORT_ATTEMPTS = 5;

/** One scenario's files for s_server and curl, written once before any timing. */
interface Prepared {
  scenario: Scenario;
  presented: PresentedScenario;
  host: string;
  leafFile: string;
  /** The rest of the chain in presented order; absent when the server sends its leaf alone. */
  restFile?: string;
  keyFile: string;
  cafile: string;
  /** PINPRICK_PINS as runSuite sets it: empty for hosts the profile does not pin. */
  pinsEnv: string;
}

interface SideRound {
  /** Whole wall time of the side (pinprick: runSuite; openssl: spawn of the first server to exit of the last). */
  wallMs: number;
  /** Sum of the curl runs alone (openssl side only). */
  curlMs?: number;
  exitCodes: Map<string, number | null>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Run a filled command through /bin/sh as runSuite does, so both sides pay the same shell. */
function runShell(command: string, env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: 'ignore', detached: true, env: { ...process.env, ...env } });
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      try {
        process.kill(-child.pid!, 'SIGKILL'); // sh and the curl it started
      } catch {
        child.kill('SIGKILL');
      }
    }, TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(killed ? null : code);
    });
  });
}

/** A loopback port that was free a moment ago (a race with other processes: callers retry). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Poll a TCP connect until the server accepts, it dies, or the bound passes. */
async function waitAccepting(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + SERVER_READY_MS;
  while (Date.now() < deadline && !exited(child)) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = netConnect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy(); // s_server sees an aborted handshake and goes back to accept()
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await gone;
  clearTimeout(timer);
}

/** Start one s_server for a scenario on a fresh loopback port, retrying when the port was taken meanwhile. */
async function startServer(p: Prepared): Promise<{ child: ChildProcess; port: number }> {
  let lastError = '';
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    // -cert_chain without -build_chain: the file's certificates are sent as they are, in file order.
    const args = ['s_server', '-cert', p.leafFile, ...(p.restFile ? ['-cert_chain', p.restFile] : []), '-key', p.keyFile, '-www', '-accept', `127.0.0.1:${port}`, '-quiet'];
    const child = spawn('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    if (await waitAccepting(port, child)) return { child, port };
    await stopServer(child);
    lastError = stderr.trim();
  }
  throw new Error(`openssl s_server for ${p.scenario.id} did not start after ${PORT_ATTEMPTS} attempts: ${lastError}`);
}

/** Write leaf, rest of chain, key (0600) and trust file, exactly as runSuite would build the trust file. */
function prepare(dir: string, opened: OpenedWorld, profile: ResolvedProfile, presented: PresentedScenario): Prepared {
  const id = presented.scenario.id;
  const pem = (certs: { der: Buffer }[]) => certs.map((c) => pemOf(c.der, 'CERTIFICATE')).join('');
  const leafFile = join(dir, `${id}.leaf.pem`);
  writeFileSync(leafFile, pem(presented.chain.slice(0, 1)));
  const rest = presented.chain.slice(1);
  const restFile = rest.length ? join(dir, `${id}.chain.pem`) : undefined;
  if (restFile) writeFileSync(restFile, pem(rest));
  const keyFile = join(dir, `${id}.key.pem`);
  writeFileSync(keyFile, presented.leafKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const cafile = join(dir, `${id}.ca.pem`);
  writeFileSync(cafile, pem(presented.trust ?? profile.trust.map((n) => opened.world.cert(n))));
  const host = presented.hosts[0]!;
  const pinsEnv = (ruleFor(profile, host)?.rule.pins ?? []).map((p) => `sha256//${p.value}`).join(';');
  return { scenario: presented.scenario, presented, host, leafFile, ...(restFile ? { restFile } : {}), keyFile, cafile, pinsEnv };
}

/** What s_server actually sends, compared with the presented chain, certificate by certificate. */
async function checkServedChain(p: Prepared): Promise<string | undefined> {
  const { child, port } = await startServer(p);
  try {
    const out = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', p.host, '-showcerts'], { input: '', timeout: 10_000 });
    const served = pemBlocks(out.stdout.toString('latin1')).filter((b) => b.label === 'CERTIFICATE').map((b) => b.der);
    const want = p.presented.chain.map((c) => c.der);
    const same = served.length === want.length && served.every((d, i) => d.equals(want[i]!));
    return same ? undefined : `${p.scenario.id}: presented ${want.length}, s_server sent ${served.length}${served.length === want.length ? ' (different order or bytes)' : ''}`;
  } finally {
    await stopServer(child);
  }
}

async function pinprickRound(opened: OpenedWorld, scenarios: Scenario[], profile: ResolvedProfile, workDir: string): Promise<SideRound> {
  const t = performance.now();
  const results = await runSuite({ opened, scenarios, profile, client: CURL_VIA_PINPRICK, timeoutMs: TIMEOUT_MS, graceMs: GRACE_MS, parallel: 1, workDir });
  const wallMs = performance.now() - t;
  return { wallMs, exitCodes: new Map(results.map((r) => [r.id, r.exitCode ?? null])) };
}

async function opensslRound(prepared: Prepared[]): Promise<SideRound> {
  const exitCodes = new Map<string, number | null>();
  let curlMs = 0;
  const t = performance.now();
  for (const p of prepared) {
    const { child, port } = await startServer(p);
    try {
      const values = { url: `https://${p.host}:${port}/pinprick/${p.scenario.id}`, host: p.host, port: String(port), proxy: '', cafile: p.cafile, pins: '', pinsJson: '' };
      const c = performance.now();
      exitCodes.set(p.scenario.id, await runShell(fillTemplate(CURL_DIRECT, values), { PINPRICK_PINS: p.pinsEnv }));
      curlMs += performance.now() - c;
    } finally {
      await stopServer(child);
    }
  }
  return { wallMs: performance.now() - t, curlMs, exitCodes };
}

const { values: argv } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(argv.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${argv.rounds}: expected a positive integer`);
// Also the first exec of each binary, so neither side's first round pays a cold page cache for it.
for (const [tool, ...args] of [['curl', '--version'], ['openssl', 'version']] as const) {
  if (spawnSync(tool, args).status !== 0) throw new Error(`${tool} is not installed or does not run (Debian package ${tool})`);
}

const dir = mkdtempSync(join(tmpdir(), 'pinprick-bench-suite-'));
try {
  const opened = await openWorld({ certsDir: join(dir, 'certs'), keyType: 'ec-p256' });
  const scenarios = loadCatalog(opened.world.spec);
  const profile = resolveProfile(findProfile(PROFILE, opened.world.spec), opened.world);
  // Presenting every scenario once issues the derived certificates, which a cold first round would
  // otherwise pay alone; it also gives the openssl side its files.
  const serverDir = join(dir, 'openssl');
  mkdirSync(serverDir, { mode: 0o700 });
  const prepared: Prepared[] = [];
  for (const s of scenarios) prepared.push(prepare(serverDir, opened, profile, await presentScenario(opened, s)));

  const mismatches: string[] = [];
  for (const p of prepared) {
    const m = await checkServedChain(p);
    if (m) mismatches.push(m);
  }

  const pinprick: SideRound[] = [];
  const openssl: SideRound[] = [];
  for (let i = 0; i < rounds; i++) {
    const workDir = join(dir, `work-${i}`);
    if (i % 2 === 0) {
      pinprick.push(await pinprickRound(opened, scenarios, profile, workDir));
      openssl.push(await opensslRound(prepared));
    } else {
      openssl.push(await opensslRound(prepared));
      pinprick.push(await pinprickRound(opened, scenarios, profile, workDir));
    }
  }

  const n = scenarios.length;
  const pp = median(pinprick.map((r) => r.wallMs));
  const oc = median(openssl.map((r) => r.curlMs!));
  const ow = median(openssl.map((r) => r.wallMs));
  console.log(`full catalog (${n} scenarios) against curl, profile ${PROFILE}, ECDSA P-256 world, serial, loopback; median of ${rounds} round(s)`);
  console.log(['side', 'rounds', 'median wall ms', 'per scenario ms', 'all rounds ms'].join(' | '));
  const row = (side: string, ms: number, all: number[]) => console.log([side, String(rounds), ms.toFixed(0), (ms / n).toFixed(1), all.map((x) => x.toFixed(0)).join(' ')].join(' | '));
  row('pinprick (runSuite, curl via CONNECT)', pp, pinprick.map((r) => r.wallMs));
  row('openssl s_server, curl runs only', oc, openssl.map((r) => r.curlMs!));
  row('openssl s_server, with server start/stop', ow, openssl.map((r) => r.wallMs));
  console.log(`ratio pinprick / openssl (curl runs only): ${(pp / oc).toFixed(2)}x  (target <= 1.50x -> ${pp / oc <= 1.5 ? 'met' : 'MISSED'})`);
  console.log(`ratio pinprick / openssl (with server start/stop): ${(pp / ow).toFixed(2)}x`);

  console.log(mismatches.length ? `s_server did not send the presented chain as is:\n  ${mismatches.join('\n  ')}` : `s_server sent every presented chain byte for byte, in order (openssl s_client -showcerts, ${n} scenarios)`);

  // Outcomes: curl exit codes per scenario, every round; a scenario whose code varies is flaky.
  const codes = (side: SideRound[], id: string) => [...new Set(side.map((r) => String(r.exitCodes.get(id))))].join('/');
  const zeros = (r: SideRound) => [...r.exitCodes.values()].filter((c) => c === 0).length;
  console.log(`curl exit 0 per round: pinprick ${pinprick.map(zeros).join(' ')}; openssl ${openssl.map(zeros).join(' ')} (of ${n})`);
  const differ = scenarios.map((s) => s.id).filter((id) => codes(pinprick, id) !== codes(openssl, id));
  if (differ.length === 0) console.log('curl exit codes agree on every scenario in every round');
  for (const id of differ) console.log(`  differs: ${id}: curl exit via pinprick ${codes(pinprick, id)}, via s_server ${codes(openssl, id)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
