/**
 * `pinprick lint`: what is wrong with a pin configuration as an app ships it. Pure: a read policy
 * (src/policy/format.ts) and, when one is given, the chain a server sends, in; findings out, each
 * with its rule, severity, line, message and fix. The rule table below is the one definition of
 * the rules: the README's rules table and the SARIF rule descriptors are rendered from it.
 */
import { buildPaths, type CandidatePath } from '../model/path.js';
import type { ParsedCertificate } from '../model/certificate.js';
import { pinSetOnPath } from '../model/pin-check.js';
import { pinText, placeholderPinProblem } from '../model/pin.js';
import { hostPatternProblem, ruleFor, type PinRule, type PolicyPin } from '../model/policy.js';
import type { PolicyNote, ReadPolicy, SourceSpot, WorldKeyPin } from '../policy/format.js';

/** How bad a finding is: SARIF's levels (an `error` makes `pinprick lint` exit 1). */
export type Severity = 'error' | 'warning' | 'note';

/** Every rule, in the order the README and SARIF list them. */
export const LINT_RULE_IDS = [
  'no-backup-pin',
  'single-pin',
  'malformed-pin',
  'sha1-pin',
  'expiration-past',
  'expiration-missing',
  'not-enforced',
  'debug-user-ca',
  'override-pins',
  'certificate-fingerprint',
  'leaf-only-pins',
  'rotating-intermediate',
  'cross-signed-pin',
  'pin-matches-nothing',
  'chain-not-compared',
  'format-note',
] as const;
export type LintRuleId = (typeof LINT_RULE_IDS)[number];

/** A public source for a rule: what it says, and where. */
export interface RuleSource {
  about: string;
  where: string;
}

/** One rule: what it finds, how bad that is and why, how to fix it, and who says so. */
export interface LintRule {
  severity: Severity;
  /** One line: what the rule finds. */
  title: string;
  /** Why it matters (SARIF fullDescription). */
  why: string;
  /** Why this severity and not another. */
  severityWhy: string;
  /** What to do, in general (each finding says it for its case). */
  fix: string;
  /** Runs only with `--against` or `--chain`: it needs the keys the server sends. */
  needsChain?: boolean;
  /** Formats it applies to, when not all. */
  formats?: string;
  sources: readonly RuleSource[];
}

const RFC7469_43: RuleSource = { about: 'RFC 7469 section 4.3: a pin set must hold a pin of a key that is not in the current chain (a backup pin), or a key change locks clients out', where: 'https://www.rfc-editor.org/rfc/rfc7469#section-4.3' };
const LE_2024: RuleSource = {
  about: "Let's Encrypt, New Intermediate Certificates (19 March 2024): R10-R14 (RSA) and E5-E9 (ECDSA), issuance rotating among them, which \"discourages outdated practices like key pinning\"",
  where: 'https://letsencrypt.org/2024/03/19/new-intermediate-certificates/',
};
const NSC_DOC: RuleSource = { about: 'Android Network Security Config: pin-set expiration, debug-overrides, user certificates, overridePins', where: 'https://developer.android.com/privacy-and-security/security-config' };

/** The rules. */
export const LINT_RULES: Readonly<Record<LintRuleId, LintRule>> = {
  'no-backup-pin': {
    severity: 'error',
    title: 'A host has fewer than two distinct usable pins, or every pin names a key of the chain served today',
    why: 'Without a pin of a key kept offline, the next key change (a renewal with a new key, a CA move, a compromise) makes every installed copy of the app reject its own server until users update. Apple ATS asks for a match in each list it is given, so leaf and CA identities each need their own backup.',
    severityWhy: 'error: the app bricks at the next key change, and only a release fixes it',
    fix: 'Add a pin of a backup key (a key pair generated and kept offline, or a second CA), so that two or more distinct usable pins cover the host and one is not in the chain served today',
    sources: [
      RFC7469_43,
      { about: 'Android lint MissingBackupPin: "Not having a second pin defined can cause connection failures when the particular site certificate is rotated"', where: 'https://googlesamples.github.io/android-custom-lint-rules/checks/MissingBackupPin.md.html' },
      { about: 'OWASP MASTG-TEST-0242: a domain that pins nothing', where: 'https://mas.owasp.org/MASTG/tests/android/MASVS-NETWORK/MASTG-TEST-0242/' },
    ],
  },
  'single-pin': {
    severity: 'error',
    title: 'A host has exactly one pin value',
    why: 'One pin is no backup (see no-backup-pin), and TrustKit (iOS and Android) refuses to start in enforce mode with fewer than two pins for a domain: the configuration fails at launch.',
    severityWhy: 'error: TrustKit throws at start-up; every other client bricks at the next key change',
    fix: 'Add a second pin: the key of a backup key pair kept offline, or of another CA the server may move to',
    sources: [
      { about: 'TrustKit: "TrustKit was initialized with less than two pins (ie. no backup pins)" (parse_configuration.m raises NSException)', where: 'https://github.com/datatheorem/TrustKit/blob/master/TrustKit/parse_configuration.m' },
      { about: 'TrustKit-Android: "Less than two pins were supplied for domain ... This might brick your App" (ConfigurationException when enforcePinning)', where: 'https://github.com/datatheorem/TrustKit-Android/blob/master/trustkit/src/main/java/com/datatheorem/android/trustkit/config/DomainPinningPolicy.java' },
      RFC7469_43,
    ],
  },
  'malformed-pin': {
    severity: 'error',
    title: 'A pin is not base64 of a 32-byte (or 20-byte SHA-1) digest, or is an obvious placeholder such as AAAA…=',
    why: 'A value that is not a digest pins nothing: it can never match, so the set is one pin short (or empty), and some clients (TrustKit) refuse the whole configuration. Placeholders copied from documentation (OkHttp suggests sha256/AAAA…= to make the error list the real pins) ship more often than one would think.',
    severityWhy: 'error: the pin can never match; with no other usable pin the app rejects every connection',
    fix: 'Replace it with the base64 SHA-256 of the SubjectPublicKeyInfo (`pinprick pins host:443` or `openssl x509 -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64`)',
    sources: [
      { about: 'RFC 7469 section 2.4: a pin is the base64 of a hash of the DER SubjectPublicKeyInfo; sha256 gives 32 bytes', where: 'https://www.rfc-editor.org/rfc/rfc7469#section-2.4' },
      { about: 'OkHttp CertificatePinner: pin sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= on purpose to read the real pins from the failure', where: 'https://square.github.io/okhttp/5.x/okhttp/okhttp3/-certificate-pinner/index.html' },
    ],
  },
  'sha1-pin': {
    severity: 'warning',
    title: 'A pin uses SHA-1',
    why: 'RFC 7469 defines pin-sha256 only; Android Network Security Config takes SHA-256 only and TrustKit refuses other lengths. OkHttp still matches sha1/ pins (pinprick counts them too), but SHA-1 is broken for collisions (SHAttered, 2017): a pin set should not rest on it.',
    severityWhy: 'warning: OkHttp still matches it today; elsewhere it is a pin short',
    fix: 'Replace the sha1/ pin with the sha256/ pin of the same key',
    sources: [
      { about: 'RFC 7469 section 2.1.1: the pin directive names its hash; this document defines sha256', where: 'https://www.rfc-editor.org/rfc/rfc7469#section-2.1.1' },
      { about: 'OkHttp CertificatePinner: pins are base64 SHA-256 hashes, or SHA-1 as in Chromium\'s static pins', where: 'https://square.github.io/okhttp/5.x/okhttp/okhttp3/-certificate-pinner/index.html' },
      { about: 'SHAttered: the first SHA-1 collision (2017)', where: 'https://shattered.io/' },
    ],
  },
  'expiration-past': {
    severity: 'error',
    title: 'A pin set has expired (at --at, default now)',
    why: 'Android stops enforcing a pin-set from its expiration date on, and TrustKit stops at kTSKExpirationDate: the app silently falls back to trusting every CA in the store, which is pinning off without anyone having decided it.',
    severityWhy: 'error: pinning is off in the field and nothing says so',
    fix: 'Move the expiration date forward (and ship the app before it passes), or remove it and keep backup pins',
    sources: [
      { about: 'OWASP MASTG-TEST-0243: expired certificate pins in the Network Security Configuration; the test fails if any expiration date is in the past', where: 'https://mas.owasp.org/MASTG/tests/android/MASVS-NETWORK/MASTG-TEST-0243/' },
      { about: 'Android lint PinSetExpiry: the expiration has not already passed or is not about to', where: 'https://googlesamples.github.io/android-custom-lint-rules/checks/PinSetExpiry.md.html' },
      NSC_DOC,
    ],
  },
  'expiration-missing': {
    severity: 'warning',
    title: 'A Network Security Config pin-set has no expiration',
    why: 'Android recommends an expiration so that an app that is never updated stops pinning rather than bricking once its pinned keys are gone; without one, a stale install stays locked out for good.',
    severityWhy: 'warning: a trade-off (an expired pin-set stops protecting, see expiration-past), not a defect',
    fix: 'Add expiration="YYYY-MM-DD" to the pin-set, later than the app\'s expected support window, and release before it passes',
    formats: 'android-nsc',
    sources: [NSC_DOC, { about: 'Android lint PinSetExpiry', where: 'https://googlesamples.github.io/android-custom-lint-rules/checks/PinSetExpiry.md.html' }],
  },
  'not-enforced': {
    severity: 'warning',
    title: 'Pins are reported but not enforced (TrustKit enforce off, HPKP report-only, secure_headers report_only)',
    why: 'A report-only pin set accepts any chain the system trusts: it measures, it does not protect. Useful while rolling pins out; a release that ships it by mistake is not pinned.',
    severityWhy: 'warning: may be deliberate (a roll-out); it is not pinning',
    fix: 'Enforce the pins once reports show no mismatch (kTSKEnforcePinning = YES, Public-Key-Pins instead of -Report-Only, report_only: false)',
    sources: [
      { about: 'RFC 7469 section 2.1: Public-Key-Pins-Report-Only reports failures and does not enforce', where: 'https://www.rfc-editor.org/rfc/rfc7469#section-2.1' },
      { about: 'TrustKit kTSKEnforcePinning: NO lets connections that fail the pin check through (and reports them)', where: 'https://datatheorem.github.io/TrustKit/documentation/Domain%20Configuration%20Keys.html' },
    ],
  },
  'debug-user-ca': {
    severity: 'note',
    title: 'A configuration that pins also trusts user-installed CAs, or has debug-overrides',
    why: 'Since Android 7 apps ignore user-installed CAs unless the configuration trusts them; debug-overrides apply to debuggable builds only. Both are normal for testing and worth a look in a release: a user CA with overridePins (the default inside debug-overrides) bypasses the pins.',
    severityWhy: 'note: usually deliberate, and debug-overrides never reach a release build',
    fix: 'Keep user CAs inside <debug-overrides> only, and check that release builds are not debuggable',
    formats: 'android-nsc',
    sources: [NSC_DOC, { about: 'Android 7.0: apps no longer trust user-added CAs by default', where: 'https://android-developers.googleblog.com/2016/07/changes-to-trusted-certificate.html' }],
  },
  'override-pins': {
    severity: 'warning',
    title: 'A trust anchor has overridePins="true": chains to it skip the pins',
    why: 'Android does not check pins on a chain that ends at an anchor with overridePins; outside debug-overrides that is a hole in the pinning for every chain that anchor signs.',
    severityWhy: 'warning: a deliberate bypass inside debug-overrides, a hole elsewhere',
    fix: 'Remove overridePins, or keep it inside <debug-overrides>',
    formats: 'android-nsc',
    sources: [NSC_DOC],
  },
  'certificate-fingerprint': {
    severity: 'error',
    title: 'A whole-certificate fingerprint where an SPKI pin belongs',
    why: 'A hash of the whole certificate changes at every renewal even when the key stays; where the client expects an SPKI pin it matches nothing at all. Flutter\'s http_certificate_pinning compares such fingerprints and so breaks at every renewal.',
    severityWhy: 'error: it matches no key (the app rejects its server), or it breaks at the next renewal',
    fix: 'Pin the SubjectPublicKeyInfo: base64 SHA-256 of the public key (`pinprick pins FILE.pem`), not of the certificate',
    sources: [
      { about: 'RFC 7469 section 2.4: the pin is over the SubjectPublicKeyInfo, so it survives re-issuing a certificate for the same key', where: 'https://www.rfc-editor.org/rfc/rfc7469#section-2.4' },
      { about: 'AWS Certificate Manager: renewal makes a new certificate (and key); pinned certificates stop working', where: 'https://docs.aws.amazon.com/acm/latest/userguide/troubleshooting-pinning.html' },
    ],
  },
  'leaf-only-pins': {
    severity: 'warning',
    title: 'Every pin that matches names the leaf key',
    why: 'A leaf key changes whenever the certificate is renewed with a new key, which some CAs do at every renewal (AWS Certificate Manager) and ACME clients may do; a leaf-only pin set then breaks on the renewal. Known from the chain (--against, --chain), from Apple ATS NSPinnedLeafIdentities alone, or from pinprick world key names.',
    severityWhy: 'warning: works as long as the key is reused on renewal, which the operator may guarantee',
    fix: 'Add the pin of the issuing CA\'s or root\'s key, or of a backup leaf key whose CSR is ready, and renew with the same key',
    needsChain: true,
    sources: [
      { about: 'AWS Certificate Manager: "To renew a certificate, ACM generates a new public-private key pair" — do not pin ACM certificates', where: 'https://docs.aws.amazon.com/acm/latest/userguide/troubleshooting-pinning.html' },
      { about: 'Apple, Identity Pinning: NSPinnedLeafIdentities and NSPinnedCAIdentities', where: 'https://developer.apple.com/news/?id=g9ejcf8y' },
    ],
  },
  'rotating-intermediate': {
    severity: 'warning',
    title: "A pinned intermediate is one the CA picks at random among several (Let's Encrypt R10-R14, E5-E9)",
    why: "Let's Encrypt issues from several intermediates at random since 2024: the next renewal may come from a sibling the app does not pin, and the app then rejects its server.",
    severityWhy: 'warning: the next renewal fails only when it lands on an unpinned sibling; the set may also pin every sibling',
    fix: "Pin the root (ISRG Root X1 / X2) or every sibling intermediate, plus a backup",
    needsChain: true,
    sources: [LE_2024, { about: "Let's Encrypt, Changes to issuance chains (2024): subscribers who pin intermediates are affected", where: 'https://letsencrypt.org/2024/04/12/changes-to-issuance-chains/' }],
  },
  'cross-signed-pin': {
    severity: 'warning',
    title: 'The pins match on one of the paths a cross-signed chain allows, not on the other',
    why: 'A chain with a cross-signed certificate has two paths: clients that trust the newer root stop there, older ones go on to the cross-signing root. A pin on a key found on one path only works on some clients (the DST Root CA X3 / ISRG Root X1 cross-sign, 2021).',
    severityWhy: 'warning: which clients fail depends on their trust stores',
    fix: 'Pin a key found on every path: the cross-signed certificate\'s own key, an intermediate below it, plus a backup',
    needsChain: true,
    sources: [{ about: "Let's Encrypt, DST Root CA X3 expiration (September 2021): two chains, and clients that built each", where: 'https://letsencrypt.org/docs/dst-root-ca-x3-expiration-september-2021/' }],
  },
  'pin-matches-nothing': {
    severity: 'error',
    title: 'No pin matches any key of the chain the server sends today (--against, --chain)',
    why: 'A client applying these pins to this server finds no pinned key on the path and rejects the connection: the app is broken against today\'s server, or the pins are for another server.',
    severityWhy: 'error: an enforced pin set that rejects today\'s server is an outage',
    fix: 'Pin a key of the current chain (`pinprick pins HOST:443`) and a backup, or check that --against names the server these pins are for',
    needsChain: true,
    sources: [{ about: 'RFC 7469 section 2.6: a connection is valid when one pin matches a key of the validated chain', where: 'https://www.rfc-editor.org/rfc/rfc7469#section-2.6' }],
  },
  'chain-not-compared': {
    severity: 'note',
    title: 'The chain given was not compared with a pin set',
    why: 'No pin set covers the host the chain is for, or the pins are pinprick world key names whose values belong to a world: lint says so rather than pass silently.',
    severityWhy: 'note: nothing is known to be wrong',
    fix: 'Name the host with --host, or lint a configuration that covers it',
    needsChain: true,
    sources: [{ about: 'pinprick: world keys are generated per machine (src/world/spec.ts)', where: 'README.md#worlds' }],
  },
  'format-note': {
    severity: 'note',
    title: 'Something the format reader wants shown',
    why: 'Format-specific observations that are not a problem of the pins themselves.',
    severityWhy: 'note: information',
    fix: 'Read the message',
    sources: [{ about: 'pinprick policy readers (src/policy/formats/)', where: 'README.md#pin-policy-formats' }],
  },
};

/** One thing lint found. */
export interface Finding {
  rule: LintRuleId;
  severity: Severity;
  /** 1-based, in the file read. */
  line: number;
  column?: number;
  message: string;
  fix: string;
}

/** The chain a server sends (or a PEM bundle stands for), for the rules that compare pins with keys. */
export interface ServedKeys {
  /** What it came from: `api.example.com:443`, `chain.pem`. */
  source: string;
  /** The names it is for: `--host`, the SNI or the host probed, else the leaf's subjectAltName. */
  hosts: readonly string[];
  /** As sent, leaf first. */
  certificates: readonly ParsedCertificate[];
  /** Roots a client may complete the chain with (self-issued certificates given, a public store). */
  anchors: readonly ParsedCertificate[];
}

/** What {@link lintPolicy} needs beyond the file. */
export interface LintOptions {
  /** The instant expiry rules compare with (`--at`). */
  at: Date;
  served?: ServedKeys;
}

/**
 * Intermediates a CA picks among at random, so a pin on one of them breaks on the renewal that
 * lands on a sibling: by issuer organisation, the common names of the set.
 */
export const ROTATING_INTERMEDIATES: readonly { organisation: string; names: RegExp; set: string; source: RuleSource }[] = [
  { organisation: "Let's Encrypt", names: /^(R1[0-4]|E[5-9])$/, set: 'R10-R14 and E5-E9', source: LE_2024 },
];

/** A finding of `rule` at `at`. */
function finding(rule: LintRuleId, at: SourceSpot, message: string, fix = LINT_RULES[rule].fix): Finding {
  return { rule, severity: LINT_RULES[rule].severity, line: at.line, ...(at.column === undefined ? {} : { column: at.column }), message, fix };
}

/** How a finding names a pin. */
function showPin(pin: PolicyPin): string {
  return pinText(pin);
}

const quote = (text: string) => `'${text}'`;
const list = (items: readonly string[]) => items.map(quote).join(', ');

/** A host a pattern stands for: the pattern itself, or a name it matches (`*.x` -> `pinprick-lint.x`). */
function representative(pattern: string): string {
  const p = pattern.trim().toLowerCase();
  if (p.startsWith('**.')) return p.slice(3);
  if (p.startsWith('*.')) return `pinprick-lint.${p.slice(2)}`;
  return p;
}

/** One pin set as a client applies it to some hosts, and where it is written. */
interface AppliedSet {
  hosts: string[];
  /** Indexes of the rules whose pins apply together (one, except OkHttp's `all`). */
  ruleIndexes: number[];
  rule: PinRule;
  worldKeys: WorldKeyPin[];
}

/** The rules that apply to a host: the model's choice, else the rules that name no host (a pinprick profile without `hosts`: the world's). */
function appliedTo(read: ReadPolicy, host: string): { rule: PinRule; ruleIndexes: number[] } | undefined {
  const { policy } = read;
  let applied: ReturnType<typeof ruleFor>;
  try {
    applied = ruleFor(policy, host);
  } catch {
    applied = undefined;
  }
  if (applied) {
    const direct = policy.rules.indexOf(applied.rule);
    const indexes = direct >= 0 ? [direct] : policy.rules.flatMap((r, i) => (r.domains.some((d) => applied!.coveredBy.split(', ').includes(d.pattern)) ? [i] : []));
    return { rule: applied.rule, ruleIndexes: indexes };
  }
  const hostless = policy.rules.flatMap((r, i) => (r.domains.length ? [] : [i]));
  if (!hostless.length) return undefined;
  return { rule: policy.rules[hostless[0]!]!, ruleIndexes: [hostless[0]!] };
}

/** Every pin set as applied to the hosts the file names, grouped by the rules that apply. */
function appliedSets(read: ReadPolicy): AppliedSet[] {
  const sets = new Map<string, AppliedSet>();
  const seen = new Set<string>();
  read.policy.rules.forEach((rule, index) => {
    const patterns = rule.domains.length ? rule.domains.map((d) => d.pattern) : [undefined];
    for (const pattern of patterns) {
      const key = pattern?.trim().toLowerCase() ?? `#${index}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const applied = pattern === undefined || hostPatternProblem(pattern) ? { rule, ruleIndexes: [index] } : (appliedTo(read, representative(pattern)) ?? { rule, ruleIndexes: [index] });
      const group = applied.ruleIndexes.join(',');
      let set = sets.get(group);
      if (!set) {
        set = { hosts: [], ruleIndexes: applied.ruleIndexes, rule: applied.rule, worldKeys: (read.worldKeys ?? []).filter((k) => applied.ruleIndexes.includes(k.ruleIndex)) };
        sets.set(group, set);
      }
      if (pattern !== undefined) set.hosts.push(pattern);
    }
  });
  return [...sets.values()];
}

function hostsText(set: AppliedSet): string {
  if (!set.hosts.length) return "the profile (no hosts: the world's)";
  return set.hosts.length === 1 ? quote(set.hosts[0]!) : list(set.hosts);
}

/** Where the first rule of a set is written. */
function ruleSpot(read: ReadPolicy, index: number): SourceSpot {
  return read.sources[index]?.at ?? { line: 1 };
}

/** A usable pin: well-formed (readers keep no other) and not a placeholder. */
function usable(pin: PolicyPin): boolean {
  return placeholderPinProblem(pin) === undefined;
}

/** Distinct keys a pin set names: `sha256:B64` / `sha1:B64` of its usable pins, and `world:NAME` of its world keys. */
function distinctKeys(pins: readonly PolicyPin[], worldKeys: readonly WorldKeyPin[]): string[] {
  return [...new Set([...pins.filter(usable).map((p) => `${p.hash}:${p.value}`), ...worldKeys.map((k) => `world:${k.name}`)])];
}

/** The distinct pin values a policy applies, as `sha256/B64` (and `world:NAME` for pinprick world keys), for `lint --json`. */
export function distinctPins(read: ReadPolicy): string[] {
  return [...new Set([...read.policy.rules.flatMap((r) => r.pins.map(showPin)), ...(read.worldKeys ?? []).map((k) => `world:${k.name}`)])];
}

/** The host patterns a policy names, first written first, for `lint --json`. */
export function policyHosts(read: ReadPolicy): string[] {
  return [...new Set(read.policy.rules.flatMap((r) => r.domains.map((d) => d.pattern)))];
}

/** True when a policy pins anything (notes about extra trust matter only then). */
function pins(read: ReadPolicy): boolean {
  return read.policy.rules.some((r) => r.pins.length > 0) || (read.worldKeys?.length ?? 0) > 0;
}

/** The backup checks of one applied set: single-pin and no-backup-pin. */
function backupFindings(read: ReadPolicy, set: AppliedSet, unusableCount: number): Finding[] {
  const { rule } = set;
  if (!rule.enforce) return [];
  const at = ruleSpot(read, set.ruleIndexes[0]!);
  const good = rule.pins.filter(usable);
  // Apple ATS: when both lists are given, a connection needs a match in each, so each needs a backup.
  const kinds = new Set(good.map((p) => p.on));
  if (kinds.has('leaf') && kinds.has('ca')) {
    const thin = (['leaf', 'ca'] as const).filter((k) => distinctKeys(good.filter((p) => p.on === k), []).length < 2);
    if (thin.length) {
      const names = thin.map((k) => (k === 'leaf' ? 'NSPinnedLeafIdentities' : 'NSPinnedCAIdentities')).join(' and ');
      return [finding('no-backup-pin', at, `${hostsText(set)}: ${names} ${thin.length === 1 ? 'has' : 'have'} fewer than two distinct pins, and a connection must match both lists: one key change bricks the app`, `Add a backup pin to ${names}, or pin CA identities only`)];
    }
    return [];
  }
  const keys = distinctKeys(rule.pins, set.worldKeys);
  if (keys.length >= 2) return [];
  const what = [...rule.pins.filter(usable).map(showPin), ...set.worldKeys.map((k) => `world key ${k.name}`)];
  if (keys.length === 1 && unusableCount === 0) {
    const trustkit = read.format === 'trustkit' || read.format === 'android-nsc' ? '; TrustKit refuses to start with it in enforce mode' : '';
    return [finding('single-pin', at, `${hostsText(set)} has one pin (${what[0]}): no backup, so the next key change locks every installed copy out${trustkit}`)];
  }
  if (keys.length === 0) {
    return [finding('no-backup-pin', at, `${hostsText(set)}: no usable pin${unusableCount ? ` (${unusableCount} unusable)` : ''}: the pin set can match no key`)];
  }
  return [finding('no-backup-pin', at, `${hostsText(set)}: one usable pin (${what[0]}) and ${unusableCount} unusable: no backup`)];
}

/** A key the chain holds, by the pin text a policy would write for it. */
function chainPins(certs: readonly ParsedCertificate[]): Set<string> {
  const s = new Set<string>();
  for (const c of certs) {
    s.add(`sha256:${c.pin}`);
    s.add(`sha1:${c.pinSha1}`);
  }
  return s;
}

/** The organisation (O) of a name, when it has one. */
function organisation(cert: ParsedCertificate): string | undefined {
  return cert.subject.rdns.flat().find((a) => a.type === 'O')?.value;
}

/** The rotating set a CA certificate belongs to, if any. */
function rotatingSet(cert: ParsedCertificate): (typeof ROTATING_INTERMEDIATES)[number] | undefined {
  if (cert.selfIssued) return undefined;
  return ROTATING_INTERMEDIATES.find((r) => organisation(cert) === r.organisation && cert.commonNames.some((cn) => r.names.test(cn)));
}

/** Name of a certificate for messages: its CN, else the whole subject. */
function certName(cert: ParsedCertificate): string {
  return cert.commonNames[0] ?? cert.subject.display;
}

/** The names a chain is for: given, else the leaf's subjectAltName (its CN without one). */
export function chainHosts(leaf: ParsedCertificate): string[] {
  const san = leaf.subjectAltName;
  const names = san ? [...san.dns, ...san.ip] : [];
  return names.length ? names : [...leaf.commonNames];
}

/** Paths clients may build: with every anchor, and for each root the chain also carries cross-signed, without that root. */
interface PathWorld {
  /** The root left out, for the cross-signed comparisons. */
  without?: ParsedCertificate;
  /** The cross-certificate that then carries the path on. */
  cross?: ParsedCertificate;
  paths: CandidatePath[];
}

function pathWorlds(served: ServedKeys): PathWorld[] {
  const nameKey = (c: ParsedCertificate) => `${c.pin}|${c.subject.canonical}`;
  const worlds: PathWorld[] = [{ paths: buildPaths(served.certificates, served.anchors) }];
  for (const root of served.anchors) {
    if (!root.selfIssued) continue;
    const cross = served.certificates.find((c) => !c.selfIssued && nameKey(c) === nameKey(root));
    if (!cross || worlds.some((w) => w.without && nameKey(w.without) === nameKey(root))) continue;
    worlds.push({ without: root, cross, paths: buildPaths(served.certificates, served.anchors.filter((a) => nameKey(a) !== nameKey(root))) });
  }
  return worlds;
}

/** Complete paths if there are any, else the dead ends (the chain as far as it goes). */
function usefulPaths(paths: readonly CandidatePath[]): CandidatePath[] {
  const complete = paths.filter((p) => p.complete);
  return complete.length ? complete : [...paths];
}

/** The checks that compare one applied pin set with the chain served for `hosts`. */
function chainFindings(read: ReadPolicy, rule: PinRule, ruleIndexes: number[], hosts: string[], served: ServedKeys, worlds: PathWorld[], at: Date): Finding[] {
  const spot = ruleSpot(read, ruleIndexes[0]!);
  const who = `${list(hosts)} (${served.source})`;
  const worldKeys = (read.worldKeys ?? []).filter((k) => ruleIndexes.includes(k.ruleIndex));
  if (worldKeys.length) {
    return [finding('chain-not-compared', spot, `${who}: the pin set names pinprick world keys (${worldKeys.map((k) => k.name).join(', ')}), whose values belong to a world: the chain was not compared with it`, 'Compare with `pinprick run --profile FILE` against the world, or write the pins as sha256/ values')];
  }
  const out: Finding[] = [];
  const perWorld = worlds.map((w) => {
    const paths = usefulPaths(w.paths);
    const results = paths.map((p) => ({ path: p, ...pinSetOnPath(p.elements, rule.pins) }));
    return { world: w, paths, results, satisfied: results.some((r) => r.satisfiedBy) };
  });
  const all = perWorld.flatMap((w) => w.results);
  const expired = rule.expiration !== undefined && at.getTime() >= rule.expiration.getTime();
  const anySatisfied = perWorld.some((w) => w.satisfied);

  if (!anySatisfied) {
    const top = served.certificates[served.certificates.length - 1];
    const rootNote = top && !top.selfIssued && !all.some((r) => r.path.complete) ? `; the chain stops at '${certName(top)}', whose issuer '${top.issuer.display}' is not among the roots known here: if a pin is that root's key, add the root to a --chain file` : '';
    if (rule.enforce && !expired) {
      out.push(finding('pin-matches-nothing', spot, `${who}: no pin matches a key of the chain served (${served.certificates.map(certName).map(quote).join(' <- ')})${rootNote}: the app rejects this server today`));
    }
  } else {
    // Which keys match, across every path clients may build.
    const matches = all.flatMap((r) => r.matches.map((m) => ({ m, cert: r.path.elements[m.certIndexInPath]!.cert })));
    if (matches.length && matches.every(({ m }) => m.certIndexInPath === 0) && !rule.pins.every((p) => p.on === 'leaf')) {
      out.push(finding('leaf-only-pins', spot, `${who}: the only key the pins match is the leaf's ('${certName(matches[0]!.cert)}'): a renewal with a new key breaks the app`));
    }
    const caMatches = matches.filter(({ m }) => m.certIndexInPath > 0);
    const rotating = caMatches.filter(({ cert }) => rotatingSet(cert));
    if (rotating.length && rotating.length === caMatches.length) {
      const r = rotatingSet(rotating[0]!.cert)!;
      out.push(finding('rotating-intermediate', spot, `${who}: the pinned CA key is '${certName(rotating[0]!.cert)}' (${r.organisation}), one of ${r.set}, which ${r.organisation} picks at random at each issuance: the next renewal may come from an unpinned sibling`));
    }
    const base = perWorld[0]!;
    for (const other of perWorld.slice(1)) {
      if (!other.paths.some((p) => p.complete) || !base.paths.some((p) => p.complete) || other.satisfied === base.satisfied) continue;
      const root = other.world.without!;
      const [yes, no] = base.satisfied ? ['trust', 'do not trust'] : ['do not trust', 'trust'];
      out.push(
        finding(
          'cross-signed-pin',
          spot,
          `${who}: '${certName(other.world.cross!)}' is also cross-signed by '${other.world.cross!.issuer.display}': the pins match for clients that ${yes} '${certName(root)}' directly, not for clients that ${no} it`,
        ),
      );
    }
    // RFC 7469 4.3: one pin must be of a key NOT in the current chain: the certificates on the
    // paths clients build, not every root a store holds (another CA's root is a fine backup).
    const served256 = chainPins(perWorld.flatMap((w) => w.paths.flatMap((p) => p.elements.map((e) => e.cert))));
    const good = rule.pins.filter(usable);
    if (rule.enforce && good.length >= 2 && good.every((p) => served256.has(`${p.hash}:${p.value}`))) {
      out.push(finding('no-backup-pin', spot, `${who}: every pin names a key of the chain served today; RFC 7469 4.3 asks for one that is not (a backup key kept offline): a CA move or compromise bricks the app`));
    }
  }
  if (!rule.enforce && !anySatisfied) {
    out.push(finding('not-enforced', read.sources[ruleIndexes[0]!]?.enforce ?? spot, `${who}: the pins are report-only, and none matches the chain served today: enforcing them now would reject this server`));
  }
  return out;
}

/** Certificate fingerprints among the pins: a pin equal to the hash of a whole certificate of the chain. */
function fingerprintFindings(read: ReadPolicy, served: ServedKeys): Finding[] {
  const byPrint = new Map<string, ParsedCertificate>();
  for (const c of [...served.certificates, ...served.anchors]) {
    byPrint.set(`sha256:${Buffer.from(c.fingerprint, 'hex').toString('base64')}`, c);
  }
  const out: Finding[] = [];
  read.policy.rules.forEach((rule, i) =>
    rule.pins.forEach((pin, j) => {
      const cert = byPrint.get(`${pin.hash}:${pin.value}`);
      if (cert) out.push(finding('certificate-fingerprint', read.sources[i]?.pins[j] ?? ruleSpot(read, i), `${showPin(pin)} is the SHA-256 of the whole certificate '${certName(cert)}' (${served.source}), not of its public key: it matches no key, and would change at every renewal anyway`));
    }),
  );
  return out;
}

const NOTE_RULE: Readonly<Record<PolicyNote['kind'], LintRuleId>> = {
  'user-ca': 'debug-user-ca',
  'debug-overrides': 'debug-user-ca',
  'override-pins': 'override-pins',
  'certificate-fingerprint': 'certificate-fingerprint',
  'malformed-pin': 'malformed-pin',
  other: 'format-note',
};

/**
 * Every finding for one read policy, sorted by place. Counting "distinct usable pins" per host:
 * distinct values (a SHA-1 and a SHA-256 pin of one key cannot be told apart without the key, so
 * they count as two), placeholders and malformed values excluded, pinprick world keys by name.
 * The chain rules run only when `served` is given.
 */
export function lintPolicy(read: ReadPolicy, options: LintOptions): Finding[] {
  const { at, served } = options;
  const out: Finding[] = [];
  const pinning = pins(read);

  // Notes the reader made: malformed pins, fingerprints, extra trust.
  for (const note of read.notes) {
    const rule = NOTE_RULE[note.kind];
    if (rule === 'debug-user-ca' && !pinning) continue;
    const text = note.kind === 'malformed-pin' ? `${quote(note.text)}: ${note.detail}` : note.detail;
    out.push(finding(rule, note.at, text));
  }
  const noted = new Set(read.notes.filter((n) => n.kind === 'malformed-pin').map((n) => `${n.at.line}:${n.at.column ?? ''}`));

  read.policy.rules.forEach((rule, i) => {
    const source = read.sources[i];
    const at0 = ruleSpot(read, i);
    rule.pins.forEach((pin, j) => {
      const spot = source?.pins[j] ?? at0;
      const placeholder = placeholderPinProblem(pin);
      if (placeholder && !noted.has(`${spot.line}:${spot.column ?? ''}`)) out.push(finding('malformed-pin', spot, `${showPin(pin)}: ${placeholder}`));
      if (pin.hash === 'sha1') out.push(finding('sha1-pin', spot, `${showPin(pin)} is a SHA-1 pin: counted, but SHA-1 is legacy (RFC 7469 defines sha256) and several clients refuse it`));
    });
    if (rule.expiration && at.getTime() >= rule.expiration.getTime()) {
      out.push(finding('expiration-past', source?.expiration ?? at0, `the pin set expired on ${rule.expiration.toISOString().slice(0, 10)} (checked at ${at.toISOString().slice(0, 10)}): pins are no longer enforced, so any CA the system trusts is accepted`));
    }
    if (read.format === 'android-nsc' && !rule.expiration && (rule.pins.length > 0 || read.notes.some((n) => n.kind === 'malformed-pin' && n.ruleIndex === i))) {
      out.push(finding('expiration-missing', at0, 'the pin-set has no expiration: an app that is never updated stays locked out once its pinned keys are gone'));
    }
    if (!rule.enforce) {
      out.push(finding('not-enforced', source?.enforce ?? at0, `pins for ${rule.domains.length ? list(rule.domains.map((d) => d.pattern)) : 'the profile\'s hosts'} are report-only: mismatches are reported and the connection accepted`));
    }
    // Apple ATS leaf identities alone: known leaf-only without a chain.
    if (rule.pins.length && rule.pins.every((p) => p.on === 'leaf')) {
      out.push(finding('leaf-only-pins', at0, 'only NSPinnedLeafIdentities: every pin names a leaf key, and a renewal with a new key breaks the app'));
    }
  });

  for (const set of appliedSets(read)) {
    const unusable = read.notes.filter((n) => n.kind === 'malformed-pin' && set.ruleIndexes.includes(n.ruleIndex)).length + set.rule.pins.filter((p) => !usable(p)).length;
    out.push(...backupFindings(read, set, unusable));
    // pinprick world keys: every world has the same names, so a leaf key is known without its value.
    if (set.worldKeys.length && !set.rule.pins.length && set.worldKeys.every((k) => k.position === 'leaf')) {
      out.push(finding('leaf-only-pins', set.worldKeys[0]!.at, `${hostsText(set)}: every pin is a world leaf key (${set.worldKeys.map((k) => k.name).join(', ')}): a leaf key rotation breaks the client`));
    }
  }

  if (served && served.certificates.length) {
    out.push(...fingerprintFindings(read, served));
    const worlds = pathWorlds(served);
    const groups = new Map<string, { rule: PinRule; ruleIndexes: number[]; hosts: string[] }>();
    const uncovered: string[] = [];
    for (const host of served.hosts) {
      const applied = appliedTo(read, host);
      if (!applied) {
        uncovered.push(host);
        continue;
      }
      const key = applied.ruleIndexes.join(',');
      const g = groups.get(key) ?? { ...applied, hosts: [] };
      g.hosts.push(host);
      groups.set(key, g);
    }
    for (const g of groups.values()) out.push(...chainFindings(read, g.rule, g.ruleIndexes, g.hosts, served, worlds, at));
    if (!groups.size) {
      out.push(finding('chain-not-compared', { line: 1 }, `no pin set of this file covers ${uncovered.length ? list(uncovered) : 'the chain'} (${served.source}): the chain was not compared`));
    }
  }
  return out.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0) || LINT_RULE_IDS.indexOf(a.rule) - LINT_RULE_IDS.indexOf(b.rule));
}

/** True when a finding of `error` severity is among them (`pinprick lint` exits 1). */
export function hasError(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
