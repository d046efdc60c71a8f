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
    return new Date(now.getTime() + (rel[1] === '-' ? -ms : ms));
  }
  const iso = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.exec(spec);
  // A zone-less date-time is UTC, as a date-only one is in JavaScript: otherwise a dated incident
  // would move by the machine's UTC offset.
  const abs = iso ? new Date(iso[1] && !iso[2] ? `${spec}Z` : spec) : undefined;
  if (abs && !Number.isNaN(abs.getTime())) return abs;
  throw new InputError(`bad time '${spec}': expected 'now', an offset like -1d, +397d, +20y, or an ISO 8601 date`);
}

/** True when `spec` is relative to now (so the certificate is meant to move with time). */
export function isRelative(spec: TimeSpec): boolean {
  return spec === 'now' || RELATIVE.test(spec);
}
