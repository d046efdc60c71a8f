/**
 * `--intercept-all` per-host leaves and the names a peer chooses (issue 15, finding 5): a real
 * proxy on 127.0.0.1 and real Node TLS clients. The SNI (or the CONNECT host) becomes a
 * certificate subject signed by the genuine intermediate, so it must be a DNS host name, and the
 * subject is built as one commonName attribute, never parsed from text.
 */
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/model/index.js';
import { LeafCache } from '../../src/proxy/leaf-cache.js';
import { startProxy, type RunningProxy } from '../../src/proxy/server.js';
import type { ConnectionVerdict } from '../../src/proxy/connection-record.js';
import { presentScenario } from '../../src/scenario/materialize.js';
import { findScenario, loadCatalog } from '../../src/scenario/scenario.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

/** How a TLS client fared: the certificate it was shown (DER), or the error code it got. */
interface Outcome {
  der?: Buffer;
  error?: string;
}

/** A TLS client through CONNECT `authority`, with `servername` as its SNI (none when undefined). */
function throughConnect(proxy: RunningProxy, authority: string, servername: string | undefined): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = netConnect(proxy.proxyPort, '127.0.0.1', () => s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
    s.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    s.setTimeout(5_000, () => s.destroy(new Error('timeout')));
    s.once('data', (head: Buffer) => {
      if (!head.toString('latin1').startsWith('HTTP/1.1 200')) return resolve({ error: head.toString('latin1').split('\r\n')[0] });
      s.setTimeout(0);
      const t = tlsConnect({ socket: s, rejectUnauthorized: false, ...(servername === undefined ? {} : { servername }) });
      t.setTimeout(5_000, () => t.destroy(new Error('timeout')));
      t.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
      t.once('secureConnect', () => {
        const der = t.getPeerCertificate().raw;
        t.end('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        resolve({ der });
      });
    });
  });
}

/** A TLS client to the direct listener with this SNI. */
function direct(proxy: RunningProxy, servername: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const t = tlsConnect({ host: '127.0.0.1', port: proxy.tlsPort, servername, rejectUnauthorized: false });
    t.setTimeout(5_000, () => t.destroy(new Error('timeout')));
    t.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    t.once('secureConnect', () => {
      const der = t.getPeerCertificate().raw;
      t.end();
      resolve({ der });
    });
  });
}

/** The record of a connection made after `before` records, found by what it asked for (records of earlier connections may still come), bounded. */
async function recordOf(proxy: RunningProxy, before: number, asked: { sni?: string; target?: string }): Promise<ConnectionVerdict | undefined> {
  const match = (v: ConnectionVerdict) => v.id > before && (asked.sni === undefined || v.sni === asked.sni) && (asked.target === undefined || v.target === asked.target);
  const deadline = Date.now() + 5_000;
  while (!proxy.verdicts.recent().some(match) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return proxy.verdicts.recent().find(match);
}

describe('--intercept-all and the names a peer chooses (issue 15, finding 5)', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let proxy: RunningProxy;

  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    const scenario = await presentScenario(opened, findScenario(loadCatalog(opened.world.spec), 'control-genuine'));
    proxy = await startProxy({ scenario, interceptAll: true, world: opened.world, graceMs: 300 });
  });
  afterAll(async () => {
    await proxy.close();
    tmp.cleanup();
  });

  const INJECTED = 'evil.test,O=Injected+OU=x';

  it('an SNI that would inject RDNs gets no certificate: refused with an unrecognized_name alert, recorded malformed', async () => {
    const before = proxy.verdicts.lastId;
    const out = await throughConnect(proxy, 'evil.test:443', INJECTED);
    expect(out.der).toBeUndefined();
    expect(out.error).toMatch(/UNRECOGNIZED_NAME/);
    const v = await recordOf(proxy, before, { sni: INJECTED });
    expect(v).toMatchObject({ kind: 'malformed', via: 'connect', sni: INJECTED, target: 'evil.test:443' });
    expect(v!.detail).toBe(`refused with an unrecognized_name alert: the SNI '${INJECTED}' is not a DNS host name ('test,O=Injected+OU=x' has a character other than a letter, digit or hyphen), so no certificate was issued for it`);
    expect(v!.chainPins).toEqual([]);
  });

  it('the same on the direct listener', async () => {
    const before = proxy.verdicts.lastId;
    const out = await direct(proxy, INJECTED);
    expect(out.error).toMatch(/UNRECOGNIZED_NAME/);
    expect(await recordOf(proxy, before, { sni: INJECTED })).toMatchObject({ kind: 'malformed', via: 'direct', sni: INJECTED });
  });

  it('a CONNECT host that is not a host name, with no SNI, is refused the same way', async () => {
    const before = proxy.verdicts.lastId;
    const out = await throughConnect(proxy, 'evil.test,O=x:443', undefined);
    expect(out.error).toMatch(/UNRECOGNIZED_NAME/);
    const v = await recordOf(proxy, before, { target: 'evil.test,O=x:443' });
    expect(v).toMatchObject({ kind: 'malformed', target: 'evil.test,O=x:443' });
    expect(v!.detail).toMatch(/^refused with an unrecognized_name alert: the CONNECT host 'evil\.test,O=x' is not a DNS host name/);
  });

  it('a valid SNI gets a leaf whose subject is exactly one RDN of one commonName, the SNI, under the genuine intermediate', async () => {
    const before = proxy.verdicts.lastId;
    const out = await throughConnect(proxy, 'www.example.org:443', 'www.example.org');
    expect(out.error).toBeUndefined();
    const leaf = parseCertificate(out.der!);
    expect(leaf.subject.rdns).toEqual([[expect.objectContaining({ type: 'CN', value: 'www.example.org' })]]);
    expect(leaf.subjectAltName?.dns).toEqual(['www.example.org']);
    expect(leaf.issuer.display).toBe(opened.world.cert('genuine-intermediate').x509.subject.split('\n').join(', '));
    expect(await recordOf(proxy, before, { sni: 'www.example.org' })).toMatchObject({ kind: 'accepted', sni: 'www.example.org' });
  });

  it('an IP address as the CONNECT host (no SNI) still gets its leaf, with an iPAddress entry', async () => {
    const out = await throughConnect(proxy, '192.0.2.1:443', undefined);
    expect(out.error).toBeUndefined();
    const leaf = parseCertificate(out.der!);
    expect(leaf.subject.rdns).toEqual([[expect.objectContaining({ type: 'CN', value: '192.0.2.1' })]]);
    expect(leaf.subjectAltName?.ip).toEqual(['192.0.2.1']);
  });
});

describe('LeafCache refuses to issue for a name that is not a host name (whoever asks)', () => {
  it('rejects, and issues nothing', async () => {
    const tmp = tempDir();
    try {
      const { world } = await openWorld({ certsDir: join(tmp.path, 'certs') });
      const cache = new LeafCache(world, 4);
      await expect(cache.get('evil.test,O=Injected+OU=x')).rejects.toThrow(/not a DNS host name/);
      expect(cache.size).toBe(0);
    } finally {
      tmp.cleanup();
    }
  });

  it("one name, two hierarchies: the genuine and the rogue leaf are issued and cached apart, each under its own intermediate", async () => {
    const tmp = tempDir();
    try {
      const { world } = await openWorld({ certsDir: join(tmp.path, 'certs') });
      const cache = new LeafCache(world, 4);
      const genuine = await cache.get('config.test');
      const rogue = await cache.get('config.test', 'rogue');
      expect(genuine.pins).toEqual([world.key('genuine-leaf').pin.sha256, world.cert('genuine-intermediate').pin.sha256]);
      expect(rogue.pins).toEqual([world.key('rogue-leaf').pin.sha256, world.cert('rogue-intermediate').pin.sha256]);
      expect(cache.size).toBe(2);
      expect(await cache.get('config.test', 'genuine')).toBe(genuine);
      expect(await cache.get('config.test', 'rogue')).toBe(rogue);
    } finally {
      tmp.cleanup();
    }
  });
});
