import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlHandler } from '../../src/proxy/control.js';
import { isPinReportBody, readPinReport, reportSender } from '../../src/proxy/pin-reports.js';
import { startProxy, type RunningProxy } from '../../src/proxy/server.js';
import { presentScenario } from '../../src/scenario/materialize.js';
import { findScenario, loadCatalog, type Scenario } from '../../src/scenario/scenario.js';
import { pemOf } from '../../src/world/pem.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { curl } from '../helpers/curl.js';
import { tempDir } from '../helpers/tmp.js';

/** An RFC 7469 section 3.1 report, as a browser sent it. */
function hpkpReport(opened: OpenedWorld, host = 'api.pinprick.test') {
  const w = opened.world;
  const rogue = [w.cert('rogue-leaf'), w.cert('rogue-intermediate')].map((c) => pemOf(c.der, 'CERTIFICATE'));
  return {
    'date-time': '2026-11-23T12:00:00Z',
    hostname: host,
    port: 443,
    'effective-expiration-date': '2027-01-01T00:00:00Z',
    'include-subdomains': false,
    'noted-hostname': host,
    'served-certificate-chain': rogue,
    'validated-certificate-chain': rogue,
    'known-pins': [`pin-sha256="${w.cert('genuine-intermediate').pin.sha256}"`, `pin-sha256="${w.key('backup-1').pin.sha256}"`],
  };
}

/** What TrustKit (iOS) posts to its reportUris. */
const TRUSTKIT = {
  'app-bundle-id': 'com.example.app',
  'app-version': '1.0',
  'app-platform': 'IOS',
  'trustkit-version': '3.0.3',
  hostname: 'api.pinprick.test',
  port: 443,
  'noted-hostname': 'pinprick.test',
  'include-subdomains': true,
  'enforce-pinning': true,
  'validated-certificate-chain': [],
  'known-pins': ['pin-sha256="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="'],
  'validation-result': 1,
};

describe('reading pin-failure reports', () => {
  it('reads an HPKP report: host, known pins without the pin-sha256= wrapping, and pins of the chains it carries', async () => {
    const tmp = tempDir();
    try {
      const opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
      const r = readPinReport(JSON.stringify(hpkpReport(opened)), 'http://x/report');
      expect(r).toMatchObject({ format: 'hpkp', hostname: 'api.pinprick.test', port: 443, notedHostname: 'api.pinprick.test' });
      expect(r.knownPins).toEqual([opened.world.cert('genuine-intermediate').pin.sha256, opened.world.key('backup-1').pin.sha256]);
      expect(r.servedChainPins).toEqual([opened.world.cert('rogue-leaf').pin.sha256, opened.world.cert('rogue-intermediate').pin.sha256]);
    } finally {
      tmp.cleanup();
    }
  });

  it('reads a TrustKit report, naming its validation result', () => {
    const r = readPinReport(JSON.stringify(TRUSTKIT), 'u');
    expect(r).toMatchObject({ format: 'trustkit', app: 'com.example.app', enforced: true, validationResult: 'failed: no matching pin', knownPins: ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='] });
  });

  it('keeps other JSON and plain text as they came, and only HPKP/TrustKit bodies count as reports on the way through', () => {
    expect(readPinReport('{"csp-report":{}}', 'u').format).toBe('json');
    expect(readPinReport('not json', 'u')).toMatchObject({ format: 'text', body: 'not json' });
    expect(isPinReportBody('{"csp-report":{}}')).toBe(false);
    expect(isPinReportBody(JSON.stringify(TRUSTKIT))).toBe(true);
  });
});

describe('who sent a report (issue 15, finding 10), by table', () => {
  it.each([
    ['a native SDK: no Origin', { 'user-agent': 'TrustKit/3.0.3' }, { userAgent: 'TrustKit/3.0.3' }],
    ["a browser's own HPKP report, or a sandboxed page: Origin null", { origin: 'null' }, { origin: 'null' }],
    ['a web page', { origin: 'https://attacker.example', 'user-agent': 'Mozilla/5.0' }, { origin: 'https://attacker.example', userAgent: 'Mozilla/5.0', fromWebPage: true }],
    ['nothing at all', {}, {}],
    ['an over-long Origin is cut', { origin: `http://${'a'.repeat(300)}` }, { origin: `http://${'a'.repeat(249)}…`, fromWebPage: true }],
  ])('%s', (_situation, headers, sender) => {
    expect(reportSender(headers)).toEqual(sender);
  });
});

describe('the proxy collects pin-failure reports sent to it', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let catalog: Scenario[];
  let proxy: RunningProxy;
  let body: string;
  const post = (args: string[]) => curl(['-X', 'POST', '-H', 'content-type: application/json', '--data-binary', `@${body}`, '-o', '/dev/null', '-w', '%{http_code}', ...args]);

  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    catalog = loadCatalog(opened.world.spec);
    proxy = await startProxy({ scenario: await presentScenario(opened, findScenario(catalog, 'attack-rogue-root')), graceMs: 800 });
    body = join(tmp.path, 'report.json');
    writeFileSync(body, JSON.stringify(hpkpReport(opened)));
  });
  afterAll(async () => {
    await proxy?.close();
    tmp.cleanup();
  });

  it('at its own report URI (http://127.0.0.1:PROXYPORT/pinprick/report): 204, recorded under the active scenario', async () => {
    expect(proxy.reportUri).toBe(`http://127.0.0.1:${proxy.proxyPort}/pinprick/report`);
    const r = await post([proxy.reportUri]);
    expect(r.stdout).toBe('204');
    const got = proxy.reports.recent().at(-1)!;
    expect(got).toMatchObject({ scenario: 'attack-rogue-root', format: 'hpkp', hostname: 'api.pinprick.test', url: proxy.reportUri });
  });

  it('sent through the proxy to a made-up report host (report-uri http://reports.example/...): collected, not forwarded', async () => {
    const before = proxy.reports.recent().length;
    const r = await post(['--proxy', `http://127.0.0.1:${proxy.proxyPort}`, 'http://reports.pinprick.test/hpkp']);
    expect(r.stdout).toBe('204');
    expect(proxy.reports.recent()).toHaveLength(before + 1);
    expect(proxy.reports.recent().at(-1)!.url).toBe('http://reports.pinprick.test/hpkp');
  });

  it('an ordinary POST through the proxy is forwarded as before (502 for a host that does not exist), not taken as a report', async () => {
    const before = proxy.reports.recent().length;
    writeFileSync(join(tmp.path, 'form.txt'), 'a=1');
    const r = await curl(['-X', 'POST', '--data-binary', `@${join(tmp.path, 'form.txt')}`, '-o', '/dev/null', '-w', '%{http_code}', '--proxy', `http://127.0.0.1:${proxy.proxyPort}`, 'http://no-such-host.invalid/form']);
    expect(r.stdout).toBe('502');
    expect(proxy.reports.recent()).toHaveLength(before);
  });

  // Issue 15, finding 10: any web page can make a browser POST text/plain across sites (a "simple"
  // request: no CORS preflight), so a page the tester opens could forge a report. Browsers' own
  // HPKP reports and native SDKs (TrustKit, an app's code) send no Origin, or `null`.
  it('a cross-site text/plain POST from a web page (an Origin header) is kept, marked as sent by a web page, with its origin and user agent', async () => {
    const page = ['-H', 'origin: http://attacker.example', '-H', 'content-type: text/plain;charset=UTF-8', '-A', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120'];
    expect((await post([...page, proxy.reportUri])).stdout).toBe('204');
    expect(proxy.reports.recent().at(-1)).toMatchObject({ format: 'hpkp', fromWebPage: true, origin: 'http://attacker.example', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120' });
    // Through the proxy to a made-up report host, the same.
    expect((await post([...page, '--proxy', `http://127.0.0.1:${proxy.proxyPort}`, 'http://reports.pinprick.test/hpkp'])).stdout).toBe('204');
    expect(proxy.reports.recent().at(-1)).toMatchObject({ url: 'http://reports.pinprick.test/hpkp', fromWebPage: true, origin: 'http://attacker.example' });
    // Over TLS to a host the scenario intercepts (curl -k: this test is about the report, not the chain).
    expect((await post([...page, '-k', '--proxy', `http://127.0.0.1:${proxy.proxyPort}`, 'https://api.pinprick.test/hpkp-report']).then((r) => r.code)) === 0).toBe(true);
    const deadline = Date.now() + 3_000;
    while (proxy.reports.recent().at(-1)!.url !== 'https://api.pinprick.test/hpkp-report' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(proxy.reports.recent().at(-1)).toMatchObject({ url: 'https://api.pinprick.test/hpkp-report', fromWebPage: true, origin: 'http://attacker.example' });
  });

  it('a report with no Origin, or Origin: null (how HPKP and TrustKit send them), is not marked; its user agent is kept, cut at 256 characters', async () => {
    expect((await post(['-A', 'TrustKit/3.0.3', proxy.reportUri])).stdout).toBe('204');
    const plain = proxy.reports.recent().at(-1)!;
    expect(plain).toMatchObject({ userAgent: 'TrustKit/3.0.3' });
    expect(plain).not.toHaveProperty('fromWebPage');
    expect(plain).not.toHaveProperty('origin');
    expect((await post(['-H', 'origin: null', '-A', 'x'.repeat(5_000), proxy.reportUri])).stdout).toBe('204');
    const opaque = proxy.reports.recent().at(-1)!;
    expect(opaque).toMatchObject({ origin: 'null', userAgent: `${'x'.repeat(256)}…` });
    expect(opaque).not.toHaveProperty('fromWebPage');
  });

  it('the control API lists them (GET /reports?since=ID) and counts them in /status', async () => {
    const handler = controlHandler({ proxy, catalog, world: opened.world, token: 't', present: (s) => presentScenario(opened, s) });
    const all = await request(handler).get('/reports').expect(200);
    expect(all.body.length).toBe(proxy.reports.recent().length);
    const since = await request(handler).get(`/reports?since=${all.body[0].id}`).expect(200);
    expect(since.body.length).toBe(all.body.length - 1);
    const status = await request(handler).get('/status').expect(200);
    expect(status.body).toMatchObject({ reports: all.body.length, reportUri: proxy.reportUri });
    // Where each came from, as recorded (finding 10).
    expect(all.body.find((r: { fromWebPage?: boolean }) => r.fromWebPage)).toMatchObject({ origin: 'http://attacker.example', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120' });
  });
});
