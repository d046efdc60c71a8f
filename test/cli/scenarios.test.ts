import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// The tests run concurrently: each runs the CLI on files and folders it writes under its own
// names, so the spawned CLIs use both cores while this worker waits on them. The first CLI to
// need the world generates it; the others wait on the world's lock, then read it.
describe.concurrent('pinprick scenarios', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  afterAll(() => tmp.cleanup());

  it('list names every built-in with its category', async () => {
    const r = await runCli(['scenarios', 'list'], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/attack-pin-stuffing\s+attack\s+reject/);
    expect(r.stdout).toMatch(/calibration-canary\s+calibration\s+accept/);
    // Each scenario's incident, for researchers who look scenarios up by incident.
    expect(r.stdout).toMatch(/^id +category +expect +incident +title$/m);
    expect(r.stdout).toMatch(/attack-rogue-root\s+attack\s+reject\s+DigiNotar \(2011\)/);
    // A header, a rule, and one line per shipped scenario file, each with its id.
    const shipped = readdirSync(new URL('../../scenarios', import.meta.url)).filter((f) => f.endsWith('.yaml'));
    expect(r.stdout.trim().split('\n')).toHaveLength(2 + shipped.length);
    for (const f of shipped) expect(r.stdout).toMatch(new RegExp(`^${esc(f.replace(/\.yaml$/, ''))} `, 'm'));
  });

  it('show prints the story and the exact chain', async () => {
    const r = await runCli(['scenarios', 'show', 'attack-pin-stuffing-reversed'], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^\d\s/.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(rows).toEqual(['rogue-leaf', 'genuine-root', 'genuine-intermediate', 'rogue-intermediate']);
  });

  it('explain gives the path built and the verdict for the profile and every shipped profile', async () => {
    const r = await runCli(['scenarios', 'explain', 'rotation-intermediate', '--profile', 'intermediate-only'], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/path 1 \(chosen, valid\)/);
    expect(r.stdout).toMatch(/verdict: REJECT \(pin-mismatch\)/);
    expect(r.stdout).toMatch(/root-only\s+accept\s+ok/);
    const json = JSON.parse((await runCli(['scenarios', 'explain', 'rotation-backup-key', '--profile', 'intermediate-backup', '--json'], { certsDir })).stdout);
    expect(json.verdict).toMatchObject({ expected: 'accept', code: 'ok-backup-pin' });
  });

  it('validate reports every bad file on one line with file:line:col, then exits 2', async () => {
    const good = join(tmp.path, 'good.yaml');
    const bad = join(tmp.path, 'bad.yaml');
    writeFileSync(good, 'id: mine\ntitle: Mine\ncategory: control\ndescription: mine\nchain: [genuine-leaf, genuine-intermediate]\n');
    writeFileSync(bad, 'id: bad\ntitle: Bad\ncategory: control\ndescription: bad\nchain: [genuine-leaf, no-such-cert]\n');
    const r = await runCli(['scenarios', 'validate', good, bad], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`ok   ${good} (mine)`);
    expect(r.stderr).toContain(`${bad}:5:23: chain[1]: unknown certificate 'no-such-cert'`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('validate reports every problem of a file (issue 14, defect 9), a used id included: one located line each, in file order, then exits 2', async () => {
    const dir = join(tmp.path, 'many');
    mkdirSync(dir);
    const file = join(dir, 'five.yaml');
    const good = join(dir, 'good.yaml');
    writeFileSync(
      file,
      [
        'id: control-genuine',
        'title: Five problems',
        'category: atack',
        'description: a built-in id, a schema error, an unknown key, an impossible date and an unknown certificate',
        'certificates:',
        '  mine:',
        '    from: genuine-leaf',
        '    key: genuine-lef',
        '    notAfter: 2026-02-30',
        'chain: [mine, no-such-cert]',
        '',
      ].join('\n'),
    );
    writeFileSync(good, 'id: fine\ntitle: Fine\ncategory: control\ndescription: fine\nchain: [genuine-leaf, genuine-intermediate]\n');
    const r = await runCli(['scenarios', 'validate', file, good], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`ok   ${good} (fine)`);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith(file));
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${esc(file)}:1:5: id 'control-genuine' is already used by .*control-genuine\\.yaml$`)),
      `${file}:3:11: category: expected one of: attack, rotation, validation, control, calibration, dynamic; got 'atack'`,
      expect.stringMatching(new RegExp(`^${esc(file)}:8:10: certificates\\.mine\\.key: unknown key 'genuine-lef'`)),
      `${file}:9:15: certificates.mine.notAfter: bad time '2026-02-30': expected 'now', an offset like -1d, +397d, +20y, or an ISO 8601 date`,
      expect.stringMatching(new RegExp(`^${esc(file)}:10:15: chain\\[1\\]: unknown certificate 'no-such-cert'`)),
    ]);
    expect(r.stderr).toContain('pinprick: 1 of 2 scenario files invalid (5 problems)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('checks expect: against the model (issue 14, defect 4): expect accept with an expired leaf is refused, naming the reason, in validate and in run', async () => {
    const dir = join(tmp.path, 'wrong-expect');
    mkdirSync(dir);
    const file = join(dir, 'expired-accept.yaml');
    writeFileSync(
      file,
      'id: expired-but-accept\ntitle: Wrong expectation\ncategory: validation\ndescription: an expired leaf\nexpect: accept\ncertificates:\n  old:\n    from: genuine-leaf\n    notBefore: -400d\n    notAfter: -1d\nchain: [old, genuine-intermediate]\n',
    );
    const v = await runCli(['scenarios', 'validate', file], { certsDir });
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(new RegExp(`${esc(file)}:5:\\d+: expect: accept, but a correct client with profile [\\w-]+ would REJECT: expired`));
    expect(v.stdout).not.toContain('ok ');
    const r = await runCli(['run', '--client', 'true', '--scenarios', dir, 'expired-but-accept'], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/:5:\d+: expect: accept, but .* REJECT: expired/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  }, 60_000);

  it('validate catches an id used twice (issue 14, defect 9), and a folder given twice is loaded once', async () => {
    const dir = join(tmp.path, 'dups');
    mkdirSync(dir);
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    const builtin = join(dir, 'c.yaml');
    writeFileSync(a, 'id: twice\ntitle: A\ncategory: control\ndescription: a\nchain: [genuine-leaf, genuine-intermediate]\n');
    writeFileSync(b, 'id: twice\ntitle: B\ncategory: control\ndescription: b\nchain: [genuine-leaf, genuine-intermediate]\n');
    writeFileSync(builtin, 'id: control-genuine\ntitle: C\ncategory: control\ndescription: c\nchain: [genuine-leaf, genuine-intermediate]\n');
    const v = await runCli(['scenarios', 'validate', a, b, builtin], { certsDir });
    expect(v.code).toBe(2);
    expect(v.stdout).toContain(`ok   ${a} (twice)`);
    expect(v.stderr).toContain(`${b}:1:5: id 'twice' is already used by ${a}`);
    expect(v.stderr).toMatch(new RegExp(`c\\.yaml:1:5: id 'control-genuine' is already used by .*control-genuine\\.yaml`));
    const once = join(tmp.path, 'once');
    mkdirSync(once);
    writeFileSync(join(once, 'x.yaml'), 'id: only-once\ntitle: Once\ncategory: control\ndescription: once\nchain: [genuine-leaf, genuine-intermediate]\n');
    const l = await runCli(['scenarios', 'list', '--scenarios', `${once}/`, once], { certsDir });
    expect(l.code, l.stderr).toBe(0);
    expect(l.stdout.match(/only-once/g)).toHaveLength(1);
  }, 60_000);

  it('takes user scenarios next to the built-ins with --scenarios', async () => {
    const dir = join(tmp.path, 'mine');
    mkdirSync(dir);
    writeFileSync(join(dir, 'x.yaml'), 'id: my-own\ntitle: Mine\ncategory: control\ndescription: mine\nchain: [genuine-leaf]\n');
    const r = await runCli(['scenarios', 'list', '--scenarios', dir], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/my-own\s+control/);
  });

  it('an unknown scenario id is one line and exit 2', async () => {
    const r = await runCli(['scenarios', 'show', 'nope'], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pinprick: no scenario 'nope' \(all \d+: pinprick scenarios list\)/);
  });
});
