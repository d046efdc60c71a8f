import fc from 'fast-check';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { expectScenario } from '../../src/scenario/expect.js';
import { controlHandler, newControlToken, startControl, type ControlStatus } from '../../src/proxy/control.js';
import { startProxy, type RunningProxy } from '../../src/proxy/server.js';
import type { ConnectionVerdict } from '../../src/proxy/connection-record.js';
import { presentScenario } from '../../src/scenario/materialize.js';
import { findProfile, resolveProfile } from '../../src/scenario/profile.js';
import { findScenario, loadCatalog, type Scenario } from '../../src/scenario/scenario.js';
import { pemOf } from '../../src/world/pem.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { curl } from '../helpers/curl.js';
import { tempDir } from '../helpers/tmp.js';

describe('control API', () => {
  const tmp = tempDir();
  const token = 'test-token-123';
  let opened: OpenedWorld;
  let catalog: Scenario[];
  let proxy: RunningProxy;
  let app: Server;

  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    catalog = loadCatalog(opened.world.spec);
    const present = (s: Scenario) => presentScenario(opened, s);
    proxy = await startProxy({ scenario: await present(findScenario(catalog, 'control-genuine')), graceMs: 500 });
    app = createServer(controlHandler({ proxy, catalog, present, world: opened.world, token }));
  });
  afterAll(async () => {
    await proxy.close();
    tmp.cleanup();
  });

  it('GET /status names the active scenario and the listening ports', async () => {
    const r = await request(app).get('/status').expect(200);
    expect(r.body).toMatchObject({ scenario: { id: 'control-genuine' }, listen: { host: '127.0.0.1', proxyPort: proxy.proxyPort, tlsPort: proxy.tlsPort } });
  });

  it('GET /status without a profile names none and counts no mismatches; it needs no token', async () => {
    const r = await request(app).get('/status').expect(200);
    expect(r.body).not.toHaveProperty('profile');
    expect(r.body).not.toHaveProperty('mismatches');
    expect(r.body.scenario).not.toHaveProperty('expected');
  });

  it('GET /scenarios lists the catalog and marks the active one', async () => {
    const r = await request(app).get('/scenarios').expect(200);
    expect(r.body).toHaveLength(catalog.length);
    expect(r.body.find((s: { active: boolean }) => s.active).id).toBe('control-genuine');
  });

  it('PUT /scenario without the token is refused with 401 and changes nothing', async () => {
    await request(app).put('/scenario').send({ id: 'attack-rogue-root' }).expect(401);
    await request(app).put('/scenario').set('Authorization', 'Bearer wrong').send({ id: 'attack-rogue-root' }).expect(401);
    expect(proxy.scenario().scenario.id).toBe('control-genuine');
  });

  it('PUT /scenario with the token switches the chain served', async () => {
    await request(app).put('/scenario').set('Authorization', `Bearer ${token}`).send({ id: 'attack-rogue-root' }).expect(200);
    expect(proxy.scenario().scenario.id).toBe('attack-rogue-root');
    await request(app).put('/scenario').set('Authorization', `Bearer ${token}`).send({ id: 'no-such' }).expect(404);
    await request(app).put('/scenario').set('Authorization', `Bearer ${token}`).set('content-type', 'application/json').send('{not json').expect(400);
    await request(app).put('/scenario').set('Authorization', `Bearer ${token}`).send({ id: 'control-genuine' }).expect(200);
  });

  it('GET /verdicts returns recorded verdicts, and ?since= only newer ones', async () => {
    const before = proxy.verdicts.count;
    const verdict = proxy.verdicts.next();
    await curl(['--resolve', `api.pinprick.test:${proxy.tlsPort}:127.0.0.1`, `https://api.pinprick.test:${proxy.tlsPort}/`]);
    const v = await verdict;
    const all = await request(app).get('/verdicts').expect(200);
    expect(all.body).toHaveLength(before + 1);
    const since = await request(app).get(`/verdicts?since=${v.id - 1}`).expect(200);
    expect(since.body.map((x: { id: number }) => x.id)).toEqual([v.id]);
    expect(since.body[0]).toMatchObject({ kind: 'rejected', alert: { name: 'unknown_ca' } });
  });

  it('GET /ca.pem serves the trusted roots', async () => {
    const r = await request(app).get('/ca.pem').expect(200);
    expect(r.text.match(/BEGIN CERTIFICATE/g)).toHaveLength(opened.world.trustedRoots().length);
  });

  it('GET /verdicts/stream replays and then streams verdicts as server-sent events', async () => {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    const res = await fetch(`http://127.0.0.1:${port}/verdicts/stream`);
    const reader = res.body!.getReader();
    const verdict = proxy.verdicts.next();
    await curl(['--resolve', `api.pinprick.test:${proxy.tlsPort}:127.0.0.1`, `https://api.pinprick.test:${proxy.tlsPort}/`]);
    const v = await verdict;
    let text = '';
    const deadline = Date.now() + 5_000;
    while (!text.includes(`id: ${v.id}\n`) && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    server.close();
    expect(text).toContain('event: verdict');
    expect(text).toContain(`id: ${v.id}\n`);
  });

  it('answers 404 with the list of routes for anything else', async () => {
    const r = await request(app).get('/nope').expect(404);
    expect(r.body.routes).toContain('PUT /scenario');
  });
});

describe('control API of a proxy with a client pin profile (serve --profile)', () => {
  const tmp = tempDir();
  const token = 'test-token-456';
  let opened: OpenedWorld;
  let catalog: Scenario[];
  let proxy: RunningProxy;
  let control: Awaited<ReturnType<typeof startControl>>;
  let roots: string;
  const base = () => `http://127.0.0.1:${control.port}`;
  const use = (id: string) => fetch(`${base()}/scenario`, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ id }) });
  /** One real curl to the direct TLS port; the proxy's record of it. */
  const connectWith = async (args: string[]): Promise<ConnectionVerdict> => {
    const verdict = proxy.verdicts.next();
    await curl([...args, '--resolve', `api.pinprick.test:${proxy.tlsPort}:127.0.0.1`, `https://api.pinprick.test:${proxy.tlsPort}/`]);
    return verdict;
  };

  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    catalog = loadCatalog(opened.world.spec);
    roots = join(tmp.path, 'roots.pem');
    writeFileSync(roots, opened.world.trustedRoots().map((r) => pemOf(r.der, 'CERTIFICATE')).join(''));
    const present = (s: Scenario) => presentScenario(opened, s);
    const profile = resolveProfile(findProfile('intermediate-only', opened.world.spec), opened.world);
    proxy = await startProxy({
      scenario: await present(findScenario(catalog, 'control-genuine')),
      graceMs: 500,
      log: { verdicts: join(tmp.path, 'verdicts.jsonl') },
      expect: { profile: profile.id, of: (s, host) => expectScenario(s, profile, opened.world, host) },
    });
    control = await startControl({ proxy, catalog, present, world: opened.world, token });
  });
  afterAll(async () => {
    await control.close();
    await proxy.close();
    tmp.cleanup();
  });

  it('a client that accepts the genuine chain, as a correct client does: the record carries expected, and no mismatch', async () => {
    const v = await connectWith(['--cacert', roots]);
    expect(v).toMatchObject({ kind: 'accepted', scenario: 'control-genuine', expected: { verdict: 'accept', code: 'ok', profile: 'intermediate-only' } });
    expect(v).not.toHaveProperty('mismatch');
  });

  it('a client (curl, no pins) that accepts the rogue root: mismatch, in GET /verdicts and in the event stream', async () => {
    expect((await use('attack-rogue-root')).status).toBe(200);
    const v = await connectWith(['--cacert', roots]);
    expect(v).toMatchObject({ kind: 'accepted', scenario: 'attack-rogue-root', expected: { verdict: 'reject', code: 'pin-mismatch', profile: 'intermediate-only' }, mismatch: true });
    const page = (await (await fetch(`${base()}/verdicts?since=${v.id - 1}`)).json()) as ConnectionVerdict[];
    expect(page).toEqual([expect.objectContaining({ id: v.id, expected: v.expected, mismatch: true })]);
    const res = await fetch(`${base()}/verdicts/stream?since=${v.id - 1}`);
    const reader = res.body!.getReader();
    let text = '';
    const deadline = Date.now() + 5_000;
    while (!text.includes('\n\n') && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const data = JSON.parse(/^data: (.*)$/m.exec(text)![1]!) as ConnectionVerdict;
    expect(data).toMatchObject({ id: v.id, expected: { verdict: 'reject', code: 'pin-mismatch' }, mismatch: true });
  });

  it('a client that does not trust the test CA rejects the genuine chain: a mismatch too (it rejects what a correct client accepts)', async () => {
    expect((await use('control-genuine')).status).toBe(200);
    const v = await connectWith([]);
    expect(v).toMatchObject({ kind: 'rejected', alert: { name: 'unknown_ca' }, expected: { verdict: 'accept', code: 'ok' }, mismatch: true });
  });

  it('GET /status: the profile, what it expects of the active scenario, counts by kind and mismatches (kept, not scanned), every port', async () => {
    const r = await fetch(`${base()}/status`);
    expect(r.status).toBe(200);
    const status = (await r.json()) as ControlStatus;
    expect(status).toMatchObject({
      profile: 'intermediate-only',
      scenario: { id: 'control-genuine', hosts: ['api.pinprick.test'], expected: { 'api.pinprick.test': { verdict: 'accept', code: 'ok', profile: 'intermediate-only' } } },
      listen: { host: '127.0.0.1', proxyPort: proxy.proxyPort, tlsPort: proxy.tlsPort, controlHost: '127.0.0.1', controlPort: control.port },
      verdicts: 3,
      mismatches: 2,
    });
    expect(status.verdictsByKind).toMatchObject({ accepted: 2, rejected: 1, timeout: 0 });
    expect(Object.keys(status.verdictsByKind)).toHaveLength(11);
    expect(status.logs).toEqual([{ of: 'verdicts', path: join(tmp.path, 'verdicts.jsonl'), ok: true }]);
  });
});

describe('the control token', () => {
  it('can always be passed as a command-line value: never starts with "-" (a base64url token did, 1 time in 64, and `pinprick use --token` failed)', () => {
    const tokens = Array.from({ length: 2_000 }, newControlToken);
    for (const t of tokens) expect(t).toMatch(/^[0-9a-f]{36}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});

/** One request to a real control server, with the Host and Origin headers as given (a browser, or a page after DNS rebinding). */
function send(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string; json: () => { error?: string } }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/status', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      // The event stream never ends by itself: its status is enough.
      if (res.headers['content-type'] === 'text/event-stream') {
        res.destroy();
        return resolve({ status: res.statusCode ?? 0, body, json: () => ({}) });
      }
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) as { error?: string } }));
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error('no answer')));
    req.end(options.body);
  });
}

describe('control API: Host and Origin allow-list against DNS rebinding (issue 15, finding 4)', () => {
  const tmp = tempDir();
  const token = 'test-token-789';
  let proxy: RunningProxy;
  let control: Awaited<ReturnType<typeof startControl>>;

  beforeAll(async () => {
    const opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    const catalog = loadCatalog(opened.world.spec);
    const present = (s: Scenario) => presentScenario(opened, s);
    proxy = await startProxy({ scenario: await present(findScenario(catalog, 'control-genuine')) });
    control = await startControl({ proxy, catalog, present, world: opened.world, token });
  });
  afterAll(async () => {
    await control.close();
    await proxy.close();
    tmp.cleanup();
  });

  const routes: [method: string, path: string][] = [
    ['GET', '/status'],
    ['GET', '/scenarios'],
    ['GET', '/verdicts'],
    ['GET', '/verdicts/stream'],
    ['GET', '/reports'],
    ['GET', '/ca.pem'],
    ['PUT', '/scenario'],
    ['GET', '/nope'],
  ];

  it.each(routes)('%s %s with the Host of a rebound DNS name is refused: 403 with a JSON error', async (method, path) => {
    const r = await send(control.port, { method, path, headers: { host: `rebind.attacker.example:${control.port}`, authorization: `Bearer ${token}` }, body: method === 'PUT' ? '{"id":"attack-rogue-root"}' : undefined });
    expect(r.status).toBe(403);
    expect(r.json().error).toMatch(/Host 'rebind\.attacker\.example:\d+' is not this control API's address/);
    expect(proxy.scenario().scenario.id).toBe('control-genuine');
  });

  it.each(routes)('%s %s with a foreign Origin (a web page) is refused, whatever the Host: 403', async (method, path) => {
    const r = await send(control.port, { method, path, headers: { host: `127.0.0.1:${control.port}`, origin: 'http://attacker.example', authorization: `Bearer ${token}` }, body: method === 'PUT' ? '{"id":"attack-rogue-root"}' : undefined });
    expect(r.status).toBe(403);
    expect(r.json().error).toMatch(/Origin 'http:\/\/attacker\.example' is not allowed/);
    expect(proxy.scenario().scenario.id).toBe('control-genuine');
  });

  it('accepts the loopback names of its own address, with or without an Origin of its own', async () => {
    for (const host of [`127.0.0.1:${control.port}`, `localhost:${control.port}`, `LOCALHOST:${control.port}`, `[::1]:${control.port}`]) {
      expect((await send(control.port, { headers: { host } })).status, host).toBe(200);
    }
    for (const origin of [`http://127.0.0.1:${control.port}`, `http://localhost:${control.port}`, `http://[::1]:${control.port}`]) {
      expect((await send(control.port, { headers: { host: `127.0.0.1:${control.port}`, origin } })).status, origin).toBe(200);
    }
  });

  it('refuses another port, a missing port, an opaque origin (null) and another scheme', async () => {
    expect((await send(control.port, { headers: { host: `127.0.0.1:${control.port + 1}` } })).status).toBe(403);
    expect((await send(control.port, { headers: { host: '127.0.0.1' } })).status).toBe(403);
    expect((await send(control.port, { headers: { host: `127.0.0.1:${control.port}`, origin: 'null' } })).status).toBe(403);
    expect((await send(control.port, { headers: { host: `127.0.0.1:${control.port}`, origin: `https://127.0.0.1:${control.port}` } })).status).toBe(403);
  });
});

describe('control API: PUT /scenario bodies that are not {"id": "<scenario id>"} (issue 15, finding 4)', () => {
  const tmp = tempDir();
  const token = 'test-token-abc';
  let proxy: RunningProxy;
  let control: Awaited<ReturnType<typeof startControl>>;
  const put = (body: string) => send(control.port, { method: 'PUT', path: '/scenario', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });

  beforeAll(async () => {
    const opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    const catalog = loadCatalog(opened.world.spec);
    const present = (s: Scenario) => presentScenario(opened, s);
    proxy = await startProxy({ scenario: await present(findScenario(catalog, 'control-genuine')) });
    control = await startControl({ proxy, catalog, present, world: opened.world, token });
  });
  afterAll(async () => {
    await control.close();
    await proxy.close();
    tmp.cleanup();
  });

  const rows: [situation: string, body: string, status: number, error: RegExp][] = [
    ['an id whose toString is not a function (was a 500)', '{"id":{"toString":1}}', 400, /"id" must be a string \(a scenario id\), got an object/],
    ['an id that is a number', '{"id":5}', 400, /"id" must be a string \(a scenario id\), got a number/],
    ['no id', '{}', 400, /"id" must be a string \(a scenario id\), got nothing/],
    ['not JSON', '{not json', 400, /the body is not JSON/],
    ['empty', '', 400, /the body is not JSON/],
    ['JSON null', 'null', 400, /the body must be a JSON object \{"id": "<scenario id>"\}, got null/],
    ['a JSON array', '["control-genuine"]', 400, /must be a JSON object .*, got an array/],
    ['a JSON string', '"control-genuine"', 400, /must be a JSON object .*, got a string/],
    ['a body over 64 KiB', JSON.stringify({ id: 'x'.repeat(70_000) }), 413, /the body is over 65536 bytes/],
    ['an unknown id: 404 with the ids', '{"id":"no-such"}', 404, /no scenario 'no-such'/],
  ];
  it.each(rows)('%s: a 4xx answer with a clear message, the scenario unchanged', async (_situation, body, status, error) => {
    const r = await put(body);
    expect(r.status).toBe(status);
    expect(r.json().error).toMatch(error);
    expect(proxy.scenario().scenario.id).toBe('control-genuine');
  });

  it('any JSON body with the token is answered without a server error (property)', async () => {
    // Keys that shadow Object.prototype (toString, valueOf...) are what broke String(id).
    const key = fc.oneof(fc.constantFrom('id', 'toString', 'valueOf', '__proto__', 'constructor', 'hasOwnProperty'), fc.string());
    const object = fc.dictionary(key, fc.jsonValue(), { maxKeys: 4 });
    const id = fc.oneof(fc.jsonValue(), object);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json(), id.map((v) => JSON.stringify({ id: v })), object.map((o) => JSON.stringify(o)), fc.string()), async (body) => {
        const r = await put(body);
        expect(r.status).toBeLessThan(500);
        expect(typeof r.json().error === 'string' || r.status === 200).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
