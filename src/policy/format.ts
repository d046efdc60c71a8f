/**
 * Pin policies as apps ship them (issue 17): the formats pinprick reads and writes, and what a
 * reader hands to the rest of pinprick. Every reader turns a file into the model's one pin-policy
 * type (model/policy.ts: rules of host patterns, pins, enforcement, expiration) plus where each
 * thing is written, so lint can point at a line and `run --profile FILE` can test an app against
 * exactly its own configuration. One module per format under src/policy/formats/, each with a
 * `read` and a `write`; read(write(x)) gives x back.
 */
import { ScenarioError } from '../errors.js';
import type { Platform } from '../model/platforms.js';
import type { PinPolicy } from '../model/policy.js';

/** The formats, by the id `--format` and `lint --json` use. */
export const POLICY_FORMATS = [
  /** pinprick's own profile (profiles/*.yaml). */
  'pinprick',
  /** Android Network Security Config XML (res/xml/network_security_config.xml), TrustKit-Android's `trustkit-config` inside it. */
  'android-nsc',
  /** TrustKit for iOS/macOS: `TSKConfiguration` in an Info.plist, or the configuration dictionary in Swift or Objective-C source. */
  'trustkit',
  /** Apple App Transport Security `NSPinnedDomains` in an Info.plist (iOS 14+). */
  'ats',
  /** OkHttp `CertificatePinner.Builder().add(pattern, pins...)` calls in Java or Kotlin source. */
  'okhttp',
  /** `Public-Key-Pins` / `Public-Key-Pins-Report-Only` header values, also inside nginx and h2o configs and helmet / secure_headers settings. */
  'hpkp',
  /** curl `--pinnedpubkey` strings (`sha256//B64;sha256//B64`). */
  'curl',
  /** react-native-ssl-public-key-pinning's configuration object (`initializeSslPinning({...})`). */
  'react-native',
  /** Approov-style JSON pin maps: host -> list of base64 SHA-256 pins, `"*"` for managed roots. */
  'approov',
] as const;
export type PolicyFormat = (typeof POLICY_FORMATS)[number];

/** A place in the file, 1-based, as editors and SARIF count. */
export interface SourceSpot {
  line: number;
  column?: number;
}

/** Where one rule of the policy is written (parallel to `policy.rules`). */
export interface RuleSource {
  /** The rule itself: a `domain-config`, a TrustKit or ATS domain entry, an `.add(...)` call, a header. */
  at: SourceSpot;
  /** Each pin of the rule, parallel to `rule.pins`. */
  pins: SourceSpot[];
  /** Where the expiration is written, when it is. */
  expiration?: SourceSpot;
  /** Where enforcement is set, when the file says it (TrustKit `kTSKEnforcePinning`, a report-only header). */
  enforce?: SourceSpot;
}

/**
 * Something a reader saw that is not part of the pin policy but that lint reports: trust the app
 * extends beyond the system store, debug switches, whole-certificate fingerprints where SPKI pins
 * belong, a pin value that is not a pin.
 */
export type PolicyNote =
  /** NSC `<certificates src="user"/>` in a config that pins (a user CA is then trusted). */
  | { kind: 'user-ca'; at: SourceSpot; detail: string }
  /** NSC `<debug-overrides>` (applies to debuggable builds only). */
  | { kind: 'debug-overrides'; at: SourceSpot; detail: string }
  /** NSC `overridePins="true"` on a trust anchor: chains to it bypass the pins. */
  | { kind: 'override-pins'; at: SourceSpot; detail: string }
  /** A value that looks like the hash of a whole certificate (a fingerprint), not of its SPKI. */
  | { kind: 'certificate-fingerprint'; at: SourceSpot; detail: string }
  /** A pin as written that is not a usable pin (bad base64, wrong length, a placeholder such as AAAA…=); the rule keeps its other pins. */
  | { kind: 'malformed-pin'; at: SourceSpot; detail: string; text: string; ruleIndex: number }
  /** Anything else a format-specific reader wants lint to show, as a note. */
  | { kind: 'other'; at: SourceSpot; detail: string };

/** What a reader makes of one file. */
export interface ReadPolicy {
  file: string;
  format: PolicyFormat;
  /** The model's policy: what a correct client with this configuration enforces. */
  policy: PinPolicy;
  /** Where each rule is written, parallel to `policy.rules`. */
  sources: RuleSource[];
  /** The platform the format implies (NSC -> android, TrustKit and ATS -> apple), for `run --profile FILE`. */
  platform?: Platform;
  /** Report URIs the configuration names (TrustKit kTSKReportUris, HPKP report-uri, TrustKit-Android report-uri). */
  reportUris?: string[];
  /** What lint reports beyond the policy itself. */
  notes: PolicyNote[];
  /**
   * Pins the file names by a pinprick world key instead of writing their value (a profile's
   * `pins: [genuine-intermediate, backup-1]`): each name is a distinct key, but its pin belongs to
   * one world (keys are generated per machine), so it is not in `policy`. Only the `pinprick`
   * format has them.
   */
  worldKeys?: WorldKeyPin[];
  /**
   * Set when the file does not say which host some of its rules pin: an HPKP header pins the host
   * that sends it (RFC 7469 section 2.1) and a bare curl pin list the URL it is given. Those rules
   * have the one domain {@link UNNAMED_HOST}, which no real host matches; a caller that knows the
   * host (`--host`) puts it in with {@link bindHost}.
   */
  hostless?: true;
}

/** A pin named by a pinprick world key (see {@link ReadPolicy.worldKeys}). */
export interface WorldKeyPin {
  /** The rule it belongs to (index into `policy.rules`). */
  ruleIndex: number;
  /** The key's name, e.g. `backup-1`. */
  name: string;
  /** Where the key sits in every world pinprick makes (src/world/spec.ts): `leaf`, `intermediate`, `root` or `backup`. */
  position: 'root' | 'intermediate' | 'leaf' | 'backup';
  at: SourceSpot;
}

/**
 * The domain pattern of a rule whose file does not name its host. Under `.invalid`, reserved
 * never to resolve (RFC 6761 section 6.4), so it covers no host until {@link bindHost} replaces it.
 */
export const UNNAMED_HOST = 'unnamed-host.invalid';

/**
 * A read policy with `host` in place of {@link UNNAMED_HOST} in every rule (the rule's
 * includeSubdomains is kept: HPKP's includeSubDomains then covers the host's subdomains). Rules
 * that name their hosts are left as written.
 */
export function bindHost(read: ReadPolicy, host: string): ReadPolicy {
  if (!read.hostless) return read;
  const rules = read.policy.rules.map((r) => ({ ...r, domains: r.domains.map((d) => (d.pattern === UNNAMED_HOST ? { ...d, pattern: host } : d)) }));
  const { hostless: _, ...rest } = read;
  return { ...rest, policy: { ...read.policy, rules } };
}

/** One format: how to recognise it, read it and write it. */
export interface PolicyFormatModule {
  format: PolicyFormat;
  /** For humans: `Android Network Security Config`. */
  title: string;
  /** How sure this module is that `text` (from a file called `file`) is its format: 0 (not at all) to 1. */
  detect(file: string, text: string): number;
  /** Read a file; a file that cannot be read as this format throws a {@link PolicyFileError} naming file:line:col. */
  read(file: string, text: string): ReadPolicy;
  /** Write a policy in this format (what `pinprick pins --format` and round-trip tests use). */
  write(policy: PinPolicy, options?: WriteOptions): string;
}

/** What writers may need beyond the policy. */
export interface WriteOptions {
  /** HPKP max-age in seconds. */
  maxAge?: number;
  reportUri?: string;
}

/** A policy file that cannot be read, located to file:line:col (one line, exit 2, as scenario files). */
export class PolicyFileError extends ScenarioError {}

/**
 * 1-based line and column of many offsets in one text: the line starts are found once, then each
 * offset is a binary search. (spotOf scans the text at every call, so a reader
 * that locates every value of a large file with it is quadratic.)
 */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  /** The 1-based line of `offset`. */
  line(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
  /** Line and column of `offset`, as {@link spotOf} gives them. */
  spot(offset: number): Required<SourceSpot> {
    const line = this.line(offset);
    return { line, column: offset - this.starts[line - 1]! + 1 };
  }
}

/** 1-based line and column of a character offset in `text`. */
export function spotOf(text: string, offset: number): Required<SourceSpot> {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}
