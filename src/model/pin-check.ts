/**
 * The pin check (RFC 7469 2.6, OkHttp CertificatePinner with a cleaned chain): after validation,
 * one pinned key must be on the VALIDATED path, leaf to anchor inclusive. Keys that were presented
 * but are not on that path never count (the CVE-2016-2402 fix), and pins never rescue a path that
 * fails validation.
 */
import type { ParsedCertificate } from './certificate.js';
import type { PathElement } from './path.js';
import { isBackupPin, ruleFor, type PinPolicy, type PolicyPin } from './policy.js';
import type { ReasonCode, ValidationCode } from './reason.js';

/** A pinned key found on a path. */
export interface PinMatch {
  /** The pin as the policy wrote it, without its wrapping (`sha256/`, `pin-sha256=`: model/pin.ts). */
  pin: string;
  label?: string;
  /** Position in the path, 0 = leaf. */
  certIndexInPath: number;
  /** Subject of the certificate that carries the key. */
  subject: string;
  /** The pin is labelled as a backup. */
  backup: boolean;
}

/** A pinned key the server presented on a certificate that is not on the validated path. */
export interface OffPathPin {
  pin: string;
  label?: string;
  presentedIndex: number;
  subject: string;
}

/** The pin check part of a verdict. */
export interface PinCheck {
  /** The policy covers the host (or no host was given) and has not expired: pins are enforced or reported. */
  applies: boolean;
  /** The pattern that covers the host. */
  coveredBy?: string;
  /** The policy's expiration has been reached. */
  expired?: boolean;
  /** The pins were compared with a validated path (false when validation failed or the policy does not apply). */
  evaluated: boolean;
  /** The pin that decided, on the chosen path (non-backup pins preferred, then leaf first). */
  matched?: PinMatch;
  /** No pin on the chosen path, but one on another path that also validates: the outcome is client-dependent. */
  onlyOnAlternativePath?: boolean;
  /** That other path and its pin. */
  alternative?: { pathIndex: number; match: PinMatch };
  /** Report-only policy and no pin matched: reported, accepted. */
  reportOnlyMismatch?: boolean;
  /** Pinned keys that were presented but are not on the validated path (pin stuffing bait; they never count). */
  offPathPins?: OffPathPin[];
}

/** What the pin check decided: the final code and sentence of the verdict, and the details. */
export interface PinOutcome {
  check: PinCheck;
  code: ReasonCode;
  /** One human sentence. */
  reason: string;
}

/** Inputs of {@link checkPins}. */
export interface PinCheckInput {
  policy: PinPolicy;
  host?: string;
  /** Epoch milliseconds. */
  at: number;
  presented: readonly ParsedCertificate[];
  /** Every candidate path with whether it validated, in preference order. */
  paths: readonly { elements: readonly PathElement[]; ok: boolean }[];
  /** Index of the chosen path in `paths`, or undefined when there is none. */
  chosen?: number;
  /** The validation outcome of the chosen path: a failure is the verdict, whatever the pins say. */
  validation: { ok: boolean; code: ValidationCode; reason: string };
}

/** A policy's pins by the digest they carry: `sha256:B64` / `sha1:B64`. The first of a value wins. */
type PinIndex = Map<string, PolicyPin>;

function indexPins(pins: readonly PolicyPin[]): PinIndex {
  const index: PinIndex = new Map();
  for (const p of pins) if (!index.has(`${p.hash}:${p.value}`)) index.set(`${p.hash}:${p.value}`, p);
  return index;
}

/** How matches and reports name a pin: the bare base64 of a SHA-256 pin, `sha1/B64` for a legacy one. */
function pinName(pin: PolicyPin): string {
  return pin.hash === 'sha1' ? `sha1/${pin.value}` : pin.value;
}

/** The policy pin naming a certificate's key, by its SHA-256 pin or, for legacy pins, its SHA-1 one. */
function pinOf(cert: ParsedCertificate, pins: PinIndex, sha1: boolean): PolicyPin | undefined {
  return pins.get(`sha256:${cert.pin}`) ?? (sha1 ? pins.get(`sha1:${cert.pinSha1}`) : undefined);
}

/** Pins of a path, best first: non-backup before backup, then leaf to anchor. A pin restricted to the leaf or to CAs counts only there. */
function matchesOn(elements: readonly PathElement[], pins: PinIndex, sha1: boolean): { match: PinMatch; pin: PolicyPin }[] {
  const out: { match: PinMatch; pin: PolicyPin }[] = [];
  elements.forEach((e, i) => {
    const pin = pinOf(e.cert, pins, sha1);
    if (!pin || (pin.on === 'leaf' && i !== 0) || (pin.on === 'ca' && i === 0)) return;
    const match: PinMatch = { pin: pinName(pin), ...(pin.label ? { label: pin.label } : {}), certIndexInPath: i, subject: e.cert.subject.display, backup: isBackupPin(pin) };
    out.push({ match, pin });
  });
  return out.sort((a, b) => Number(a.match.backup) - Number(b.match.backup) || a.match.certIndexInPath - b.match.certIndexInPath);
}

/**
 * The match that satisfies a pin set on a path, or undefined. Apple ATS asks for a match of each
 * kind it lists (a leaf identity and a CA identity when both are given: NSPinnedDomains); every
 * other format for one match anywhere.
 */
function satisfied(elements: readonly PathElement[], pins: PinIndex, sha1: boolean): PinMatch | undefined {
  const matches = matchesOn(elements, pins, sha1);
  const kinds = new Set([...pins.values()].map((p) => p.on));
  for (const kind of ['leaf', 'ca'] as const) if (kinds.has(kind) && !matches.some((m) => m.pin.on === kind)) return undefined;
  return matches[0]?.match;
}

function describe(m: PinMatch): string {
  const what = m.label ? `pin '${m.label}'` : `pin ${m.pin}`;
  return `${what} matches '${m.subject}' (depth ${m.certIndexInPath})`;
}

/**
 * What a pin set matches on one path: every match (non-backup first, then leaf to anchor), and the
 * match that satisfies the set, if one does (for Apple ATS, one of each kind the set lists). The
 * same reading {@link checkPins} applies to the validated path, for callers that look at paths
 * without a verdict (`pinprick lint --chain`).
 */
export function pinSetOnPath(elements: readonly PathElement[], pins: readonly PolicyPin[]): { matches: PinMatch[]; satisfiedBy?: PinMatch } {
  const index = indexPins(pins);
  const sha1 = pins.some((p) => p.hash === 'sha1');
  const best = satisfied(elements, index, sha1);
  return { matches: matchesOn(elements, index, sha1).map((m) => m.match), ...(best ? { satisfiedBy: best } : {}) };
}

/**
 * Apply a pin policy to the outcome of validation. A failed validation is the outcome whatever
 * the policy says (pins never rescue a path); otherwise the code is one of `ok`, `ok-backup-pin`,
 * `ok-unpinned-host`, `ok-pins-expired`, `ok-report-only` or `pin-mismatch`.
 */
export function checkPins(input: PinCheckInput): PinOutcome {
  const { policy, host, at, validation } = input;
  const applied = ruleFor(policy, host);
  const rule = applied?.rule;
  const coveredBy = applied && host !== undefined ? { coveredBy: applied.coveredBy } : {};
  const expired = rule?.expiration !== undefined && at >= rule.expiration.getTime();
  const applies = rule !== undefined && !expired;
  const chosen = input.chosen === undefined ? undefined : input.paths[input.chosen];
  if (!validation.ok || !chosen) {
    return { check: { applies, ...coveredBy, ...(expired ? { expired } : {}), evaluated: false }, code: validation.code, reason: validation.reason };
  }
  if (!rule) {
    return {
      check: { applies: false, evaluated: false },
      code: 'ok-unpinned-host',
      reason: host === undefined ? 'The chain validates and the pin policy has no pins, so no pin applies.' : `The chain validates and '${host}' is not covered by the pin policy, so no pin applies.`,
    };
  }
  if (expired) {
    return {
      check: { applies: false, ...coveredBy, expired: true, evaluated: false },
      code: 'ok-pins-expired',
      reason: `The chain validates and the pin set expired at ${rule.expiration!.toISOString()}, so pins are no longer enforced.`,
    };
  }
  const pins = indexPins(rule.pins);
  // SHA-1 of each key only when the set has a legacy SHA-1 pin (most have none).
  const sha1 = rule.pins.some((p) => p.hash === 'sha1');
  const onPath = new Set(chosen.elements.map((e) => e.cert.pin));
  const offPathPins: OffPathPin[] = [];
  input.presented.forEach((cert, i) => {
    const pin = pinOf(cert, pins, sha1);
    if (pin && !onPath.has(cert.pin) && !offPathPins.some((o) => o.pin === pinName(pin))) {
      offPathPins.push({ pin: pinName(pin), ...(pin.label ? { label: pin.label } : {}), presentedIndex: i, subject: cert.subject.display });
    }
  });
  const offPath = offPathPins.length ? { offPathPins } : {};
  const best = satisfied(chosen.elements, pins, sha1);
  if (best) {
    return {
      check: { applies: true, ...coveredBy, evaluated: true, matched: best, ...offPath },
      code: best.backup ? 'ok-backup-pin' : 'ok',
      reason: best.backup ? `The chain validates and only a backup ${describe(best)} on the validated path.` : `The chain validates and ${describe(best)} on the validated path.`,
    };
  }
  let alternative: PinCheck['alternative'];
  input.paths.forEach((p, i) => {
    if (alternative || i === input.chosen || !p.ok) return;
    const m = satisfied(p.elements, pins, sha1);
    if (m) alternative = { pathIndex: i, match: m };
  });
  const alt = alternative ? { onlyOnAlternativePath: true, alternative } : {};
  let why = 'The chain validates but no pinned key is on the validated path';
  if (offPathPins.length) why += `; the pinned key of '${offPathPins[0]!.subject}' was presented but is not on that path, and such keys never count (CVE-2016-2402)`;
  if (alternative) why += `; a pinned key is only on another valid path (${describe(alternative.match)}), so the outcome depends on which path the client builds`;
  if (!rule.enforce) {
    return {
      check: { applies: true, ...coveredBy, evaluated: true, ...alt, reportOnlyMismatch: true, ...offPath },
      code: 'ok-report-only',
      reason: `${why}, but the policy is report-only: the mismatch is reported and the connection accepted.`,
    };
  }
  return { check: { applies: true, ...coveredBy, evaluated: true, ...alt, ...offPath }, code: 'pin-mismatch', reason: `${why}.` };
}
