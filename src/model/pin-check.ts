/**
 * The pin check (RFC 7469 2.6, OkHttp CertificatePinner with a cleaned chain): after validation,
 * one pinned key must be on the VALIDATED path, leaf to anchor inclusive. Keys that were presented
 * but are not on that path never count (the CVE-2016-2402 fix), and pins never rescue a path that
 * fails validation.
 */
import type { ParsedCertificate } from './certificate.js';
import type { PathElement } from './path.js';
import { normalisePin } from './pin.js';
import { coveringDomain, isBackupPin, type PinPolicy, type PolicyPin } from './policy.js';
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

/** Pins of a path, best first: non-backup before backup, then leaf to anchor. */
function matchesOn(elements: readonly PathElement[], pins: Map<string, PolicyPin>): PinMatch[] {
  const out: PinMatch[] = [];
  elements.forEach((e, i) => {
    const pin = pins.get(e.cert.pin);
    if (pin) out.push({ pin: e.cert.pin, ...(pin.label ? { label: pin.label } : {}), certIndexInPath: i, subject: e.cert.subject.display, backup: isBackupPin(pin) });
  });
  return out.sort((a, b) => Number(a.backup) - Number(b.backup) || a.certIndexInPath - b.certIndexInPath);
}

function describe(m: PinMatch): string {
  const what = m.label ? `pin '${m.label}'` : `pin ${m.pin}`;
  return `${what} matches '${m.subject}' (depth ${m.certIndexInPath})`;
}

/**
 * Apply a pin policy to the outcome of validation. A failed validation is the outcome whatever
 * the policy says (pins never rescue a path); otherwise the code is one of `ok`, `ok-backup-pin`,
 * `ok-unpinned-host`, `ok-pins-expired`, `ok-report-only` or `pin-mismatch`.
 */
export function checkPins(input: PinCheckInput): PinOutcome {
  const { policy, host, at, validation } = input;
  const covered = host === undefined ? undefined : coveringDomain(policy, host);
  const coveredBy = covered ? { coveredBy: covered.pattern } : {};
  const expired = policy.expiration !== undefined && at >= policy.expiration.getTime();
  const applies = (host === undefined || covered !== undefined) && !expired;
  const chosen = input.chosen === undefined ? undefined : input.paths[input.chosen];
  if (!validation.ok || !chosen) {
    return { check: { applies, ...coveredBy, ...(expired ? { expired } : {}), evaluated: false }, code: validation.code, reason: validation.reason };
  }
  if (host !== undefined && !covered) {
    return {
      check: { applies: false, evaluated: false },
      code: 'ok-unpinned-host',
      reason: `The chain validates and '${host}' is not covered by the pin policy, so no pin applies.`,
    };
  }
  if (expired) {
    return {
      check: { applies: false, ...coveredBy, expired: true, evaluated: false },
      code: 'ok-pins-expired',
      reason: `The chain validates and the pin set expired at ${policy.expiration!.toISOString()}, so pins are no longer enforced.`,
    };
  }
  const pins = new Map<string, PolicyPin>();
  for (const p of policy.pins) {
    const key = normalisePin(p.sha256);
    if (!pins.has(key)) pins.set(key, p);
  }
  const onPath = new Set(chosen.elements.map((e) => e.cert.pin));
  const offPathPins: OffPathPin[] = [];
  input.presented.forEach((cert, i) => {
    const pin = pins.get(cert.pin);
    if (pin && !onPath.has(cert.pin) && !offPathPins.some((o) => o.pin === cert.pin)) {
      offPathPins.push({ pin: cert.pin, ...(pin.label ? { label: pin.label } : {}), presentedIndex: i, subject: cert.subject.display });
    }
  });
  const offPath = offPathPins.length ? { offPathPins } : {};
  const [best] = matchesOn(chosen.elements, pins);
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
    const [m] = matchesOn(p.elements, pins);
    if (m) alternative = { pathIndex: i, match: m };
  });
  const alt = alternative ? { onlyOnAlternativePath: true, alternative } : {};
  let why = 'The chain validates but no pinned key is on the validated path';
  if (offPathPins.length) why += `; the pinned key of '${offPathPins[0]!.subject}' was presented but is not on that path, and such keys never count (CVE-2016-2402)`;
  if (alternative) why += `; a pinned key is only on another valid path (${describe(alternative.match)}), so the outcome depends on which path the client builds`;
  if (!policy.enforce) {
    return {
      check: { applies: true, ...coveredBy, evaluated: true, ...alt, reportOnlyMismatch: true, ...offPath },
      code: 'ok-report-only',
      reason: `${why}, but the policy is report-only: the mismatch is reported and the connection accepted.`,
    };
  }
  return { check: { applies: true, ...coveredBy, evaluated: true, ...alt, ...offPath }, code: 'pin-mismatch', reason: `${why}.` };
}
