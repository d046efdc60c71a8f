import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const client = (name: string) => `node ${ROOT}examples/clients/${name}-client.mjs --url {url} --proxy {proxy} --cafile {cafile} --pins "$PINPRICK_PINS"`;

describe('pinprick run --client: the exit code CI gates on, and the reports it writes', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const certsDir = join(tmp.path, 'certs');
  const run = (name: string, report: string) =>
    runCli(['run', '--client', client(name), '--scenarios', 'control-genuine', 'attack-pin-stuffing', '--grace', '1000', '--report', join(tmp.path, report)], { certsDir, timeoutMs: 60_000 });

  it('exits 0 when nothing is VULNERABLE or BRICKED (the correct client), with the table on stdout', async () => {
    const r = await run('correct', 'ok');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/attack-pin-stuffing +attack +reject +rejected-after-handshake +1 +PASS/);
    expect(r.stdout).toMatch(/PASS 3, VULNERABLE 0/);
  }, 90_000);

  it('exits 1 when the client is VULNERABLE (the naive client on pin stuffing), and JUnit fails that testcase', async () => {
    const r = await run('naive', 'bad');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/attack-pin-stuffing +attack +reject +accepted +0 +VULNERABLE/);
    const junit = readFileSync(join(tmp.path, 'bad', 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite [^>]*tests="3" failures="1"/);
    expect(junit).toMatch(/name="attack-pin-stuffing"[^>]*>\s*<failure type="VULNERABLE"/);
    const html = readFileSync(join(tmp.path, 'bad', 'report.html'), 'utf8');
    expect(html).toContain('VULNERABLE');
    // Plain progress lines on stderr: the test's stderr is not a TTY.
    expect(r.stderr).toMatch(/^\[\d\/3\] attack-pin-stuffing: VULNERABLE$/m);
  }, 90_000);
});
