/**
 * The two name-constraints rows of the platform table (src/model/platforms.ts), measured with the
 * real clients Debian packages: curl (OpenSSL), Node's tls, Go's crypto/tls, OpenJDK
 * (examples/clients/JavaClient.java: HttpsURLConnection, trusting only --cafile's root) and
 * GnuTLS's gnutls-cli, each against a loopback TLS server sending leaf + intermediate for localhost.
 *  - name-constraints-directory: root -> intermediate with a critical nameConstraints permitting
 *    the directoryName O=pinprick -> leaf `O=pinprick, CN=localhost`. The names are within the
 *    subtree; Go does not parse that form and refuses the critical extension.
 *  - anchor-name-constraints: root with a critical nameConstraints permitting only example.org ->
 *    intermediate -> leaf for localhost. OpenSSL and Go apply the anchor's own constraints; the
 *    JVM builds its trust anchors from the key store without them.
 * Each client's answer must be the table's answer for its platform (platformAnswer), refusals in
 * the client's own words for a name constraint, and the model must say `either` with that
 * divergence on the same bytes. A control beside each row, which every client refuses, shows that
 * the accepting side does process the constraint it accepts.
 *
 * Measured on Debian 12 (curl 7.88.1 / OpenSSL 3.0.19, Node 20.20, go1.19.8, OpenJDK 17.0.15,
 * gnutls-cli 3.7.9):
 *                            curl    node    go      jvm     gnutls
 *   directory, satisfied     accept  accept  reject  accept  accept
 *   directory, outside       reject  reject  reject  reject  accept
 *   anchor constrained       reject  reject  reject  accept  reject
 *   intermediate constrained reject  reject  reject  reject  reject
 * GnuTLS is in neither row: it applies a trust anchor's constraints (the reject side of
 * anchor-name-constraints), but it does not apply directoryName subtrees at all, so it accepts the
 * satisfied chain without having checked it and accepts a subject outside the subtree too (RFC
 * 5280 4.2.1.10 wants a critical constraint processed or the certificate rejected): GnuTLS's
 * lib/x509/name_constraints.c gnutls_x509_name_constraints_check_crt checks dNSName, rfc822Name,
 * iPAddress and URI names, and reads the subject only for its commonName and emailAddress.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIVERGENCES, evaluate, platformAnswer, type DivergenceId, type Platform, type Verdict } from '../../src/model/index.js';
import { pemOf } from '../../src/world/pem.js';
import { ext, name } from '../helpers/der-builder.js';
import { caExtensions, leafExtensions, rawIssue, type TestCert } from '../helpers/pki.js';
import { buildGoClient, runBounded } from '../helpers/loopback-clients.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CI = Boolean(process.env.CI);
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const NO_CURL = !has('curl') && !CI;
const NO_GO = !has('go') && !CI;
const NO_JAVA = !(has('java') && has('javac')) && !CI;
const NO_GNUTLS = !has('gnutls-cli') && !CI;
if (NO_CURL) process.stderr.write('skipping the curl name-constraints rows: curl not found (Debian package curl)\n');
if (NO_GO) process.stderr.write('skipping the Go name-constraints rows: go not found (Debian package golang-go)\n');
if (NO_JAVA) process.stderr.write('skipping the JVM name-constraints rows: java or javac not found (Debian package openjdk-17-jdk-headless)\n');
if (NO_GNUTLS) process.stderr.write('skipping the GnuTLS name-constraints rows: gnutls-cli not found (Debian package gnutls-bin)\n');


type Row = Extract<DivergenceId, 'name-constraints-directory' | 'anchor-name-constraints'>;
const ROWS: Row[] = ['name-constraints-directory', 'anchor-name-constraints'];
/**
 * Each row's chain, and a control beside it that every client refuses: it shows that the accepting
 * side processes the constraint it is accepting (a client that ignored directoryName subtrees, or
 * every nameConstraints, would accept the control too).
 */
type Chain = Row | 'directory-outside' | 'intermediate-constrained';
const CONTROLS: { chain: Chain; row: Row; what: string }[] = [
  { chain: 'directory-outside', row: 'name-constraints-directory', what: 'the same directoryName subtree, a leaf subject O=other outside it' },
  { chain: 'intermediate-constrained', row: 'anchor-name-constraints', what: "the root's constraint (permitted example.org) on the intermediate instead" },
];

interface Served {
  rootPem: string;
  server: Server;
  port: number;
  /** The model's verdict on the same chain, host and time. */
  verdict: Verdict;
}

const tmp = tempDir();
const empty = join(tmp.path, 'empty');
const served = new Map<Chain, Served>();
let goBinary = '';
const javaClasses = join(tmp.path, 'classes');
/** The JVM resolves localhost from this file only (-Djdk.net.hosts.file): IPv4 loopback, as the server listens. */
const hostsFile = join(tmp.path, 'hosts');

/** root -> intermediate -> leaf for localhost, issued now (real clients read the wall clock). */
async function chain(which: Chain, now: number): Promise<{ root: TestCert; int: TestCert; leaf: TestCert }> {
  const day = 86_400_000;
  const dates = { notBefore: new Date(now - day), notAfter: new Date(now + 30 * day) };
  const leafFor = (int: TestCert, subject: string | Buffer) => rawIssue({ subject, issuer: int, extensions: leafExtensions({ dns: ['localhost'] }), ...dates });
  const toExampleOrg = ext.nameConstraintsOf({ permitted: [{ dns: 'example.org' }] });
  if (which === 'name-constraints-directory' || which === 'directory-outside') {
    const root = await rawIssue({ subject: `CN=NC Client Root ${which}`, issuer: 'self', extensions: caExtensions(), ...dates });
    const int = await rawIssue({ subject: 'CN=NC Client CA, O=pinprick', issuer: root, extensions: caExtensions([ext.nameConstraintsOf({ permitted: [{ dir: name([['O', 'pinprick']]) }] })]), ...dates });
    return { root, int, leaf: await leafFor(int, name([['O', which === 'directory-outside' ? 'other' : 'pinprick'], ['CN', 'localhost']])) };
  }
  const constrainedRoot = which === 'anchor-name-constraints';
  const root = await rawIssue({ subject: `CN=NC Client Root ${which}`, issuer: 'self', extensions: caExtensions(constrainedRoot ? [toExampleOrg] : []), ...dates });
  const int = await rawIssue({ subject: 'CN=NC Client CA', issuer: root, extensions: caExtensions(constrainedRoot ? [] : [toExampleOrg]), ...dates });
  return { root, int, leaf: await leafFor(int, 'CN=localhost') };
}

async function serve(which: Chain): Promise<Served> {
  const now = Date.now();
  const { root, int, leaf } = await chain(which, now);
  const server = createServer({ cert: pemOf(leaf.der, 'CERTIFICATE') + pemOf(int.der, 'CERTIFICATE'), key: leaf.key.export({ type: 'pkcs8', format: 'pem' }) }, (s) => {
    s.on('error', () => {});
    s.on('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const rootPem = join(tmp.path, `root-${which}.pem`);
  writeFileSync(rootPem, pemOf(root.der, 'CERTIFICATE'));
  const verdict = evaluate({ presented: [leaf.der, int.der], anchors: [root.der], host: 'localhost', at: new Date(now) });
  return { rootPem, server, port, verdict };
}

/** Run a client with a deadline; asynchronous, so the in-process server keeps serving. */
const run = runBounded;

type Answer = { answer: 'accept' | 'reject'; output: string };

/** Node's tls.connect trusting only the root (its bundled OpenSSL), the host name checked as localhost. */
function nodeClient(s: Served): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: s.port, servername: 'localhost', ca: readFileSync(s.rootPem, 'utf8'), timeout: 10_000 });
    const done = (a: Answer) => {
      socket.destroy();
      resolve(a);
    };
    socket.once('secureConnect', () => done({ answer: 'accept', output: 'connected' }));
    socket.once('error', (e) => done({ answer: 'reject', output: String(e) }));
    // No answer in time is a broken test, not a refusal.
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('tls.connect: no handshake within 10 s'));
    });
  });
}

/** gnutls-cli trusting only the root; it resolves localhost itself (the server listens on 127.0.0.1 only). */
async function gnutlsClient(s: Served): Promise<Answer> {
  const r = await run('gnutls-cli', ['--x509cafile', s.rootPem, '-p', String(s.port), 'localhost']);
  return { answer: r.status === 0 && /The certificate is trusted/.test(r.output) ? 'accept' : 'reject', output: r.output };
}

/** The clients of the platforms the rows name; `refusal` is how each says a name constraint failed, so a refusal for another reason shows. */
const CLIENTS: { platform: Platform; what: string; skip: boolean; refusal: RegExp; connect: (s: Served) => Promise<Answer> }[] = [
  {
    platform: 'openssl',
    what: 'curl (OpenSSL)',
    skip: NO_CURL,
    refusal: /SSL certificate problem: permitted subtree violation/,
    connect: async (s) => {
      const r = await run('curl', ['-sS', '--max-time', '10', '--cacert', s.rootPem, '--capath', empty, '--resolve', `localhost:${s.port}:127.0.0.1`, '-o', '/dev/null', '-w', '%{http_code}', `https://localhost:${s.port}/`]);
      return { answer: r.status === 0 && r.output === '200' ? 'accept' : 'reject', output: r.output };
    },
  },
  { platform: 'node', what: 'Node tls.connect', skip: false, refusal: /permitted subtree violation/, connect: nodeClient },
  {
    platform: 'go',
    what: 'Go crypto/tls',
    skip: NO_GO,
    refusal: /^REJECT x509: (unhandled critical extension|a root or intermediate certificate is not authorized to sign for this name)/,
    connect: async (s) => {
      const r = await run(goBinary, [String(s.port), s.rootPem]);
      return { answer: /^ACCEPT/.test(r.output) ? 'accept' : 'reject', output: r.output };
    },
  },
  {
    platform: 'jvm',
    what: 'OpenJDK HttpsURLConnection',
    skip: NO_JAVA,
    refusal: /^REJECT PKIX path validation failed: java\.security\.cert\.CertPathValidatorException: name constraints check failed/,
    connect: async (s) => {
      const r = await run('java', [`-Djdk.net.hosts.file=${hostsFile}`, '-cp', javaClasses, 'JavaClient', '--url', `https://localhost:${s.port}/`, '--cafile', s.rootPem], { timeoutMs: 30_000 });
      // Exit 3 is an I/O error other than TLS (no connection): neither answer.
      if (r.status !== 0 && r.status !== 1) throw new Error(`JavaClient exited ${r.status}: ${r.output}`);
      return { answer: r.status === 0 && /^ACCEPT 200/.test(r.output) ? 'accept' : 'reject', output: r.output };
    },
  },
];

beforeAll(async () => {
  mkdirSync(empty);
  writeFileSync(hostsFile, '127.0.0.1 localhost\n');
  for (const which of [...ROWS, ...CONTROLS.map((c) => c.chain)]) served.set(which, await serve(which));
  if (!NO_GO) goBinary = await buildGoClient(join(tmp.path, 'go'));
  if (!NO_JAVA) {
    // Compiled once: `java File.java` would compile at every run (about 3 s each).
    const built = await run('javac', ['-d', javaClasses, `${ROOT}examples/clients/JavaClient.java`], { timeoutMs: 120_000 });
    if (built.status !== 0) throw new Error(`javac failed: ${built.output}`);
  }
}, 300_000);

afterAll(async () => {
  for (const s of served.values()) await new Promise((resolve) => s.server.close(resolve));
  tmp.cleanup();
});

describe.each(ROWS)('%s', (row) => {
  const d = DIVERGENCES[row];
  it('the model says either, naming this difference', () => {
    const v = served.get(row)!.verdict;
    expect(v, v.reason).toMatchObject({ expected: 'either', code: 'name-constraints', either: { divergence: row, accept: d.accept.platforms, reject: d.reject.platforms, lenient: { code: 'ok' } } });
  });
  for (const client of CLIENTS) {
    it.skipIf(client.skip)(`${client.what} answers as the table says ${client.platform} does: ${platformAnswer(d, client.platform)}`, async () => {
      const r = await client.connect(served.get(row)!);
      expect(r.answer, r.output).toBe(platformAnswer(d, client.platform));
      if (r.answer === 'reject') expect(r.output).toMatch(client.refusal);
    }, 60_000);
  }
});

describe.each(CONTROLS)('control for $row: $what', ({ chain: which }) => {
  it('the model rejects, on every platform', () => {
    const v = served.get(which)!.verdict;
    expect(v, v.reason).toMatchObject({ expected: 'reject', code: 'name-constraints' });
    expect(v.either).toBeUndefined();
  });
  for (const client of CLIENTS) {
    it.skipIf(client.skip)(`${client.what} refuses it`, async () => {
      const r = await client.connect(served.get(which)!);
      expect(r.answer, r.output).toBe('reject');
      expect(r.output).toMatch(client.refusal);
    }, 60_000);
  }
});

describe.skipIf(NO_GNUTLS)('GnuTLS (gnutls-cli): on the reject side of anchor-name-constraints, left out of name-constraints-directory', () => {
  const gnutls = (which: Chain) => gnutlsClient(served.get(which)!);
  it("applies the trust anchor's constraints, as OpenSSL and Go do: it refuses the row's chain and its control", async () => {
    for (const which of ['anchor-name-constraints', 'intermediate-constrained'] as const) {
      const r = await gnutls(which);
      expect(r.answer, which).toBe('reject');
      expect(r.output, which).toMatch(/The certificate chain violates the signer's constraints/);
    }
    expect(platformAnswer(DIVERGENCES['anchor-name-constraints'], 'gnutls')).toBe('reject');
  }, 60_000);
  it('does not apply directoryName subtrees: it accepts the satisfied chain and the control outside the subtree alike', async () => {
    for (const which of ['name-constraints-directory', 'directory-outside'] as const) {
      const r = await gnutls(which);
      expect(r.answer, `${which}: ${r.output}`).toBe('accept');
    }
    // Accepting a name outside a critical subtree is no correct behaviour (RFC 5280 4.2.1.10), so the row does not list GnuTLS.
    expect(platformAnswer(DIVERGENCES['name-constraints-directory'], 'gnutls')).toBeUndefined();
  }, 60_000);
});
