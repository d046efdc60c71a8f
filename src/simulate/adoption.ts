/**
 * Who runs which app version on a simulated day: pure arithmetic on day numbers.
 *
 * Each release's adoption curve gives its *uptake*: the share of the installed base running it or
 * a later version, d days after release, 1 - 2^(-d / halfLife), capped at `max` (the users who
 * ever update). The oldest release is the baseline every user has from its date. Uptakes are
 * clamped so a later version never has more uptake than an earlier one, and a version's share is
 * its uptake less the next version's. An explicit installedBase table, when the timeline has one,
 * replaces the curves: shares linear between its dates, held before the first and after the last.
 */

/** How fast users take a release up. */
export interface Adoption {
  /** Days until half of the users who will update have updated. */
  halfLife: number;
  /** Share of the installed base that ever runs this version or a later one. */
  max: number;
}

/**
 * A week's half-life, everyone eventually: a modelling default, not a measurement. Stores'
 * automatic updates put most active users on a new version within days to weeks; a timeline
 * whose answer depends on the curve should give its own (adoption:) or its data (installedBase:).
 */
export const DEFAULT_ADOPTION: Adoption = { halfLife: 7, max: 1 };

/** Share of users on this release or a later one, `day` for a release of `releaseDay`. */
export function uptake(adoption: Adoption, releaseDay: number, day: number): number {
  if (day < releaseDay) return 0;
  return adoption.max * (1 - 2 ** (-(day - releaseDay) / adoption.halfLife));
}

/** A release as the share computation needs it. */
export interface ReleaseCurve {
  day: number;
  adoption: Adoption;
}

/** Each release's share of the installed base on `day`, from the adoption curves (oldest first). */
export function curveShares(releases: readonly ReleaseCurve[], day: number): number[] {
  const cumulative: number[] = [];
  releases.forEach((r, i) => {
    // The baseline is everyone's from its date; a later release has at most the uptake of the one before it.
    const own = i === 0 ? (day >= r.day ? 1 : 0) : uptake(r.adoption, r.day, day);
    cumulative.push(i === 0 ? own : Math.min(own, cumulative[i - 1]!));
  });
  return cumulative.map((u, i) => u - (cumulative[i + 1] ?? 0));
}

/** A dated row of explicit shares, one per release. */
export interface SharePoint {
  day: number;
  shares: readonly number[];
}

/** Each release's share on `day` from an explicit table (points in date order). */
export function tableShares(points: readonly SharePoint[], day: number): number[] {
  const first = points[0]!;
  if (day <= first.day) return [...first.shares];
  for (let i = 1; i < points.length; i++) {
    const b = points[i]!;
    if (day <= b.day) {
      const a = points[i - 1]!;
      const t = (day - a.day) / (b.day - a.day);
      return a.shares.map((s, k) => s + (b.shares[k]! - s) * t);
    }
  }
  return [...points[points.length - 1]!.shares];
}
