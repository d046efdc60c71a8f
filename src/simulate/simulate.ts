/**
 * The simulator's decision: for each day of a timeline and each app version, whether the app
 * accepts what the server sends, by the reference model (scenario/expect.ts: the one place a
 * scenario and a profile become model input, as for `run`), weighted by the version's share of
 * the installed base that day. Pure: the certificates were issued by served.ts.
 */
import type { ReasonCode } from '../model/reason.js';
import { expectScenario } from '../scenario/expect.js';
import { curveShares, tableShares } from './adoption.js';
import { dayText, noonOf } from './days.js';
import type { ResolvedTimeline } from './resolve.js';
import type { ServedSpan } from './served.js';

/**
 * What one version does on one day. From the server: `ok` (accepts: served) or `bricked` (rejects:
 * the app is down for its users). From an attacker: `exposed` (accepts) or `safe` (rejects).
 * `either`: correct platforms differ on this chain and the release names no platform.
 */
export type Outcome = 'ok' | 'bricked' | 'exposed' | 'safe' | 'either';

/** One version on one day. */
export interface VersionDay {
  version: string;
  /** Share of the installed base, 0..1. */
  share: number;
  outcome: Outcome;
  code: ReasonCode;
  reason: string;
}

/** One simulated day. */
export interface SimulatedDay {
  date: string;
  /** Index of the server event in force. */
  event: number;
  /** The event's certificates have been renewed this many times (same keys). */
  renewal: number;
  versions: VersionDay[];
  /** Shares of the whole installed base, 0..1. */
  bricked: number;
  exposed: number;
  either: number;
}

/** Per version, over the whole timeline. */
export interface VersionSummary {
  version: string;
  /** Days on which this version rejected the server (whatever its share). */
  daysBricked: number;
  firstBricked?: string;
  /** Days on which it accepted an attacker. */
  daysExposed: number;
  firstExposed?: string;
  /** Every reason code it rejected the server with, or accepted an attacker under. */
  codes: ReasonCode[];
}

/** The result, as `--json` prints it. */
export interface Simulation {
  format: 'pinprick-simulation/1';
  title: string;
  file: string;
  incident?: string;
  host: string;
  from: string;
  to: string;
  releases: { version: string; date: string; profile: string; platform?: string }[];
  events: { from: string; label: string; attack: boolean; scenario?: string }[];
  days: SimulatedDay[];
  summary: {
    peakBricked: { date: string; share: number };
    peakExposed: { date: string; share: number };
    /** Sum over days of the bricked share: the average number of days a user was locked out. */
    userDaysBricked: number;
    userDaysExposed: number;
    versions: VersionSummary[];
  };
}

/** Shares and probabilities are printed to six places: a millionth of an installed base. */
const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Simulate every day of a resolved timeline over the spans served.ts issued. */
export function simulate(resolved: ResolvedTimeline, spans: readonly ServedSpan[]): Simulation {
  const { timeline, releases, events, host } = resolved;
  const curves = releases.map((r) => ({ day: r.day, adoption: r.adoption }));
  const days: SimulatedDay[] = [];
  let s = 0;
  for (let day = timeline.from; day <= timeline.to; day++) {
    while (spans[s]!.to < day) s++;
    const span = spans[s]!;
    const attack = events[span.event]!.attack;
    const shares = timeline.installedBase ? tableShares(timeline.installedBase, day) : curveShares(curves, day);
    const at = noonOf(day);
    const presented = { ...span.presented, at };
    let bricked = 0;
    let exposed = 0;
    let either = 0;
    const versions = releases.map((release, i): VersionDay => {
      const verdict = expectScenario(presented, release.profile, span.world, host);
      const outcome: Outcome = verdict.expected === 'either' ? 'either' : verdict.expected === 'accept' ? (attack ? 'exposed' : 'ok') : attack ? 'safe' : 'bricked';
      const share = shares[i]!;
      if (outcome === 'bricked') bricked += share;
      else if (outcome === 'exposed') exposed += share;
      else if (outcome === 'either') either += share;
      return { version: release.version, share: round(share), outcome, code: verdict.code, reason: verdict.reason };
    });
    days.push({ date: dayText(day), event: span.event, renewal: span.renewal, versions, bricked: round(bricked), exposed: round(exposed), either: round(either) });
  }
  return {
    format: 'pinprick-simulation/1',
    title: timeline.title,
    file: timeline.file,
    ...(timeline.incident ? { incident: timeline.incident } : {}),
    host,
    from: dayText(timeline.from),
    to: dayText(timeline.to),
    releases: releases.map((r) => ({ version: r.version, date: dayText(r.day), profile: r.profile.id, ...(r.platform ? { platform: r.platform } : {}) })),
    events: events.map((e) => ({ from: dayText(e.from), label: e.label, attack: e.attack, ...('scenario' in e.source ? { scenario: e.source.scenario } : {}) })),
    days,
    summary: summarise(days, releases.map((r) => r.version)),
  };
}

/** Peaks, user-days and per-version counts: pure arithmetic over the days. */
export function summarise(days: readonly SimulatedDay[], versions: readonly string[]): Simulation['summary'] {
  const peak = (key: 'bricked' | 'exposed') => days.reduce((best, d) => (d[key] > best.share ? { date: d.date, share: d[key] } : best), { date: days[0]!.date, share: 0 });
  return {
    peakBricked: peak('bricked'),
    peakExposed: peak('exposed'),
    userDaysBricked: round(days.reduce((sum, d) => sum + d.bricked, 0)),
    userDaysExposed: round(days.reduce((sum, d) => sum + d.exposed, 0)),
    versions: versions.map((version, i) => {
      const mine = days.map((d) => ({ date: d.date, v: d.versions[i]! }));
      const bricked = mine.filter((m) => m.v.outcome === 'bricked');
      const exposed = mine.filter((m) => m.v.outcome === 'exposed');
      return {
        version,
        daysBricked: bricked.length,
        ...(bricked.length ? { firstBricked: bricked[0]!.date } : {}),
        daysExposed: exposed.length,
        ...(exposed.length ? { firstExposed: exposed[0]!.date } : {}),
        codes: [...new Set([...bricked, ...exposed].map((m) => m.v.code))],
      };
    }),
  };
}
