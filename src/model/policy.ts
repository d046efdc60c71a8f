/**
 * Pin policies: which hosts a pin set covers (OkHttp CertificatePinner patterns, Android/HPKP
 * includeSubdomains), whether it is enforced, until when.
 */
import { normaliseDns, parseHost } from './hostname.js';
import type { PinHash } from './pin.js';

/** One host entry of a pin policy. */
export interface PinDomain {
  /**
   * `api.example.com` (that name only), `*.example.com` (exactly one more label, OkHttp) or
   * `**.example.com` (any number of labels including none: example.com too, OkHttp 4). IP
   * literals match themselves only.
   */
  pattern: string;
  /** Also cover every name below what the pattern matches (Android `includeSubdomains`, HPKP `includeSubDomains`). */
  includeSubdomains?: boolean;
}

/** One pinned key. */
export interface PolicyPin {
  /** The digest of the SubjectPublicKeyInfo: SHA-256 (RFC 7469) or legacy SHA-1 (OkHttp `sha1/`). */
  hash: PinHash;
  /** Its base64, unwrapped (model/pin.ts reads every wrapping). */
  value: string;
  /** Free label such as `genuine-intermediate`; a label starting with `backup` marks a backup pin. */
  label?: string;
  /**
   * Where on the validated path it may match: only the leaf (Apple ATS `NSPinnedLeafIdentities`)
   * or only a CA certificate (`NSPinnedCAIdentities`); anywhere when absent (RFC 7469, OkHttp,
   * Android, TrustKit).
   */
  on?: 'leaf' | 'ca';
}

/** One pin set and the hosts it covers: an Android `domain-config`, a TrustKit or ATS domain entry, an OkHttp pattern. */
export interface PinRule {
  /** Hosts the pins apply to. */
  domains: PinDomain[];
  /** The pin set: a connection passes when one of them is on the validated path (one of each `on` kind present). */
  pins: PolicyPin[];
  /** false = report-only (TrustKit enforce=false, HPKP-Report-Only): a mismatch is reported, the connection accepted. */
  enforce: boolean;
  /** Android pin-set expiration, TrustKit kTSKExpirationDate: from this instant on, pins are not enforced. */
  expiration?: Date;
  /**
   * The hosts are carved out of pinning: where this rule is the most specific one covering a
   * host, no pin applies there, even if a less specific rule covers it too (Android: the most
   * specific `domain-config` applies, and one without a pin-set pins nothing; TrustKit's
   * kTSKExcludeSubdomainFromParentPolicy, TSKTrustKitConfig.h: TSKPinningValidator answers
   * TSKTrustDecisionDomainNotPinned). Its `pins` are empty.
   */
  exempt?: boolean;
}

/**
 * A pin policy as pinning clients configure it: one or more pin sets by host. Where several
 * rules cover a host, `most-specific` (Android Network Security Config, TrustKit, Apple ATS: the
 * closest domain's set alone) or `all` (OkHttp CertificatePinner: the pins of every matching
 * pattern together).
 */
export interface PinPolicy {
  rules: PinRule[];
  /** Default `most-specific`. */
  combine?: 'most-specific' | 'all';
}

/** A policy of one rule: what a pinprick profile, `verify --pins` and a curl pin list are. */
export function singleRulePolicy(rule: PinRule): PinPolicy {
  return { rules: [rule] };
}

/** What is wrong with a host pattern, or undefined when it is one of the accepted forms. */
export function hostPatternProblem(pattern: string): string | undefined {
  const p = normaliseDns(pattern.trim());
  if (!p) return 'empty pattern';
  const base = p.startsWith('**.') ? p.slice(3) : p.startsWith('*.') ? p.slice(2) : p;
  if (base.includes('*')) return `'${pattern}': a wildcard is allowed only as a leading '*.' or '**.'`;
  if (!base || base.split('.').some((l) => l === '')) return `'${pattern}': empty label`;
  return undefined;
}

/** Does one policy entry cover `host`? */
export function domainCovers(domain: PinDomain, host: string): boolean {
  if (hostPatternProblem(domain.pattern)) return false;
  const h = parseHost(host);
  const p = normaliseDns(domain.pattern.trim());
  if (h.kind === 'ip') {
    const ph = parseHost(p);
    return ph.kind === 'ip' && ph.address === h.address;
  }
  const name = h.name;
  const sub = domain.includeSubdomains === true;
  if (p.startsWith('**.')) {
    const base = p.slice(3);
    return name === base || name.endsWith(`.${base}`);
  }
  if (p.startsWith('*.')) {
    const base = p.slice(2);
    if (!name.endsWith(`.${base}`)) return false;
    const prefix = name.slice(0, name.length - base.length - 1);
    return prefix !== '' && (sub || !prefix.includes('.'));
  }
  return name === p || (sub && name.endsWith(`.${p}`));
}

/**
 * How closely a domain entry matches a host it covers: an exact name beats a pattern, and a
 * pattern with more labels beats one with fewer (Android: "the most specific matching
 * domain-config"; TrustKit: an explicit entry wins over a parent's includeSubdomains).
 */
function specificity(domain: PinDomain, host: string): number {
  const p = normaliseDns(domain.pattern.trim());
  const exact = !p.startsWith('*') && p === normaliseDns(host);
  return (exact ? 1000 : 0) + p.replace(/^\*{1,2}\./, '').split('.').length;
}

/** The pin set that applies to a host, and the pattern that selected it. */
export interface AppliedRule {
  rule: PinRule;
  /** The covering pattern (for `all`, every covering pattern, comma-separated). */
  coveredBy: string;
}

/**
 * The pin set a client applies to `host`, or undefined when no rule covers it. Without a host
 * (a chain checked on its own) every rule applies, their pins together.
 */
export function ruleFor(policy: PinPolicy, host: string | undefined): AppliedRule | undefined {
  const all = (policy.combine ?? 'most-specific') === 'all';
  const covering: { rule: PinRule; domain: PinDomain }[] = [];
  for (const rule of policy.rules) {
    if (host === undefined || (all && rule.exempt)) continue;
    const domain = [...rule.domains].filter((d) => domainCovers(d, host)).sort((a, b) => specificity(b, host) - specificity(a, host))[0];
    if (domain) covering.push({ rule, domain });
  }
  if (host === undefined) {
    const pinning = policy.rules.filter((r) => !r.exempt);
    if (!pinning.length) return undefined;
    return { rule: merged(pinning), coveredBy: pinning.flatMap((r) => r.domains.map((d) => d.pattern)).join(', ') };
  }
  if ((policy.combine ?? 'most-specific') === 'all') {
    // Pins add up: a carve-out takes nothing away from the other matching patterns.
    const pinning = covering.filter((c) => !c.rule.exempt);
    if (!pinning.length) return undefined;
    return { rule: merged(pinning.map((c) => c.rule)), coveredBy: pinning.map((c) => c.domain.pattern).join(', ') };
  }
  if (!covering.length) return undefined;
  // Stable: of equally specific entries, the first written wins.
  const best = covering.reduce((a, b) => (specificity(b.domain, host) > specificity(a.domain, host) ? b : a));
  // The closest entry carves the host out: no pin set applies (Android XmlConfigSource, ApplicationConfig.getConfigForHostname).
  if (best.rule.exempt) return undefined;
  return { rule: best.rule, coveredBy: best.domain.pattern };
}

/** Several rules as one: every pin; enforced when any is; expired when every one is. */
function merged(rules: readonly PinRule[]): PinRule {
  if (rules.length === 1) return rules[0]!;
  const expirations = rules.map((r) => r.expiration?.getTime());
  const allExpire = expirations.every((e) => e !== undefined);
  return {
    domains: rules.flatMap((r) => r.domains),
    pins: rules.flatMap((r) => r.pins),
    enforce: rules.some((r) => r.enforce),
    // Pins stop applying only when every set has expired: until then some set still holds.
    ...(allExpire ? { expiration: new Date(Math.max(...(expirations as number[]))) } : {}),
  };
}

/** True for a pin labelled as a backup (the label starts with `backup`, any case). */
export function isBackupPin(pin: PolicyPin): boolean {
  return /^backup/i.test(pin.label ?? '');
}
