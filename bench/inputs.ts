/**
 * Input parsing is linear (issue 15, finding 8): the time to parse an input of size N and of 10N,
 * measured in this one run (median of several rounds, N and 10N interleaved), and their ratio. A
 * linear parser shows ~10x, a quadratic one ~100x. Next to each, the former code on the same
 * shapes (yaml's own duplicate-key check, the PEM regular expression with the line recounted per
 * block), at sizes it finishes in seconds. Prints a table, asserts nothing.
 * Run: npm run bench:inputs [-- --rounds N]
 */
import { Readable } from 'node:stream';
import { parseDocument } from 'yaml';
import { answerBatch, inputLines } from '../src/cli/commands/verify-batch.js';
import { ScenarioError } from '../src/errors.js';
import { atsFormat } from '../src/policy/formats/ats.js';
import { trustkitFormat } from '../src/policy/formats/trustkit.js';
import { SourceDocument } from '../src/scenario/source.js';
import { generateKey } from '../src/world/keys.js';
import { parseCertificates, pemBlocks, pemOf } from '../src/world/pem.js';
import { issueCertificate } from '../src/world/recipe.js';
import { median, parseFlags } from './lib/proc.js';

const flags = parseFlags(process.argv.slice(2));
const ROUNDS = flags.get('rounds', 5);

/** Milliseconds of one call. */
async function timeAsync(run: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await run();
  return performance.now() - t;
}

interface Row {
  what: string;
  n: number;
  small: number;
  large: number;
}

const rows: Row[] = [];

/** Median times of `run(make(n))` and `run(make(10n))`, interleaved, after one warm-up of each. */
async function measure(what: string, n: number, make: (n: number) => unknown, run: (input: never) => unknown | Promise<unknown>): Promise<void> {
  const a = make(n);
  const b = make(10 * n);
  await run(a as never);
  await run(b as never);
  const small: number[] = [];
  const large: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    small.push(await timeAsync(async () => run(a as never)));
    large.push(await timeAsync(async () => run(b as never)));
  }
  const row = { what, n, small: median(small), large: median(large) };
  rows.push(row);
  console.error(`${what}: ${n} ${row.small.toFixed(1)} ms, ${10 * n} ${row.large.toFixed(1)} ms`);
}

const HEAD = 'id: big\ntitle: t\ncategory: control\ndescription: d\nchain: [genuine-leaf]\ncertificates:\n';
const keysYaml = (n: number) => HEAD + Array.from({ length: n }, (_, i) => `  c${i.toString(36)}: {}\n`).join('');
/** The loader on a mapping of n keys (over 5,000 keys it refuses the file for its node count, after the same parse and walk). */
const loader = (text: string) => {
  try {
    SourceDocument.parse('bench.yaml', text);
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
  }
};
/** What the loader did before: yaml checking duplicate keys itself. */
const yamlUniqueKeys = (text: string) => parseDocument(text, { uniqueKeys: true, strict: true }).toJS();

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
/** pemBlocks before issue 15. */
const regexBlocks = (text: string) => [...text.matchAll(BLOCK)].map((m) => ({ label: m[1], der: Buffer.from(m[2]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), line: text.slice(0, m.index).split('\n').length }));
const unended = (n: number) => Array.from({ length: n }, (_, i) => `-----BEGIN X${i.toString(36).toUpperCase()}-----\n`).join('');

const key = await generateKey('ec-p256');
const der = await issueCertificate({ recipe: { subject: 'CN=bench', key: 'k', issuer: 'self', notBefore: '-1d', notAfter: '+1d', ca: true }, subjectKey: key, issuerKey: key, now: new Date() });
const bundle = (n: number) => Array.from({ length: n }, (_, i) => `# ${i}\n${pemOf(der, 'CERTIFICATE')}`).join('');
const batchLine = JSON.stringify({ peer: pemOf(der, 'CERTIFICATE'), roots: [pemOf(der, 'CERTIFICATE')], host: 'bench' });
const batch = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i % 10 === 9 ? '' : batchLine)).join('\n') + '\n');

await measure('scenario YAML, keys in one mapping (loader)', 4_000, keysYaml, loader);
await measure('  before: yaml uniqueKeys: true', 2_000, keysYaml, yamlUniqueKeys);
await measure('PEM bundle, certificates (pemBlocks)', 400, bundle, pemBlocks);
await measure('PEM bundle, certificates (parseCertificates)', 400, (n) => Buffer.from(bundle(n)), parseCertificates);
await measure('  before: regular expression, line recount', 300, bundle, regexBlocks);
await measure('PEM text, BEGIN lines without END (pemBlocks)', 20_000, unended, pemBlocks);
await measure('  before: regular expression', 2_000, unended, regexBlocks);
await measure('verify --batch, split into lines', 1_000, batch, async (input: Buffer) => {
  for await (const _ of inputLines(Readable.from([input]))) void _;
});
await measure('verify --batch, answered', 100, batch, async (input: Buffer) => {
  for await (const _ of answerBatch(Readable.from([input]))) void _;
});

const PIN = 'nTj7Zc8Kv9d3y+UZEHVDaUPCGdVPiTB9c10rdMq/NLI=';
/** An Info.plist pinning n domains with TrustKit (every value located: line index, not a rescan per value). */
const trustKitPlist = (n: number) =>
  `<plist><dict><key>TSKConfiguration</key><dict><key>TSKPinnedDomains</key><dict>\n${Array.from({ length: n }, (_, i) => `<key>d${i}.example.com</key><dict><key>TSKIncludeSubdomains</key><true/><key>TSKPublicKeyHashes</key><array><string>${PIN}</string> <!-- c --><string>${PIN}</string></array></dict>\n`).join('')}</dict></dict></dict></plist>`;
const atsPlist = (n: number) =>
  `<plist><dict><key>NSAppTransportSecurity</key><dict><key>NSPinnedDomains</key><dict>${Array.from({ length: n }, (_, i) => `<key>d${i}.example.com</key><dict><key>NSPinnedCAIdentities</key><array><dict><key>SPKI-SHA256-BASE64</key><string>${PIN}</string></dict></array></dict>`).join('')}</dict></dict></dict></plist>`;
/** A Swift file with n pin constants and a TrustKit literal naming them. */
const trustKitSwift = (n: number) =>
  Array.from({ length: n }, (_, i) => `let p${i} = "${PIN}" // c\n`).join('') + `let c = [kTSKPinnedDomains: [${Array.from({ length: n }, (_, i) => `"d${i}.example.com": [kTSKPublicKeyHashes: [p${i}, "${PIN}"]]`).join(', ')}]]\n`;
await measure('TrustKit Info.plist, pinned domains', 1_000, trustKitPlist, (t: string) => trustkitFormat.read('Info.plist', t));
await measure('ATS Info.plist, pinned domains (one line)', 1_000, atsPlist, (t: string) => atsFormat.read('Info.plist', t));
await measure('TrustKit Swift literal, domains and pin constants', 1_000, trustKitSwift, (t: string) => trustkitFormat.read('AppDelegate.swift', t));

console.log(`\nmedian of ${ROUNDS} rounds, N and 10N interleaved in one run (linear: ~10x; quadratic: ~100x)\n`);
console.log('| input | N | time N | time 10N | ratio |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.what} | ${r.n.toLocaleString('en')} | ${r.small.toFixed(1)} ms | ${r.large.toFixed(1)} ms | ${(r.large / r.small).toFixed(1)}x |`);
