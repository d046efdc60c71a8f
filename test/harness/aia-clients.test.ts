/**
 * A leaf sent without its intermediate, whose caIssuers URL the proxy serves
 * (rotation-missing-intermediate-aia), measured with real clients through the proxy on loopback.
 * curl (OpenSSL), Node, Go and wget (GnuTLS) fetch nothing and reject; OpenJDK 17 rejects by
 * default and, with -Dcom.sun.security.enableAIAcaIssuers=true and its HTTP proxy set, fetches the
 * intermediate through the proxy and accepts. Either answer is correct (PASS) without a platform;
 * `platform: android` makes the acceptance a finding, `platform: apple` the rejection.
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
const SCENARIO = 'rotation-missing-intermediate-aia';
const URL_ = 'http://api.pinprick.test/pinprick/aia/genuine-intermediate.der';

/** A client this test needs: missing, it skips with one line naming the Debian package; under CI it fails instead. */
function tool(path: string, pkg: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.CI) throw new Error(`${path} is missing (Debian package ${pkg})`);
  process.stderr.write(`skipping the ${path} AIA rows: not found (Debian package ${pkg})\n`);
  return false;
}
const HAVE = {
  curl: tool('/usr/bin/curl', 'curl'),
  wget: tool('/usr/bin/wget', 'wget'),
  go: tool('/usr/bin/go', 'golang-go'),
  java: tool('/usr/bin/java', 'openjdk-17-jdk-headless'),
};

/** A Go client: crypto/x509 with only --cafile's roots, through the HTTP proxy; ACCEPT/REJECT like the others. */
const GO_CLIENT = `package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"
)

func main() {
	target, proxy, cafile := os.Args[1], os.Args[2], os.Args[3]
	pem, err := os.ReadFile(cafile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	p, _ := url.Parse(proxy)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(p), TLSClientConfig: &tls.Config{RootCAs: roots}}}
	resp, err := client.Get(target)
	if err != nil {
		fmt.Println("REJECT", err)
		os.Exit(1)
	}
	resp.Body.Close()
	fmt.Println("ACCEPT", resp.StatusCode)
}
`;

describe('a missing intermediate that the leaf\'s caIssuers URL serves, with real clients', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  const classes = join(tmp.path, 'classes');
  const goClient = join(tmp.path, 'aia-go-client');
  const JAVA = `java -cp ${classes} JavaClient --url {url} --proxy {proxy} --cafile {cafile}`;
  // HttpsURLConnection gets its proxy per connection (JavaClient), but the AIA fetch inside the
  // PKIX builder opens its own URLConnection, which follows the http.proxyHost properties: the
  // proxy's port is the last part of {proxy}, which the shell takes from PINPRICK_PROXY.
  const JAVA_AIA = `java -Dcom.sun.security.enableAIAcaIssuers=true -cp ${classes} JavaClient --url {url} --proxy {proxy} --cafile {cafile}`;
  const JAVA_AIA_PROXY = `java -Dcom.sun.security.enableAIAcaIssuers=true -Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort="\${PINPRICK_PROXY##*:}" -cp ${classes} JavaClient --url {url} --proxy {proxy} --cafile {cafile}`;
  const CURL = 'curl -sS --max-time 10 --proxy {proxy} --cacert {cafile} --capath /nonexistent {url}';
  const NODE = 'node examples/clients/correct-client.mjs --url {url} --proxy {proxy} --cafile {cafile} --pins "$PINPRICK_PINS"';
  const WGET = 'wget -q -O - --tries=1 --timeout=10 -e use_proxy=yes -e https_proxy={proxy} --ca-certificate={cafile} --ca-directory=/nonexistent {url}';
  const GO = `${goClient} {url} {proxy} {cafile}`;

  const platformProfile = (platform: string) => {
    const file = join(tmp.path, `${platform}.yaml`);
    writeFileSync(file, `id: intermediate-backup-${platform}\npins: [genuine-intermediate, backup-1]\nplatform: ${platform}\n`);
    return file;
  };
  /** The scenario's result for a client (after the calibration canary, which must PASS). */
  const run = async (client: string, profileFile?: string): Promise<ScenarioResult> => {
    const w = opened.world;
    const profile = resolveProfile(profileFile ? loadProfileFile(profileFile, w.spec) : findProfile('intermediate-backup', w.spec), w);
    const catalog = loadCatalog(w.spec);
    const results = await runSuite({
      opened,
      scenarios: ['calibration-canary', SCENARIO].map((id) => findScenario(catalog, id)),
      profile,
      client,
      timeoutMs: 30_000,
      graceMs: 1_000,
      workDir: join(tmp.path, `work-${Math.random()}`),
    });
    expect(results[0]!.classification.outcome, `${client}: ${results[0]!.classification.reason}`).toBe('PASS');
    return results[1]!;
  };

  beforeAll(async () => {
    if (HAVE.java) execFileSync('javac', ['-d', classes, `${ROOT}examples/clients/JavaClient.java`]);
    if (HAVE.go) {
      writeFileSync(join(tmp.path, 'main.go'), GO_CLIENT);
      execFileSync('go', ['build', '-o', goClient, join(tmp.path, 'main.go')]);
    }
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
  }, 120_000);
  afterAll(() => tmp.cleanup());

  const rejecting: [string, boolean, () => string][] = [
    ['curl (OpenSSL)', HAVE.curl, () => CURL],
    ['Node (correct-client.mjs)', true, () => NODE],
    ['Go (crypto/x509)', HAVE.go, () => GO],
    ['wget (GnuTLS)', HAVE.wget, () => WGET],
    ['OpenJDK 17 HttpsURLConnection, by default', HAVE.java, () => JAVA],
  ];
  for (const [name, have, command] of rejecting) {
    it.skipIf(!have)(`${name} fetches nothing and rejects: PASS, as on android, openssl, node, go, gnutls, jvm`, async () => {
      const r = await run(command());
      expect(r.expected).toMatchObject({ verdict: 'either', code: 'untrusted', either: { accept: ['apple', 'windows'], lenientCode: 'ok' } });
      expect(r.wire?.kind, r.stderr).toMatch(/^rejected/);
      expect(r.fetched).toBeUndefined();
      expect(r.classification).toMatchObject({ outcome: 'PASS', observed: 'reject' });
      expect(r.classification.reason).toMatch(/as correct clients on android, openssl, node, go, gnutls, jvm do/);
    }, 90_000);
  }

  it.skipIf(!HAVE.java)('OpenJDK with -Dcom.sun.security.enableAIAcaIssuers=true but no proxy for http: the fetch goes straight to api.pinprick.test, which does not resolve: rejects', async () => {
    const r = await run(JAVA_AIA);
    expect(r.wire?.kind).toMatch(/^rejected/);
    expect(r.fetched).toBeUndefined();
    expect(r.classification.outcome).toBe('PASS');
  }, 90_000);

  it.skipIf(!HAVE.java)('OpenJDK with the AIA property and http.proxyHost fetches the intermediate through the proxy and accepts: PASS, as on apple, windows', async () => {
    const r = await run(JAVA_AIA_PROXY);
    expect(r.stdout).toMatch(/^ACCEPT 200/);
    expect(r.wire?.kind).toBe('accepted');
    expect(r.fetched).toEqual([{ url: URL_, certificate: 'genuine-intermediate', via: 'proxy' }]);
    expect(r.classification).toMatchObject({ outcome: 'PASS', observed: 'accept' });
    expect(r.classification.reason).toMatch(/as correct clients on apple, windows do/);
  }, 90_000);

  it.skipIf(!HAVE.java || !HAVE.curl)('narrowed by the profile\'s platform: android expects reject (the fetching JVM is VULNERABLE), apple expects accept (curl is BRICKED)', async () => {
    const android = await run(JAVA_AIA_PROXY, platformProfile('android'));
    expect(android.expected).toMatchObject({ verdict: 'reject', code: 'untrusted' });
    expect(android.classification.outcome).toBe('VULNERABLE');
    expect((await run(CURL, platformProfile('android'))).classification.outcome).toBe('PASS');
    const apple = await run(CURL, platformProfile('apple'));
    expect(apple.expected).toMatchObject({ verdict: 'accept', code: 'ok' });
    expect(apple.chain.path.map((c) => [c.source, c.fetchedFrom])).toEqual([
      ['presented', undefined],
      ['fetched', URL_],
      ['anchor', undefined],
    ]);
    expect(apple.classification.outcome).toBe('BRICKED');
    expect((await run(JAVA_AIA_PROXY, platformProfile('apple'))).classification.outcome).toBe('PASS');
  }, 180_000);
});
