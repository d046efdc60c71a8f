/**
 * Input limits through the real CLI (issue 15, finding 8): a file over its limit is one line
 * `file: ... (limit N)` and exit 2, before any parsing; a file just under its limit is read;
 * inputs that took minutes before (thousands of certificates, BEGIN lines without an END) answer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_LINE_BYTES } from '../../src/cli/commands/verify-batch.js';
import { MAX_SOURCE_BYTES } from '../../src/scenario/source.js';
import { MAX_CERTIFICATE_FILE_BYTES, pemOf } from '../../src/world/pem.js';
import { openWorld } from '../../src/world/store.js';
import type { World } from '../../src/world/world.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** `text` padded with a comment line to exactly `bytes` bytes. */
function padTo(text: string, bytes: number, comment = '#'): string {
  return `${text}${comment} ${'x'.repeat(bytes - Buffer.byteLength(text) - comment.length - 2)}\n`;
}

describe('input limits, through the CLI', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  let world: World;
  const file = (name: string, text: string | Buffer) => {
    const path = join(tmp.path, name);
    writeFileSync(path, text);
    return path;
  };
  const pem = (name: string) => pemOf(world.cert(name).der, 'CERTIFICATE');
  beforeAll(async () => {
    world = (await openWorld({ certsDir })).world;
  });
  afterAll(() => tmp.cleanup());

  const SCENARIO = 'id: big\ntitle: t\ncategory: control\ndescription: d\nchain: [genuine-leaf, genuine-intermediate]\n';

  it('a scenario file over 1 MiB: one line naming the file and the limit, exit 2; at the limit it is valid', async () => {
    const dir = join(tmp.path, 'scenarios');
    const over = file('over.yaml', padTo(SCENARIO, MAX_SOURCE_BYTES + 1));
    const v = await runCli(['scenarios', 'validate', over], { certsDir });
    expect(v.code).toBe(2);
    expect(v.stderr.split('\n')[0]).toBe(`${over}:1:1: too large for a scenario file: ${MAX_SOURCE_BYTES + 1} bytes (limit ${MAX_SOURCE_BYTES} bytes)`);
    // Loaded as part of a folder (run, serve, list): one line, exit 2.
    mkdirSync(dir);
    writeFileSync(join(dir, 'over.yaml'), padTo(SCENARIO, MAX_SOURCE_BYTES + 1));
    const l = await runCli(['scenarios', 'list', '--scenarios', dir], { certsDir });
    expect(l.code).toBe(2);
    expect(l.stderr).toBe(`pinprick: ${join(dir, 'over.yaml')}:1:1: too large for a scenario file: ${MAX_SOURCE_BYTES + 1} bytes (limit ${MAX_SOURCE_BYTES} bytes)\n`);
    const at = file('at.yaml', padTo(SCENARIO, MAX_SOURCE_BYTES));
    const ok = await runCli(['scenarios', 'validate', at], { certsDir });
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('a profile file over 1 MiB: one line, exit 2; at the limit it is valid', async () => {
    const head = 'id: big\npins: [genuine-intermediate, backup-1]\n';
    const over = file('profile-over.yaml', padTo(head, MAX_SOURCE_BYTES + 1));
    const r = await runCli(['profiles', 'validate', over], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`${over}:1:1: too large for a profile file: ${MAX_SOURCE_BYTES + 1} bytes (limit ${MAX_SOURCE_BYTES} bytes)`);
    const v = await runCli(['verify', file('leaf.pem', pem('genuine-leaf')), '--roots', file('root.pem', pem('genuine-root')), '--profile', over], { certsDir });
    expect(v.code).toBe(2);
    expect(v.stderr).toBe(`pinprick: ${over}:1:1: too large for a profile file: ${MAX_SOURCE_BYTES + 1} bytes (limit ${MAX_SOURCE_BYTES} bytes)\n`);
    const ok = await runCli(['profiles', 'validate', file('profile-at.yaml', padTo(head, MAX_SOURCE_BYTES))], { certsDir });
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('a certificate file over 16 MiB: one line for pins and for verify, exit 2; at the limit it is read', async () => {
    const over = file('over.pem', padTo(pem('genuine-leaf'), MAX_CERTIFICATE_FILE_BYTES + 1));
    const p = await runCli(['pins', over], { certsDir });
    expect(p.code).toBe(2);
    expect(p.stderr).toBe(`pinprick: ${over}: too large for a certificate or key file: ${MAX_CERTIFICATE_FILE_BYTES + 1} bytes (limit ${MAX_CERTIFICATE_FILE_BYTES} bytes)\n`);
    const leaf = file('leaf.pem', pem('genuine-leaf'));
    const v = await runCli(['verify', leaf, '--roots', over], { certsDir });
    expect(v.code).toBe(2);
    expect(v.stderr).toBe(`pinprick: ${over}: too large for a certificate file: ${MAX_CERTIFICATE_FILE_BYTES + 1} bytes (limit ${MAX_CERTIFICATE_FILE_BYTES} bytes)\n`);
    const at = file('at.pem', padTo(pem('genuine-leaf'), MAX_CERTIFICATE_FILE_BYTES));
    const ok = await runCli(['pins', at], { certsDir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.split('\n')[0]).toContain(world.cert('genuine-leaf').pin.sha256);
  });

  it('a device or pipe is cut at the limit, not read to its end (/dev/zero never ends)', async () => {
    const r = await runCli(['pins', '/dev/zero'], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`pinprick: /dev/zero: too large for a certificate or key file: more than ${MAX_CERTIFICATE_FILE_BYTES} bytes (limit ${MAX_CERTIFICATE_FILE_BYTES} bytes)\n`);
    const s = await runCli(['scenarios', 'validate', '/dev/zero'], { certsDir });
    expect(s.code).toBe(2);
    expect(s.stderr.split('\n')[0]).toBe(`/dev/zero:1:1: too large for a scenario file: more than ${MAX_SOURCE_BYTES} bytes (limit ${MAX_SOURCE_BYTES} bytes)`);
  });

  it('4,000 certificates in one PEM file (15.5 s before the fix): a pin for each, in file order', async () => {
    const names = ['genuine-leaf', 'genuine-intermediate', 'genuine-root', 'rogue-leaf'];
    const many = file('many.pem', Array.from({ length: 4000 }, (_, i) => `# ${i}\n${pem(names[i % 4]!)}`).join(''));
    const r = await runCli(['pins', many], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    const pins = r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]);
    expect(pins).toEqual(Array.from({ length: 4000 }, (_, i) => world.cert(names[i % 4]!).pin.sha256));
  });

  it('BEGIN lines that never end, up to the limit (hours before the fix): the usual one line, exit 2', async () => {
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < MAX_CERTIFICATE_FILE_BYTES - 100; i++) {
      const l = `-----BEGIN X${i.toString(36).toUpperCase()}-----\n`;
      lines.push(l);
      size += l.length;
    }
    const path = file('unended.pem', lines.join(''));
    const r = await runCli(['verify', path, '--roots', path], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`pinprick: ${path}: not a certificate (no CERTIFICATE block in the PEM text)\n`);
  });

  it('verify --batch: a line over 16 MiB gets an error answer naming its length and the limit; the lines around it are answered', async () => {
    const good = JSON.stringify({ peer: pem('genuine-leaf'), chain: [pem('genuine-intermediate')], roots: [pem('genuine-root')] });
    const long = JSON.stringify({ peer: pem('genuine-leaf'), roots: ['x'.repeat(MAX_BATCH_LINE_BYTES)] });
    const r = await runCli(['verify', '--batch'], { certsDir, input: `${good}\n${long}\n${good}\n` });
    expect(r.code, r.stderr).toBe(0);
    const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { line: number; code?: string; error?: string });
    expect(answers.map((a) => [a.line, a.code ?? a.error])).toEqual([
      [1, 'ok'],
      [2, `too long: ${Buffer.byteLength(long)} bytes (limit ${MAX_BATCH_LINE_BYTES} bytes); expected one JSON object per line`],
      [3, 'ok'],
    ]);
  });
});
