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
