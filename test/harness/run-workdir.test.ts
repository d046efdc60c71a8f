/**
 * Issue 15, finding 2, for library callers: the trust files ({cafile}) go into the work folder
 * without following a symlink found there, and runSuite without a workDir makes a private one of
 * its own and removes it. A caller that passes a workDir owns it: it is made if missing and kept.
 * (And finding 7: runSuite checks its client template first.)
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareScenario, runSuite } from '../../src/harness/run.js';
import { startProxy } from '../../src/proxy/server.js';
import { presentScenario } from '../../src/scenario/materialize.js';
import { findProfile, resolveProfile, type ResolvedProfile } from '../../src/scenario/profile.js';
import { findScenario, loadCatalog, type Scenario } from '../../src/scenario/scenario.js';
import { openWorld, type OpenedWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

describe('the work folder of runSuite and prepareScenario', () => {
  const tmp = tempDir();
  let opened: OpenedWorld;
  let profile: ResolvedProfile;
  let canary: Scenario;
  beforeAll(async () => {
    opened = await openWorld({ certsDir: join(tmp.path, 'certs') });
    profile = resolveProfile(findProfile('intermediate-backup', opened.world.spec), opened.world);
    canary = findScenario(loadCatalog(opened.world.spec), 'calibration-canary');
  });
  afterAll(() => tmp.cleanup());

  it('a symlink planted at a trust file\'s name is replaced, never written through; preparing the same scenario again works', async () => {
    const work = join(tmp.path, 'planted');
    mkdirSync(work);
    const victim = join(tmp.path, 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(work, 'calibration-canary.ca.pem'));
    const proxy = await startProxy({ scenario: await presentScenario(opened, canary) });
    try {
      const p = await prepareScenario(proxy, opened, canary, profile, work);
      const cafile = p.values.cafile!;
      expect(cafile).toBe(join(work, 'calibration-canary.ca.pem'));
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
      expect(lstatSync(cafile).isFile()).toBe(true);
      expect(readFileSync(cafile, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
      // `r` in a manual run prepares a scenario again: the file is replaced, not refused.
      const again = await prepareScenario(proxy, opened, canary, profile, work);
      expect(readFileSync(again.values.cafile!, 'utf8')).toBe(readFileSync(cafile, 'utf8'));
    } finally {
      await proxy.close();
    }
  });

  it('runSuite without a workDir makes a private folder of its own and removes it; a given workDir is made if missing, and kept', async () => {
    const seen = join(tmp.path, 'seen');
    const client = `stat -c '%n %a' "$(dirname "$PINPRICK_CAFILE")" >> ${seen}`;
    const [own] = await runSuite({ opened, scenarios: [canary], profile, client, timeoutMs: 5_000, graceMs: 100 });
    expect(own!.command).toContain('stat');
    const [folder, mode] = readFileSync(seen, 'utf8').trim().split(' ');
    expect(folder).toMatch(/\/pinprick-run-[A-Za-z0-9]{6}$/);
    expect(mode).toBe('700');
    expect(existsSync(folder!)).toBe(false);

    const given = join(tmp.path, 'given', 'work');
    await runSuite({ opened, scenarios: [canary], profile, client: 'true', timeoutMs: 5_000, graceMs: 100, workDir: given });
    expect(readdirSync(given).sort()).toEqual(['calibration-canary.ca.pem', 'calibration-canary.profile.json']);
  });

  it('runSuite refuses a client template with a placeholder inside quotes before anything runs (issue 15, finding 7)', async () => {
    const ran = join(tmp.path, 'ran');
    await expect(runSuite({ opened, scenarios: [canary], profile, client: `touch ${ran}; curl --pinnedpubkey '{pins}' {url}`, timeoutMs: 5_000 })).rejects.toThrow(
      /^client: \{pins\} is inside single quotes at column \d+; placeholders are shell-quoted already: write \{pins\}, not '\{pins\}'$/,
    );
    expect(existsSync(ran)).toBe(false);
  });
});
