/**
 * A checked timeline made concrete against a world and a scenario catalog: each release's pin
 * policy as the harness's profile (the same `--profile` loader as `run`), each server event as a
 * scenario. Errors point at the timeline line that names the missing thing.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { InputError } from '../errors.js';
import { parsePin } from '../model/pin.js';
import type { Platform } from '../model/platforms.js';
import { isProfileFile, loadAnyProfile } from '../policy/load-profile.js';
import { resolveProfile, type ResolvedProfile } from '../scenario/profile.js';
import { findScenario, nearest, type Scenario } from '../scenario/scenario.js';
import type { WorldSpec } from '../world/spec.js';
import { resolveTime } from '../world/time.js';
import type { World } from '../world/world.js';
import type { Release, ServerEvent, Timeline } from './timeline.js';

/** A release with its policy resolved. */
export interface ResolvedRelease extends Release {
  profile: ResolvedProfile;
  /** The release's platform, else its profile's (a Network Security Config: android). */
  platform?: Platform;
}

/** A server event with the scenario that says what is sent. */
export interface ResolvedEvent extends ServerEvent {
  scenario: Scenario;
  attack: boolean;
}

/** A resolved timeline. */
export interface ResolvedTimeline {
  timeline: Timeline;
  /** The world's spec with the timeline's certificate dates: what served.ts issues. */
  spec: WorldSpec;
  host: string;
  releases: ResolvedRelease[];
  events: ResolvedEvent[];
}

/** Resolve a timeline's releases and events; a name the world or catalog lacks is one located line. */
export function resolveTimeline(timeline: Timeline, world: World, catalog: readonly Scenario[]): ResolvedTimeline {
  const spec = datedSpec(timeline, world);
  const events = timeline.server.map((event, i): ResolvedEvent => {
    let scenario: Scenario;
    if ('scenario' in event.source) {
      try {
        scenario = findScenario(catalog, event.source.scenario);
      } catch (err) {
        throw timeline.source.error(['server', i, 'scenario'], (err as Error).message);
      }
    } else {
      event.source.chain.forEach((name, k) => {
        if (!world.hasCert(name)) throw timeline.source.error(['server', i, 'chain', k], unknownName('certificate', name, world.allCerts().map((c) => c.name)));
      });
      const line = timeline.source.position(['server', i, 'chain']).line;
      scenario = {
        id: `${timeline.file}:${line}`,
        title: event.label,
        category: event.attack ? 'attack' : 'rotation',
        description: `The chain server event ${i + 1} of ${timeline.file} names.`,
        chain: event.source.chain,
        source: { file: timeline.file, chainLines: event.source.chain.map(() => line), id: { line, col: 1 } },
      };
    }
    return { ...event, scenario, attack: event.attack ?? scenario.category === 'attack' };
  });
  const host = timeline.host ?? events[0]!.scenario.hosts?.[0] ?? world.hosts[0]!;

  const releases = timeline.releases.map((release, i): ResolvedRelease => {
    release.trust?.forEach((name, k) => {
      if (!world.hasCert(name)) throw timeline.source.error(['releases', i, 'trust', k], unknownName('certificate', name, world.allCerts().map((c) => c.name)));
    });
    const loaded = releaseProfile(timeline, i, release, world, host);
    const platform = release.platform ?? loaded.platform;
    const profile = { ...loaded, ...(release.trust ? { trust: release.trust } : {}), ...(platform ? { platform } : {}) };
    return { ...release, profile, ...(platform ? { platform } : {}) };
  });
  return { timeline, spec, host, releases, events };
}

/** The world's spec with the timeline's dates on its certificates (checked: names and times). */
function datedSpec(timeline: Timeline, world: World): WorldSpec {
  const certs = { ...world.spec.certs };
  for (const [name, dates] of Object.entries(timeline.certificates)) {
    if (!Object.hasOwn(certs, name)) throw timeline.source.error(['certificates', name], unknownName('certificate', name, Object.keys(certs)), true);
    for (const field of ['notBefore', 'notAfter'] as const) {
      const value = dates[field];
      if (value === undefined) continue;
      try {
        resolveTime(value, new Date(0));
      } catch (err) {
        throw timeline.source.error(['certificates', name, field], (err as Error).message);
      }
    }
    certs[name] = { ...certs[name]!, ...dates };
  }
  return { ...world.spec, certs };
}

function releaseProfile(timeline: Timeline, i: number, release: Release, world: World, host: string): ResolvedProfile {
  const policy = release.policy;
  if ('profile' in policy) {
    if (isProfileFile(policy.profile)) {
      // A file is read relative to the timeline, as a scenario folder's files are to it.
      const file = isAbsolute(policy.profile) ? policy.profile : join(timeline.dir, policy.profile);
      if (!existsSync(file)) throw timeline.source.error(['releases', i, 'profile'], `no profile file ${file}`);
      return loadAnyProfile(file, world);
    }
    try {
      return loadAnyProfile(policy.profile, world);
    } catch (err) {
      // An unknown shipped id: this line's problem.
      if (err instanceof InputError) throw timeline.source.error(['releases', i, 'profile'], err.message);
      throw err;
    }
  }
  policy.pins.forEach((pin, k) => {
    if (!world.hasKey(pin) && parsePin(pin) === undefined) {
      throw timeline.source.error(['releases', i, 'pins', k], `${unknownName('key', pin, world.allKeys().map((key) => key.name))}, nor a pin (sha256/BASE64)`);
    }
  });
  const resolved = resolveProfile({ id: policy.pins.length ? policy.pins.join(' + ') : 'no pins', pins: policy.pins, hosts: [host], ...(policy.enforce === undefined ? {} : { enforce: policy.enforce }), ...(policy.expiration ? { expiration: policy.expiration } : {}), source: { file: timeline.file } }, world);
  // No pins: no pinning at all (validation only), rather than a rule that nothing can satisfy.
  return policy.pins.length ? resolved : { ...resolved, rules: [] };
}

function unknownName(kind: string, name: string, names: readonly string[]): string {
  const near = nearest(name, names);
  return `'${name}' is not a world ${kind}${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(' or ')}?)` : ` (${names.join(', ')})`}`;
}
