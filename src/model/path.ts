/**
 * Path building (RFC 5280 6, RFC 4158): every candidate path from the presented leaf to a trust
 * anchor, in the order a trusted-first builder (OpenSSL >= 1.1, Android) prefers them.
 */
import type { ParsedCertificate } from './certificate.js';
import { sameName } from './name.js';

/**
 * At most 10 certificates in a path, leaf and anchor included: real chains have 3-5, and a bound
 * keeps a hostile presented list from making the search explode.
 */
export const MAX_PATH_LENGTH = 10;
/** At most 64 candidate paths (complete and dead ends together) are enumerated. */
export const MAX_CANDIDATE_PATHS = 64;

/** One certificate of a candidate path and where it came from. */
export interface PathElement {
  cert: ParsedCertificate;
  /**
   * `anchor`: the path ends here, at a trust anchor (the anchor's own certificate is used);
   * `fetched`: not sent, fetched from a caIssuers URL (the `aia-fetch` difference, platforms.ts).
   */
  source: 'presented' | 'anchor' | 'fetched';
  /** Index in the presented list (for an anchor: where the server also sent a copy of it, if it did). */
  presentedIndex?: number;
  /** Index in the anchor list, for the element that ends a complete path. */
  anchorIndex?: number;
  /** The URL it was fetched from, for a `fetched` element. */
  fetchedFrom?: string;
}

/** A certificate a client fetched from a caIssuers URL (AIA), not sent by the server. */
export interface FetchedCertificate {
  cert: ParsedCertificate;
  url: string;
}

/** A candidate path, leaf first. */
export interface CandidatePath {
  elements: PathElement[];
  /** True when the last element is a trust anchor. */
  complete: boolean;
  /** Why an incomplete path stops: no issuer found, or {@link MAX_PATH_LENGTH} reached. */
  stop?: 'no-issuer' | 'too-long';
}

/** Where an element comes from, as a short key: `a{anchorIndex}` or `p{presentedIndex}`. */
function elementKey(e: PathElement): string {
  return e.source === 'anchor' ? `a${e.anchorIndex}` : e.source === 'fetched' ? `f${e.fetchedFrom}` : `p${e.presentedIndex}`;
}

/** Subject name plus key: how anchors and loops are recognised (RFC 4158 2.4.2). */
function nameKey(cert: ParsedCertificate): string {
  return `${cert.pin}|${cert.subject.canonical}`;
}

/** Could `issuer` have issued `cert`? Subject = issuer name, and SKI = AKI keyid when both exist. */
export function couldIssue(issuer: ParsedCertificate, cert: ParsedCertificate): boolean {
  if (!sameName(issuer.subject, cert.issuer)) return false;
  return !(cert.authorityKeyId && issuer.subjectKeyId) || cert.authorityKeyId === issuer.subjectKeyId;
}

/**
 * Enumerate candidate paths, depth first. Issuers of a certificate are tried anchors first (in
 * anchor order), then the other presented certificates (in presented order); a presented copy of
 * an anchor (same subject and key) ends the path at that anchor; no certificate (by subject and
 * key) appears twice in a path; duplicates in the presented list count once; certificates that
 * issue nothing on a path are simply never used. Complete paths come first, dead ends after, each
 * in discovery order. `fetched` certificates (from caIssuers URLs) are tried after the presented
 * ones, in fetch order; one with the bytes of a presented certificate adds nothing.
 */
export function buildPaths(presented: readonly ParsedCertificate[], anchors: readonly ParsedCertificate[], fetched: readonly FetchedCertificate[] = []): CandidatePath[] {
  const leaf = presented[0];
  if (!leaf) return [];
  const anchorByNameKey = new Map<string, number>();
  anchors.forEach((a, i) => {
    if (!anchorByNameKey.has(nameKey(a))) anchorByNameKey.set(nameKey(a), i);
  });
  // Duplicates in the presented list count once, at their first position.
  const seen = new Set<string>();
  const pool: { cert: ParsedCertificate; index?: number; url?: string }[] = [];
  presented.forEach((cert, index) => {
    if (index === 0 || seen.has(cert.id)) return;
    seen.add(cert.id);
    pool.push({ cert, index });
  });
  seen.add(leaf.id);
  for (const { cert, url } of fetched) {
    if (seen.has(cert.id)) continue;
    seen.add(cert.id);
    pool.push({ cert, url });
  }

  const complete: CandidatePath[] = [];
  const deadEnds: CandidatePath[] = [];
  const completeKeys = new Set<string>();
  const full = () => complete.length + deadEnds.length >= MAX_CANDIDATE_PATHS;
  const finish = (elements: PathElement[]) => {
    const key = elements.map(elementKey).join(',');
    if (completeKeys.has(key) || full()) return;
    completeKeys.add(key);
    complete.push({ elements, complete: true });
  };

  const extend = (path: PathElement[], used: Set<string>): void => {
    const last = path[path.length - 1]!.cert;
    if (path.length >= MAX_PATH_LENGTH) {
      if (!full()) deadEnds.push({ elements: path, complete: false, stop: 'too-long' });
      return;
    }
    let tried = false;
    for (let i = 0; i < anchors.length && !full(); i++) {
      const anchor = anchors[i]!;
      if (anchorByNameKey.get(nameKey(anchor)) !== i || used.has(nameKey(anchor)) || !couldIssue(anchor, last)) continue;
      tried = true;
      finish([...path, { cert: anchor, source: 'anchor', anchorIndex: i }]);
    }
    for (const { cert, index, url } of pool) {
      if (full()) return;
      if (used.has(nameKey(cert)) || !couldIssue(cert, last)) continue;
      tried = true;
      const anchorIndex = anchorByNameKey.get(nameKey(cert));
      if (anchorIndex !== undefined) {
        finish([...path, { cert: anchors[anchorIndex]!, source: 'anchor', anchorIndex, ...(index === undefined ? {} : { presentedIndex: index }) }]);
        continue;
      }
      const next = new Set(used);
      next.add(nameKey(cert));
      extend([...path, url === undefined ? { cert, source: 'presented', presentedIndex: index } : { cert, source: 'fetched', fetchedFrom: url }], next);
    }
    if (!tried && !full()) deadEnds.push({ elements: path, complete: false, stop: 'no-issuer' });
  };

  const leafAnchor = anchorByNameKey.get(nameKey(leaf));
  if (leafAnchor !== undefined) {
    // The leaf itself is trusted (a pinned self-signed server certificate in the store): a path of one.
    complete.push({ elements: [{ cert: leaf, source: 'presented', presentedIndex: 0, anchorIndex: leafAnchor }], complete: true });
  } else {
    extend([{ cert: leaf, source: 'presented', presentedIndex: 0 }], new Set([nameKey(leaf)]));
  }
  return [...complete, ...deadEnds];
}

/** True when the element ends its path as a trust anchor (including a leaf that is itself an anchor). */
export function isAnchor(element: PathElement): boolean {
  return element.anchorIndex !== undefined;
}

/**
 * The one path a builder that never backtracks validates (OpenSSL 1.1+ `build_chain` with its
 * default X509_V_FLAG_TRUSTED_FIRST; so curl, Node and wget's GnuTLS alike, measured): from the
 * leaf up, an issuer among the trust anchors first, else the first presented certificate that could
 * have issued it. Among several candidates it takes the first one valid at `at`, else the one that
 * expires last (OpenSSL x509_vfy.c `find_issuer`). Whatever it picks is final: when that issuer
 * leads nowhere the path is a dead end, even if another candidate would have reached an anchor.
 * Returns the index of that path in `candidates` (as {@link buildPaths} made them), or undefined
 * when the enumeration bound left it out.
 */
export function firstChoicePath(candidates: readonly CandidatePath[], presented: readonly ParsedCertificate[], anchors: readonly ParsedCertificate[], at: number): number | undefined {
  const leaf = presented[0];
  if (!leaf) return undefined;
  const pick = <T extends { cert: ParsedCertificate }>(list: T[]): T | undefined =>
    list.find((c) => c.cert.notBefore <= at && at <= c.cert.notAfter) ?? list.reduce<T | undefined>((best, c) => (best && best.cert.notAfter >= c.cert.notAfter ? best : c), undefined);
  // Anchors and the presented pool exactly as buildPaths dedupes them.
  const firstAnchor = new Map<string, number>();
  anchors.forEach((a, i) => {
    if (!firstAnchor.has(nameKey(a))) firstAnchor.set(nameKey(a), i);
  });
  const trustedPool = anchors.map((cert, index) => ({ cert, index })).filter(({ cert, index }) => firstAnchor.get(nameKey(cert)) === index);
  const ids = new Set([leaf.id]);
  const offeredPool = presented.map((cert, index) => ({ cert, index })).filter(({ cert, index }) => index > 0 && !ids.has(cert.id) && ids.add(cert.id));

  const keys = ['p0'];
  if (!firstAnchor.has(nameKey(leaf))) {
    const used = new Set([nameKey(leaf)]);
    let last = leaf;
    while (keys.length < MAX_PATH_LENGTH) {
      const issues = ({ cert }: { cert: ParsedCertificate }) => !used.has(nameKey(cert)) && couldIssue(cert, last);
      const trusted = pick(trustedPool.filter(issues));
      if (trusted) {
        keys.push(`a${trusted.index}`);
        break;
      }
      const next = pick(offeredPool.filter(issues));
      if (!next) break;
      const anchorIndex = firstAnchor.get(nameKey(next.cert));
      if (anchorIndex !== undefined) {
        keys.push(`a${anchorIndex}`);
        break;
      }
      keys.push(`p${next.index}`);
      used.add(nameKey(next.cert));
      last = next.cert;
    }
  }
  const key = keys.join(',');
  const index = candidates.findIndex((p) => p.elements.map(elementKey).join(',') === key);
  return index >= 0 ? index : undefined;
}
