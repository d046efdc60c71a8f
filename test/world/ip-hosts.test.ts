import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { opensslVerify, opensslX509 } from '../helpers/openssl-verify.js';
import { tempDir } from '../helpers/tmp.js';

/*
 * Found by the openssl cross-check: IP literals in a world's hosts must become iPAddress SAN
 * entries. `--hosts 127.0.0.1` is the obvious choice for a local proxy, and no RFC 6125 client
 * matches an IP connection against a dNSName.
 */
const NOW = new Date('2026-03-01T12:00:00Z');

describe('a world whose hosts include IP addresses', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  const cert = (name: string) => join(opened.dir, opened.manifest.certificates[name]!.file);
  beforeAll(async () => {
    opened = await openWorld({ certsDir: tmp.path, hosts: ['localhost', '127.0.0.1', '::1'], now: NOW });
  });
  afterAll(() => tmp.cleanup());

  it('issues the genuine leaf with iPAddress SAN entries for the IP hosts', () => {
    expect(opensslX509(cert('genuine-leaf'), '-ext', 'subjectAltName')).toMatch(/DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1$/);
  });

  it('verifies with openssl -verify_ip 127.0.0.1 and -verify_ip ::1', () => {
    for (const ip of ['127.0.0.1', '::1']) {
      const r = opensslVerify({ caFile: cert('genuine-root'), untrusted: cert('genuine-intermediate'), leaf: cert('genuine-leaf'), at: NOW, ip });
      expect(r.ok, `${ip}: ${r.output}`).toBe(true);
    }
  });
});
