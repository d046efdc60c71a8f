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

  it('says what kind of client it is, above the table and in every report: the naive client pins the chain as sent (CVE-2016-2402)', async () => {
    const r = await runCli(['run', '--client', client('naive'), '--scenarios', 'attack-rogue-root', 'attack-pin-stuffing', '--grace', '1000', '--report', join(tmp.path, 'diagnosis')], { certsDir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(1);
    const dir = join(tmp.path, 'diagnosis');
    const line = /diagnosis: this client pins the chain as sent, not the validated path \(CVE-2016-2402\).*\(attack-pin-stuffing\)/;
    expect(r.stdout).toMatch(line);
    expect(r.stdout.search(line)).toBeLessThan(r.stdout.search(/^scenario +category/m));
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { diagnosis: { code: string; scenarios: string[] }[] };
    expect(json.diagnosis).toEqual([expect.objectContaining({ code: 'pins-chain-as-sent', scenarios: ['attack-pin-stuffing'] })]);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/<properties>\s*<property name="diagnosis.pins-chain-as-sent" value="this client pins the chain as sent/);
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/> \*\*Diagnosis:\*\* this client pins the chain as sent/);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/<li class="diagnosis-pins-chain-as-sent" data-diagnosis="pins-chain-as-sent">this client pins the chain as sent/);
  }, 90_000);

  it('a curl that validates the chain but is given no pins: "this client does not enforce pins"', async () => {
    const r = await runCli(
      ['run', '--client', 'curl -sS --max-time 10 --proxy {proxy} --cacert {cafile} --capath /nonexistent {url}', '--scenarios', 'attack-rogue-root', 'attack-pin-stuffing', '--grace', '800', '--report', join(tmp.path, 'nopins')],
      { certsDir, timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^diagnosis: this client does not enforce pins \(accepted 2 chains with no pinned key on the validated path\)/m);
  }, 90_000);
});
