/**
 * `--profile` in any format pinprick reads (issue 17): a shipped id, a pinprick profile, or an
 * app's own pin configuration read by src/policy. Kept out of scenario/profile.ts, which the
 * pinprick-profile reader (policy/formats/pinprick.ts) builds on: imports go one way.
 */
import { basename } from 'node:path';
import { InputError } from '../errors.js';
import { findProfile, parseProfile, readProfileText, resolveProfile, type ResolvedProfile } from '../scenario/profile.js';
import type { World } from '../world/world.js';
import { POLICY_FORMATS, UNNAMED_HOST, type PolicyFormat, type ReadPolicy } from './format.js';
import { detectFormat, readPolicy } from './registry.js';

/** Whether `--profile` names a file (a path, or a name with an extension) rather than a shipped id. */
export function isProfileFile(idOrFile: string): boolean {
  return /[/\\]|\.[A-Za-z0-9]+$/.test(idOrFile);
}

/**
 * The profile `--profile` names, in any format pinprick reads (issue 17): a shipped id, a
 * pinprick profile file, or an app's own pin configuration (a Network Security Config, an
 * Info.plist, OkHttp source, an HPKP header...), read as the app ships it: its rules, hosts,
 * expiration and enforcement are the expectation, and the platform the format implies narrows
 * every `either`. A configuration that names no host (an HPKP header, a curl pin list) pins the
 * world's hosts, as the server that sends it would.
 */
export function loadAnyProfile(idOrFile: string, world: World): ResolvedProfile {
  return loadAnyProfileWithFormat(idOrFile, world).profile;
}

/**
 * {@link loadAnyProfile}, with the format it was read as: `pinprick` for a shipped id or a
 * pinprick profile (which names its client's trust store, by default the world's roots), another
 * format for an app's own configuration (which names none: the app trusts its platform's store).
 * `hosts`: what a configuration that names no host pins (default: the world's hosts; the monitor
 * gives the hosts it probes).
 */
export function loadAnyProfileWithFormat(idOrFile: string, world: World, hosts: readonly string[] = world.hosts): { profile: ResolvedProfile; format: PolicyFormat } {
  if (!isProfileFile(idOrFile)) return { profile: resolveProfile(findProfile(idOrFile, world.spec), world), format: 'pinprick' };
  const text = readProfileText(idOrFile);
  const format = detectFormat(idOrFile, text);
  if (format === undefined || format === 'pinprick') {
    if (!/\.(ya?ml|json)$/.test(idOrFile) && format === undefined) {
      throw new InputError(`${idOrFile}: not a pin configuration pinprick can read (a pinprick profile, or one of: ${POLICY_FORMATS.filter((f) => f !== 'pinprick').join(', ')})`);
    }
    return { profile: resolveProfile(parseProfile(idOrFile, text, world.spec), world), format: 'pinprick' };
  }
  return { profile: resolveReadPolicy(readPolicy(idOrFile, text, format), world, hosts), format };
}

/** An app's pin configuration as the harness's profile: its rules (hostless ones pin `hosts`, by default the world's), the world's trust store, the format's platform. */
export function resolveReadPolicy(read: ReadPolicy, world: World, hosts: readonly string[] = world.hosts): ResolvedProfile {
  // A rule of a file that names no host (UNNAMED_HOST) pins the world's hosts, as the server sending that header would.
  const rules = read.policy.rules.map((r) => ({
    ...r,
    domains: r.domains.length ? r.domains.flatMap((d) => (d.pattern === UNNAMED_HOST ? hosts.map((h) => ({ ...d, pattern: h })) : [d])) : hosts.map((h) => ({ pattern: h })),
  }));
  return {
    id: basename(read.file),
    rules,
    ...(read.policy.combine ? { combine: read.policy.combine } : {}),
    trust: world.trustedRoots().map((c) => c.name),
    ...(read.platform ? { platform: read.platform } : {}),
  };
}
