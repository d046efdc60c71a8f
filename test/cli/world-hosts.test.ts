/**
 * Issue 15, finding 6: `world init --hosts` took any string and stored it in the manifest, and
 * `{host}` in a run's --client template then carried it into a shell. World hosts are now checked
 * as scenario hosts are (one definition: HOST_PATTERN in src/world/spec.ts), from --hosts and from
 * a manifest edited by hand alike.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('pinprick world init --hosts: DNS names and IP addresses only', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  let n = 0;

  it.each([
    ['a command substitution', 'api.example.test,$(touch /tmp/pwned).test', '"$(touch /tmp/pwned).test"'],
    ['a backquote', '`id`.example.test', '"`id`.example.test"'],
    ['a quote and a space', "x' y", `"x' y"`],
    ['a semicolon', 'a.test;rm', '"a.test;rm"'],
    ['a newline', 'a.test\nb', '"a.test\\nb"'],
  ])('%s: one line naming it, exit 2, nothing written', async (_what, hosts, shown) => {
    const certsDir = join(tmp.path, `certs${n++}`);
    const r = await runCli(['world', 'init', '--hosts', hosts], { certsDir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^pinprick: [^\n]+\n$/);
    expect(r.stderr).toContain(`--hosts ${shown}: not a host name or IP address`);
    expect(existsSync(certsDir)).toBe(false);
  });

  it('DNS names, a wildcard and IP addresses (v4, v6) are fine', async () => {
    const certsDir = join(tmp.path, `certs${n++}`);
    const r = await runCli(['world', 'init', '--hosts', 'api.example.test,*.cdn.example.test,127.0.0.1,::1', '--json'], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).hosts).toEqual(['api.example.test', '*.cdn.example.test', '127.0.0.1', '::1']);
  });

  it('a host in a manifest edited by hand is refused the same way, naming the manifest', async () => {
    const certsDir = join(tmp.path, `certs${n++}`);
    expect((await runCli(['world', 'init'], { certsDir })).code).toBe(0);
    const manifest = join(certsDir, 'default', 'manifest.json');
    const m = JSON.parse(readFileSync(manifest, 'utf8'));
    m.hosts = ['api.pinprick.test', '$(id).test'];
    writeFileSync(manifest, JSON.stringify(m, null, 2));
    const before = readFileSync(manifest, 'utf8');
    for (const args of [['world', 'show'], ['world', 'init'], ['scenarios', 'explain', 'control-genuine']]) {
      const r = await runCli(args, { certsDir });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^pinprick: [^\n]+\n$/);
      expect(r.stderr).toContain(`${manifest}: hosts[1] "$(id).test": not a host name or IP address`);
    }
    expect(readFileSync(manifest, 'utf8')).toBe(before);
    // --hosts given anew replaces them: the way out the message names.
    const fixed = await runCli(['world', 'init', '--hosts', 'api.pinprick.test'], { certsDir });
    expect(fixed.code, fixed.stderr).toBe(0);
  });
});
