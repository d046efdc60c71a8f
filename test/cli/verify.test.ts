import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemOf } from '../../src/world/pem.js';
import { openWorld } from '../../src/world/store.js';
import type { World } from '../../src/world/world.js';
import { runCli } from '../helpers/cli.js';
import { opensslStatus } from '../helpers/openssl.js';
import { tempDir } from '../helpers/tmp.js';

describe('pinprick verify', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  let world: World;
  const file = (name: string, ...certs: string[]) => {
    const path = join(tmp.path, name);
    writeFileSync(path, certs.map((c) => pemOf(world.cert(c).der, 'CERTIFICATE')).join(''));
    return path;
  };
  let leaf: string, chain: string, roots: string, stuffed: string, rogueLeaf: string;
  beforeAll(async () => {
    world = (await openWorld({ certsDir })).world;
    leaf = file('leaf.pem', 'genuine-leaf');
    chain = file('chain.pem', 'genuine-intermediate');
    roots = file('roots.pem', 'genuine-root', 'rogue-root');
    rogueLeaf = file('rogue-leaf.pem', 'rogue-leaf');
    stuffed = file('stuffed.pem', 'rogue-intermediate', 'genuine-intermediate', 'genuine-root');
  });
  afterAll(() => tmp.cleanup());

  it('accepts (exit 0) when a pin is on the validated path, and agrees with openssl that the chain validates', async () => {
    const r = await runCli(['verify', leaf, '--chain', chain, '--roots', roots, '--host', 'api.pinprick.test', '--pins', `sha256//${world.key('genuine-intermediate').pin.sha256}`], { certsDir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verdict: ACCEPT \(ok\)/);
    expect(opensslStatus(['verify', '-CAfile', roots, '-untrusted', chain, '-verify_hostname', 'api.pinprick.test', leaf]).status).toBe(0);
  });

  it('rejects (exit 1) pin stuffing: the pinned intermediate and root were sent but are not on the validated path', async () => {
    const r = await runCli(['verify', rogueLeaf, '--chain', stuffed, '--roots', roots, '--host', 'api.pinprick.test', '--pins', `sha256//${world.key('genuine-intermediate').pin.sha256};sha256//${world.key('genuine-root').pin.sha256}`, '--json'], { certsDir });
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout);
    expect(v).toMatchObject({ expected: 'reject', code: 'pin-mismatch', validation: { ok: true } });
    expect(opensslStatus(['verify', '-CAfile', roots, '-untrusted', stuffed, '-verify_hostname', 'api.pinprick.test', rogueLeaf]).status).toBe(0);
  });

  it('never accepts a pinned key on a path that fails validation (wrong host)', async () => {
    const r = await runCli(['verify', leaf, '--chain', chain, '--roots', roots, '--host', 'other.test', '--pins', `sha256//${world.key('genuine-leaf').pin.sha256}`], { certsDir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/REJECT \(hostname-mismatch\)/);
  });

  it('checks validity at --at', async () => {
    const r = await runCli(['verify', leaf, '--chain', chain, '--roots', roots, '--at', '2099-01-01T00:00:00Z'], { certsDir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/REJECT \(expired\)/);
  });

  it('--batch answers one line per input line, in order, with an error result for a bad line', async () => {
    const pem = (n: string) => pemOf(world.cert(n).der, 'CERTIFICATE');
    const good = JSON.stringify({ peer: pem('genuine-leaf'), chain: [pem('genuine-intermediate')], roots: [pem('genuine-root')], host: 'api.pinprick.test', pins: [`sha256//${world.key('backup-1').pin.sha256}`] });
    const r = await runCli(['verify', '--batch'], { certsDir, input: `${good}\nnot json\n${JSON.stringify({ peer: 'x', roots: [] })}\n` });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ expected: 'reject', code: 'pin-mismatch' });
    expect(lines[1]).toEqual({ error: 'not a JSON object' });
    expect(lines[2].error).toMatch(/CERTIFICATE|certificate/);
  });

  it('bad input is one line and exit 2', async () => {
    const r = await runCli(['verify', leaf, '--roots', join(tmp.path, 'missing.pem')], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pinprick: .*missing\.pem: cannot read the roots \(ENOENT\)\n$/);
    const bad = await runCli(['verify', leaf, '--roots', roots, '--pins', 'sha256//short'], { certsDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected sha256\/\/BASE64/);
  });
});
