import { InputError } from '../errors.js';

/**
 * A point in time in a recipe: relative to "now" (`-1d`, `+397d`, `+20y`, `now`) so a world stays
 * meaningful whenever it is generated, or absolute (ISO 8601) to reproduce a dated incident.
 */
export type TimeSpec = string;

const UNIT_MS = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, y: 365 * 86400e3 } as const;
const RELATIVE = /^([+-])(\d+)([smhdwy])$/;

/** Resolve a {@link TimeSpec} against `now`. */
export function resolveTime(spec: TimeSpec, now: Date): Date {
  if (spec === 'now') return new Date(now);
  const rel = RELATIVE.exec(spec);
  if (rel) {
    const ms = Number(rel[2]) * UNIT_MS[rel[3] as keyof typeof UNIT_MS];
    const date = new Date(now.getTime() + (rel[1] === '-' ? -ms : ms));
    return inRange(date, spec);
  }
  const iso = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.exec(spec);
  // A zone-less date-time is UTC, as a date-only one is in JavaScript: otherwise a dated incident
  // would move by the machine's UTC offset.
  const abs = iso ? new Date(iso[1] && !iso[2] ? `${spec}Z` : spec) : undefined;
  // Date rolls 2027-02-30 over to 2027-03-02: refuse any date that does not read back the same.
  if (abs && !Number.isNaN(abs.getTime()) && (iso![2] || abs.toISOString().slice(0, 10) === spec.slice(0, 10))) return inRange(abs, spec);
  throw new InputError(`bad time '${spec}': expected 'now', an offset like -1d, +397d, +20y, or an ISO 8601 date`);
}

/** X.509 times run from 1950 (UTCTime) to 9999 (GeneralizedTime's four-digit year). */
function inRange(date: Date, spec: TimeSpec): Date {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1950 || year > 9999) throw new InputError(`time '${spec}' is out of range: certificates can say 1950 to 9999`);
  return date;
}

/** True when `spec` is relative to now (so the certificate is meant to move with time). */
export function isRelative(spec: TimeSpec): boolean {
  return spec === 'now' || RELATIVE.test(spec);
}

/** The longest duration a timer can wait: Node's setTimeout takes at most 2^31 - 1 ms (about 24.8 days) and fires at once beyond it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const DURATION = /^(\d+)(ms|[smhdw])$/;

/**
 * A duration as written on a command line: a whole number and a unit, `500ms`, `30s`, `15m`,
 * `1h`, `2d`, `1w` (the units of relative times above, and `ms`). A unit is required: a bare
 * number could mean seconds or milliseconds. `what` names the option in the one-line error.
 * Returns milliseconds, at least 1 and at most {@link MAX_TIMER_MS}.
 */
export function parseDuration(text: string, what: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new InputError(`${what} '${text}': expected a whole number and a unit, such as 500ms, 30s, 15m, 1h or 2d`);
  const ms = Number(m[1]) * (m[2] === 'ms' ? 1 : UNIT_MS[m[2] as keyof typeof UNIT_MS]);
  if (ms < 1) throw new InputError(`${what} '${text}': must be longer than 0`);
  if (ms > MAX_TIMER_MS) throw new InputError(`${what} '${text}': at most 24d (a timer cannot wait longer)`);
  return ms;
}
