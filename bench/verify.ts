/**
 * `pinprick verify --batch` throughput: chain validations per second of 3-certificate chains
 * (leaf + intermediate sent, root trusted, host and pin checked), ECDSA P-256 and RSA 2048, next to
 * `openssl verify` run as users run it: one process per chain. Prints a table, asserts nothing.
 * Target: >= 3,000 ECDSA chains/s on one core.
 * Run: npm run build && npx tsx bench/verify.ts [lines, default 10000] [--keep DIR]   (--keep: also write the corpora as JSONL)
 *
 * Two corpora per key type, because a real batch is mostly the first:
 *  - new-leaf: every line has its own leaf (own key, own certificate) under one shared intermediate
 *    and root, as a corpus of servers of one CA;
 *  - all-new: every line has its own root, intermediate and leaf, with their own keys: nothing a
 *    line carries was seen before (the worst case). RSA all-new lines are fewer (100), because RSA
 *    2048 key generation costs ~0.1 s per key here.
 * Each corpus is timed:
 *  - in this process, through the very function the command runs per line (caches emptied before
 *    each of three passes; the median pass): the rate once V8 has optimised the code;
 *  - through the real CLI in a fresh process, `node bin/pinprick.js verify --batch < corpus`, wall
 *    time including start-up: as an ordinary process, and pinned to one CPU with `taskset -c 0` (V8
 *    otherwise compiles and collects garbage on a second core), on the whole corpus and on its first
 *    2,000 lines. A process pays ~0.25 s of start-up and ~0.4 s of optimising compilation whatever
 *    the batch, so short batches run slower per line; hence 10,000 lines by default;
 *  - through `openssl verify -CAfile root -untrusted int -attime T -verify_hostname H leaf`, one
 *    process per chain, on the first 100 chains.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { KeyObject } from 'node:crypto';
import { answerBatchLine } from '../src/cli/commands/verify-batch.js';
import { clearParseCache } from '../src/model/index.js';
import { generateKey, type KeyType } from '../src/world/keys.js';
import { pemOf } from '../src/world/pem.js';
import { pinOfKey } from '../src/world/pin.js';
import { buildCertificate, ext, keyId, name, type RawExtension } from '../test/helpers/der-builder.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const { values: options, positionals } = parseArgs({ allowPositionals: true, options: { keep: { type: 'string' } } });
const LINES = Number(positionals[0] ?? 10000);
/** RSA all-new needs two fresh RSA keys per line. */
const RSA_ALL_NEW_LINES = Math.min(LINES, 100);
/** Chains given to `openssl verify`, one process each. */
const OPENSSL_CHAINS = 100;
const BIN = fileURLToPath(new URL('../bin/pinprick.js', import.meta.url));
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

interface Chain {
  root: Buffer;
  int: Buffer;
  leaf: Buffer;
  host: string;
  intPin: string;
}

interface Corpus {
  label: string;
  chains: Chain[];
}

/**
 * One certificate, signed with node:crypto through the tests' DER builder: the same shape as the
 * world's recipes (critical basicConstraints and keyUsage, SKI, AKI) at ~0.1 ms instead of the
 * ~7 ms a certificate costs through @peculiar/x509, which would make the corpora slow to build.
 */
function issue(subject: string, key: KeyObject, issuer: { name: Buffer; key: KeyObject }, extensions: RawExtension[], days: [number, number]): Buffer {
  return buildCertificate({
    subject: name([['CN', subject]]),
    issuer: issuer.name,
    notBefore: new Date(NOW.getTime() + days[0] * DAY),
    notAfter: new Date(NOW.getTime() + days[1] * DAY),
    subjectKey: key,
    signingKey: issuer.key,
    extensions: [...extensions, ext.subjectKeyId(keyId(key)), ...(issuer.key === key ? [] : [ext.authorityKeyId(keyId(issuer.key))])],
  });
}

/** A root and an intermediate as public CAs make them, with fresh keys. */
async function ca(type: KeyType, n: number): Promise<{ root: Buffer; int: Buffer; intName: Buffer; intKey: KeyObject }> {
  const [rootKey, intKey] = await Promise.all([generateKey(type), generateKey(type)]);
  const rootName = name([['CN', `Bench Root ${n}`]]);
  const intName = name([['CN', `Bench Intermediate ${n}`]]);
  const root = issue(`Bench Root ${n}`, rootKey, { name: rootName, key: rootKey }, [ext.basicConstraints(true), ext.keyUsage([5, 6])], [-365, 3650]);
  const int = issue(`Bench Intermediate ${n}`, intKey, { name: rootName, key: rootKey }, [ext.basicConstraints(true, 0), ext.keyUsage([0, 5, 6]), ext.extKeyUsage([SERVER_AUTH])], [-90, 1095]);
  return { root, int, intName, intKey };
}

function leafOf(n: number, key: KeyObject, issuer: { name: Buffer; key: KeyObject }): { leaf: Buffer; host: string } {
  const host = `host-${n}.bench.test`;
  const leaf = issue(host, key, issuer, [ext.basicConstraints(false), ext.keyUsage([0]), ext.extKeyUsage([SERVER_AUTH]), ext.subjectAltName({ dns: [host] })], [-1, 90]);
  return { leaf, host };
}

/**
 * Leaf keys: each ECDSA leaf has its own; RSA leaves share a few, since validation never imports a
 * leaf's key (it only hashes the SPKI, which the leaf's own certificate bytes already make new).
 */
async function leafKeys(type: KeyType, lines: number): Promise<KeyObject[]> {
  const count = type.startsWith('rsa-') ? 8 : lines;
  return Promise.all(Array.from({ length: count }, () => generateKey(type)));
}

async function newLeafCorpus(type: KeyType, label: string, lines: number): Promise<Corpus> {
  const { root, int, intName, intKey } = await ca(type, 0);
  const keys = await leafKeys(type, lines);
  const intPin = pinOfKey(intKey).sha256;
  const chains = Array.from({ length: lines }, (_, n) => ({ root, int, intPin, ...leafOf(n, keys[n % keys.length]!, { name: intName, key: intKey }) }));
  return { label, chains };
}

async function allNewCorpus(type: KeyType, label: string, lines: number): Promise<Corpus> {
  const keys = await leafKeys(type, lines);
  const cas = await Promise.all(Array.from({ length: lines }, (_, n) => ca(type, n + 1)));
  const chains = cas.map(({ root, int, intName, intKey }, n) => ({ root, int, intPin: pinOfKey(intKey).sha256, ...leafOf(n, keys[n % keys.length]!, { name: intName, key: intKey }) }));
  return { label, chains };
}

function jsonLine(c: Chain): string {
  const pem = (der: Buffer) => pemOf(der, 'CERTIFICATE');
  return JSON.stringify({ peer: pem(c.leaf), chain: [pem(c.int)], roots: [pem(c.root)], host: c.host, at: NOW.toISOString(), pins: [`sha256//${c.intPin}`] });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Lines per second through the command's own line function, in this process. */
function inProcess(lines: string[]): number {
  const rates: number[] = [];
  for (let pass = 0; pass < 3; pass++) {
    clearParseCache();
    const t = performance.now();
    for (const [i, line] of lines.entries()) {
      const answer = answerBatchLine(line, i + 1);
      if (!/^\{"line":\d+,"expected":"accept"/.test(answer)) throw new Error(`benchmark line not accepted: ${answer.slice(0, 300)}`);
    }
    rates.push(lines.length / ((performance.now() - t) / 1000));
  }
  return median(rates);
}

/** `taskset` is there to pin a process to one CPU (util-linux; absent on macOS). */
const TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** Wall milliseconds of `pinprick verify --batch` on a corpus in a fresh process, optionally on CPU 0 only; checks every answer. */
function cliRun(corpus: string, expectLines: number, pinned = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const [cmd, ...args] = [...(pinned ? ['taskset', '-c', '0'] : []), process.execPath, BIN, 'verify', '--batch'];
    const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    let accepted = 0;
    let tail = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      const text = tail + d;
      const parts = text.split('\n');
      tail = parts.pop()!;
      for (const p of parts) if (/^\{"line":\d+,"expected":"accept"/.test(p)) accepted++;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t;
      if (code !== 0 || accepted !== expectLines) reject(new Error(`CLI exit ${code}, ${accepted}/${expectLines} lines accepted`));
      else resolve(ms);
    });
    // The whole corpus at once, as `< corpus.jsonl` gives it.
    child.stdin.end(corpus);
  });
}

/** Chains per second of `openssl verify`, one process per chain, on the first chains of a corpus. */
function opensslRate(dir: string, corpus: Corpus): { rate: number; chains: number } {
  const chains = corpus.chains.slice(0, OPENSSL_CHAINS);
  const at = String(Math.floor(NOW.getTime() / 1000));
  const jobs = chains.map((c, n) => {
    const file = (what: string, der: Buffer) => {
      const path = join(dir, `${corpus.label.replace(/\W+/g, '-')}-${n}-${what}.pem`);
      writeFileSync(path, pemOf(der, 'CERTIFICATE'));
      return path;
    };
    return ['verify', '-CAfile', file('root', c.root), '-untrusted', file('int', c.int), '-attime', at, '-verify_hostname', c.host, file('leaf', c.leaf)];
  });
  const t = performance.now();
  for (const args of jobs) {
    const r = spawnSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  }
  return { rate: chains.length / ((performance.now() - t) / 1000), chains: chains.length };
}

if (!existsSync(fileURLToPath(new URL('../dist/cli/commands/verify-batch.js', import.meta.url)))) {
  console.error('bench/verify.ts spawns the built CLI: run `npm run build` first');
  process.exit(2);
}

console.log(`generating corpora (${LINES} lines; RSA all-new ${RSA_ALL_NEW_LINES}) ...`);
const t0 = performance.now();
const corpora = [
  await newLeafCorpus('ec-p256', 'ECDSA P-256 new-leaf', LINES),
  await allNewCorpus('ec-p256', 'ECDSA P-256 all-new', LINES),
  await newLeafCorpus('rsa-2048', 'RSA 2048 new-leaf', LINES),
  await allNewCorpus('rsa-2048', 'RSA 2048 all-new', RSA_ALL_NEW_LINES),
];
console.log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const SHORT = 2000;
const rate = (lines: number, ms: number) => `${(lines / (ms / 1000)).toFixed(0)}/s`;
const dir = mkdtempSync(join(tmpdir(), 'pinprick-bench-verify-'));
try {
  const startup = median([await cliRun('', 0), await cliRun('', 0), await cliRun('', 0)]);
  const startupPinned = TASKSET ? median([await cliRun('', 0, true), await cliRun('', 0, true), await cliRun('', 0, true)]) : NaN;
  const rows: string[][] = [];
  for (const corpus of corpora) {
    const lines = corpus.chains.map(jsonLine);
    if (options.keep) {
      mkdirSync(options.keep, { recursive: true });
      writeFileSync(join(options.keep, `${corpus.label.replace(/\W+/g, '-')}.jsonl`), lines.join('\n') + '\n');
    }
    const text = (n: number) => lines.slice(0, n).join('\n') + '\n';
    const inproc = inProcess(lines);
    const wall = await cliRun(text(lines.length), lines.length);
    const pinned = TASKSET ? await cliRun(text(lines.length), lines.length, true) : NaN;
    const short = TASKSET && lines.length > SHORT ? await cliRun(text(SHORT), SHORT, true) : NaN;
    const openssl = opensslRate(dir, corpus);
    rows.push([
      corpus.label,
      String(lines.length),
      `${inproc.toFixed(0)}/s`,
      rate(lines.length, wall),
      Number.isNaN(pinned) ? 'n/a' : rate(lines.length, pinned),
      Number.isNaN(short) ? 'n/a' : rate(SHORT, short),
      `${openssl.rate.toFixed(0)}/s`,
    ]);
  }
  const header = ['chains', 'lines', 'in-process', 'CLI', 'CLI on 1 CPU', `CLI on 1 CPU, ${SHORT} lines`, `openssl verify (${OPENSSL_CHAINS} processes)`];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  console.log(`\npinprick verify --batch vs openssl verify: 3-certificate chains per second (${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'})`);
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(fmt(r));
  console.log(`CLI figures are lines / wall time of one fresh process, start-up included: ${startup.toFixed(0)} ms for an empty batch (${Number.isNaN(startupPinned) ? 'taskset not available' : `${startupPinned.toFixed(0)} ms on 1 CPU`}).`);
  console.log('target: >= 3000 ECDSA chains/s on one core');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
