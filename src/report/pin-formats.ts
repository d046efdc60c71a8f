import type { KeyObject, X509Certificate } from 'node:crypto';
import { describeKey } from '../world/keys.js';
import { curlPinList, pinOfCertificate, pinOfKey, type Pin } from '../world/pin.js';

/** Output formats of `pinprick pins`: each is what one client or tool consumes as-is. */
export const PIN_FORMATS = ['plain', 'json', 'hpkp', 'okhttp', 'android', 'trustkit', 'curl'] as const;
/** One of {@link PIN_FORMATS}. */
export type PinFormat = (typeof PIN_FORMATS)[number];

/** One public key to pin, with where it came from. */
export interface PinEntry {
  /** Where it came from: a file, `host:port`, `world:NAME`. */
  source: string;
  /** Position in the chain as served or as written (0 = first); absent for a bare key. */
  index?: number;
  /** Subject DN of the certificate; absent for a bare key. */
  subject?: string;
  issuer?: string;
  /** True for a CA certificate (basicConstraints cA). */
  ca?: boolean;
  notBefore?: string;
  notAfter?: string;
  /** `RSA 2048`, `ECDSA P-256`, …: TrustKit needs it next to each hash. */
  keyAlgorithm: string;
  /** Name for humans: a world entry name, or the subject's CN. */
  name: string;
  pin: Pin;
}

/** Options that shape the snippets. */
export interface PinFormatOptions {
  /** Hosts the pins apply to (OkHttp patterns like `*.example.com` and `**.example.com` pass through). */
  hosts: string[];
  /** Add legacy SHA-1 pins where the format has a place for them. */
  sha1?: boolean;
  includeSubdomains?: boolean;
  /** HPKP max-age in seconds (default 60 days, the RFC 7469 example). */
  maxAge?: number;
  reportUri?: string;
  /** HPKP report-only header / TrustKit enforce=false. */
  reportOnly?: boolean;
  /** Android pin-set expiration, YYYY-MM-DD. */
  expiration: string;
}

/** Formatted text plus the warnings a demanding reviewer would raise about the pin set. */
export interface FormattedPins {
  text: string;
  warnings: string[];
}

const TRUSTKIT_ALGORITHMS: Record<string, string> = {
  'RSA 2048': 'TSKAlgorithmRsa2048',
  'RSA 4096': 'TSKAlgorithmRsa4096',
  'ECDSA P-256': 'TSKAlgorithmEcDsaSecp256r1',
  'ECDSA P-384': 'TSKAlgorithmEcDsaSecp384r1',
};

/** Same key in several certificates (renewals, cross-signs) is one pin. */
function uniqueByPin(entries: readonly PinEntry[]): PinEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.pin.sha256) && seen.add(e.pin.sha256));
}

function describe(e: PinEntry): string {
  const where = e.index !== undefined ? `[${e.index}] ` : '';
  return e.subject ? `${where}${e.subject} (${e.keyAlgorithm}${e.ca ? ', CA' : ''})` : `${where}key ${e.name} (${e.keyAlgorithm})`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Render pins in one format. Pure: the caller prints text and warnings. */
export function formatPins(format: PinFormat, entries: readonly PinEntry[], options: PinFormatOptions): FormattedPins {
  const warnings: string[] = [];
  const unique = uniqueByPin(entries);
  if (unique.length === 1 && format !== 'plain' && format !== 'json') {
    warnings.push('a single pin has no backup: RFC 7469 requires a backup pin, TrustKit refuses to start in enforce mode with fewer than two, and one key rotation bricks the client');
  }
  const hosts = options.hosts;
  switch (format) {
    case 'plain':
      return { text: entries.map((e) => `${e.pin.sha256}  ${describe(e)}${options.sha1 ? `  sha1:${e.pin.sha1}` : ''}`).join('\n'), warnings };
    case 'json':
      return {
        text: JSON.stringify(
          entries.map((e) => ({
            source: e.source,
            ...(e.index !== undefined ? { index: e.index } : {}),
            name: e.name,
            ...(e.subject ? { subject: e.subject, issuer: e.issuer, ca: e.ca ?? false, notBefore: e.notBefore, notAfter: e.notAfter } : {}),
            keyAlgorithm: e.keyAlgorithm,
            pinSha256: e.pin.sha256,
            pinSha256Hex: e.pin.sha256Hex,
            ...(options.sha1 ? { pinSha1: e.pin.sha1 } : {}),
          })),
          null,
          2,
        ),
        warnings,
      };
    case 'hpkp': {
      const parts = unique.map((e) => `pin-sha256="${e.pin.sha256}"`);
      if (options.sha1) warnings.push('HPKP (RFC 7469) defines only pin-sha256: --sha1 ignored');
      parts.push(`max-age=${options.maxAge ?? 5184000}`);
      if (options.includeSubdomains) parts.push('includeSubDomains');
      if (options.reportUri) parts.push(`report-uri="${options.reportUri}"`);
      return { text: `${options.reportOnly ? 'Public-Key-Pins-Report-Only' : 'Public-Key-Pins'}: ${parts.join('; ')}`, warnings };
    }
    case 'okhttp': {
      const lines = ['// OkHttp >= 2.7.4 / 3.1.2 matches these against the verified chain (CVE-2016-2402 fixed).', 'CertificatePinner certificatePinner = new CertificatePinner.Builder()'];
      for (const host of hosts) {
        for (const e of unique) {
          lines.push(`    .add("${host}", "sha256/${e.pin.sha256}") // ${describe(e)}`);
          if (options.sha1) lines.push(`    .add("${host}", "sha1/${e.pin.sha1}") // legacy SHA-1 pin`);
        }
      }
      lines.push('    .build();');
      return { text: lines.join('\n'), warnings };
    }
    case 'android': {
      if (options.sha1) warnings.push('Android Network Security Config accepts only digest="SHA-256": --sha1 ignored');
      const domains = hosts.map((h) => `        <domain includeSubdomains="${options.includeSubdomains ? 'true' : 'false'}">${xml(h.replace(/^\*+\./, ''))}</domain>`);
      if (hosts.some((h) => h.startsWith('*'))) warnings.push('Android has no wildcard domains: use includeSubdomains (--include-subdomains) instead of *. patterns');
      const pins = unique.flatMap((e) => [`            <!-- ${xml(describe(e))} -->`, `            <pin digest="SHA-256">${e.pin.sha256}</pin>`]);
      const text = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<!-- res/xml/network_security_config.xml; pins stop being enforced after the expiration date -->',
        '<network-security-config>',
        '    <domain-config>',
        ...domains,
        `        <pin-set expiration="${options.expiration}">`,
        ...pins,
        '        </pin-set>',
        '    </domain-config>',
        '</network-security-config>',
      ].join('\n');
      return { text, warnings };
    }
    case 'trustkit': {
      if (options.sha1) warnings.push('TrustKit accepts only SHA-256 SPKI hashes: --sha1 ignored');
      const algorithms = [...new Set(unique.map((e) => TRUSTKIT_ALGORITHMS[e.keyAlgorithm]))];
      for (const e of unique) if (!TRUSTKIT_ALGORITHMS[e.keyAlgorithm]) warnings.push(`TrustKit has no algorithm constant for ${e.keyAlgorithm} (${describe(e)}): it cannot pin that key`);
      const indent = (n: number) => ' '.repeat(n);
      const domain = (host: string) => [
        `${indent(8)}<key>${xml(host)}</key>`,
        `${indent(8)}<dict>`,
        `${indent(12)}<key>TSKEnforcePinning</key>`,
        `${indent(12)}<${options.reportOnly ? 'false' : 'true'}/>`,
        `${indent(12)}<key>TSKIncludeSubdomains</key>`,
        `${indent(12)}<${options.includeSubdomains ? 'true' : 'false'}/>`,
        `${indent(12)}<key>TSKPublicKeyAlgorithms</key>`,
        `${indent(12)}<array>`,
        ...algorithms.filter(Boolean).map((a) => `${indent(16)}<string>${a}</string>`),
        `${indent(12)}</array>`,
        `${indent(12)}<key>TSKPublicKeyHashes</key>`,
        `${indent(12)}<array>`,
        ...unique.flatMap((e) => [`${indent(16)}<!-- ${xml(describe(e))} -->`, `${indent(16)}<string>${e.pin.sha256}</string>`]),
        `${indent(12)}</array>`,
        ...(options.reportUri ? [`${indent(12)}<key>TSKReportUris</key>`, `${indent(12)}<array>`, `${indent(16)}<string>${xml(options.reportUri)}</string>`, `${indent(12)}</array>`] : []),
        `${indent(8)}</dict>`,
      ];
      const text = [
        '<!-- Info.plist: TrustKit configuration -->',
        '<key>TSKConfiguration</key>',
        '<dict>',
        '    <key>TSKSwizzleNetworkDelegates</key>',
        '    <true/>',
        '    <key>TSKPinnedDomains</key>',
        '    <dict>',
        ...hosts.flatMap(domain),
        '    </dict>',
        '</dict>',
      ].join('\n');
      return { text, warnings };
    }
    case 'curl': {
      if (entries.some((e) => e.ca)) warnings.push("curl's --pinnedpubkey checks only the server's leaf key: pins of CA certificates never match");
      if (options.sha1) warnings.push('curl --pinnedpubkey accepts only sha256// hashes: --sha1 ignored');
      return { text: `--pinnedpubkey '${curlPinList(unique.map((e) => e.pin.sha256))}'`, warnings };
    }
  }
}

/** Pin entries for certificates in the order given (a file as written, or a chain as served). */
export function entriesFromCertificates(certs: readonly X509Certificate[], source: string): PinEntry[] {
  return certs.map((c, index) => ({
    source,
    index,
    subject: c.subject.split('\n').join(', '),
    issuer: c.issuer.split('\n').join(', '),
    ca: c.ca,
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: new Date(c.validTo).toISOString(),
    keyAlgorithm: describeKey(c.publicKey),
    name: /(?:^|\n)CN=([^\n]*)/.exec(c.subject)?.[1] ?? c.subject.split('\n')[0] ?? '',
    pin: pinOfCertificate(c),
  }));
}

/** Pin entry for a bare key (a world key with no certificate, such as a backup key). */
export function entryFromKey(key: KeyObject, name: string, source: string): PinEntry {
  return { source, name, keyAlgorithm: describeKey(key), pin: pinOfKey(key) };
}
