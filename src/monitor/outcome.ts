/**
 * What one probe of an endpoint means: pass, warn, fail or unreachable, with the reason and the
 * fix, decided from the reference model's verdict (src/model, the same `evaluate` the harness
 * uses: no second pin check here). Pure: a verdict and the policy in, an outcome out.
 */
import { policyFix, type NamedKey } from '../harness/policy-fix.js';
import { LINT_RULES } from '../lint/rules.js';
import type { Verdict } from '../model/index.js';
import { ruleFor, type PinPolicy, type PolicyPin } from '../model/policy.js';

/**
 * `pass`: a correct client with the profile accepts the chain; `warn`: it accepts, with a warning
 * (below); `fail`: it rejects; `unreachable`: no chain to decide on (no connection, no TLS).
 */
export type MonitorStatus = 'pass' | 'warn' | 'fail' | 'unreachable';

/** The warnings, each a condition that may start and end (see transition.ts). */
export const WARNING_IDS = [
  /** Every pinned key on the path is in a certificate that expires within --warn-days, and no backup pin is announced. */
  'expiry',
  /** The profile pins nothing for the host: nothing is being monitored but validation. */
  'unpinned-host',
  /** The pins do not match but the policy is report-only: the app accepts, and reports. */
  'report-only',
  /** The pin set has expired: the app no longer pins. */
  'pins-expired',
] as const;
/** One of {@link WARNING_IDS}. */
export type WarningId = (typeof WARNING_IDS)[number];

/** One warning on an accepted chain. */
export interface MonitorWarning {
  id: WarningId;
  message: string;
  fix: string;
}

/** The outcome of one probe. */
export interface ProbeOutcome {
  status: MonitorStatus;
  /** The model's reason code (model/reason.ts), or `unreachable`. */
  code: string;
  /** One sentence: the model's reason, or why the probe got no chain. */
  reason: string;
  /** For `fail` and `unreachable`: what to do. */
  fix?: string;
  /** For an accepted chain: the warnings, in {@link WARNING_IDS} order. */
  warnings: MonitorWarning[];
  /** `sha256/B64` pins of the certificates the server sent, in the order sent. */
  pinsSeen: string[];
}

/** What {@link probeOutcome} needs besides the verdict. */
export interface OutcomeInput {
  /** The model's verdict for the chain as sent, the anchors, the host, the time and the policy. */
  verdict: Verdict;
  /** The policy the verdict was computed with (a resolved profile). */
  policy: PinPolicy;
  /** The host the verdict was computed for (the endpoint's SNI, else its host). */
  host: string;
  at: Date;
  /** Warn when every pinned certificate expires within this many days (0: never). */
  warnDays: number;
  /** Key names for the fixes (a pinprick world's), or none. */
  keys: readonly NamedKey[];
  /** `sha256/B64` pins of the certificates as sent. */
  pinsSeen: string[];
  /** SHA-1 pins of the path's keys by their SHA-256 pin, needed only when the policy has legacy sha1/ pins. */
  sha1Pins?: ReadonlyMap<string, string>;
}

/** A certificate of the validated path, as the expiry warning reads it. */
export interface PathKey {
  /** RFC 7469 pin (base64 SHA-256 of the SPKI). */
  pin: string;
  /** Base64 SHA-1 of the SPKI, when known (to match legacy sha1/ pins). */
  pinSha1?: string;
  subject: string;
  /** ISO 8601. */
  notAfter: string;
}

const DAY_MS = 86_400_000;

const pinMatches = (p: PolicyPin, c: PathKey) => (p.hash === 'sha256' ? p.value === c.pin : p.value === c.pinSha1);
// A pin restricted to the leaf (curl, ATS NSPinnedLeafIdentities) or to CAs says so: the same key elsewhere does not match.
const shown = (p: PolicyPin) => `${p.label ?? `${p.hash}/${p.value}`}${p.on ? ` (${p.on === 'leaf' ? 'leaf' : 'CA'} only)` : ''}`;
const list = (items: string[], max = 4) => (items.length > max ? `${items.slice(0, max).join(', ')}, …` : items.join(', '));

/**
 * The expiry warning (issue 18): every pinned key on the validated path sits in a certificate that
 * expires within `warnDays`, and no backup key is announced, i.e. no pin of the set matches a
 * certificate of that path (a key the operator can move to). A certificate's expiry is not its
 * key's: a renewal may keep the key and the pins. But when every pinned certificate must be renewed
 * soon and the set names no other key, a renewal with a new key (a CA move, a lost key, an ACME
 * client that rotates keys) bricks the app, and RFC 7469 section 4.3 asks for a backup pin for
 * exactly this. Undefined when the warning does not hold, or when no pinned key is on the path.
 */
export function expiryWarning(input: { path: readonly PathKey[]; pins: readonly PolicyPin[]; at: Date; warnDays: number }): MonitorWarning | undefined {
  const { path, pins, at, warnDays } = input;
  if (warnDays <= 0) return undefined;
  const pinned = path.filter((c) => pins.some((p) => pinMatches(p, c)));
  if (!pinned.length) return undefined;
  const horizon = at.getTime() + warnDays * DAY_MS;
  if (pinned.some((c) => Date.parse(c.notAfter) > horizon)) return undefined;
  if (pins.some((p) => !path.some((c) => pinMatches(p, c)))) return undefined;
  const first = pinned.map((c) => c.notAfter).sort()[0]!;
  const days = Math.max(0, Math.floor((Date.parse(first) - at.getTime()) / DAY_MS));
  return {
    id: 'expiry',
    message: `every pinned key on the path is in a certificate that expires within ${warnDays} days (${list(pinned.map((c) => `'${c.subject}' on ${c.notAfter.slice(0, 10)}`))}; the first in ${days} days) and the pin set holds no backup pin outside this chain: a renewal with a new key bricks the app`,
    fix: `renew with the same key, or add a pin of a backup key kept offline (or of a CA key the server will keep) and ship it before ${first.slice(0, 10)}`,
  };
}

/** The outcome of a probe that got a chain: the verdict read as pass, warn or fail. */
export function probeOutcome(input: OutcomeInput): ProbeOutcome {
  const { verdict, host } = input;
  const base = { code: verdict.code, reason: verdict.reason, pinsSeen: input.pinsSeen };
  const rule = ruleFor(input.policy, host)?.rule;
  if (verdict.expected !== 'accept') return { ...base, status: 'fail', fix: failureFix(verdict, input, rule?.pins ?? []), warnings: [] };
  const warnings: MonitorWarning[] = [];
  const chosen = verdict.chosenPath === undefined ? undefined : verdict.paths[verdict.chosenPath];
  if (verdict.pinCheck?.matched && rule && chosen) {
    const path = chosen.certificates.map((c) => ({ pin: c.pin, subject: c.subject, notAfter: c.notAfter, ...(input.sha1Pins?.has(c.pin) ? { pinSha1: input.sha1Pins.get(c.pin)! } : {}) }));
    const expiry = expiryWarning({ path, pins: rule.pins, at: input.at, warnDays: input.warnDays });
    if (expiry) warnings.push(expiry);
  }
  if (verdict.code === 'ok-unpinned-host') {
    warnings.push({
      id: 'unpinned-host',
      message: `the profile pins nothing for ${host}: only validation is monitored`,
      fix: `give the name the app connects to (--sni, or sni= in the endpoints file), or a profile that covers ${host}`,
    });
  }
  if (verdict.code === 'ok-report-only') warnings.push({ id: 'report-only', message: verdict.reason, fix: LINT_RULES['not-enforced'].fix });
  if (verdict.code === 'ok-pins-expired') warnings.push({ id: 'pins-expired', message: verdict.reason, fix: LINT_RULES['expiration-past'].fix });
  return { ...base, status: warnings.length ? 'warn' : 'pass', warnings: sortWarnings(warnings) };
}

function sortWarnings(warnings: MonitorWarning[]): MonitorWarning[] {
  return warnings.sort((a, b) => WARNING_IDS.indexOf(a.id) - WARNING_IDS.indexOf(b.id));
}

/** The outcome of a probe that got no chain to decide on. */
export function unreachableOutcome(message: string): ProbeOutcome {
  return {
    status: 'unreachable',
    code: 'unreachable',
    reason: message,
    fix: 'check that the server is up and reachable from here (address, port, firewall, --proxy)',
    warnings: [],
    pinsSeen: [],
  };
}

/** How to make a rejected chain pass again, by what the model says is wrong. */
function failureFix(verdict: Verdict, input: OutcomeInput, pins: readonly PolicyPin[]): string {
  if (verdict.expected === 'either' && verdict.either) {
    const { accept, reject } = verdict.either;
    return `serve a chain every client accepts (${accept.join(', ')} accept this one, ${reject.join(', ')} reject it), or give the profile the app's platform (platform: in a pinprick profile) if it runs only where it is accepted`;
  }
  const chosen = verdict.chosenPath === undefined ? undefined : verdict.paths[verdict.chosenPath];
  const depth = verdict.validation.depth;
  const atFault = depth === undefined ? undefined : chosen?.certificates[depth];
  const which = atFault ? `the certificate at depth ${depth} ('${atFault.subject}')` : 'the certificate at fault';
  switch (verdict.code) {
    case 'pin-mismatch': {
      const pinned = new Set(pins.filter((p) => p.hash === 'sha256').map((p) => p.value));
      // World key names (backup-1...) help only with an endpoint of that world: one whose chain or
      // pins hold a world key. Elsewhere they would name keys the operator has never seen.
      const seen = new Set([...input.pinsSeen.map((p) => p.replace(/^sha256\//, '')), ...pinned]);
      const keys = input.keys.some((k) => seen.has(k.pin)) ? input.keys : [];
      return `serve a chain with a key the app pins again (${list(pins.map(shown))}); to move to this chain: ${policyFix(verdict, keys, pinned, 'ship the pin set in a release, and serve this chain only once it is installed')}`;
    }
    case 'expired':
      return `renew ${which} with the same key (or a pinned backup key), so the pins still match`;
    case 'not-yet-valid':
      return `check the notBefore of ${which} and the clocks of this machine and of the server's CA`;
    case 'untrusted':
      return 'send the whole chain up to a root the clients trust (a missing intermediate is the usual cause); for a private CA, give its root with --roots';
    case 'hostname-mismatch':
      return `serve a certificate whose subjectAltName covers ${input.host}, or give the name the app sends with --sni`;
    case 'weak-key':
      return `reissue ${which} with an RSA key of 2048 bits or more, or an ECDSA key`;
    case 'weak-signature':
      return `reissue ${which} signed with SHA-256 or better`;
    case 'empty-chain':
    case 'malformed':
      return "check the server's certificate configuration: it must send its certificate first, then the intermediates";
    default:
      return `serve a chain every correct client validates: ${which} fails with ${verdict.code}`;
  }
}
