import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, ScenarioError } from '../errors.js';
import { readBounded, TooLargeError } from '../input-files.js';
import { certificateKeys, type WorldSpec } from '../world/spec.js';
import type { World } from '../world/world.js';
import type { Platform } from '../model/platforms.js';
import { parsePin } from '../model/pin.js';
import { hostPatternProblem, type PinPolicy, type PolicyPin } from '../model/policy.js';
import { checkedSource, MAX_SOURCE_BYTES, tooLargeSource, type Located } from './source.js';
import { nearest } from './scenario.js';

/** A client pin profile as written (YAML or JSON). */
export interface Profile {
  id: string;
  title?: string;
  description?: string;
  hosts?: (string | { pattern: string; includeSubdomains?: boolean })[];
  /** World key names or raw pins (`sha256/B64`, `sha256//B64`, `pin-sha256="B64"`, `B64`: model/pin.ts). */
  pins: string[];
  /** YYYY-MM-DD. */
  expiration?: string;
  trust?: string[];
  enforce?: boolean;
  /** The client's platform, which narrows the model's `either` (model/platforms.ts). */
  platform?: Platform;
  source: { file: string };
}

/**
 * A profile with names turned into key material: the model's one pin-policy type (domains, pins,
 * enforcement, expiration), plus the profile's id and its client's trust store.
 */
export interface ResolvedProfile extends PinPolicy {
  id: string;
  /** Certificate names of the trusted roots (resolved against the world by the caller). */
  trust: string[];
  /** The client's platform, which narrows the model's `either`. */
  platform?: Platform;
}

/** Folder of the shipped profiles. */
export const BUILTIN_PROFILES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'profiles');
/** The JSON Schema of a profile file, from the package root. */
export const PROFILE_SCHEMA = 'profiles/profile.schema.json';

/** Parse and check a profile against the schema and the names of a world spec. */
export function parseProfile(file: string, text: string, world: WorldSpec): Profile {
  return checkProfile(checkedSource(file, text, PROFILE_SCHEMA), world);
}

/** The checks of {@link parseProfile} after the schema: names of the world, dates. */
export function checkProfile(source: Located, world: WorldSpec): Profile {
  const file = source.file;
  const raw = source.value as Omit<Profile, 'source'>;
  const keys = certificateKeys(world);
  raw.pins.forEach((pin, i) => {
    if (!Object.hasOwn(keys, pin) && parsePin(pin) === undefined) {
      const near = nearest(pin, Object.keys(keys));
      throw source.error(['pins', i], `'${pin}' is neither a world key${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(' or ')}?)` : ` (${Object.keys(keys).join(', ')})`} nor a pin (sha256/BASE64, 44 characters; or a legacy sha1/BASE64, 28)`);
    }
  });
  (raw.trust ?? []).forEach((name, i) => {
    if (!Object.hasOwn(world.certs, name)) throw source.error(['trust', i], `unknown world certificate '${name}'`);
  });
  // A pattern the model cannot match (a wildcard inside a label, an empty label) would pin
  // nothing, silently: refused where it is written.
  (raw.hosts ?? []).forEach((h, i) => {
    const problem = hostPatternProblem(typeof h === 'string' ? h : h.pattern);
    if (problem) throw source.error(typeof h === 'string' ? ['hosts', i] : ['hosts', i, 'pattern'], problem);
  });
  const expiration = raw.expiration === undefined ? undefined : new Date(`${raw.expiration}T00:00:00Z`);
  if (expiration && (Number.isNaN(expiration.getTime()) || expiration.toISOString().slice(0, 10) !== raw.expiration)) {
    throw source.error(['expiration'], `'${raw.expiration}' is not a date`);
  }
  return { ...raw, source: { file } };
}

/** The text of a profile file (a pinprick profile or an app's pin configuration), within the size limit; one located line when it cannot be read. */
export function readProfileText(file: string): string {
  try {
    return readBounded(file, MAX_SOURCE_BYTES).toString('utf8');
  } catch (err) {
    if (err instanceof TooLargeError) throw tooLargeSource(file, err.size, 'a profile file');
    throw new ScenarioError(file, 1, 1, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Load a profile file. */
export function loadProfileFile(file: string, world: WorldSpec): Profile {
  return parseProfile(file, readProfileText(file), world);
}

/** The shipped profiles, in a stable order (least to most forgiving). */
export function loadBuiltinProfiles(world: WorldSpec): Profile[] {
  const order = ['leaf-only', 'intermediate-only', 'root-only', 'intermediate-backup', 'root-intermediate-backup'];
  const files = readdirSync(BUILTIN_PROFILES_DIR).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('.schema.json'));
  const profiles = files.map((f) => loadProfileFile(join(BUILTIN_PROFILES_DIR, f), world));
  const rank = (p: Profile) => (order.includes(p.id) ? order.indexOf(p.id) : order.length);
  return profiles.sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
}

/** A profile by shipped id or by file path. */
export function findProfile(idOrFile: string, world: WorldSpec): Profile {
  if (/[/\\]|\.(ya?ml|json)$/.test(idOrFile)) return loadProfileFile(idOrFile, world);
  const shipped = loadBuiltinProfiles(world);
  const p = shipped.find((s) => s.id === idOrFile);
  if (!p) throw new InputError(`no profile '${idOrFile}' (shipped: ${shipped.map((s) => s.id).join(', ')}; or give a file path)`);
  return p;
}

/** Turn names into pins and patterns; hosts default to the world's. */
export function resolveProfile(profile: Profile, world: World): ResolvedProfile {
  return {
    id: profile.id,
    rules: [
      {
        domains: (profile.hosts ?? [...world.hosts]).map((h) => (typeof h === 'string' ? { pattern: h } : h)),
        pins: profile.pins.map((p): PolicyPin => (world.hasKey(p) ? { hash: 'sha256', value: world.key(p).pin.sha256, label: p } : parsePin(p)!)),
        enforce: profile.enforce ?? true,
        ...(profile.expiration ? { expiration: new Date(`${profile.expiration}T00:00:00Z`) } : {}),
      },
    ],
    trust: profile.trust ?? world.trustedRoots().map((c) => c.name),
    ...(profile.platform ? { platform: profile.platform } : {}),
  };
}
