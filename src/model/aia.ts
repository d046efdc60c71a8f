/**
 * Fetching a missing issuer from a caIssuers URL (RFC 5280 4.2.2.1), as Apple's SecTrust, Windows'
 * CryptoAPI and Chrome do and Android, OpenSSL, Go and the JVM (by default) do not: the `aia-fetch`
 * difference of platforms.ts. Pure: the caller says what each URL serves (`ModelInput.fetchable`);
 * nothing here touches the network.
 */
import { MalformedError, parseCertificate, type ParsedCertificate } from './certificate.js';
import { buildPaths, type CandidatePath, type FetchedCertificate } from './path.js';

/**
 * At most 5 caIssuers URLs are tried in one evaluation. Chromium tries at most 5 caIssuers URLs of
 * one certificate (net/cert/internal/cert_issuer_source_aia.cc, kMaxFetchesPerCert = 5); the
 * model applies that number to the whole path, which real outages (one missing intermediate,
 * rarely two) never reach, and which keeps a chain of URLs that lead nowhere from going on.
 */
export const MAX_AIA_FETCHES = 5;

/** What a fetching client built: the candidate paths with what it fetched, and every URL it tried. */
export interface FetchOutcome {
  paths: CandidatePath[];
  fetched: FetchedCertificate[];
  /** Every URL tried, in order, whether or not it answered with a certificate. */
  tried: string[];
}

/**
 * Build paths as a client that fetches missing issuers does: while no path reaches a trust anchor,
 * try the next caIssuers URL of a certificate where a path stops for want of an issuer (dead ends
 * in path order, each certificate's URLs in order), add the certificate the URL serves to the pool
 * and build again; at most {@link MAX_AIA_FETCHES} URLs. A URL `fetchable` does not answer, or
 * answers with bytes that are not a certificate, is a failed fetch: it counts, and adds nothing.
 * A self-signed certificate is not asked for its issuer (it is its own).
 */
export function buildPathsFetching(
  presented: readonly ParsedCertificate[],
  anchors: readonly ParsedCertificate[],
  fetchable: ReadonlyMap<string, Uint8Array>,
): FetchOutcome {
  const fetched: FetchedCertificate[] = [];
  const tried: string[] = [];
  let paths = buildPaths(presented, anchors);
  while (!paths.some((p) => p.complete) && tried.length < MAX_AIA_FETCHES) {
    const url = nextUrl(paths, new Set(tried));
    if (url === undefined) break;
    tried.push(url);
    const der = fetchable.get(url);
    const cert = der && parseOrUndefined(der);
    if (!cert) continue;
    fetched.push({ cert, url });
    paths = buildPaths(presented, anchors, fetched);
  }
  return { paths, fetched, tried };
}

/** The first caIssuers URL not tried yet of a certificate that ends a path for want of an issuer. */
function nextUrl(paths: readonly CandidatePath[], tried: ReadonlySet<string>): string | undefined {
  for (const p of paths) {
    if (p.complete || p.stop !== 'no-issuer') continue;
    const last = p.elements[p.elements.length - 1]!.cert;
    if (last.selfIssued && last.signedBy(last)) continue;
    const url = last.caIssuers?.find((u) => !tried.has(u));
    if (url !== undefined) return url;
  }
  return undefined;
}

function parseOrUndefined(der: Uint8Array): ParsedCertificate | undefined {
  try {
    return parseCertificate(der);
  } catch (err) {
    if (err instanceof MalformedError) return undefined;
    throw err;
  }
}

/** For a reason: which certificates of a path were fetched, and from where; undefined when none was. */
export function fetchedNote(path: CandidatePath | undefined): string | undefined {
  const parts = (path?.elements ?? []).flatMap((e, i) =>
    e.source === 'fetched' ? [`'${e.cert.subject.display}' (depth ${i}) was not sent but fetched from ${e.fetchedFrom}, the caIssuers URL of '${path!.elements[i - 1]!.cert.subject.display}'`] : [],
  );
  return parts.length ? parts.join('; ') : undefined;
}
