import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyConfigShape, type ConfigShape } from '../../src/dynamic/adapters.js';
import { parseJws, trustedKey } from '../../src/dynamic/jws.js';
import { openWorld } from '../../src/world/store.js';
import type { World } from '../../src/world/world.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * `pinprick pins --format signed-config` and `--format public-key` (issue 19), checked by the
 * library's verifier with the world's public keys. Every test is one CLI run on the world made in
 * beforeAll: they run concurrently, so the CLIs use both cores while this worker waits on them.
 */
describe.concurrent('pinprick pins --format signed-config', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  let world: World;
  let trusted: ReturnType<typeof trustedKey>[];
  beforeAll(async () => {
    world = (await openWorld({ certsDir })).world;
    trusted = [trustedKey(world.key('config-signing').key), trustedKey(world.key('config-signing-ed25519').key)];
  });
  afterAll(() => tmp.cleanup());
  const pinsOf = (name: string) => world.key(name).pin.sha256;

  it.each<[string, string[], ConfigShape]>([
    ['ES256 compact', [], 'jws'],
    ['EdDSA JSON', ['--alg', 'EdDSA', '--serialization', 'json'], 'jws'],
    ['approov-detached', ['--shape', 'approov-detached'], 'approov-detached'],
    ['approov-detached EdDSA', ['--shape', 'approov-detached', '--alg', 'EdDSA'], 'approov-detached'],
  ])('%s: the output verifies with the world key and carries the pins, hosts, version and expiry asked', async (_what, extra, shape) => {
    const r = await runCli(['pins', 'genuine-intermediate', 'backup-1', '--format', 'signed-config', '--config-version', '7', '--config-expires', '2099-01-01', '--unpin', 'cdn.pinprick.test', ...extra], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    const v = verifyConfigShape(shape, r.stdout, trusted, new Date());
    if (!v.ok) throw new Error(`${v.code}: ${v.reason}`);
    expect(v.config.version).toBe(7);
    expect(v.config.expiresAt.toISOString()).toBe('2099-01-01T00:00:00.000Z');
    expect(v.config.rules.find((rule) => !rule.exempt)?.pins.map((p) => p.value).sort()).toEqual([pinsOf('genuine-intermediate'), pinsOf('backup-1')].sort());
    expect(v.config.rules.find((rule) => rule.exempt)?.domains).toEqual([{ pattern: 'cdn.pinprick.test' }]);
    if (shape === 'jws') expect(parseJws(r.stdout).ok && (parseJws(r.stdout) as { jws: { serialization: string } }).jws.serialization).toBe(extra.includes('json') ? 'json' : 'compact');
  });

  it('dynapins: one domain, the issue time as version', async () => {
    const r = await runCli(['pins', 'genuine-intermediate', 'backup-1', '--format', 'signed-config', '--shape', 'dynapins', '--host', 'api.pinprick.test'], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    const v = verifyConfigShape('dynapins', r.stdout, trusted, new Date());
    expect(v.ok && v.config.version).toBe(v.ok && Math.floor(v.config.issuedAt.getTime() / 1000));
  });

  it('signed with the rogue key on request, which the genuine keys refuse (unknown-key)', async () => {
    const r = await runCli(['pins', 'backup-1', 'genuine-intermediate', '--format', 'signed-config', '--signing-key', 'config-signing-rogue'], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    expect(verifyConfigShape('jws', r.stdout, trusted, new Date())).toMatchObject({ ok: false, code: 'unknown-key' });
  });

  it.each<[string, string[], RegExp]>([
    ['an expiry in the past', ['--config-expires', '2001-01-01'], /not in the future/],
    ['an expiry that is not a date', ['--config-expires', 'soon'], /expected YYYY-MM-DD/],
    ['a negative version', ['--config-version', '-1'], /whole number/],
    ['a key of another algorithm', ['--alg', 'EdDSA', '--signing-key', 'config-signing'], /signs ES256, not --alg EdDSA/],
    ['a key the world does not have', ['--signing-key', 'nope'], /not a key of world/],
    ['dynapins with several hosts', ['--shape', 'dynapins', '--host', 'a.test', 'b.test'], /one domain/],
  ])('refuses %s in one line, exit 2', async (_what, extra, message) => {
    const r = await runCli(['pins', 'backup-1', 'backup-2', '--format', 'signed-config', ...extra], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--format public-key prints the PEM an app embeds, with its pin and kid', async () => {
    const r = await runCli(['pins', 'world:config-signing', 'world:config-signing-ed25519', '--format', 'public-key'], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    const blocks = r.stdout.trim().split(/\n(?=# )/);
    expect(blocks).toHaveLength(2);
    for (const [i, name] of ['config-signing', 'config-signing-ed25519'].entries()) {
      const [comment, ...pem] = blocks[i]!.split('\n');
      expect(comment).toContain(`sha256/${pinsOf(name)}`);
      expect(comment).toContain(`kid ${trusted[i]!.kid}`);
      expect(createPublicKey(pem.join('\n')).export({ type: 'spki', format: 'der' }).equals(trusted[i]!.key.export({ type: 'spki', format: 'der' }))).toBe(true);
    }
  });

  it('--help lists the format and its options', async () => {
    const r = await runCli(['pins', '--help'], { certsDir });
    for (const text of ['signed-config', 'public-key', '--config-version', '--config-expires', '--alg', '--serialization', '--shape', '--device', '--unpin', '--signing-key']) expect(r.stdout, text).toContain(text);
  });
});
