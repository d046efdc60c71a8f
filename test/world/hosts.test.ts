import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PATTERN_WORDS } from '../../src/scenario/source.js';
import { HOST_PATTERN, HOST_WORDS, hostProblem } from '../../src/world/spec.js';
import { openWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('world hosts are checked as scenario hosts are (issue 15, finding 6)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('one definition: the scenario schema\'s hosts pattern is HOST_PATTERN, and its words are HOST_WORDS', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'scenarios/scenario.schema.json'), 'utf8'));
    expect(schema.properties.hosts.items.pattern).toBe(HOST_PATTERN);
    expect(PATTERN_WORDS[HOST_PATTERN]).toBe(HOST_WORDS);
  });

  it.each([
    ['api.pinprick.test', undefined],
    ['*.example.test', undefined],
    ['127.0.0.1', undefined],
    ['::1', undefined],
    ['', '"": not a host name or IP address'],
    ['$(id)', '"$(id)": not a host name or IP address'],
    ['a b', '"a b": not a host name or IP address'],
    ['a.test\n', '"a.test\\n": not a host name or IP address'],
  ])('hostProblem(%j)', (host, problem) => {
    const found = hostProblem(host);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it('openWorld refuses bad hosts before writing anything', async () => {
    const certsDir = join(tmp.path, 'certs');
    await expect(openWorld({ certsDir, hosts: ['ok.test', '"; reboot; "'] })).rejects.toThrow(/hosts\[1\] "\\"; reboot; \\"": not a host name or IP address/);
    expect(() => readFileSync(join(certsDir, 'default', 'manifest.json'))).toThrow(/ENOENT/);
  });
});
