/**
 * The reference model's one function: given what a server presented, what the client trusts, the
 * host, the time and a pin policy, what a CORRECT pinning client does, and why. Pure: no sockets,
 * no files, no clock.
 */
import { InputError } from '../errors.js';
import { MalformedError, parseCertificate, type ParsedCertificate } from './certificate.js';
import { parseHost, type HostMatch } from './hostname.js';
import { buildPathsFetching, fetchedNote } from './aia.js';
import { buildPaths, firstChoicePath, type PathElement } from './path.js';
import { checkPins, type PinCheck } from './pin-check.js';
import type { PinPolicy } from './policy.js';
import { isAccepting, type ReasonCode, type ValidationCode } from './reason.js';
import { validatePath, type PathResult } from './validate.js';
import { describeDivergence, DIVERGENCE_IDS, DIVERGENCE_TRIGGERS, DIVERGENCES, platformAnswer, type DivergenceId, type Platform } from './platforms.js';

/** What the model is asked. */
export interface ModelInput {
  /** DER certificates exactly as the server sent them, leaf first (order, duplicates and extras kept). */
  presented: readonly Uint8Array[];
  /** DER certificates of the client's trust anchors. */
  anchors: readonly Uint8Array[];
  /** DNS name or IP address the client connects to; absent = no host check (and a policy applies unconditionally). */
  host?: string;
  /** The instant of the connection. */
  at: Date;
  /** Absent = validation only. */
  policy?: PinPolicy;
  /** The client's platform: narrows an `either` to that platform's answer (platforms.ts). */
  platform?: Platform;
  /**
   * What a client that fetches missing issuers (platforms.ts `aia-fetch`) gets at each caIssuers
   * URL: the DER certificate served there. A URL not in the map does not answer. Absent: nothing
   * can be fetched, and a chain without a path to an anchor is rejected by every platform.
   */
  fetchable?: ReadonlyMap<string, Uint8Array>;
}

/** One certificate of a reported path. */
export interface CertificateReport {
  /** RFC 4514-style subject in encoding order: `CN=api.example, O=Example`. */
  subject: string;
  issuer: string;
  /** `ECDSA P-256`, `RSA 2048`… */
  key: string;
  keyType: string;
  keyBits?: number;
  /** `ecdsa-with-SHA256`, `sha256WithRSAEncryption`, `RSASSA-PSS`… */
  signatureAlgorithm: string;
  signatureHash?: string;
  /** ISO 8601. */
  notBefore: string;
  /** ISO 8601. */
  notAfter: string;
  /** Serial number, upper-case hex. */
  serial: string;
  /** RFC 7469 pin of its key. */
  pin: string;
  /** `anchor` for the trust anchor that ends a path (even when the server also sent a copy); `fetched`: from a caIssuers URL. */
  source: 'presented' | 'anchor' | 'fetched';
  presentedIndex?: number;
  anchorIndex?: number;
  /** For `fetched`: the URL. */
  fetchedFrom?: string;
}

/** One candidate path, leaf to anchor, with its own validation result. */
export interface PathReport {
  certificates: CertificateReport[];
  /** The path reaches a trust anchor. */
  complete: boolean;
  result: PathResult;
}

/** The validation part of a verdict (the chosen path's result). */
export interface ValidationSummary {
  ok: boolean;
  code: ValidationCode;
  reason: string;
  /** Position in the chosen path of the certificate at fault (0 = leaf). */
  depth?: number;
  /** The host check, when a host was given and validation got that far. */
  host?: HostMatch;
}

/** What a correct client does. */
export interface Verdict {
  /**
   * `either` where correct implementations differ (platforms.ts): `code` and `reason` are then the
   * stricter platforms' answer (a rejection), and `either` says who accepts and why.
   */
  expected: 'accept' | 'reject' | 'either';
  /** For `either`: the difference, and the verdict of the platforms that accept. */
  either?: { divergence: DivergenceId; accept: Platform[]; reject: Platform[]; lenient: { code: ReasonCode; reason: string } };
  code: ReasonCode;
  /** One human sentence. */
  reason: string;
  /** Every candidate path, in preference order (complete paths first). */
  paths: PathReport[];
  /** Index in `paths` of the chosen path: the first that validates, else the first (for its error). */
  chosenPath?: number;
  /** The chosen path's validation outcome. */
  validation: ValidationSummary;
  /** Present when a policy was given. */
  pinCheck?: PinCheck;
}

/** The per-certificate part of reports, made once per parsed certificate (parses are cached across calls). */
type ReportBase = Omit<CertificateReport, 'source' | 'presentedIndex' | 'anchorIndex' | 'fetchedFrom'>;
const reportBases = new WeakMap<ParsedCertificate, ReportBase>();

function reportBase(c: ParsedCertificate): ReportBase {
  let base = reportBases.get(c);
  if (!base) {
    base = {
      subject: c.subject.display,
      issuer: c.issuer.display,
      key: c.key.label,
      keyType: c.key.type,
      ...(c.key.bits === undefined ? {} : { keyBits: c.key.bits }),
      signatureAlgorithm: c.signatureAlgorithm.name,
      ...(c.signatureAlgorithm.hash ? { signatureHash: c.signatureAlgorithm.hash } : {}),
      notBefore: new Date(c.notBefore).toISOString(),
      notAfter: new Date(c.notAfter).toISOString(),
      serial: c.serial,
      pin: c.pin,
    };
    reportBases.set(c, base);
  }
  return base;
}

function report(el: PathElement): CertificateReport {
  // Object.assign copies the base's keys in their order, so JSON output keeps the same field order.
  const r: CertificateReport = Object.assign({} as CertificateReport, reportBase(el.cert));
  r.source = el.source;
  if (el.presentedIndex !== undefined) r.presentedIndex = el.presentedIndex;
  if (el.anchorIndex !== undefined) r.anchorIndex = el.anchorIndex;
  if (el.fetchedFrom !== undefined) r.fetchedFrom = el.fetchedFrom;
  return r;
}

function early(code: 'empty-chain' | 'malformed', reason: string): Verdict {
  return { expected: 'reject', code, reason, paths: [], validation: { ok: false, code, reason } };
}

function parseAll(ders: readonly Uint8Array[], what: (i: number) => string): ParsedCertificate[] | string {
  const out: ParsedCertificate[] = [];
  for (let i = 0; i < ders.length; i++) {
    try {
      out.push(parseCertificate(ders[i]!));
    } catch (err) {
      if (err instanceof MalformedError) return `${what(i)} is not a well-formed certificate (${err.message}).`;
      throw err;
    }
  }
  return out;
}

/**
 * Evaluate one connection: the expected verdict of a correct pinning client, with a reason and
 * every path it considered. Where correct implementations differ on this input (platforms.ts),
 * `either`; with `platform`, that platform's answer. Further evaluations run only for a
 * rejection a divergence can explain, so the common case costs one.
 */
export function evaluate(input: ModelInput): Verdict {
  const strict = evaluateWith(input, undefined);
  // Only a rejection for a reason some platforms do not check can turn into an acceptance. Each
  // difference whose trigger matches is tried alone, in table order; the first that turns the
  // verdict into an acceptance is reported, or, for a platform, the first that platform accepts.
  let open: { d: (typeof DIVERGENCES)[DivergenceId]; lenient: Verdict } | undefined;
  let checkedBy: (typeof DIVERGENCES)[DivergenceId] | undefined;
  let otherReason: Verdict | undefined;
  if (strict.expected !== 'reject') return strict;
  for (const id of DIVERGENCE_IDS) {
    if (!DIVERGENCE_TRIGGERS[id].includes(strict.code)) continue;
    // Nothing to fetch: a fetching client builds the same paths and rejects too.
    if (id === 'aia-fetch' && !input.fetchable?.size) continue;
    const lenient = evaluateWith(input, new Set([id]));
    const d = DIVERGENCES[id];
    const answer = input.platform && platformAnswer(d, input.platform);
    if (lenient.expected !== 'accept') {
      // A platform on the lenient side that rejects too, for another reason, reports that reason
      // (a backtracking client finds a valid path that is not pinned: pin-mismatch), even under
      // the same code: Android, which ignores an anchor's dates, rejects an expired cross-sign
      // below it for the cross-sign, not for the anchor (DST Root CA X3's cross-sign, 2024).
      if (answer === 'accept' && (lenient.code !== strict.code || lenient.reason !== strict.reason)) otherReason ??= lenient;
      continue;
    }
    if (answer === 'accept') return { ...lenient, reason: `${lenient.reason} (${input.platform}: ${d.accept.behaviour}; ${d.reject.platforms.join(', ')} would reject.)` };
    if (answer === 'reject') checkedBy ??= d;
    else open ??= { d, lenient };
  }
  if (open) {
    const { d, lenient } = open;
    return {
      ...strict,
      expected: 'either',
      reason: `${strict.reason} Correct clients differ here, ${describeDivergence(d)}; for those that accept: ${lenient.reason}`,
      either: { divergence: d.id, accept: d.accept.platforms, reject: d.reject.platforms, lenient: { code: lenient.code, reason: lenient.reason } },
    };
  }
  if (otherReason) return otherReason;
  if (checkedBy) return { ...strict, reason: `${strict.reason} (${input.platform} checks this; ${checkedBy.accept.platforms.join(', ')} would accept.)` };
  return strict;
}

function evaluateWith(input: ModelInput, relax: ReadonlySet<DivergenceId> | undefined): Verdict {
  const at = input.at.getTime();
  if (!Number.isFinite(at)) throw new InputError('the model needs a valid time (`at`)');
  if (!input.presented.length) return early('empty-chain', 'The server presented no certificate.');
  const presented = parseAll(input.presented, (i) => (i === 0 ? 'The presented leaf' : `Presented certificate ${i}`));
  if (typeof presented === 'string') return early('malformed', presented);
  const anchors = parseAll(input.anchors, (i) => `Trust anchor ${i}`);
  if (typeof anchors === 'string') return early('malformed', anchors);

  const host = input.host === undefined ? undefined : parseHost(input.host);
  const candidates = relax?.has('aia-fetch') && input.fetchable ? buildPathsFetching(presented, anchors, input.fetchable).paths : buildPaths(presented, anchors);
  const ctx = { at, ...(host ? { host } : {}), anchorCount: anchors.length, ...(relax ? { relax } : {}) };
  const results = candidates.map((p) => validatePath(p, ctx));
  const firstOk = results.findIndex((r) => r.ok);
  // A client that backtracks validates the first path that works; one that does not validates the
  // path its first choices make (path.ts firstChoicePath; platforms.ts 'backtracking'). Clients
  // that fetch missing issuers (Apple, Windows) backtrack as well.
  const firstChoice = relax?.has('backtracking') || relax?.has('aia-fetch') ? undefined : firstChoicePath(candidates, presented, anchors, at);
  const chosen = firstChoice ?? (firstOk >= 0 ? firstOk : 0);
  const fetched = fetchedNote(candidates[chosen]);
  const result = fetched ? { ...results[chosen]!, reason: `${results[chosen]!.reason.replace(/\.$/, '')}; ${fetched}.` } : results[chosen]!;
  const paths: PathReport[] = candidates.map((p, i) => ({ certificates: p.elements.map(report), complete: p.complete, result: results[i]! }));
  const validation: ValidationSummary = {
    ok: result.ok,
    code: result.code,
    reason: result.reason,
    ...(result.depth === undefined ? {} : { depth: result.depth }),
    ...(result.host ? { host: result.host } : {}),
  };

  if (!input.policy) {
    return { expected: result.ok ? 'accept' : 'reject', code: result.code, reason: result.reason, paths, chosenPath: chosen, validation };
  }
  const pins = checkPins({
    policy: input.policy,
    ...(input.host === undefined ? {} : { host: input.host }),
    at,
    presented,
    paths: candidates.map((p, i) => ({ elements: p.elements, ok: results[i]!.ok })),
    chosen,
    validation: result,
  });
  return { expected: isAccepting(pins.code) ? 'accept' : 'reject', code: pins.code, reason: pins.reason, paths, chosenPath: chosen, validation, pinCheck: pins.check };
}
