/**
 * The model on real certificates: every root of Debian's ca-certificates (Mozilla's store), parsed
 * and evaluated as its own trust anchor and peer (validation only, no host), at the middle of its
 * validity so the outcome never depends on the wall clock. Cross-checked with
 * `openssl verify -purpose sslserver -attime T -CAfile root root` on an evenly spread sample.
 * Skipped, saying so, where the package is not installed (.ci/run installs it).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate, KEY_USAGE_BITS, parseCertificate, type ParsedCertificate, type Verdict } from '../../src/model/index.js';
import { pemBlocks } from '../../src/world/pem.js';
import { opensslStatus } from '../helpers/openssl.js';
import { PemFolder } from '../helpers/openssl-verify.js';
import { tempDir } from '../helpers/tmp.js';

const MOZILLA_DIR = '/usr/share/ca-certificates/mozilla';
const BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** Every root as { name, der }: one .crt per root when the folder exists, else the bundle. */
function publicRoots(): { name: string; der: Buffer }[] {
  if (existsSync(MOZILLA_DIR)) {
    return readdirSync(MOZILLA_DIR)
      .filter((f) => f.endsWith('.crt'))
      .sort()
      .flatMap((f) => pemBlocks(readFileSync(join(MOZILLA_DIR, f), 'latin1')).map((b) => ({ name: f, der: b.der })));
  }
  if (existsSync(BUNDLE)) return pemBlocks(readFileSync(BUNDLE, 'latin1')).map((b, i) => ({ name: `${BUNDLE} #${i}`, der: b.der }));
  return [];
}

const roots = publicRoots();
const present = roots.length > 0;
// In CI (.ci/run installs ca-certificates) a missing store fails the run instead of skipping it.
const skip = !present && !process.env.CI;
/** Every n-th root goes to openssl too (one process each). */
const SAMPLE_EVERY = 4;

const TLS_KEY_USAGES = KEY_USAGE_BITS.digitalSignature | KEY_USAGE_BITS.keyEncipherment | KEY_USAGE_BITS.keyAgreement;

/** The middle of the certificate's validity. */
function midpoint(cert: ParsedCertificate): Date {
  return new Date(Math.floor((cert.notBefore + (cert.notAfter - cert.notBefore) / 2) / 1000) * 1000);
}

describe.skipIf(skip)(`public roots (${present ? `${roots.length} from ${existsSync(MOZILLA_DIR) ? MOZILLA_DIR : BUNDLE}` : `skipped: neither ${MOZILLA_DIR} nor ${BUNDLE} exists; apt-get install ca-certificates`})`, () => {
  const tmp = tempDir();
  const files = new PemFolder(tmp.path);
  afterAll(() => tmp.cleanup());
  let cached: { name: string; cert: ParsedCertificate; at: Date; verdict: Verdict }[] | undefined;
  /** Each root evaluated as its own anchor and peer at its midpoint (computed once, for both tests below). */
  const evaluated = () =>
    (cached ??= roots.map(({ name, der }) => {
      const cert = parseCertificate(der);
      const at = midpoint(cert);
      return { name, cert, at, verdict: evaluate({ presented: [der], anchors: [der], at }) };
    }));

  it('are all well-formed to the model, with a pin, a key and a validity', () => {
    expect(roots.length).toBeGreaterThan(100);
    for (const { name, der } of roots) {
      const cert = parseCertificate(der);
      expect(cert.pin, name).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(cert.key.label, name).toMatch(/^(RSA \d+|ECDSA P-(256|384|521))$/);
      expect(cert.notAfter, name).toBeGreaterThan(cert.notBefore);
    }
  });

  it('each, as its own anchor and peer, validates, except where its keyUsage cannot serve TLS', () => {
    for (const { name, cert, verdict } of evaluated()) {
      // A root's own self-signature (SHA-1 in older roots) never counts; its keyUsage does, as a peer.
      const fitForTls = cert.keyUsage === undefined || (cert.keyUsage & TLS_KEY_USAGES) !== 0;
      expect(verdict.code, `${name}: ${verdict.reason}`).toBe(fitForTls ? 'ok' : 'key-usage');
      expect(verdict.paths, name).toHaveLength(1);
    }
    // Both outcomes occur in the real store, so the sample below checks both against openssl.
    expect(new Set(evaluated().map((e) => e.verdict.code))).toEqual(new Set(['ok', 'key-usage']));
  });

  it(`agree with openssl verify -purpose sslserver on every ${SAMPLE_EVERY}th root (OpenSSL says 26, unsuitable purpose, for the keyUsage ones)`, () => {
    const sample = evaluated().filter((_, i) => i % SAMPLE_EVERY === 0);
    expect(new Set(sample.map((e) => e.verdict.code))).toEqual(new Set(['ok', 'key-usage']));
    for (const { name, at, verdict, cert } of sample) {
      const file = files.put('root', cert.der);
      const { status, output } = opensslStatus(['verify', '-purpose', 'sslserver', '-attime', String(at.getTime() / 1000), '-CAfile', file, file]);
      expect(status === 0, `${name}: model ${verdict.code}; openssl ${output}`).toBe(verdict.validation.ok);
      if (!verdict.validation.ok) expect(output, name).toMatch(/error 26 at 0 depth/);
    }
  });
});
