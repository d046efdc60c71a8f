/**
 * Simulated days: whole UTC days, numbered from 1970-01-01 (day 0), so that a timeline's
 * arithmetic (adoption, which event applies) is integer arithmetic with no time zone in it.
 */

const DAY_MS = 86_400_000;

/** Ten years: a timeline longer than that is a typo (a year 2106 for 2016), not a plan. */
export const MAX_SIMULATED_DAYS = 3660;

/** The day number of a YYYY-MM-DD date, or undefined when it is not a calendar date (2027-02-30). */
export function dayNumber(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) return undefined;
  return ms / DAY_MS;
}

/** YYYY-MM-DD of a day number. */
export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The instant a simulated day is judged at: its noon, UTC. A certificate that expires at any time
 * on a day is expired on that day's row only if it expired by noon; noon keeps a day's verdict
 * away from the midnight boundaries where most certificates start and end.
 */
export function noonOf(day: number): Date {
  return new Date(day * DAY_MS + DAY_MS / 2);
}

/** The day (number) an instant falls on. */
export function dayOf(at: Date): number {
  return Math.floor(at.getTime() / DAY_MS);
}
