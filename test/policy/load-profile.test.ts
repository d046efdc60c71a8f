/**
 * `--profile` in any format, with the format it was read as: the monitor trusts a pinprick
 * profile's store, and the system store for an app's own configuration; hostless configurations
 * pin the hosts the caller names.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnyProfile, loadAnyProfileWithFormat } from '../../src/policy/load-profile.js';
import { openWorld } from '../../src/world/store.js';
import type { World } from '../../src/world/world.js';
import { tempDir } from '../helpers/tmp.js';

const PIN_A = 'sha256//YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=';
const PIN_B = 'sha256//Vjs8r4z+80wjNcr1YKepWQboSIRi63WsWXhIMN+eWys=';

describe('loadAnyProfileWithFormat', () => {
  const tmp = tempDir('pinprick-load-profile-');
  let world: World;
  beforeAll(async () => {
    ({ world } = await openWorld({ certsDir: join(tmp.path, 'certs') }));
  });
  afterAll(() => tmp.cleanup());

  it('a shipped id and a pinprick profile file are pinprick profiles, trusting the world', () => {
    const shipped = loadAnyProfileWithFormat('intermediate-backup', world);
    expect(shipped.format).toBe('pinprick');
    expect(shipped.profile.trust).toEqual(world.trustedRoots().map((c) => c.name));
    writeFileSync(join(tmp.path, 'mine.yaml'), 'id: mine\npins: [genuine-leaf, backup-1]\n');
    expect(loadAnyProfileWithFormat(join(tmp.path, 'mine.yaml'), world).format).toBe('pinprick');
  });

  it("an app's configuration says its format; one that names no host pins the hosts given, else the world's", () => {
    const file = join(tmp.path, 'curl-pins.txt');
    writeFileSync(file, `${PIN_A};${PIN_B}\n`);
    const given = loadAnyProfileWithFormat(file, world, ['api.example.com', 'cdn.example.com']);
    expect(given.format).toBe('curl');
    expect(given.profile.rules.flatMap((r) => r.domains.map((d) => d.pattern))).toEqual(['api.example.com', 'cdn.example.com']);
    expect(loadAnyProfile(file, world).rules.flatMap((r) => r.domains.map((d) => d.pattern))).toEqual([...world.hosts]);
  });
});
