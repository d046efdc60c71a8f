import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('pinprick profiles (issue 14, defect 9: there was no way to validate a profile)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const certsDir = join(tmp.path, 'certs');

  it('validate: ok for a good file, one file:line:col line per bad file, exit 2', async () => {
    const bad = join(tmp.path, 'bad.yaml');
    writeFileSync(bad, 'id: mine\ntitle: Mine\nhosts: [api*.pinprick.test]\npins: [genuine-leaf]\n');
    const good = join(ROOT, 'profiles', 'leaf-only.yaml');
    const r = await runCli(['profiles', 'validate', good, bad], { certsDir });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`ok   ${good} (leaf-only)`);
    expect(r.stderr).toContain(`${bad}:3:9: hosts[0]: 'api*.pinprick.test': a wildcard is allowed only as a leading '*.' or '**.'`);
    expect(r.stderr).toContain('1 of 2 profile files invalid');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('list: the shipped profiles', async () => {
    const r = await runCli(['profiles', 'list'], { certsDir });
    expect(r.code, r.stderr).toBe(0);
    for (const id of ['leaf-only', 'intermediate-only', 'root-only', 'intermediate-backup', 'root-intermediate-backup']) expect(r.stdout).toContain(id);
  });
});
