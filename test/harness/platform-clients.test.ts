/**
 * Where correct clients differ, measured with the real platform clients (issue 16): on a chain
 * whose only path ends at an expired trust anchor (rotation-old-store-root-expired), OpenJDK's
 * HttpsURLConnection accepts and curl (OpenSSL) rejects. Both are correct: both PASS; and the
 * other rows of the platform table, certificate policies included (curl and Node accept, the JVM
 * rejects validation-explicit-policy-missing). A profile's
 * `platform:` narrows the expectation, and then the other behaviour is a finding.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite, type ScenarioResult } from '../../src/harness/run.js';
import { findProfile, loadProfileFile, resolveProfile } from '../../src/scenario/profile.js';
import { findScenario, loadCatalog } from '../../src/scenario/scenario.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = new URL('../..', import.meta.url).pathname;
/** Debian's OpenJDK; CI installs it (.ci/run), so there a missing JVM fails instead of skipping. */
const NO_JAVA = !existsSync('/usr/bin/java') && !process.env.CI;
if (NO_JAVA) process.stderr.write('skipping the JVM platform tests: java not found (Debian package openjdk-17-jdk-headless)\n');

const CURL = 'curl -sS --max-time 10 --proxy {proxy} --cacert {cafile} --capath /nonexistent {url}';
const SCENARIOS = ['calibration-canary', 'rotation-old-store-root-expired', 'validation-cn-only-leaf', 'validation-rsa-1024-leaf', 'rotation-intermediate-dead-end-first', 'validation-explicit-policy-missing'];
/** Node's https through the example pinning client: OpenSSL as Node bundles it. */
const NODE = `node ${ROOT}examples/clients/correct-client.mjs --url {url} --proxy {proxy} --cafile {cafile} --pins {pins}`;

describe.skipIf(NO_JAVA)('where platforms differ, with the JVM and with OpenSSL (curl)', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  // Compiled once (java File.java would compile it at every run, ~3 s each).
  const JAVA = `java -cp ${join(tmp.path, 'classes')} JavaClient --url {url} --proxy {proxy} --cafile {cafile}`;
  // One run per client and profile, shared by the rows that read it (each run is ~6 s of handshakes and JVM start-ups).
  const runs = new Map<string, Promise<ScenarioResult[]>>();
  const runAll = (client: string, profileFile?: string): Promise<ScenarioResult[]> => {
    const key = `${client}\0${profileFile ?? ''}`;
    if (!runs.has(key)) runs.set(key, runOnce(client, profileFile));
    return runs.get(key)!;
  };
  const runOnce = async (client: string, profileFile?: string): Promise<ScenarioResult[]> => {
    const w = opened.world;
    const profile = resolveProfile(profileFile ? loadProfileFile(profileFile, w.spec) : findProfile('intermediate-backup', w.spec), w);
    const catalog = loadCatalog(w.spec);
    const results = await runSuite({ opened, scenarios: SCENARIOS.map((id) => findScenario(catalog, id)), profile, client, timeoutMs: 30_000, graceMs: 1_000, workDir: join(tmp.path, `work-${Math.random()}`) });
    expect(results[0]!.classification.outcome, results[0]!.classification.reason).toBe('PASS');
    return results;
  };
  const run = async (client: string, profileFile?: string) => (await runAll(client, profileFile))[1]!;
  const platformProfile = (platform: string) => {
    const file = join(tmp.path, `${platform}.yaml`);
    writeFileSync(file, `id: intermediate-backup-${platform}\npins: [genuine-intermediate, backup-1]\nplatform: ${platform}\n`);
    return file;
  };
  beforeAll(async () => {
    execFileSync('javac', ['-d', join(tmp.path, 'classes'), `${ROOT}examples/clients/JavaClient.java`]);
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
  }, 60_000);
  afterAll(() => tmp.cleanup());

  it('the JVM accepts (a trust anchor is a name and a key): PASS, platform-dependent', async () => {
    const r = await run(JAVA);
    expect(r.expected.verdict).toBe('either');
    expect(r.wire?.kind).toBe('accepted');
    expect(r.stdout).toMatch(/^ACCEPT 200/);
    expect(r.classification).toMatchObject({ outcome: 'PASS', observed: 'accept' });
    expect(r.classification.reason).toMatch(/as correct clients on android, jvm do/);
  }, 60_000);

  it('curl (OpenSSL) rejects the expired root: PASS too', async () => {
    const r = await run(CURL);
    expect(r.wire?.kind).toBe('rejected');
    expect(r.classification).toMatchObject({ outcome: 'PASS', observed: 'reject' });
  }, 60_000);

  it('a host name only in the commonName (no SAN): the JVM and curl both fall back to it and accept: PASS, platform-dependent', async () => {
    for (const client of [JAVA, CURL]) {
      const r = (await runAll(client))[2]!;
      expect(r.expected).toMatchObject({ verdict: 'either', code: 'hostname-mismatch', either: { lenientCode: 'ok' } });
      expect(r.wire?.kind, client).toBe('accepted');
      expect(r.classification.outcome, r.classification.reason).toBe('PASS');
      expect(r.classification.reason).toMatch(/as correct clients on openssl, node, jvm, gnutls do/);
    }
  }, 90_000);

  it('a 1024-bit RSA leaf: the JVM accepts, curl (OpenSSL at Debian\'s security level 2) refuses; both PASS', async () => {
    const [java, curl] = [(await runAll(JAVA))[3]!, (await runAll(CURL))[3]!];
    expect(java.expected).toMatchObject({ verdict: 'either', code: 'weak-key' });
    expect(java.wire?.kind).toBe('accepted');
    expect(curl.wire?.kind).toBe('rejected');
    expect(curl.stderr).toMatch(/key too weak/);
    for (const r of [java, curl]) expect(r.classification.outcome, r.classification.reason).toBe('PASS');
  }, 90_000);

  it('a stale intermediate copy sent first: the JVM backtracks and accepts, curl (OpenSSL) is stuck on the first copy; both PASS', async () => {
    const [java, curl] = [(await runAll(JAVA))[4]!, (await runAll(CURL))[4]!];
    expect(java.expected).toMatchObject({ verdict: 'either', code: 'untrusted', either: { divergence: 'backtracking' } });
    expect(java.wire?.kind).toBe('accepted');
    expect(curl.wire?.kind).toBe('rejected');
    expect(curl.stderr).toMatch(/unable to get local issuer certificate/);
    for (const r of [java, curl]) expect(r.classification.outcome, r.classification.reason).toBe('PASS');
  }, 90_000);

  it('requireExplicitPolicy over a leaf without policies: the JVM processes policies and rejects, curl and Node (OpenSSL without X509_V_FLAG_POLICY_CHECK) accept; all PASS', async () => {
    const [java, curl, node] = [(await runAll(JAVA))[5]!, (await runAll(CURL))[5]!, (await runAll(NODE))[5]!];
    expect(java.expected).toMatchObject({ verdict: 'either', code: 'no-explicit-policy', either: { lenientCode: 'ok' } });
    expect(java.wire?.kind).toBe('rejected');
    expect(java.stdout).toMatch(/^REJECT .*non-null policy tree required and policy tree is null/);
    expect(curl.wire?.kind).toBe('accepted');
    expect(node.wire?.kind).toBe('accepted');
    for (const r of [java, curl, node]) expect(r.classification.outcome, r.classification.reason).toBe('PASS');
    expect(curl.classification.reason).toMatch(/as correct clients on openssl, node do/);
  }, 120_000);

  it('with platform: openssl in the profile, the JVM\'s acceptance is VULNERABLE; with platform: jvm it is expected', async () => {
    expect((await run(JAVA, platformProfile('openssl'))).classification.outcome).toBe('VULNERABLE');
    const jvm = await run(JAVA, platformProfile('jvm'));
    expect(jvm.expected).toMatchObject({ verdict: 'accept', code: 'ok' });
    expect(jvm.classification.outcome).toBe('PASS');
  }, 90_000);
});
