/**
 * A timeline file (`pinprick simulate TIMELINE`): an app's releases, each with its pin policy and
 * how fast users take it up, and what the server sends from which date. Read and checked here;
 * nothing is resolved against a world (see resolve.ts) and nothing is simulated (simulate.ts).
 */
import { dirname } from 'node:path';
import { InputError, ScenarioError } from '../errors.js';
import { readBounded, TooLargeError } from '../input-files.js';
import type { Platform } from '../model/platforms.js';
import { checkedSource, MAX_SOURCE_BYTES, tooLargeSource, type Located } from '../scenario/source.js';
import { DEFAULT_ADOPTION, type Adoption } from './adoption.js';
import { dayNumber, MAX_SIMULATED_DAYS } from './days.js';

/** The JSON Schema of a timeline file, from the package root. */
export const TIMELINE_SCHEMA = 'timelines/timeline.schema.json';

/** A release's pin policy as the file gives it: a `--profile`-style id or file, or a list of pins. */
export type ReleasePolicy = { profile: string } | { pins: string[]; enforce?: boolean; expiration?: string };

/** One app version. */
export interface Release {
  version: string;
  /** Day number (days since 1970-01-01, UTC) of its release. */
  day: number;
  policy: ReleasePolicy;
  platform?: Platform;
  /** The client's trust store (world certificate names), when the file gives one. */
  trust?: string[];
  adoption: Adoption;
}

/** What the server sends from a date on. */
export interface ServerEvent {
  /** First day (day number). */
  from: number;
  label: string;
  source: { scenario: string } | { chain: string[] };
  /** Set when the file says; else the scenario's category decides (resolve.ts). */
  attack?: boolean;
}

/** Explicit shares of the installed base on one day. */
export interface InstalledBasePoint {
  day: number;
  /** One share per release, in release order (0 for a version the point does not name). */
  shares: number[];
}

/** A checked timeline. */
export interface Timeline {
  file: string;
  /** Folder the file's relative paths (profile files) are read from. */
  dir: string;
  title: string;
  description?: string;
  incident?: string;
  host?: string;
  from: number;
  to: number;
  /** Validity dates for world certificates, by name (TimeSpec: absolute or relative). */
  certificates: Record<string, { notBefore?: string; notAfter?: string }>;
  /** Oldest first. */
  releases: Release[];
  installedBase?: InstalledBasePoint[];
  /** In date order. */
  server: ServerEvent[];
  /** Where each part of the file is, for errors found later (a scenario id, a pin name). */
  source: Located;
}

interface RawTimeline {
  title: string;
  description?: string;
  incident?: string;
  host?: string;
  from: string;
  to: string;
  certificates?: Record<string, { notBefore?: string; notAfter?: string }>;
  releases: { version: string; date: string; profile?: string; pins?: string[]; enforce?: boolean; expiration?: string; platform?: Platform; trust?: string[]; adoption?: Partial<Adoption> }[];
  installedBase?: { date: string; shares: Record<string, number> }[];
  server: { from: string; label?: string; scenario?: string; chain?: string[]; attack?: boolean }[];
}

/** The shares of one installedBase date may miss 1 by rounding in the file, no more. */
const SHARE_TOLERANCE = 1e-6;

/** Read and check a timeline file: one located line for the first problem. */
export function loadTimelineFile(file: string): Timeline {
  let text: string;
  try {
    text = readBounded(file, MAX_SOURCE_BYTES).toString('utf8');
  } catch (err) {
    if (err instanceof TooLargeError) throw tooLargeSource(file, err.size, 'a timeline file');
    throw new InputError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseTimeline(file, text);
}

/** Parse and check a timeline's text against the schema, then its dates, order and shares. */
export function parseTimeline(file: string, text: string): Timeline {
  const source = checkedSource(file, text, TIMELINE_SCHEMA);
  const raw = source.value as RawTimeline;
  const date = (value: string, path: (string | number)[]): number => {
    const day = dayNumber(value);
    if (day === undefined) throw source.error(path, `'${value}' is not a calendar date`);
    return day;
  };
  const from = date(raw.from, ['from']);
  const to = date(raw.to, ['to']);
  if (to < from) throw source.error(['to'], `${raw.to} is before from (${raw.from})`);
  if (to - from + 1 > MAX_SIMULATED_DAYS) throw source.error(['to'], `${to - from + 1} days from ${raw.from}: a timeline covers at most ${MAX_SIMULATED_DAYS} days (ten years)`);

  const versions = new Map<string, number>();
  const releases = raw.releases.map((r, i): Release => {
    if (versions.has(r.version)) throw source.error(['releases', i, 'version'], `version '${r.version}' is already release ${versions.get(r.version)! + 1}`);
    versions.set(r.version, i);
    const day = date(r.date, ['releases', i, 'date']);
    if (i > 0 && day < dayNumber(raw.releases[i - 1]!.date)!) throw source.error(['releases', i, 'date'], `releases are listed oldest first: ${r.date} is before ${raw.releases[i - 1]!.date}`);
    if ((r.profile === undefined) === (r.pins === undefined)) throw source.error(['releases', i], `give a release its pin policy with either profile: (an id or a file) or pins: (a list), not ${r.profile === undefined ? 'neither' : 'both'}`, true);
    if (r.profile !== undefined && (r.enforce !== undefined || r.expiration !== undefined)) {
      throw source.error(['releases', i, r.enforce !== undefined ? 'enforce' : 'expiration'], 'enforce and expiration go with pins:; a profile file says its own', true);
    }
    if (r.expiration !== undefined) date(r.expiration, ['releases', i, 'expiration']);
    const policy: ReleasePolicy =
      r.profile !== undefined ? { profile: r.profile } : { pins: r.pins!, ...(r.enforce === undefined ? {} : { enforce: r.enforce }), ...(r.expiration === undefined ? {} : { expiration: r.expiration }) };
    return { version: r.version, day, policy, ...(r.platform ? { platform: r.platform } : {}), ...(r.trust ? { trust: r.trust } : {}), adoption: { ...DEFAULT_ADOPTION, ...r.adoption } };
  });

  let installedBase: InstalledBasePoint[] | undefined;
  if (raw.installedBase) {
    installedBase = raw.installedBase.map((point, i) => {
      const day = date(point.date, ['installedBase', i, 'date']);
      if (i > 0 && day <= dayNumber(raw.installedBase![i - 1]!.date)!) throw source.error(['installedBase', i, 'date'], `installedBase dates go strictly up: ${point.date} is not after ${raw.installedBase![i - 1]!.date}`);
      const shares = releases.map(() => 0);
      let sum = 0;
      for (const [version, share] of Object.entries(point.shares)) {
        const index = versions.get(version);
        if (index === undefined) throw source.error(['installedBase', i, 'shares', version], `no release has version '${version}' (releases: ${[...versions.keys()].join(', ')})`, true);
        shares[index] = share;
        sum += share;
      }
      if (Math.abs(sum - 1) > SHARE_TOLERANCE) throw source.error(['installedBase', i, 'shares'], `the shares of ${point.date} add up to ${+sum.toFixed(6)}, not 1`);
      return { day, shares };
    });
  }

  const server = raw.server.map((e, i): ServerEvent => {
    const day = date(e.from, ['server', i, 'from']);
    if (i === 0 && day > from) throw source.error(['server', 0, 'from'], `the first server event starts ${e.from}, after the timeline's from (${raw.from}): say what the server sends on the first day`);
    if (i > 0 && day <= dayNumber(raw.server[i - 1]!.from)!) throw source.error(['server', i, 'from'], `server events go strictly up in date: ${e.from} is not after ${raw.server[i - 1]!.from}`);
    if ((e.scenario === undefined) === (e.chain === undefined)) throw source.error(['server', i], `give a server event either scenario: (an id) or chain: (certificate names), not ${e.scenario === undefined ? 'neither' : 'both'}`, true);
    const label = e.label ?? e.scenario ?? e.chain!.join(' + ');
    return { from: day, label, source: e.scenario !== undefined ? { scenario: e.scenario } : { chain: e.chain! }, ...(e.attack === undefined ? {} : { attack: e.attack }) };
  });

  return {
    file,
    dir: dirname(file),
    title: raw.title,
    ...(raw.description ? { description: raw.description } : {}),
    ...(raw.incident ? { incident: raw.incident } : {}),
    ...(raw.host ? { host: raw.host } : {}),
    from,
    to,
    certificates: raw.certificates ?? {},
    releases,
    ...(installedBase ? { installedBase } : {}),
    server,
    source,
  };
}

/** A located error at a path of the timeline (for problems found when resolving it). */
export function timelineError(timeline: Timeline, path: (string | number)[], detail: string): ScenarioError {
  return timeline.source.error(path, detail);
}
