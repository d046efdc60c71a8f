import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../src/proxy/server.js';
import type { ConnectionVerdict } from '../../src/proxy/connection-record.js';
import { presentScenario, worldTrust } from '../../src/scenario/materialize.js';
import { findScenario, loadCatalog, type Scenario } from '../../src/scenario/scenario.js';
import { pemOf } from '../../src/world/pem.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

// The reference clients of examples/clients/ against pinprick's real proxy. The naive client
// imports dist/proxy/tls-wire.js: `npm test` builds dist/ before the suite.
const HOST = 'api.pinprick.test';
const CLIENTS = {
  correct: fileURLToPath(new URL('../../examples/clients/correct-client.mjs', import.meta.url)),
  naive: fileURLToPath(new URL('../../examples/clients/naive-client.mjs', import.meta.url)),
};
type ClientName = keyof typeof CLIENTS;
type Mode = 'proxy' | 'direct';
const MODES: Mode[] = ['proxy', 'direct'];

interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous on purpose: the proxy lives in this process and must keep serving while the child runs. */
function runNode(script: string, args: string[], timeoutMs = 15_000): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

describe('reference clients (examples/clients) against the real proxy', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let catalog: Scenario[];
  let proxy: RunningProxy;
  let roots: string;
  let pins: string;
  const pinOf = (key: string) => `sha256//${opened.world.key(key).pin.sha256}`;

  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    catalog = loadCatalog(opened.world.spec);
    proxy = await startProxy({
      scenario: await presentScenario(opened, findScenario(catalog, 'control-genuine')),
      graceMs: 1_000,
      handshakeTimeoutMs: 1_500,
    });
    roots = join(tmp.path, 'roots.pem');
    writeFileSync(roots, worldTrust(opened.world).map((r) => pemOf(r.der, 'CERTIFICATE')).join(''));
    // The intermediate-backup profile.
    pins = [pinOf('genuine-intermediate'), pinOf('backup-1')].join(';');
  });
  afterAll(async () => {
    await proxy?.close();
    tmp.cleanup();
  });

  const use = async (id: string) => proxy.use(await presentScenario(opened, findScenario(catalog, id)));
  const target = (mode: Mode, id: string) => [
    '--url',
    `https://${HOST}:${proxy.tlsPort}/pinprick/${id}`,
    ...(mode === 'proxy' ? ['--proxy', `http://127.0.0.1:${proxy.proxyPort}`] : ['--connect-to', `127.0.0.1:${proxy.tlsPort}`]),
  ];

  /** Run one client once against the active scenario; returns its output and the proxy's verdict. */
  const run = async (client: ClientName, mode: Mode, id: string, pinList = pins): Promise<ClientRun & { verdict: ConnectionVerdict }> => {
    const verdict = proxy.verdicts.next(() => true, { timeoutMs: 10_000 });
    const result = await runNode(CLIENTS[client], [...target(mode, id), '--cafile', roots, '--pins', pinList, '--timeout', '8000']);
    return { ...result, verdict: await verdict };
  };

  const expectAccept = (r: ClientRun & { verdict: ConnectionVerdict }, id: string) => {
    expect(r.stdout, r.stderr).toBe('ACCEPT HTTP/1.1 200 OK');
    expect(r.code).toBe(0);
    expect(r.verdict).toMatchObject({ kind: 'accepted', scenario: id, requestLine: `GET /pinprick/${id} HTTP/1.1` });
  };
  const expectReject = (r: ClientRun & { verdict: ConnectionVerdict }, reason: string, id: string) => {
    expect(r.stdout, r.stderr).toBe(`REJECT ${reason}`);
    expect(r.code).toBe(1);
    expect(r.verdict.scenario).toBe(id);
    expect(r.verdict.kind).not.toBe('accepted');
    expect(r.verdict.requestLine).toBeUndefined();
  };

  it('both clients accept control-genuine, through the proxy and directly; the proxy records accepted', async () => {
    await use('control-genuine');
    for (const client of ['correct', 'naive'] as const) {
      for (const mode of MODES) {
        const r = await run(client, mode, 'control-genuine');
        expectAccept(r, 'control-genuine');
        expect(r.verdict.via).toBe(mode === 'proxy' ? 'connect' : 'direct');
        expect(r.verdict.sni).toBe(HOST);
      }
    }
  });

  it('both clients reject attack-rogue-root (DigiNotar: trusted, valid, unpinned) after the handshake', async () => {
    await use('attack-rogue-root');
    for (const client of ['correct', 'naive'] as const) {
      for (const mode of MODES) {
        const r = await run(client, mode, 'attack-rogue-root');
        expectReject(r, 'pin-mismatch', 'attack-rogue-root');
        expect(r.verdict.kind).toBe('rejected-after-handshake');
      }
    }
  });

  const STUFFING = ['attack-pin-stuffing', 'attack-pin-stuffing-first', 'attack-pin-stuffing-reversed', 'attack-pin-stuffing-duplicated'];

  it('the correct client rejects every pin-stuffing chain (pins only count on the verified path): rejected-after-handshake', async () => {
    for (const id of STUFFING) {
      await use(id);
      for (const mode of MODES) {
        const r = await run('correct', mode, id);
        expectReject(r, 'pin-mismatch', id);
        // It finishes TLS, sends nothing, then closes: what OkHttp and curl look like on the wire.
        expect(r.verdict.kind, `${id} ${mode}`).toBe('rejected-after-handshake');
      }
    }
  });

  it('the naive client (chain as sent, CVE-2016-2402 / PayPal 2015) accepts every pin-stuffing chain: the bug the harness must catch', async () => {
    for (const id of STUFFING) {
      await use(id);
      for (const mode of MODES) expectAccept(await run('naive', mode, id), id);
    }
  });

  it('both clients reject validation-expired-leaf with Node\'s error code, although every pin matches', async () => {
    await use('validation-expired-leaf');
    for (const client of ['correct', 'naive'] as const) {
      for (const mode of MODES) {
        const r = await run(client, mode, 'validation-expired-leaf');
        expectReject(r, 'CERT_HAS_EXPIRED', 'validation-expired-leaf');
        // Node (TLS 1.3) drops the socket before its Finished: a bare FIN, on a half-open tunnel
        // socket through CONNECT, which the proxy must still record as a refusal, not a timeout.
        expect(r.verdict.kind, mode).toBe('rejected');
        expect(r.verdict.detail).toMatch(/during the handshake/);
      }
    }
  });

  it('both clients reject validation-wrong-host (directly) with the host-name error', async () => {
    await use('validation-wrong-host');
    for (const client of ['correct', 'naive'] as const) {
      expectReject(await run(client, 'direct', 'validation-wrong-host'), 'ERR_TLS_CERT_ALTNAME_INVALID', 'validation-wrong-host');
    }
  });

  it('the correct client accepts rotation-backup-key with genuine-intermediate + backup-1 pins', async () => {
    await use('rotation-backup-key');
    for (const mode of MODES) expectAccept(await run('correct', mode, 'rotation-backup-key'), 'rotation-backup-key');
  });

  it('the correct client bricks on rotation-backup-key without the backup pin (the pins really are checked)', async () => {
    await use('rotation-backup-key');
    const r = await run('correct', 'direct', 'rotation-backup-key', pinOf('genuine-intermediate'));
    expectReject(r, 'pin-mismatch', 'rotation-backup-key');
    expect(r.verdict.kind).toBe('rejected-after-handshake');
  });

  it('empty --pins means validation only: the correct client accepts the trusted rogue chain', async () => {
    await use('attack-rogue-root');
    expectAccept(await run('correct', 'direct', 'attack-rogue-root', ''), 'attack-rogue-root');
  });

  it('bad usage exits 2 with one line on stderr, whose usage names --connect-to', async () => {
    for (const client of ['correct', 'naive'] as const) {
      const missing = await runNode(CLIENTS[client], ['--url', `https://${HOST}/`]);
      expect(missing.code).toBe(2);
      expect(missing.stdout).toBe('');
      expect(missing.stderr.split('\n')).toHaveLength(1);
      expect(missing.stderr).toMatch(/missing --cafile/);
      expect(missing.stderr).toMatch(/--connect-to ADDR:PORT/);

      const badPin = await runNode(CLIENTS[client], ['--url', `https://${HOST}/`, '--cafile', roots, '--pins', 'sha1//abc']);
      expect(badPin.code).toBe(2);
      expect(badPin.stderr.split('\n')).toHaveLength(1);
      expect(badPin.stderr).toMatch(/bad pin "sha1\/\/abc"/);
    }
  });

  it('an unreachable proxy is an error (exit 3, stderr), not a REJECT', async () => {
    const r = await runNode(CLIENTS.correct, ['--url', `https://${HOST}/`, '--proxy', 'http://127.0.0.1:1', '--cafile', roots]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot connect to proxy 127\.0\.0\.1:1: ECONNREFUSED/);
  });
});
