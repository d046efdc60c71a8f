import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemOf } from '../../src/world/pem.js';
import { openWorld } from '../../src/world/store.js';
import type { World } from '../../src/world/world.js';
import { readPolicy } from '../../src/policy/registry.js';
import { runCli } from '../helpers/cli.js';
import { opensslPin } from '../helpers/openssl.js';
import { tempDir } from '../helpers/tmp.js';

// Every test runs the CLI on files it writes under its own name (or the world made in beforeAll,
// or the TLS server its describe starts): they run concurrently, so the spawned CLIs use both
// cores while this worker waits on them.
describe.concurrent('pinprick pins', () => {
  const tmp = tempDir();
  let world: World;
  let chainFile: string;
  const certsDir = join(tmp.path, 'certs');

  beforeAll(async () => {
    world = (await openWorld({ certsDir })).world;
    chainFile = join(tmp.path, 'chain.pem');
    writeFileSync(chainFile, ['genuine-leaf', 'genuine-intermediate', 'genuine-root'].map((n) => pemOf(world.cert(n).der, 'CERTIFICATE')).join(''));
  });
  afterAll(() => tmp.cleanup());

  it('prints the pin of every certificate of a PEM chain, in file order, equal to openssl', async () => {
    const r = await runCli(['pins', chainFile], { certsDir });
    expect(r.code).toBe(0);
    const pins = r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]);
    const expected = ['genuine-leaf', 'genuine-intermediate', 'genuine-root'].map((n) => opensslPin(pemOf(world.cert(n).der, 'CERTIFICATE')));
    expect(pins).toEqual(expected);
    expect(r.stdout).toContain('[0] CN=api.pinprick.test');
  });

  it('reads a DER certificate and a PEM public key', async () => {
    const der = join(tmp.path, 'leaf.cer');
    writeFileSync(der, world.cert('genuine-leaf').der);
    const pub = join(tmp.path, 'backup.pub.pem');
    writeFileSync(pub, createPublicKey(world.key('backup-1').key).export({ type: 'spki', format: 'pem' }) as string);
    const r = await runCli(['pins', der, pub, '--format', 'json'], { certsDir });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { pinSha256: string }[];
    expect(json.map((e) => e.pinSha256)).toEqual([world.cert('genuine-leaf').pin.sha256, world.key('backup-1').pin.sha256]);
  });

  it('takes world certificates and keys by name, backup keys included', async () => {
    const r = await runCli(['pins', 'genuine-intermediate', 'world:backup-1', '--format', 'json', '--sha1'], { certsDir });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { name: string; pinSha256: string; pinSha1: string }[];
    expect(json).toMatchObject([
      { name: 'genuine-intermediate', pinSha256: world.key('genuine-intermediate').pin.sha256, pinSha1: world.key('genuine-intermediate').pin.sha1 },
      { name: 'backup-1', pinSha256: world.key('backup-1').pin.sha256 },
    ]);
  });

  it('writes every client format with the pins in it', async () => {
    const inter = world.key('genuine-intermediate').pin.sha256;
    const backup = world.key('backup-1').pin.sha256;
    const run = async (format: string, ...extra: string[]) => {
      const r = await runCli(['pins', 'genuine-intermediate', 'backup-1', '--format', format, ...extra], { certsDir });
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    // One CLI run per format, all at once.
    const [hpkp, okhttp, android, trustkit, ats, rn, curl] = await Promise.all([
      run('hpkp', '--include-subdomains', '--max-age', '600'),
      run('okhttp'),
      run('android', '--expiration', '2030-01-31'),
      run('trustkit'),
      run('ats'),
      run('react-native', '--expiration', '2030-01-31'),
      run('curl'),
    ]);
    expect(hpkp).toBe(`Public-Key-Pins: pin-sha256="${inter}"; pin-sha256="${backup}"; max-age=600; includeSubDomains\n`);
    expect(okhttp).toContain('.add("api.pinprick.test",');
    expect(okhttp).toContain(`"sha256/${inter}"`);
    expect(okhttp).toContain(`"sha256/${backup}"`);
    expect(android).toContain('<pin-set expiration="2030-01-31">');
    expect(android).toContain(`<pin digest="SHA-256">${backup}</pin>`);
    expect(android).toContain('<domain>api.pinprick.test</domain>');
    expect(trustkit).toContain('<key>TSKPinnedDomains</key>');
    expect(trustkit).toContain(`<string>${inter}</string>`);
    // Apple ATS: the intermediate (a CA certificate) and the backup key are CA identities.
    expect(ats).toContain('<key>NSPinnedCAIdentities</key>');
    expect(ats).toContain(`<string>${backup}</string>`);
    expect(ats).not.toContain('NSPinnedLeafIdentities');
    expect(rn).toContain("initializeSslPinning({");
    expect(rn).toContain(`'${inter}'`);
    expect(rn).toContain("expirationDate: '2030-01-31'");
    // Every snippet is read back by its own reader to the same pins: one definition of each format.
    for (const [format, text] of [['okhttp', okhttp], ['android-nsc', android], ['trustkit', trustkit], ['ats', ats], ['react-native', rn]] as const) {
      const read = readPolicy(`snippet.${format}`, text, format);
      expect(read.policy.rules.flatMap((r) => r.pins.map((p) => p.value)), format).toEqual([inter, backup]);
    }
    expect(curl).toBe(`curl --pinnedpubkey 'sha256//${inter};sha256//${backup}' 'https://api.pinprick.test/'\n`);
  });

  it('warns when a pin set has no backup pin', async () => {
    const r = await runCli(['pins', 'genuine-leaf', '--format', 'hpkp'], { certsDir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/single pin has no backup/);
  });

  describe('against a live local TLS server', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      // Served on purpose in an unusual order with a duplicate: the output must follow the wire.
      const served = ['genuine-leaf', 'genuine-root', 'genuine-intermediate', 'genuine-intermediate'];
      server = createServer({
        key: world.key('genuine-leaf').key.export({ type: 'pkcs8', format: 'pem' }),
        cert: served.map((n) => pemOf(world.cert(n).der, 'CERTIFICATE')).join(''),
      });
      server.on('secureConnection', (s) => {
        s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'));
        s.on('error', () => undefined);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('prints the pins of the chain exactly as served', async () => {
      const r = await runCli(['pins', `127.0.0.1:${port}`, '--sni', 'api.pinprick.test'], { certsDir });
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^# 127\.0\.0\.1:\d+ served 4 certificates \(TLSv1\.3, .*SNI api\.pinprick\.test\)/);
      expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(
        ['genuine-leaf', 'genuine-root', 'genuine-intermediate', 'genuine-intermediate'].map((n) => world.cert(n).pin.sha256),
      );
    });

    it('gives curl a --pinnedpubkey that curl accepts for that server', async () => {
      const r = await runCli(['pins', `127.0.0.1:${port}`, '--format', 'curl'], { certsDir });
      expect(r.code).toBe(0);
      const pinned = /--pinnedpubkey '([^']+)'/.exec(r.stdout)?.[1];
      // Every distinct key served, leaf first; curl only ever matches the leaf, and says so.
      expect(pinned?.split(';')).toEqual(['genuine-leaf', 'genuine-root', 'genuine-intermediate'].map((n) => `sha256//${world.cert(n).pin.sha256}`));
      expect(r.stderr).toMatch(/checks only the server's leaf key/);
      const root = join(tmp.path, 'root.pem');
      writeFileSync(root, pemOf(world.cert('genuine-root').der, 'CERTIFICATE'));
      const curl = (pin: string) =>
        new Promise<number>((resolve) => {
          const args = ['-sS', '--max-time', '10', '--cacert', root, '--capath', join(tmp.path, 'no-such-dir'), '--resolve', `api.pinprick.test:${port}:127.0.0.1`];
          execFile('curl', [...args, '--pinnedpubkey', pin, `https://api.pinprick.test:${port}/`], (err) => resolve(err ? Number((err as { code?: number }).code) : 0));
        });
      expect(await curl(pinned!)).toBe(0);
      // 90 = CURLE_SSL_PINNEDPUBKEYNOTMATCH: the same command with another key's pin is refused.
      expect(await curl(`sha256//${world.key('backup-1').pin.sha256}`)).toBe(90);
    });
  });

  describe('bad input: one clear line, exit 2, no stack trace', () => {
    beforeAll(() => writeFileSync(join(tmp.path, 'NOTCERT'), 'hello, not a certificate\n'));
    const cases: [string, string[], RegExp][] = [
      ['a missing file', ['missing.pem'], /missing\.pem: no such file/],
      ['a file that is not a certificate', ['NOTCERT'], /not a certificate or key/],
      ['an unreachable endpoint', ['127.0.0.1:1'], /cannot connect to 127\.0\.0\.1:1/],
      ['an unknown world name', ['no-such-entry'], /'no-such-entry' is not a certificate or key of world 'default'/],
      ['an unknown format', ['genuine-leaf', '--format', 'xml'], /Invalid values|Choices/],
      ['a bad expiration date', ['genuine-leaf', '--format', 'android', '--expiration', 'soon'], /expected YYYY-MM-DD/],
    ];
    for (const [what, args, message] of cases) {
      it(`for ${what}`, async () => {
        const notCert = join(tmp.path, 'NOTCERT');
        const r = await runCli(['pins', ...args.map((a) => (a === 'NOTCERT' ? notCert : a))], { certsDir, cwd: tmp.path });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(r.stdout).toBe('');
      });
    }
  });
});
