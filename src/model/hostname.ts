/**
 * Host name checks as RFC 6125 / RFC 9525 clients do them: subjectAltName only when present, the
 * subject commonName only when there is no subjectAltName at all (OpenSSL's X509_check_host), DNS
 * names case-insensitive with a trailing dot ignored, a wildcard only as the whole left-most label,
 * IP addresses (v4 or v6, any spelling) only against iPAddress entries.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { formatIp, type ParsedCertificate } from './certificate.js';

/** A host as the model compares it. */
export type ParsedHost = { kind: 'dns'; name: string } | { kind: 'ip'; address: string; family: 4 | 6 };

/** Parse a host: `[::1]` and IPv6 zone ids are accepted; DNS names are lower-cased and lose one trailing dot. */
export function parseHost(host: string): ParsedHost {
  let h = host.trim();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  const zoneless = h.replace(/%.*$/, '');
  if (isIPv4(zoneless)) return { kind: 'ip', address: formatIp(ipv4Bytes(zoneless)), family: 4 };
  if (isIPv6(zoneless)) return { kind: 'ip', address: formatIp(ipv6Bytes(zoneless)), family: 6 };
  return { kind: 'dns', name: normaliseDns(h) };
}

/** Lower-case ASCII and drop one trailing dot. */
export function normaliseDns(name: string): string {
  const lower = name.replace(/[A-Z]+/g, (s) => s.toLowerCase());
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** RFC 1035 2.3.4: at most 63 octets a label, 255 a name on the wire (253 characters written without the root's dot). */
const MAX_LABEL = 63;
const MAX_NAME = 253;
/** RFC 952 / RFC 1123 2.1 host name label: letters, digits and hyphens, no hyphen at either end. */
const LDH_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

/**
 * What keeps `name` from being a host a certificate may be issued for, or undefined: an IP address
 * (v4, or v6 without a zone), or a DNS host name of letters, digits and hyphens (RFC 1123 2.1;
 * IDNs as A-labels, `xn--...`), labels of 1 to 63 characters, at most 253 in all, no trailing dot
 * (RFC 6066 section 3: an SNI is written without one). No underscore: CAs may not issue for one
 * (CA/Browser Forum ballot SC12). No wildcard. The one host-name check: the intercept-all leaf is
 * issued only for names it accepts, so a peer's SNI can never be an X.509 name of its choosing.
 */
export function hostNameProblem(name: string): string | undefined {
  if (isIPv4(name) || (isIPv6(name) && !name.includes('%'))) return undefined;
  if (name === '') return 'it is empty';
  if (name.length > MAX_NAME) return `it is ${name.length} characters long, over ${MAX_NAME}`;
  const labels = name.split('.');
  for (const label of labels) {
    // A name ends with a dot exactly when its last label is empty.
    if (label === '') return name.endsWith('.') ? 'it ends with a dot' : 'it has an empty label';
    if (label.length > MAX_LABEL) return `a label is ${label.length} characters long, over ${MAX_LABEL}`;
    if (!LDH_LABEL.test(label)) {
      const shown = label.length > 40 ? `${label.slice(0, 40)}…` : label;
      return /^-|-$/.test(label) && /^[A-Za-z0-9-]+$/.test(label) ? `'${shown}' starts or ends with a hyphen` : `'${shown}' has a character other than a letter, digit or hyphen`;
    }
  }
  return undefined;
}

/** The 4 or 16 bytes of an IPv4 or IPv6 address written as text (no brackets, no zone); undefined for anything else. */
export function ipAddressBytes(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return ipv4Bytes(text);
  if (isIPv6(text) && !text.includes('%')) return ipv6Bytes(text);
  return undefined;
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function ipv6Bytes(text: string): Uint8Array {
  // `text` has passed isIPv6. A trailing dotted IPv4 part fills the last two groups.
  let groupsText = text;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipv4Bytes(v4[2]!);
    tail.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
    groupsText = v4[1]!.endsWith('::') ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const gap = groupsText.indexOf('::');
  let groups: number[];
  if (gap >= 0) {
    const front = parse(groupsText.slice(0, gap));
    const back = parse(groupsText.slice(gap + 2));
    groups = [...front, ...new Array<number>(8 - front.length - back.length - tail.length).fill(0), ...back, ...tail];
  } else {
    groups = [...parse(groupsText), ...tail];
  }
  const bytes = new Uint8Array(16);
  // Exactly 8 groups: `text` has passed isIPv6.
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

const WILDCARD_LABEL = /^[a-z0-9-]+$/;

/**
 * Does one certificate name (dNSName or commonName) cover a DNS host? Both are normalised first.
 * `*.example.com` matches `a.example.com` only: not `example.com`, not `a.b.example.com`; no
 * partial wildcards (`f*.example.com`), none on a public-suffix-like two-label name (`*.com`), and
 * the wildcard matches letters, digits and hyphens only (as OpenSSL).
 */
export function dnsNameMatches(pattern: string, host: string): boolean {
  const p = normaliseDns(pattern);
  const h = normaliseDns(host);
  if (!h || h.includes('*') || h.split('.').some((l) => l === '')) return false;
  if (!p.includes('*')) return p === h;
  if (!p.startsWith('*.') || p.indexOf('*', 1) !== -1) return false;
  const suffix = p.slice(1); // ".example.com"
  if (suffix.split('.').length < 3) return false; // "*.com": fewer than two labels after the wildcard
  if (!h.endsWith(suffix)) return false;
  const label = h.slice(0, h.length - suffix.length);
  return WILDCARD_LABEL.test(label);
}

/** How a host check went. */
export interface HostMatch {
  ok: boolean;
  /** Which kind of certificate name matched. */
  matchedBy?: 'dNSName' | 'iPAddress' | 'commonName';
  /** The certificate name that matched. */
  name?: string;
  /** The commonName was consulted because the certificate has no subjectAltName. */
  commonNameFallback: boolean;
  /** One human sentence. */
  reason: string;
}

/** Check a host against a leaf certificate. */
export function matchHost(cert: ParsedCertificate, host: string | ParsedHost, options: { commonNameFallback?: boolean } = {}): HostMatch {
  const parsed = typeof host === 'string' ? parseHost(host) : host;
  const san = cert.subjectAltName;
  if (parsed.kind === 'ip') {
    const hit = san?.ip.find((a) => a === parsed.address);
    if (hit) return { ok: true, matchedBy: 'iPAddress', name: hit, commonNameFallback: false, reason: `The IP address ${parsed.address} matches an iPAddress entry of the leaf.` };
    const have = san?.ip.length ? `its iPAddress entries are ${san.ip.join(', ')}` : 'it has no iPAddress entry';
    return { ok: false, commonNameFallback: false, reason: `The IP address ${parsed.address} is not in the leaf's subjectAltName (${have}; IP hosts never match DNS names or the commonName).` };
  }
  if (san) {
    const hit = san.dns.find((n) => dnsNameMatches(n, parsed.name));
    if (hit) return { ok: true, matchedBy: 'dNSName', name: hit, commonNameFallback: false, reason: `The host '${parsed.name}' matches the leaf's dNSName '${hit}'.` };
    const have = san.dns.length ? `its dNSName entries are ${san.dns.map((n) => `'${n}'`).join(', ')}` : 'it has no dNSName entry';
    return {
      ok: false,
      commonNameFallback: false,
      reason: `The host '${parsed.name}' matches no dNSName of the leaf (${have}; with a subjectAltName present the commonName is never used).`,
    };
  }
  const hit = cert.commonNames.find((n) => dnsNameMatches(n, parsed.name));
  // Without a subjectAltName, OpenSSL's X509_check_host (curl, Node) and the JVM fall back to the
  // commonName; Go (1.15+), Apple (iOS 13 / macOS 10.15), Android (9+) and Chrome do not
  // (RFC 9525 6.3): a divergence (platforms.ts 'cn-fallback'), so only when asked.
  if (hit && !options.commonNameFallback) {
    return {
      ok: false,
      commonNameFallback: false,
      reason: `The host '${parsed.name}' is only in the leaf's commonName '${hit}': the leaf has no subjectAltName, and RFC 9525 clients (Go, Apple, Android, Chrome) do not use the commonName.`,
    };
  }
  if (hit) {
    return {
      ok: true,
      matchedBy: 'commonName',
      name: hit,
      commonNameFallback: true,
      reason: `The host '${parsed.name}' matches the leaf's commonName '${hit}', used only because the leaf has no subjectAltName (as OpenSSL's X509_check_host; RFC 9525 clients refuse this).`,
    };
  }
  return {
    ok: false,
    commonNameFallback: true,
    reason: `The host '${parsed.name}' does not match the leaf, which has no subjectAltName and ${cert.commonNames.length ? `the commonName ${cert.commonNames.map((n) => `'${n}'`).join(', ')}` : 'no commonName'}.`,
  };
}
