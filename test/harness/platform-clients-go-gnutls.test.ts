/**
 * Where correct clients differ, measured with two more real platform clients (issue 16): Go
 * (crypto/tls and crypto/x509 under net/http: examples/clients/go-client.go) and GnuTLS (Debian's
 * wget is built on it). Each is run through the real proxy over the chains on which
 * platforms part ways, and what it does must be what the platform table (src/model/platforms.ts)
 * says of its platform: both behaviours of an `either` PASS, and a profile's `platform: go` or
 * `platform: gnutls` narrows each `either` to the one this client shows.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite, type ScenarioResult } from '../../src/harness/run.js';
import { DIVERGENCES, platformAnswer, type DivergenceId, type Platform } from '../../src/model/index.js';
import { findProfile, loadProfileFile, resolveProfile } from '../../src/scenario/profile.js';
import { findScenario, loadCatalog } from '../../src/scenario/scenario.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = new URL('../..', import.meta.url).pathname;

// Debian's golang-go and wget; CI installs both (.ci/run), so there a missing one fails instead of skipping.
const NO_GO = !existsSync('/usr/bin/go') && !process.env.CI;
if (NO_GO) process.stderr.write('skipping the Go platform tests: go not found (Debian package golang-go)\n');
/** wget is the GnuTLS client only where it is built on GnuTLS, as Debian's is ("+ssl/gnutls"); elsewhere it may be OpenSSL's. */
const wgetOnGnutls = (): boolean => existsSync('/usr/bin/wget') && /\+ssl\/gnutls/.test(execFileSync('/usr/bin/wget', ['--version'], { encoding: 'utf8' }));
const NO_WGET = !process.env.CI && !wgetOnGnutls();
if (NO_WGET) process.stderr.write('skipping the GnuTLS platform tests: no wget built on GnuTLS (Debian package wget)\n');

const CALIBRATION = 'calibration-canary';

/** What each client was measured to do on each chain where platforms differ (Debian 12: go1.19.8; wget 1.21.3 on GnuTLS 3.7.9). */
interface Measured {
  scenario: string;
  divergence: DivergenceId;
  go: { does: 'accept' | 'reject'; says: RegExp };
  gnutls: { does: 'accept' | 'reject'; says: RegExp };
}
const MEASURED: Measured[] = [
  {
    // crypto/x509 isValid runs on every candidate, roots included; GnuTLS checks "a signer in the
    // trusted list" for expiration unless GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS (gnutls/x509.h).
    scenario: 'rotation-old-store-root-expired',
    divergence: 'anchor-validity',
    go: { does: 'reject', says: /^REJECT x509: certificate has expired or is not yet valid/ },
    gnutls: { does: 'reject', says: /The certificate of .api\.pinprick\.test. has expired/ },
  },
  {
    // Go 1.15+ ignores the commonName; GnuTLS (lib/x509/hostname-verify.c) uses the single CN when
    // there is no DNSName or IPAddress subjectAltName.
    scenario: 'validation-cn-only-leaf',
    divergence: 'cn-fallback',
    go: { does: 'reject', says: /^REJECT x509: certificate relies on legacy Common Name field, use SANs instead/ },
    gnutls: { does: 'accept', says: /URL:https:\/\/api\.pinprick\.test:\d+\/pinprick\/validation-cn-only-leaf/ },
  },
  {
    // Go 1.19 has no minimum RSA size (Go 1.24 refuses under 1024 bits); wget runs GnuTLS's NORMAL
    // priority, whose certificate verification profile is LOW (80-bit security: RSA 1024).
    scenario: 'validation-rsa-1024-leaf',
    divergence: 'rsa-1024',
    go: { does: 'accept', says: /^ACCEPT 200/ },
    gnutls: { does: 'accept', says: /URL:https:\/\/api\.pinprick\.test:\d+\/pinprick\/validation-rsa-1024-leaf/ },
  },
  {
    // crypto/x509 buildChains tries every candidate issuer; GnuTLS, like OpenSSL, follows the
    // first presented issuer of each certificate and stops where it leads nowhere.
    scenario: 'rotation-intermediate-dead-end-first',
    divergence: 'backtracking',
    go: { does: 'accept', says: /^ACCEPT 200/ },
    gnutls: { does: 'reject', says: /issuer is unknown|not trusted/ },
  },
];

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let world: Promise<OpenedWorld> | undefined;
/** One world for both clients, made by whichever runs first (neither, when both are skipped). */
const opened = () => (world ??= openWorld({ certsDir: join(tmp.path, 'certs') }));

/** A profile of the shipped intermediate-backup pins, narrowed to one platform. */
function platformProfile(platform: Platform): string {
  const file = join(tmp.path, `${platform}.yaml`);
  writeFileSync(file, `id: intermediate-backup-${platform}\npins: [genuine-intermediate, backup-1]\nplatform: ${platform}\n`);
  return file;
}

/** The calibration canary and the measured chains, in one run (one proxy) per client and profile; the canary must PASS. */
async function runAll(client: string, profileFile?: string, scenarios = MEASURED.map((m) => m.scenario)): Promise<Map<string, ScenarioResult>> {
  const o = await opened();
  const w = o.world;
  const profile = resolveProfile(profileFile ? loadProfileFile(profileFile, w.spec) : findProfile('intermediate-backup', w.spec), w);
  const catalog = loadCatalog(w.spec);
  const ids = [CALIBRATION, ...scenarios];
  const results = await runSuite({ opened: o, scenarios: ids.map((id) => findScenario(catalog, id)), profile, client, timeoutMs: 30_000, graceMs: 1_000, workDir: join(tmp.path, `work-${Math.random()}`) });
  const byId = new Map(results.map((r) => [r.id, r]));
  expect(byId.get(CALIBRATION)!.classification.outcome, byId.get(CALIBRATION)!.classification.reason).toBe('PASS');
  return byId;
}

describe.skipIf(NO_GO)('where platforms differ, with Go (crypto/tls, net/http)', () => {
  // Built once (cold, from the standard library only: about 1.5 s here); `go run` would build at
  // every connection. GOCACHE and GOPATH inside the test's folder: nothing is written to $HOME.
  const bin = join(tmp.path, 'go-client');
  const GO = `${bin} --url {url} --proxy {proxy} --cafile {cafile}`;
  let plain: Map<string, ScenarioResult>;
  beforeAll(async () => {
    // A single file outside any module: `go build FILE.go` needs no go.mod for the standard library.
    execFileSync('go', ['build', '-o', bin, `${ROOT}examples/clients/go-client.go`], {
      // CGO_ENABLED stays as it is: Debian's precompiled standard library is built with cgo, and
      // CGO_ENABLED=0 would rebuild net & co. (14 s cold here instead of 1.5 s).
      env: { ...process.env, GOCACHE: join(tmp.path, 'gocache'), GOPATH: join(tmp.path, 'gopath'), GOFLAGS: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    plain = await runAll(GO);
  }, 120_000);

  it.each(MEASURED)('$scenario: Go does what the table says of go ($go.does), and it PASSes as platform-dependent', async (m) => {
    const r = plain.get(m.scenario)!;
    expect(r.expected.verdict).toBe('either');
    expect(r.stdout).toMatch(m.go.says);
    expect(r.exitCode).toBe(m.go.does === 'accept' ? 0 : 1);
    // Go refuses during the handshake, with a bad_certificate alert (FIELD-NOTES).
    expect(r.wire?.kind).toBe(m.go.does === 'accept' ? 'accepted' : 'rejected');
    expect(r.classification).toMatchObject({ outcome: 'PASS', observed: m.go.does });
    expect(platformAnswer(DIVERGENCES[m.divergence], 'go')).toBe(m.go.does);
    expect(r.classification.reason).toMatch(new RegExp(`as correct clients on [a-z, ]*\\bgo\\b[a-z, ]* do`));
  }, 60_000);

  it('with platform: go every either is narrowed to what Go does, and Go PASSes all of them', async () => {
    const narrowed = await runAll(GO, platformProfile('go'));
    for (const m of MEASURED) {
      const r = narrowed.get(m.scenario)!;
      expect(r.expected.verdict, m.scenario).toBe(m.go.does);
      expect(r.classification.outcome, `${m.scenario}: ${r.classification.reason}`).toBe('PASS');
    }
  }, 90_000);

  it("with platform: openssl, Go's refusal of the commonName-only leaf is BRICKED and its acceptance of RSA-1024 VULNERABLE", async () => {
    const narrowed = await runAll(GO, platformProfile('openssl'), ['validation-cn-only-leaf', 'validation-rsa-1024-leaf']);
    expect(narrowed.get('validation-cn-only-leaf')!.classification.outcome).toBe('BRICKED');
    expect(narrowed.get('validation-rsa-1024-leaf')!.classification.outcome).toBe('VULNERABLE');
  }, 90_000);
});

describe.skipIf(NO_WGET)('where platforms differ, with GnuTLS (wget)', () => {
  // --ca-directory at an empty folder: --ca-certificate alone still trusts the system CA folder
  // (FIELD-NOTES). --no-config: no ~/.wgetrc or /etc/wgetrc. wget says nothing on stdout; its exit
  // code is the answer (0 fetched, 5 "SSL verification failure", wget(1) EXIT STATUS).
  const emptyCaDir = join(tmp.path, 'no-cas');
  const wget = (extra = '') =>
    `wget --no-config -nv -O /dev/null --tries=1 --timeout=10 ${extra}--ca-certificate {cafile} --ca-directory ${emptyCaDir} -e use_proxy=yes -e https_proxy={proxy} {url}`;
  let plain: Map<string, ScenarioResult>;
  beforeAll(async () => {
    mkdirSync(emptyCaDir);
    plain = await runAll(wget());
  }, 120_000);

  it.each(MEASURED)('$scenario: wget (GnuTLS) does what the table says of gnutls ($gnutls.does), and it PASSes as platform-dependent', async (m) => {
    const r = plain.get(m.scenario)!;
    expect(r.expected.verdict).toBe('either');
    expect(r.stderr).toMatch(m.gnutls.says);
    expect(r.exitCode).toBe(m.gnutls.does === 'accept' ? 0 : 5);
    // wget checks the certificate after the handshake and closes without an alert (FIELD-NOTES).
    expect(r.wire?.kind).toBe(m.gnutls.does === 'accept' ? 'accepted' : 'rejected-after-handshake');
    expect(r.classification).toMatchObject({ outcome: 'PASS', observed: m.gnutls.does });
    expect(platformAnswer(DIVERGENCES[m.divergence], 'gnutls')).toBe(m.gnutls.does);
    expect(r.classification.reason).toMatch(/as correct clients on [a-z, ]*\bgnutls\b[a-z, ]* do/);
  }, 60_000);

  it('with platform: gnutls every either is narrowed to what wget does, and wget PASSes all of them', async () => {
    const narrowed = await runAll(wget(), platformProfile('gnutls'));
    for (const m of MEASURED) {
      const r = narrowed.get(m.scenario)!;
      expect(r.expected.verdict, m.scenario).toBe(m.gnutls.does);
      expect(r.classification.outcome, `${m.scenario}: ${r.classification.reason}`).toBe('PASS');
    }
  }, 90_000);

  it("with platform: go, wget's acceptance of the commonName-only leaf is VULNERABLE", async () => {
    const narrowed = await runAll(wget(), platformProfile('go'), ['validation-cn-only-leaf']);
    expect(narrowed.get('validation-cn-only-leaf')!.classification.outcome).toBe('VULNERABLE');
  }, 90_000);

  it("RSA-1024 passes because of GnuTLS's default verification profile: at %PROFILE_MEDIUM (112 bits) wget refuses it", async () => {
    const r = (await runAll(wget('--ciphers NORMAL:%PROFILE_MEDIUM '), undefined, ['validation-rsa-1024-leaf'])).get('validation-rsa-1024-leaf')!;
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toMatch(/signed using an insecure algorithm/);
    expect(r.classification).toMatchObject({ outcome: 'PASS', observed: 'reject' });
  }, 60_000);
});
