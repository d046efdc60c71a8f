/**
 * Issue 15, finding 7: a --client template that quotes a placeholder again broke silently
 * (`--pinnedpubkey '{pins}'` ran `sha256//B` as a second command). pinprick run now refuses it
 * before anything runs: not the client, not even the world's generation.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('pinprick run refuses a --client template with a placeholder inside quotes', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  let n = 0;

  it.each([
    ["--pinnedpubkey '{pins}'", "{pins} is inside single quotes at column 26; placeholders are shell-quoted already: write {pins}, not '{pins}'"],
    ['"{url}"', '{url} is inside double quotes at column 11; placeholders are shell-quoted already: write {url}, not "{url}"'],
    ['-H "X-Pins: {pins}" {url}', '{pins} is inside double quotes at column 22; placeholders are shell-quoted already: write "X-Pins: "{pins}, not "X-Pins: {pins}"'],
  ])('%s: one line saying why and what to write, exit 2, nothing run', async (tail, message) => {
    const certsDir = join(tmp.path, `certs${n++}`);
    const ran = join(tmp.path, `ran${n++}`);
    const r = await runCli(['run', '--client', `curl -sS ${tail}; touch ${ran}`, '--report', join(tmp.path, `r${n++}`)], { certsDir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`pinprick: --client: ${message}\n`);
    expect(existsSync(ran)).toBe(false);
    expect(existsSync(certsDir)).toBe(false);
  });

  it('--rerun-failed with a report whose client quotes a placeholder: refused the same way, naming the report', async () => {
    const certsDir = join(tmp.path, `certs${n++}`);
    const dir = join(tmp.path, `old${n++}`);
    // A real report (nothing passes with `true`), its client then edited as an older pinprick allowed.
    const first = await runCli(['run', '--client', 'true', '--scenarios', 'control-genuine', '--grace', '200', '--report', dir], { certsDir });
    expect(first.code, first.stderr).toBe(3);
    const ran = join(tmp.path, `ran${n++}`);
    const file = join(dir, 'report.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), client: `curl '{url}'; touch ${ran}` }));
    const r = await runCli(['run', '--rerun-failed', dir], { certsDir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(`pinprick: ${file}: client: {url} is inside single quotes at column 7; placeholders are shell-quoted already: write {url}, not '{url}' (give --client to run another)\n`);
    expect(existsSync(ran)).toBe(false);
  });
});
