/**
 * A dynamic scenario's https configuration URL (issue 19): the proxy intercepts TLS to the
 * configuration host with a leaf from the world's genuine hierarchy (the intercept-all issuer),
 * answers GET at the URL's path with the configuration, records it as a configuration fetch, and
 * answers any other path 404. Real curl, through the real proxy, on loopback.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configRequestedOverTls, configTlsTarget } from '../../src/proxy/config-channel.js';
import { startProxy, type RunningProxy } from '../../src/proxy/server.js';
import { presentScenario, type PresentedScenario } from '../../src/scenario/materialize.js';
import { findScenario, loadCatalog } from '../../src/scenario/scenario.js';
import { pemOf } from '../../src/world/pem.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { curl } from '../helpers/curl.js';
import { tempDir } from '../helpers/tmp.js';

const SCENARIO = 'dynamic-genuine-https';
const URL_ = 'https://config.pinprick.test/pinprick/config';

describe('configTlsTarget and configRequestedOverTls: which requests on the configuration host get the configuration', () => {
  it.each([
    ['https://config.test/c', { host: 'config.test', port: 443, path: '/c' }],
    ['https://config.test:8443/a/b', { host: 'config.test', port: 8443, path: '/a/b' }],
    ['http://config.test/c', undefined],
    ['not a url', undefined],
  ])('%s', (url, target) => {
    expect(configTlsTarget(url)).toEqual(target);
  });

  it.each([
    ['/c', true],
    ['/c/', false],
    ['/', false],
    ['/c?x=1', false],
    ['https://config.test/c', true],
    ['https://config.test:443/c', true],
    ['https://other.test/c', false],
    ['http://config.test/c', false],
    [undefined, false],
  ] as const)('request target %s', (target, served) => {
    expect(configRequestedOverTls('https://config.test/c', target)).toBe(served);
  });
});

describe('the proxy serves an https configuration URL on a TLS connection of its own', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let presented: PresentedScenario;
  let proxy: RunningProxy;
  let cafile: string;
  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    presented = await presentScenario(opened, findScenario(loadCatalog(opened.world.spec), SCENARIO));
    proxy = await startProxy({ scenario: presented, graceMs: 200, world: opened.world });
    cafile = join(tmp.path, 'roots.pem');
    writeFileSync(cafile, pemOf(opened.world.cert('genuine-root').der, 'CERTIFICATE'), { flag: 'wx' });
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    tmp.cleanup();
  });

  const viaProxy = (url: string, out = '/dev/null') => curl(['--proxy', `http://127.0.0.1:${proxy.proxyPort}`, '--cacert', cafile, '-o', out, '-w', '%{http_code} %{content_type}', url]);

  it('GET over CONNECT, trusting the world CA: the configuration the scenario serves, recorded as a fetch and in the connection record', async () => {
    const out = join(tmp.path, 'config.jws');
    const before = proxy.configFetches.lastId;
    const r = await viaProxy(URL_, out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('200 application/jose');
    expect(readFileSync(out, 'utf8')).toBe(presented.config!.body);
    expect(proxy.configFetches.since(before)).toMatchObject([{ scenario: SCENARIO, url: URL_, serve: 'genuine', shape: 'jws', version: presented.config!.carried!.version, via: 'connect', client: { address: '127.0.0.1' } }]);
    const record = await proxy.verdicts.next((v) => v.sni === 'config.pinprick.test' && v.requestLine === 'GET /pinprick/config HTTP/1.1', { includePast: true, timeoutMs: 5_000 });
    expect(record.kind).toBe('accepted');
    expect(record.detail).toMatch(/^a configuration fetch over TLS: .*; served the genuine pin configuration \(jws, version \d+\) at https:\/\/config\.pinprick\.test\/pinprick\/config for scenario dynamic-genuine-https: a configuration fetch over TLS$/);
    // Not the scenario's chain: the genuine leaf key under the genuine intermediate, and no scenario named (the harness matches on it).
    expect(record.scenario).toBeUndefined();
    expect(record.chainPins).toEqual([opened.world.key('genuine-leaf').pin.sha256, opened.world.cert('genuine-intermediate').pin.sha256]);
  });

  it('another path on the configuration host: 404, nothing recorded as a fetch', async () => {
    const before = proxy.configFetches.lastId;
    const r = await viaProxy('https://config.pinprick.test/other');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^404 /);
    expect(proxy.configFetches.since(before)).toEqual([]);
    const record = await proxy.verdicts.next((v) => v.sni === 'config.pinprick.test' && v.requestLine === 'GET /other HTTP/1.1', { includePast: true, timeoutMs: 5_000 });
    expect(record.detail).toMatch(/answered 404: not the configuration URL's path$/);
  });

  it('direct TLS naming the configuration host (SNI): served too, via tls', async () => {
    const before = proxy.configFetches.lastId;
    const r = await curl(['--cacert', cafile, '--resolve', `config.pinprick.test:${proxy.tlsPort}:127.0.0.1`, '-o', '/dev/null', '-w', '%{http_code}', `https://config.pinprick.test:${proxy.tlsPort}/pinprick/config`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('200');
    expect(proxy.configFetches.since(before)).toMatchObject([{ url: URL_, via: 'tls' }]);
  });

  it("the API host still gets the scenario's chain and answer, and its record names the scenario", async () => {
    const r = await curl(['--proxy', `http://127.0.0.1:${proxy.proxyPort}`, '--cacert', cafile, 'https://api.pinprick.test/pinprick/config']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^pinprick: scenario dynamic-genuine-https: /);
    const record = await proxy.verdicts.next((v) => v.sni === 'api.pinprick.test' && v.kind === 'accepted', { includePast: true, timeoutMs: 5_000 });
    expect(record.scenario).toBe(SCENARIO);
  });

  it("config.tls: rogue: the configuration host presents a leaf from the rogue hierarchy, which a client trusting only the genuine root refuses and one trusting the rogue root accepts", async () => {
    const rogue = await startProxy({ scenario: await presentScenario(opened, findScenario(loadCatalog(opened.world.spec), 'dynamic-other-key-rogue-tls')), graceMs: 200, world: opened.world });
    try {
      const genuineOnly = await curl(['--proxy', `http://127.0.0.1:${rogue.proxyPort}`, '--cacert', cafile, '-o', '/dev/null', URL_]);
      expect(genuineOnly.code).toBe(60);
      const roguePem = join(tmp.path, 'rogue-root.pem');
      writeFileSync(roguePem, pemOf(opened.world.cert('rogue-root').der, 'CERTIFICATE'), { flag: 'wx' });
      const r = await curl(['--proxy', `http://127.0.0.1:${rogue.proxyPort}`, '--cacert', roguePem, '-o', '/dev/null', '-w', '%{http_code}', URL_]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('200');
      expect(rogue.configFetches.recent()).toMatchObject([{ scenario: 'dynamic-other-key-rogue-tls', serve: 'other-key', via: 'connect' }]);
      const record = await rogue.verdicts.next((v) => v.kind === 'accepted' && v.sni === 'config.pinprick.test', { includePast: true, timeoutMs: 5_000 });
      expect(record.detail).toMatch(/\(the world's rogue hierarchy\)/);
      expect(record.chainPins).toEqual([opened.world.key('rogue-leaf').pin.sha256, opened.world.cert('rogue-intermediate').pin.sha256]);
    } finally {
      await rogue.close();
    }
  });

  it('without the world the leaf cannot be issued: the connection fails, recorded on the configuration channel', async () => {
    const bare = await startProxy({ scenario: presented, graceMs: 200 });
    try {
      const r = await curl(['--proxy', `http://127.0.0.1:${bare.proxyPort}`, '--cacert', cafile, '-o', '/dev/null', URL_]);
      expect(r.code).not.toBe(0);
      const record = await bare.verdicts.next((v) => v.sni === 'config.pinprick.test', { includePast: true, timeoutMs: 5_000 });
      expect(record.kind).toBe('malformed');
      expect(record.detail).toMatch(/^on the https configuration channel of scenario dynamic-genuine-https: pinprick could not issue a certificate for config\.pinprick\.test: the proxy was started without the world/);
      expect(bare.configFetches.lastId).toBe(0);
    } finally {
      await bare.close();
    }
  });
});
