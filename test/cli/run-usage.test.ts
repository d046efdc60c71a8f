import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('pinprick run: bad usage is one line on stderr and exit 2, never a stack trace', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const certsDir = join(tmp.path, 'certs');

  it.each([
    [[], /give exactly one of --client COMMAND or --manual/],
    [['--rerun-failed', 'reports-that-are-not-there'], /reports-that-are-not-there: no such file or folder \(expected a report folder or its report.json\)/],
    [['--client', 'true', '--manual'], /give one of --client COMMAND or --manual, not both/],
    [['--client', 'true', '--shard', '3/2'], /--shard '3\/2': expected i\/n/],
    [['--client', 'true', '--scenarios', 'no-such-*'], /no scenario matches/],
    [['--client', 'true', '--timeout', '-5'], /--timeout -5: expected milliseconds > 0/],
  ])('run %j', async (args, message) => {
    const r = await runCli(['run', ...args, '--report', join(tmp.path, 'r')], { certsDir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
