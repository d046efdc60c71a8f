import { createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { writeConfigShape, type ConfigShape } from '../dynamic/adapters.js';
import type { PinConfig } from '../dynamic/config.js';
import { jwkThumbprint, type JwsSerialization } from '../dynamic/jws.js';
import { describeKey } from '../world/keys.js';
import { POLICY_FORMATS, UNNAMED_HOST, type PolicyFormat } from '../policy/format.js';
import { formatModule } from '../policy/registry.js';
import type { PinRule, PolicyPin } from '../model/policy.js';
import { pinOfCertificate, pinOfKey, type Pin } from '../world/pin.js';

/**
 * Output formats of `pinprick pins`: each is what one client or tool consumes as-is. `plain` and
 * `json` list the keys; every other is a pin configuration written by its format's module
 * (src/policy/formats: the same writers `read(write(x)) == x` is tested on), `android` being
 * `android-nsc` by its older name.
 */
export const PIN_FORMATS = ['plain', 'json', 'android', ...POLICY_FORMATS, 'signed-config', 'public-key'] as const;
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
  /** The public key itself, for `--format public-key`. */
  publicKey?: KeyObject;
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

/** Formats that can carry an expiration, and those that take legacy SHA-1 pins. */
const EXPIRING: ReadonlySet<PolicyFormat> = new Set(['android-nsc', 'trustkit', 'react-native', 'pinprick']);
const TAKES_SHA1: ReadonlySet<PolicyFormat> = new Set(['okhttp', 'pinprick']);

/** Same key in several certificates (renewals, cross-signs) is one pin. */
function uniqueByPin(entries: readonly PinEntry[]): PinEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.pin.sha256) && seen.add(e.pin.sha256));
}

function describe(e: PinEntry): string {
  const where = e.index !== undefined ? `[${e.index}] ` : '';
  return e.subject ? `${where}${e.subject} (${e.keyAlgorithm}${e.ca ? ', CA' : ''})` : `${where}key ${e.name} (${e.keyAlgorithm})`;
}

/** Render pins in one format. Pure: the caller prints text and warnings. */
export function formatPins(format: PinFormat, entries: readonly PinEntry[], options: PinFormatOptions): FormattedPins {
  const warnings: string[] = [];
  const unique = uniqueByPin(entries);
  if (unique.length === 1 && format !== 'plain' && format !== 'json') {
    warnings.push('a single pin has no backup: RFC 7469 requires a backup pin, TrustKit refuses to start in enforce mode with fewer than two, and one key rotation bricks the client');
  }
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
    case 'public-key':
      return { text: unique.map(publicKeyBlock).join('\n'), warnings: [] };
    case 'signed-config':
      throw new Error('signed-config needs a signing key: formatSignedConfig');
    default:
      return formatPolicy(format === 'android' ? 'android-nsc' : format, unique, options, warnings);
  }
}

/**
 * One public key as an app embeds it to verify signed pin configurations: a comment line (name,
 * algorithm, pin, RFC 7638 kid) and the SubjectPublicKeyInfo PEM.
 */
function publicKeyBlock(e: PinEntry): string {
  if (!e.publicKey) return `# ${e.name}: no public key available`;
  const kid = e.publicKey.asymmetricKeyType === 'ec' || e.publicKey.asymmetricKeyType === 'ed25519' || e.publicKey.asymmetricKeyType === 'rsa' ? `  kid ${jwkThumbprint(e.publicKey)}` : '';
  return `# ${e.source}  ${e.keyAlgorithm}  sha256/${e.pin.sha256}${kid}\n${(e.publicKey.export({ type: 'spki', format: 'pem' }) as string).trimEnd()}`;
}

/** What `--format signed-config` needs beyond the pins. */
export interface SignedConfigOptions {
  hosts: string[];
  includeSubdomains?: boolean;
  reportOnly?: boolean;
  /** Hosts written as explicitly not pinned (`pinning: false`). */
  unpin?: string[];
  version: number;
  issuedAt: Date;
  expiresAt: Date;
  device?: string;
  shape: ConfigShape;
  serialization: JwsSerialization;
  /** The private key that signs (a world config-signing key). */
  signer: KeyObject;
}

/** The pins as a signed pin configuration in the shape asked (src/dynamic): one rule for the hosts, plus the unpinned hosts. Pure. */
export function formatSignedConfig(entries: readonly PinEntry[], options: SignedConfigOptions): FormattedPins {
  const unique = uniqueByPin(entries);
  const warnings: string[] = [];
  if (unique.length === 1) warnings.push('a single pin has no backup: one key rotation bricks every client until the next configuration reaches it');
  const config: PinConfig = {
    version: options.version,
    issuedAt: options.issuedAt,
    expiresAt: options.expiresAt,
    ...(options.device !== undefined ? { device: options.device } : {}),
    rules: [
      ...(options.hosts.length
        ? [{ domains: options.hosts.map((h) => ({ pattern: h, ...(options.includeSubdomains ? { includeSubdomains: true } : {}) })), pins: unique.map((e) => ({ hash: 'sha256' as const, value: e.pin.sha256 })), enforce: !options.reportOnly }]
        : []),
      ...(options.unpin ?? []).map((h) => ({ domains: [{ pattern: h }], pins: [], enforce: false, exempt: true })),
    ],
  };
  return { text: writeConfigShape(options.shape, config, options.signer, { serialization: options.serialization }).replace(/\n$/, ''), warnings };
}

/**
 * The pin set as one rule in a policy format, written by that format's module: every pin keyed by
 * its SHA-256 (and SHA-1 with --sha1 where the format takes it), labelled with what it pins. Apple
 * ATS needs to know whether a pin names a CA or the leaf: a CA certificate or a bare key (a
 * backup key, for a CA certificate yet to come) is a CA identity, any other certificate the leaf.
 */
function formatPolicy(format: PolicyFormat, unique: readonly PinEntry[], options: PinFormatOptions, warnings: string[]): FormattedPins {
  const on = (e: PinEntry): PolicyPin['on'] => (e.subject === undefined || e.ca ? 'ca' : 'leaf');
  const pins: PolicyPin[] = unique.flatMap((e): PolicyPin[] => [
    { hash: 'sha256', value: e.pin.sha256, label: describe(e), ...(format === 'ats' ? { on: on(e) } : {}) },
    ...(options.sha1 && TAKES_SHA1.has(format) ? [{ hash: 'sha1' as const, value: e.pin.sha1, label: `${describe(e)}, legacy SHA-1` }] : []),
  ]);
  if (options.sha1 && !TAKES_SHA1.has(format)) warnings.push(`${formatModule(format).title} takes SHA-256 pins only: --sha1 ignored`);
  if (format === 'curl' && unique.some((e) => e.ca)) warnings.push("curl's --pinnedpubkey checks only the server's leaf key: pins of CA certificates never match");
  // An HPKP header pins the host that sends it (RFC 7469 2.1): written as the header line, hostless.
  const patterns = format === 'hpkp' ? [UNNAMED_HOST] : options.hosts;
  const rule: PinRule = {
    domains: patterns.map((h) => ({ pattern: h, ...(options.includeSubdomains ? { includeSubdomains: true } : {}) })),
    pins,
    enforce: !options.reportOnly,
    ...(EXPIRING.has(format) ? { expiration: new Date(`${options.expiration}T00:00:00Z`) } : {}),
  };
  const text = formatModule(format).write({ rules: [rule] }, { ...(options.maxAge !== undefined ? { maxAge: options.maxAge } : {}), ...(options.reportUri ? { reportUri: options.reportUri } : {}) });
  return { text: text.replace(/\n$/, ''), warnings };
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
    publicKey: c.publicKey,
  }));
}

/** Pin entry for a bare key (a world key with no certificate, such as a backup key). */
export function entryFromKey(key: KeyObject, name: string, source: string): PinEntry {
  return { source, name, keyAlgorithm: describeKey(key), pin: pinOfKey(key), publicKey: key.type === 'private' ? createPublicKey(key) : key };
}
