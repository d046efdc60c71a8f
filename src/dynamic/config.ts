/**
 * Signed pin configurations (issue 19): the pins an app receives at run time from its service
 * (Approov, dynapins, in-house schemes) instead of shipping them, and what pinprick's default
 * format puts in a JWS payload. The pins are the model's one policy type (model/policy.ts): a
 * configuration is a list of PinRule, a host carved out of pinning (`"pinning": false`, the
 * configuration that removes pinning) being a rule with `exempt: true`, as Android and TrustKit
 * exemptions are.
 *
 * Payload (JSON, in a JWS with `typ` {@link PIN_CONFIG_TYP}):
 *
 *     { "version": 7, "iat": 1767225600, "exp": 1769817600, "device": "pentest-01",
 *       "hosts": { "api.example.com": { "pins": ["sha256/…", "sha256/…"], "includeSubdomains": true, "enforce": true },
 *                  "cdn.example.com": { "pinning": false } } }
 *
 * `iat` and `exp` are JWT NumericDates (RFC 7519 section 2: seconds since the epoch), so a JWT
 * library reads them too. Unknown members are refused, not ignored: a signed configuration whose
 * writer misspelt `includeSubdomains` would otherwise pin less than it says.
 */
import { InputError } from '../errors.js';
import { parsePin, pinText } from '../model/pin.js';
import { hostPatternProblem, type PinPolicy, type PinRule, type PolicyPin } from '../model/policy.js';

/**
 * The JWS `typ` of a pinprick pin configuration. RFC 8725 section 3.11 (explicit typing): a
 * verifier that requires it cannot be handed another JWT signed by the same key (a session token,
 * a dynapins answer) as a pin configuration. `+jwt` because the payload is a JWT claims set.
 */
export const PIN_CONFIG_TYP = 'pinprick-pin-config+jwt';

/** A pin configuration, as signed and as verified. */
export interface PinConfig {
  /** Monotonic: a client refuses a configuration older than the last good one (rollback). */
  version: number;
  /** JWT `iat`, whole seconds. */
  issuedAt: Date;
  /** JWT `exp`, whole seconds: from this instant on the configuration is expired. */
  expiresAt: Date;
  /** The one device this configuration is for (Approov-style per-device pentest override); absent: every device. */
  device?: string;
  /** The signing key's id (the JWS header's `kid`): set by signing and verification, not part of the payload. */
  kid?: string;
  /** Pins by host; a rule with `exempt: true` (and no pins) is a host explicitly unpinned. */
  rules: PinRule[];
}

/** The model's policy a client holding this configuration enforces (most specific host entry wins, as TrustKit). */
export function configPolicy(config: PinConfig): PinPolicy {
  return { rules: config.rules, combine: 'most-specific' };
}

/** Seconds since the epoch, as JWT writes times. */
export function numericDate(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** One host's entry in the payload. */
type HostEntry = { pins: string[]; includeSubdomains?: boolean; enforce?: boolean } | { pinning: false; includeSubdomains?: boolean };

/** The payload object of a configuration (what is signed). What the format cannot carry is an InputError. */
export function configPayload(config: PinConfig): Record<string, unknown> {
  const hosts: Record<string, HostEntry> = {};
  for (const rule of config.rules) {
    if (rule.expiration) throw new InputError('a pin configuration expires as a whole (expiresAt): a rule has its own expiration');
    if (rule.pins.some((p) => p.on)) throw new InputError('a pin configuration pins keys anywhere on the chain: a pin is restricted to the leaf or to CAs');
    if (!rule.exempt && !rule.pins.length) throw new InputError('a rule with no pins: give it pins, or make it exempt (pinning: false)');
    for (const domain of rule.domains) {
      if (Object.hasOwn(hosts, domain.pattern)) throw new InputError(`'${domain.pattern}' is in two rules; a configuration has one entry per host`);
      const sub = domain.includeSubdomains ? { includeSubdomains: true } : {};
      hosts[domain.pattern] = rule.exempt ? { pinning: false, ...sub } : { pins: rule.pins.map(pinText), ...sub, enforce: rule.enforce };
    }
  }
  return {
    version: config.version,
    iat: numericDate(config.issuedAt),
    exp: numericDate(config.expiresAt),
    ...(config.device !== undefined ? { device: config.device } : {}),
    hosts,
  };
}

/** The payload bytes of a configuration. */
export function configPayloadBytes(config: PinConfig): Buffer {
  return Buffer.from(JSON.stringify(configPayload(config)), 'utf8');
}

const TOP_MEMBERS = new Set(['version', 'iat', 'exp', 'device', 'hosts']);
const PINNED_MEMBERS = new Set(['pins', 'includeSubdomains', 'enforce']);
const UNPINNED_MEMBERS = new Set(['pinning', 'includeSubdomains']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A NumericDate member (an integer number of seconds), or why not. */
export function readNumericDate(doc: Record<string, unknown>, name: string): Date | string {
  const v = doc[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return `'${name}' must be a whole number of seconds since 1970 (a JWT NumericDate)`;
  return new Date(v * 1000);
}

/**
 * The members every shape of a configuration signs besides its pins: version, issue and expiry
 * times, and the device it is for. One reading for the JWS payload and the Approov-style envelope.
 */
export function readConfigHead(doc: Record<string, unknown>): { version: number; issuedAt: Date; expiresAt: Date; device?: string } | { problem: string } {
  const { version } = doc;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) return { problem: "'version' must be a whole number, 0 or more" };
  const issuedAt = readNumericDate(doc, 'iat');
  if (typeof issuedAt === 'string') return { problem: issuedAt };
  const expiresAt = readNumericDate(doc, 'exp');
  if (typeof expiresAt === 'string') return { problem: expiresAt };
  if (expiresAt <= issuedAt) return { problem: "'exp' is not after 'iat'" };
  if (doc.device !== undefined && (typeof doc.device !== 'string' || doc.device === '')) return { problem: "'device' must be a non-empty string" };
  return { version, issuedAt, expiresAt, ...(doc.device === undefined ? {} : { device: doc.device as string }) };
}

/**
 * A configuration from a decoded payload, or why it is not one. The kid is the caller's (it comes
 * from the header). Pins are read by the one pin parser (model/pin.ts).
 */
export function readConfigPayload(doc: unknown): { config: PinConfig } | { problem: string } {
  if (!isObject(doc)) return { problem: 'the payload is not a JSON object' };
  const unknown = Object.keys(doc).find((k) => !TOP_MEMBERS.has(k));
  if (unknown !== undefined) return { problem: `unknown payload member '${unknown.slice(0, 40)}'` };
  const head = readConfigHead(doc);
  if ('problem' in head) return head;
  const { version, issuedAt, expiresAt } = head;
  if (!isObject(doc.hosts)) return { problem: "'hosts' must be an object: host -> entry" };
  const rules: PinRule[] = [];
  for (const [host, entry] of Object.entries(doc.hosts)) {
    const rule = readHostEntry(host, entry);
    if (typeof rule === 'string') return { problem: rule };
    rules.push(rule);
  }
  return { config: { version, issuedAt, expiresAt, ...(doc.device !== undefined ? { device: doc.device as string } : {}), rules } };
}

function readHostEntry(host: string, entry: unknown): PinRule | string {
  const at = `hosts['${host.slice(0, 60)}']`;
  const patternProblem = hostPatternProblem(host);
  if (patternProblem) return `${at}: ${patternProblem}`;
  if (!isObject(entry)) return `${at} must be an object`;
  if (entry.includeSubdomains !== undefined && typeof entry.includeSubdomains !== 'boolean') return `${at}.includeSubdomains must be true or false`;
  const domains = [{ pattern: host, ...(entry.includeSubdomains ? { includeSubdomains: true } : {}) }];
  if ('pinning' in entry) {
    if (entry.pinning !== false) return `${at}.pinning can only be false (a host explicitly not pinned); a pinned host lists 'pins'`;
    const extra = Object.keys(entry).find((k) => !UNPINNED_MEMBERS.has(k));
    if (extra !== undefined) return `${at}: '${extra.slice(0, 40)}' does not go with pinning: false`;
    return { domains, pins: [], enforce: false, exempt: true };
  }
  const extra = Object.keys(entry).find((k) => !PINNED_MEMBERS.has(k));
  if (extra !== undefined) return `${at}: unknown member '${extra.slice(0, 40)}'`;
  if (!Array.isArray(entry.pins) || entry.pins.length === 0) return `${at}.pins must be a non-empty list (an unpinned host says pinning: false)`;
  if (entry.enforce !== undefined && typeof entry.enforce !== 'boolean') return `${at}.enforce must be true or false`;
  const pins: PolicyPin[] = [];
  for (const [i, text] of entry.pins.entries()) {
    const pin = typeof text === 'string' ? parsePin(text) : undefined;
    if (!pin) return `${at}.pins[${i}] is not a pin (sha256/ and 44 base64 characters)`;
    pins.push({ hash: pin.hash, value: pin.value });
  }
  return { domains, pins, enforce: entry.enforce !== false };
}

/**
 * The same configuration content (everything signed: version, times, device, pins), whoever
 * signed it. Two configurations with one version and different content are a rollback attempt.
 */
export function sameConfigContent(a: PinConfig, b: PinConfig): boolean {
  try {
    return canonicalJson(configPayload(a)) === canonicalJson(configPayload(b));
  } catch {
    return false;
  }
}

/** JSON with object members sorted, so equal content compares equal whatever the order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
