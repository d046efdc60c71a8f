/**
 * What the two Apple pin-policy formats (TrustKit, ATS NSPinnedDomains) share: domain names as
 * dictionary keys with no wildcards, keys that are easy to misspell and silently ignored, and
 * writers for clients that apply the most specific entry only.
 */
import { isIP } from 'node:net';
import { InputError } from '../errors.js';
import { domainCovers, hostPatternProblem, type PinDomain, type PinPolicy } from '../model/policy.js';

/** Levenshtein distance, for "did you mean" on keys (short strings only). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known key `key` is most likely a misspelling of (case, or up to two edits), if any. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(key, k);
    if (d <= 2 && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

/**
 * Why a dictionary key cannot be a pinned domain, or undefined. Both formats take domain names
 * only: a `*` is a literal character there, so `*.example.com` names no host and pins nothing.
 */
export function domainKeyProblem(key: string, client: string, subdomainsKey: string): string | undefined {
  if (key.includes('*')) return `'${key}': ${client} has no wildcards (a '*' matches no host name, so this entry pins nothing); pin the parent name with ${subdomainsKey}`;
  const problem = hostPatternProblem(key);
  return problem ? `'${key}': ${problem}; this entry pins nothing` : undefined;
}

/** A name standing for the hosts a pattern covers, for overlap checks (`**.x` -> `x` and `a.x`). */
function samples(d: PinDomain): string[] {
  const p = d.pattern.trim().toLowerCase();
  if (p.startsWith('**.')) return [p.slice(3), `pinprick-sample.${p.slice(3)}`];
  if (p.startsWith('*.')) return [`pinprick-sample.${p.slice(2)}`];
  return d.includeSubdomains && !isIP(p) ? [p, `pinprick-sample.${p}`] : [p];
}

/**
 * A client that applies only the most specific entry (TrustKit, ATS) gives the same answer as an
 * OkHttp-style `combine: 'all'` policy only when no host is covered by two rules. Writers refuse
 * such a policy instead of changing what it pins.
 */
export function refuseOverlappingAll(policy: PinPolicy, format: string): void {
  if ((policy.combine ?? 'most-specific') !== 'all') return;
  policy.rules.forEach((a, i) =>
    policy.rules.slice(i + 1).forEach((b) => {
      for (const da of a.domains)
        for (const db of b.domains) {
          if (samples(db).some((h) => domainCovers(da, h)) || samples(da).some((h) => domainCovers(db, h))) {
            throw new InputError(
              `${format} applies the most specific entry only, but this policy combines every matching rule (combine: all) and '${da.pattern}' and '${db.pattern}' cover the same hosts; merge their pins into one rule first`,
            );
          }
        }
    }),
  );
}
