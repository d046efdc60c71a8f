/**
 * A scenario's fetchable: URLs (caIssuers fetches, AIA): the proxy serves the certificate's DER as
 * application/pkix-cert to a real HTTP client (curl) through its HTTP proxy port, on loopback, never
 * forwards such a URL, and records each fetch as it is served.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAnswer, fetchableFor } from '../../src/proxy/fetchable.js';
import { startProxy, type RunningProxy } from '../../src/proxy/server.js';
import { presentScenario, type PresentedScenario } from '../../src/scenario/materialize.js';
import { findScenario, loadCatalog } from '../../src/scenario/scenario.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { curl } from '../helpers/curl.js';
import { tempDir } from '../helpers/tmp.js';

const SCENARIO = 'rotation-missing-intermediate-aia';
const URL_ = 'http://api.pinprick.test/pinprick/aia/genuine-intermediate.der';

describe("the proxy serves a scenario's fetchable: URLs", () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let presented: PresentedScenario;
  let proxy: RunningProxy;
  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    presented = await presentScenario(opened, findScenario(loadCatalog(opened.world.spec), SCENARIO));
    proxy = await startProxy({ scenario: presented, graceMs: 200 });
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    tmp.cleanup();
  });

  it('the leaf names the URL as its caIssuers, and the scenario serves the genuine intermediate there', () => {
    expect(presented.chain.map((c) => c.name)).toEqual(['aia-leaf']);
    expect(presented.chain[0]!.x509.infoAccess).toContain(`CA Issuers - URI:${URL_}`);
    expect(presented.fetchable?.get(URL_)?.der.equals(opened.world.cert('genuine-intermediate').der)).toBe(true);
  });

  it('curl through the HTTP proxy gets the DER as application/pkix-cert; the fetch is recorded at once, and in the connection record', async () => {
    const out = join(tmp.path, 'fetched.der');
    const before = proxy.fetches.lastId;
    const r = await curl(['--proxy', `http://127.0.0.1:${proxy.proxyPort}`, '-o', out, '-w', '%{http_code} %{content_type}', URL_]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('200 application/pkix-cert');
    expect(readFileSync(out).equals(opened.world.cert('genuine-intermediate').der)).toBe(true);
    expect(proxy.fetches.since(before)).toMatchObject([{ scenario: SCENARIO, url: URL_, certificate: 'genuine-intermediate', via: 'proxy', client: { address: '127.0.0.1' } }]);
    const record = await proxy.verdicts.next((v) => v.kind === 'plain-http' && v.requestLine === `GET ${URL_} HTTP/1.1`, { includePast: true, timeoutMs: 5_000 });
    expect(record.detail).toMatch(new RegExp(`served genuine-intermediate \\(\\d+ bytes of DER\\) at ${URL_.replace(/\./g, '\\.')} for scenario ${SCENARIO}: a caIssuers fetch`));
    expect(record.scenario).toBeUndefined();
  });

  it('sent straight to the proxy port with the URL host in Host: served too (a client that resolved the host to the proxy)', async () => {
    const before = proxy.fetches.lastId;
    const r = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: api.pinprick.test', `http://127.0.0.1:${proxy.proxyPort}/pinprick/aia/genuine-intermediate.der`]);
    expect(r.stdout).toBe('200');
    expect(proxy.fetches.since(before)).toMatchObject([{ url: URL_, via: 'direct' }]);
  });

  it('HEAD gets the headers only; POST is refused (405) and never forwarded; neither is recorded as a fetch', async () => {
    const before = proxy.fetches.lastId;
    const head = await curl(['--proxy', `http://127.0.0.1:${proxy.proxyPort}`, '-I', URL_]);
    expect(head.stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(head.stdout).toMatch(new RegExp(`content-length: ${opened.world.cert('genuine-intermediate').der.length}\\r\\n`, 'i'));
    const post = await curl(['--proxy', `http://127.0.0.1:${proxy.proxyPort}`, '-o', '/dev/null', '-w', '%{http_code}', '--data', 'x', URL_]);
    expect(post.stdout).toBe('405');
    expect(proxy.fetches.since(before).map((f) => f.via)).toEqual(['proxy']);
  });
});

describe('which request names a fetchable URL, by table', () => {
  const cert = { name: 'genuine-intermediate' } as PresentedScenario['chain'][number];
  const scenario = { fetchable: new Map([[URL_, cert]]) };
  const rows: [string, { url: string; host?: string }, 'proxy' | 'direct' | undefined][] = [
    ['the URL as written, in a proxy request', { url: URL_ }, 'proxy'],
    ['with the default port and an upper-case host (one URL)', { url: 'http://API.pinprick.test:80/pinprick/aia/genuine-intermediate.der' }, 'proxy'],
    ['another path', { url: 'http://api.pinprick.test/pinprick/aia/other.der' }, undefined],
    ['https: not a caIssuers fetch the proxy answers', { url: 'https://api.pinprick.test/pinprick/aia/genuine-intermediate.der' }, undefined],
    ['another port', { url: 'http://api.pinprick.test:8080/pinprick/aia/genuine-intermediate.der' }, undefined],
    ['origin-form with the URL host in Host:', { url: '/pinprick/aia/genuine-intermediate.der', host: 'api.pinprick.test' }, 'direct'],
    ['origin-form with the proxy address in Host:', { url: '/pinprick/aia/genuine-intermediate.der', host: '127.0.0.1:8080' }, undefined],
    ['not a URL', { url: 'http://[bad' }, undefined],
  ];
  it.each(rows)('%s', (_name, req, via) => {
    const found = fetchableFor(scenario, { url: req.url, headers: req.host ? { host: req.host } : {} });
    expect(found?.via).toBe(via);
    if (via) expect(found).toMatchObject({ url: URL_, cert });
  });

  it('a scenario without fetchable: answers nothing', () => {
    expect(fetchableFor({}, { url: URL_, headers: {} })).toBeUndefined();
  });

  it('the answer: DER as application/pkix-cert for GET, headers only for HEAD, 405 otherwise', () => {
    const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]);
    expect(fetchAnswer('GET', der)).toEqual({ status: 200, headers: { 'content-type': 'application/pkix-cert', 'content-length': '5' }, body: der });
    expect(fetchAnswer('HEAD', der)).toEqual({ status: 200, headers: { 'content-type': 'application/pkix-cert', 'content-length': '5' } });
    expect(fetchAnswer('PUT', der).status).toBe(405);
  });
});
