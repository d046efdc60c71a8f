/**
 * Pin policies: which hosts a pin set covers (OkHttp CertificatePinner patterns, Android/HPKP
 * includeSubdomains), whether it is enforced, until when.
 */
import { normaliseDns, parseHost } from './hostname.js';

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
  /** base64(SHA-256(SPKI)); an OkHttp-style `sha256/` prefix is accepted. */
  sha256: string;
  /** Free label such as `genuine-intermediate`; a label starting with `backup` marks a backup pin. */
  label?: string;
}

/** A pin policy as pinning clients configure it. */
export interface PinPolicy {
  /** Hosts the pins apply to. */
  domains: PinDomain[];
  /** The pin set: a connection passes when one of them is on the validated path. */
  pins: PolicyPin[];
  /** false = report-only (TrustKit enforce=false, HPKP-Report-Only): a mismatch is reported, the connection accepted. */
  enforce: boolean;
  /** Android pin-set expiration: from this instant on, pins are not enforced. */
  expiration?: Date;
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

/** The first policy entry that covers `host`, if any. */
export function coveringDomain(policy: PinPolicy, host: string): PinDomain | undefined {
  return policy.domains.find((d) => domainCovers(d, host));
}

/** A base64 SHA-256 pin: 43 characters and one `=`; its first character may be `/`. */
const BASE64_PIN = /^[A-Za-z0-9+/]{43}=$/;

/**
 * A pin in the form the model compares: base64 without an OkHttp `sha256/` or curl `sha256//`
 * prefix. A pin may itself start with `/` (1 key in 64), so a second slash is curl's only when
 * what is left without it is not already a whole pin.
 */
export function normalisePin(pin: string): string {
  const trimmed = pin.trim();
  if (!trimmed.startsWith('sha256/')) return trimmed;
  const rest = trimmed.slice('sha256/'.length);
  if (!rest.startsWith('/') || BASE64_PIN.test(rest)) return rest;
  return BASE64_PIN.test(rest.slice(1)) ? rest.slice(1) : rest.replace(/^\/+/, '');
}

/** True for a pin labelled as a backup (the label starts with `backup`, any case). */
export function isBackupPin(pin: PolicyPin): boolean {
  return /^backup/i.test(pin.label ?? '');
}
