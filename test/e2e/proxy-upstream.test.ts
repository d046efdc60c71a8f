import { writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../src/proxy/server.js';
import { fetchServedChain } from '../../src/proxy/served-chain.js';
import { presentScenario } from '../../src/scenario/materialize.js';
import { findScenario, loadCatalog } from '../../src/scenario/scenario.js';
import { pemOf } from '../../src/world/pem.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { curl } from '../helpers/curl.js';
import { tempDir } from '../helpers/tmp.js';

describe('the proxy towards real upstreams and other hosts', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let proxy: RunningProxy;
  let upstream: Server;
  let roots: string;

  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    const world = opened.world;
    // The "real" server: its own chain (the vendor CA), which the proxy does not need to trust.
    upstream = createHttpsServer({ key: world.key('rogue-leaf').key.export({ type: 'pkcs8', format: 'pem' }), cert: pemOf(world.cert('rogue-leaf').der, 'CERTIFICATE') }, (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`real upstream saw ${req.method} ${req.url}\n`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const upPort = (upstream.address() as AddressInfo).port;
    proxy = await startProxy({
      scenario: await presentScenario(opened, findScenario(loadCatalog(world.spec), 'control-genuine')),
      upstreams: { 'api.pinprick.test': { host: '127.0.0.1', port: upPort }, 'down.pinprick.test': { host: '127.0.0.1', port: 1 } },
      interceptAll: true,
      world,
      graceMs: 1_000,
    });
    roots = join(tmp.path, 'roots.pem');
    writeFileSync(roots, world.trustedRoots().map((r) => pemOf(r.der, 'CERTIFICATE')).join(''));
  });
  afterAll(async () => {
    await proxy.close();
    upstream.close();
    tmp.cleanup();
  });

  it('forwards an accepted connection to the real upstream, after recording the verdict', async () => {
    const verdict = proxy.verdicts.next();
    const r = await curl(['--cacert', roots, '--proxy', `http://127.0.0.1:${proxy.proxyPort}`, 'https://api.pinprick.test/app']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('real upstream saw GET /app\n');
    expect(await verdict).toMatchObject({ kind: 'accepted', scenario: 'control-genuine', requestLine: 'GET /app HTTP/1.1' });
  });

  it('intercepts a host outside the scenario with a per-host leaf from the world when intercept-all is on', async () => {
    const verdict = proxy.verdicts.next();
    const served = await fetchServedChain({ host: '127.0.0.1', port: proxy.tlsPort, sni: 'other.example.test' });
    expect(served.certificates).toHaveLength(2);
    expect(Buffer.compare(served.certificates[1]!, opened.world.cert('genuine-intermediate').der)).toBe(0);
    const v = await verdict;
    expect(v.scenario).toBeUndefined();
    expect(v.chainPins[0]).toBe(opened.world.key('genuine-leaf').pin.sha256);
    const r = await curl(['--cacert', roots, '--proxy', `http://127.0.0.1:${proxy.proxyPort}`, 'https://other.example.test/']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('answers 502 with a clear body when the upstream of an intercepted host is down', async () => {
    const r = await curl(['--cacert', roots, '--resolve', `down.pinprick.test:${proxy.tlsPort}:127.0.0.1`, `https://down.pinprick.test:${proxy.tlsPort}/`]);
    expect(r.stdout).toBe('pinprick: upstream down.pinprick.test (127.0.0.1:1) is unreachable (ECONNREFUSED)\n');
  });
});
