/**
 * Certificate policies with the real clients the platform table names besides the JVM, curl and
 * Node (those run through the proxy in test/harness/platform-clients.test.ts): Go's crypto/tls and
 * GnuTLS's gnutls-cli, against a loopback TLS server. Each chain is root -> intermediate -> leaf
 * for localhost; the intermediate holds requireExplicitPolicy 0. What the rows show:
 *  - GnuTLS processes no policies and does not recognise policyConstraints: it refuses the
 *    intermediate when the extension is critical (as RFC 5280 4.2.1.11 requires it to be), even on
 *    a valid path, and accepts a non-critical one unprocessed. So the table leaves it out.
 *  - Go before 1.22 refuses the critical extension it does not handle; Go 1.22+ processes
 *    policies. Either way it rejects the conforming failing chain: `go` is on the reject side.
 *  - curl accepts all three (OpenSSL without X509_V_FLAG_POLICY_CHECK).
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIVERGENCES, evaluate, platformAnswer } from '../../src/model/index.js';
import { pemOf } from '../../src/world/pem.js';
import { buildCertificate, ext, keyId, type RawExtension } from '../helpers/der-builder.js';
import { nameOf } from '../helpers/pki.js';
import { buildGoClient, runBounded } from '../helpers/loopback-clients.js';
import { tempDir } from '../helpers/tmp.js';

const CI = Boolean(process.env.CI);
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const NO_GNUTLS = !has('gnutls-cli') && !CI;
const NO_GO = !has('go') && !CI;
const NO_CURL = !has('curl') && !CI;
if (NO_GNUTLS) process.stderr.write('skipping the GnuTLS certificate-policy rows: gnutls-cli not found (Debian package gnutls-bin)\n');
if (NO_GO) process.stderr.write('skipping the Go certificate-policy rows: go not found (Debian package golang-go)\n');
if (NO_CURL) process.stderr.write('skipping the curl certificate-policy rows: curl not found (Debian package curl)\n');


/** `duplicate`: no policyConstraints, and a certificatePolicies that names one OID twice (RFC 5280 4.2.1.4: MUST NOT). */
type Variant = 'critical' | 'non-critical' | 'valid' | 'duplicate';
interface Served {
  variant: Variant;
  rootPem: string;
  server: Server;
  port: number;
  /** The model's verdict for the same chain. */
  expected: string;
}

const tmp = tempDir();
const served = new Map<Variant, Served>();
let goBinary: string | undefined;
let goVersion = '';

function key(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

async function serve(variant: Variant): Promise<Served> {
  const now = Date.now();
  const day = 86_400_000;
  const [rk, ik, lk] = [key(), key(), key()];
  const ca = (k: KeyObject, issuer: KeyObject, more: RawExtension[] = []) => [ext.basicConstraints(true), ext.keyUsage([5, 6]), ext.subjectKeyId(keyId(k)), ext.authorityKeyId(keyId(issuer)), ...more];
  const cert = (subject: string, issuer: string, k: KeyObject, signer: KeyObject, extensions: RawExtension[]) =>
    buildCertificate({ subject: nameOf(subject), issuer: nameOf(issuer), notBefore: new Date(now - day), notAfter: new Date(now + 30 * day), subjectKey: k, signingKey: signer, extensions });
  const policy = '2.23.140.1.2.1';
  const root = cert(`CN=Policy Client Root ${variant}`, `CN=Policy Client Root ${variant}`, rk, rk, ca(rk, rk).filter((e) => e.oid !== '2.5.29.35'));
  const intPolicies = variant === 'duplicate' ? [ext.certificatePolicies([policy, policy])] : [ext.policyConstraints(0, variant !== 'non-critical'), ext.certificatePolicies([policy])];
  const int = cert(`CN=Policy Client CA ${variant}`, `CN=Policy Client Root ${variant}`, ik, rk, ca(ik, rk, intPolicies));
  const leafExt = [ext.basicConstraints(false), ext.keyUsage([0]), ext.extKeyUsage(['1.3.6.1.5.5.7.3.1']), ext.subjectAltName({ dns: ['localhost'] }), ext.subjectKeyId(keyId(lk)), ext.authorityKeyId(keyId(ik))];
  const leaf = cert('CN=localhost', `CN=Policy Client CA ${variant}`, lk, ik, variant === 'valid' || variant === 'duplicate' ? [...leafExt, ext.certificatePolicies([policy])] : leafExt);
  const server = createServer({ cert: pemOf(leaf, 'CERTIFICATE') + pemOf(int, 'CERTIFICATE'), key: lk.export({ type: 'pkcs8', format: 'pem' }) }, (s) => {
    s.on('error', () => {});
    s.on('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const rootPem = join(tmp.path, `root-${variant}.pem`);
  writeFileSync(rootPem, pemOf(root, 'CERTIFICATE'));
  const v = evaluate({ presented: [leaf, int], anchors: [root], host: 'localhost', at: new Date(now) });
  return { variant, rootPem, server, port, expected: `${v.expected} ${v.code}` };
}

const run = (cmd: string, args: string[], timeoutMs = 20_000) => runBounded(cmd, args, { timeoutMs });

beforeAll(async () => {
  for (const v of ['critical', 'non-critical', 'valid', 'duplicate'] as const) served.set(v, await serve(v));
  if (!NO_GO) {
    goBinary = await buildGoClient(join(tmp.path, 'go'));
    goVersion = (await run('go', ['version'])).output.trim();
  }
}, 240_000);

afterAll(async () => {
  for (const s of served.values()) await new Promise((resolve) => s.server.close(resolve));
  tmp.cleanup();
});

describe('the model on these chains', () => {
  it('says either for the failing chains and accept for the valid one', () => {
    expect(served.get('critical')!.expected).toBe('either no-explicit-policy');
    expect(served.get('non-critical')!.expected).toBe('either no-explicit-policy');
    expect(served.get('valid')!.expected).toBe('accept ok');
    expect(served.get('duplicate')!.expected).toBe('either duplicate-certificate-policy');
  });
});

describe.skipIf(NO_GNUTLS)('GnuTLS (gnutls-cli)', () => {
  const gnutls = (v: Variant) => run('gnutls-cli', ['--x509cafile', served.get(v)!.rootPem, '-p', String(served.get(v)!.port), 'localhost'], 20_000);
  it('refuses a critical policyConstraints as an unknown critical extension, on the failing and on the valid path alike', async () => {
    for (const v of ['critical', 'valid'] as const) {
      const r = await gnutls(v);
      expect(r.output, v).toMatch(/The certificate contains an unknown critical extension/);
      expect(r.status, v).not.toBe(0);
    }
  }, 60_000);
  it('accepts a non-critical one without processing policies', async () => {
    const r = await gnutls('non-critical');
    expect(r.output).toMatch(/The certificate is trusted/);
  }, 60_000);
  it('accepts a policy OID named twice: on the accept side of certificate-policy-duplicates', async () => {
    expect((await gnutls('duplicate')).output).toMatch(/The certificate is trusted/);
    expect(platformAnswer(DIVERGENCES['certificate-policy-duplicates'], 'gnutls')).toBe('accept');
  }, 60_000);
});

describe.skipIf(NO_GO)('Go crypto/tls', () => {
  const go = (v: Variant) => run(goBinary!, [String(served.get(v)!.port), served.get(v)!.rootPem]);
  /** Go 1.22 made Certificate.Verify process policies (policyConstraints, policyMappings, inhibitAnyPolicy). */
  const processes = () => {
    const m = /go1\.(\d+)/.exec(goVersion);
    return m ? Number(m[1]) >= 22 : true;
  };
  it('rejects the conforming failing chain (critical policyConstraints): by processing policies, or before Go 1.22 as an unhandled critical extension', async () => {
    const r = await go('critical');
    expect(r.output).toMatch(/^REJECT/);
    if (!processes()) expect(r.output).toMatch(/unhandled critical extension/);
  }, 60_000);
  it('on the non-critical and the valid chain, answers as its version processes policies or not', async () => {
    const [nonCritical, valid] = [await go('non-critical'), await go('valid')];
    if (processes()) {
      expect(nonCritical.output).toMatch(/^REJECT/);
      expect(valid.output).toMatch(/^ACCEPT/);
    } else {
      expect(nonCritical.output, goVersion).toMatch(/^ACCEPT/);
      expect(valid.output, goVersion).toMatch(/unhandled critical extension/);
    }
  }, 60_000);
  it('a policy OID named twice: Go 1.22+ refuses to parse the certificate (the reject side of certificate-policy-duplicates); older Go accepts it', async () => {
    const r = await go('duplicate');
    expect(r.output, goVersion).toMatch(processes() ? /^REJECT/ : /^ACCEPT/);
  }, 60_000);
});

describe.skipIf(NO_CURL)('curl (OpenSSL)', () => {
  it('accepts all four, the duplicate policy OID included: no X509_V_FLAG_POLICY_CHECK', async () => {
    const empty = join(tmp.path, 'empty');
    mkdirSync(empty, { recursive: true });
    expect(platformAnswer(DIVERGENCES['certificate-policy-duplicates'], 'openssl')).toBe('accept');
    for (const v of ['critical', 'non-critical', 'valid', 'duplicate'] as const) {
      const s = served.get(v)!;
      const r = await run('curl', ['-sS', '--max-time', '10', '--cacert', s.rootPem, '--capath', empty, '-o', '/dev/null', '-w', '%{http_code}', `https://localhost:${s.port}/`]);
      expect(r.output, v).toBe('200');
    }
  }, 60_000);
});
