/**
 * Signed pin configurations in the shapes real services deliver, each read and verified to the
 * same PinConfig as the default format (verify.ts) with the same rejection codes, and written.
 *
 * `approov-detached`: an Approov-style pin map (host -> base64 SHA-256 SPKI pins, `"*"` for
 * managed roots; read by src/policy/formats/approov.ts, the one reader of those maps) inside a
 * signed text, the signature detached beside it:
 *
 *     { "alg": "ES256", "kid": "…", "config": "{\"version\":3,\"iat\":…,\"exp\":…,\"pins\":{\"api.example.com\":[\"B64\"]}}",
 *       "signature": "<base64 of the signature over the UTF-8 bytes of config>" }
 *
 * The configuration is a string, not an embedded object: the signature covers exact bytes, and a
 * proxy or a JSON library that re-serialises an embedded object (key order, spacing, escapes)
 * would break it. Version, times and device are inside the signed text: beside it, an attacker
 * could raise the version of a replayed map. The signature is the platform's, not JOSE's: ECDSA as
 * DER (X9.62, what Java's SHA256withECDSA and Apple's ecdsaSignatureMessageX962SHA256 verify),
 * Ed25519 as its 64 bytes, in standard base64. A host listed with no pins and no `"*"` is a host
 * explicitly not pinned (Approov's reading: not pinned at all).
 *
 * `dynapins`: what dynapins-server (github.com/Free-cat/dynapins-server) answers on
 * `GET /v1/pins?domain=…`: `{"jws": "<compact JWS>"}`, header `{alg: ES256, kid}`, payload
 * `{domain, pins, iat, exp, ttl_seconds}` with one domain per token and pins as the lower-case hex
 * SHA-256 of the SPKI (internal/crypto/hash.go). No version: the issue time is the version (a
 * replayed older token has an older `iat`). No `typ`.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { InputError } from '../errors.js';
import { parsePin } from '../model/pin.js';
import type { PinRule, PolicyPin } from '../model/policy.js';
import { approovFormat } from '../policy/formats/approov.js';
import { configPolicy, numericDate, readConfigHead, readConfigPayload, readNumericDate, type PinConfig } from './config.js';
import { jwkThumbprint, jwsAlgOf, parseJws, parseStrictJson, signJws, type JwsAlg, type JwsSerialization, type TrustedKey } from './jws.js';
import { checkAlg, checkConfig, keysFor, signConfig, verifyConfig, verifyJwsSignature, type ConfigVerdict, type RejectionCode, type VerifyOptions } from './verify.js';

/** The shapes `pinprick pins --shape` writes: the default JWS and the adapters. */
export const CONFIG_SHAPES = ['jws', 'approov-detached', 'dynapins'] as const;
/** One of {@link CONFIG_SHAPES}. */
export type ConfigShape = (typeof CONFIG_SHAPES)[number];

const reject = (code: RejectionCode, reason: string): ConfigVerdict => ({ ok: false, code, reason });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------- approov-detached

/** Write a configuration as an Approov-style map with a detached signature. */
export function writeApproovDetached(config: PinConfig, privateKey: KeyObject, options: { kid?: string } = {}): string {
  const alg = jwsAlgOf(privateKey);
  if (!alg) throw new InputError(`a pin configuration is signed with an ECDSA P-256 or Ed25519 key, not ${privateKey.asymmetricKeyType}`);
  const pinned = config.rules.filter((r) => !r.exempt);
  // The map itself is the Approov writer's, which refuses what the map cannot say.
  const map = JSON.parse(approovFormat.write({ rules: pinned, combine: 'all' })) as Record<string, string[]>;
  for (const rule of config.rules.filter((r) => r.exempt)) {
    for (const d of rule.domains) {
      if (d.includeSubdomains) throw new InputError(`Approov pins API domains one by one; '${d.pattern}' with its subdomains cannot be written`);
      if (Object.hasOwn(map, d.pattern)) throw new InputError(`Approov: '${d.pattern}' is in two rules, and the map has one entry per domain`);
      map[d.pattern] = [];
    }
  }
  const text = JSON.stringify({ version: config.version, iat: numericDate(config.issuedAt), exp: numericDate(config.expiresAt), ...(config.device !== undefined ? { device: config.device } : {}), pins: map });
  const signature = alg === 'ES256' ? sign('sha256', Buffer.from(text), privateKey) : sign(null, Buffer.from(text), privateKey);
  return `${JSON.stringify({ alg, kid: options.kid ?? jwkThumbprint(privateKey), config: text, signature: signature.toString('base64') }, null, 2)}\n`;
}

const ENVELOPE_MEMBERS = new Set(['alg', 'kid', 'config', 'signature']);
const SIGNED_MEMBERS = new Set(['version', 'iat', 'exp', 'device', 'pins']);

/** Verify an Approov-style map with a detached signature, as {@link verifyConfig} verifies the default format. */
export function verifyApproovDetached(text: string, trustedKeys: readonly TrustedKey[], now: Date, lastGood?: PinConfig, options: VerifyOptions = {}): ConfigVerdict {
  const parsed = parseStrictJson(text.trim());
  if ('problem' in parsed) return reject('malformed', parsed.problem);
  const doc = parsed.value;
  if (!isObject(doc)) return reject('malformed', 'not a JSON object');
  if (doc.config === undefined && doc.signature === undefined) return reject('stripped', 'a bare pin map with no signed envelope: nothing is signed');
  const extra = Object.keys(doc).find((k) => !ENVELOPE_MEMBERS.has(k));
  if (extra !== undefined) return reject('malformed', `unknown envelope member '${extra.slice(0, 40)}'`);
  if (typeof doc.config !== 'string') return reject('malformed', "'config' must be the signed configuration as a string");
  const checked = checkAlg(doc.alg, options);
  if (!checked.ok) return checked;
  if (doc.signature === undefined || doc.signature === '') return reject('stripped', `alg '${checked.alg}' but no signature`);
  if (typeof doc.signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(doc.signature) || Buffer.from(doc.signature, 'base64').toString('base64') !== doc.signature) {
    return reject('malformed', "'signature' is not canonical base64");
  }
  const keys = keysFor(checked.alg, doc.kid, trustedKeys);
  if (!keys.ok) return keys;
  const signature = Buffer.from(doc.signature, 'base64');
  const data = Buffer.from(doc.config, 'utf8');
  const match = keys.keys.find((k) => platformVerify(checked.alg, data, signature, k.key));
  if (!match) return reject('bad-signature', `the ${checked.alg} signature over 'config' does not verify with ${typeof doc.kid === 'string' ? `the key '${doc.kid.slice(0, 60)}'` : 'any trusted key'}`);
  const inner = parseStrictJson(doc.config);
  if ('problem' in inner) return reject('malformed', `'config': ${inner.problem}`);
  const read = readApproovSigned(inner.value);
  if ('problem' in read) return reject('malformed', read.problem);
  const config: PinConfig = { ...read.config, kid: match.kid };
  return checkConfig(config, now, lastGood, options) ?? { ok: true, config };
}

/** ECDSA as DER (what platform APIs produce), Ed25519 raw. */
function platformVerify(alg: JwsAlg, data: Buffer, signature: Buffer, key: KeyObject): boolean {
  try {
    return alg === 'ES256' ? verify('sha256', data, key, signature) : verify(null, data, key, signature);
  } catch {
    return false;
  }
}

function readApproovSigned(doc: unknown): { config: PinConfig } | { problem: string } {
  if (!isObject(doc)) return { problem: "'config' is not a JSON object" };
  const extra = Object.keys(doc).find((k) => !SIGNED_MEMBERS.has(k));
  if (extra !== undefined) return { problem: `unknown member '${extra.slice(0, 40)}' in 'config'` };
  const head = readConfigHead(doc);
  if ('problem' in head) return head;
  const { version, issuedAt, expiresAt } = head;
  if (!isObject(doc.pins)) return { problem: "'pins' must be an Approov pin map: domain -> array of base64 SHA-256 pins" };
  let read;
  try {
    read = approovFormat.read('config.pins', JSON.stringify(doc.pins, null, 1));
  } catch (err) {
    return { problem: `'pins': ${(err as Error).message}` };
  }
  const malformed = read.notes.find((n) => n.kind === 'malformed-pin');
  if (malformed) return { problem: `'pins': ${malformed.detail}` };
  const map = (isObject(doc.pins['public-key-sha256']) ? doc.pins['public-key-sha256'] : doc.pins) as Record<string, unknown>;
  const managed = Array.isArray(map['*']) && map['*'].length > 0;
  // A domain with no pins and no managed roots: Approov does not pin it; this configuration says so explicitly.
  const unpinned: PinRule[] = Object.entries(map)
    .filter(([host, pins]) => host !== '*' && Array.isArray(pins) && pins.length === 0 && !managed)
    .map(([host]) => ({ domains: [{ pattern: host }], pins: [], enforce: false, exempt: true }));
  return {
    config: { version, issuedAt, expiresAt, ...(doc.device !== undefined ? { device: doc.device as string } : {}), rules: [...read.policy.rules, ...unpinned] },
  };
}

// ---------------------------------------------------------------- dynapins

/** dynapins-server's kid: the first 8 hex characters of the SHA-256 of the key's SPKI (internal/crypto/key.go). */
export function dynapinsKid(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 8);
}

/** Write a configuration as dynapins-server answers: `{"jws": …}` for one domain. */
export function writeDynapins(config: PinConfig, privateKey: KeyObject, options: { kid?: string } = {}): string {
  const alg = jwsAlgOf(privateKey);
  if (!alg) throw new InputError(`a pin configuration is signed with an ECDSA P-256 or Ed25519 key, not ${privateKey.asymmetricKeyType}`);
  const rules = configPolicy(config).rules;
  if (rules.length !== 1 || rules[0]!.domains.length !== 1) throw new InputError('a dynapins token carries one domain: give one --host');
  const rule = rules[0]!;
  if (rule.exempt) throw new InputError('dynapins cannot say that a domain is not pinned');
  if (!rule.enforce) throw new InputError('dynapins pins are always enforced');
  if (rule.domains[0]!.includeSubdomains) throw new InputError('dynapins pins one domain, without its subdomains');
  if (config.device !== undefined) throw new InputError('dynapins tokens are not restricted to a device');
  if (rule.pins.some((p) => p.hash !== 'sha256' || p.on)) throw new InputError('dynapins pins are SHA-256 SPKI digests, anywhere on the chain');
  const iat = numericDate(config.issuedAt);
  const exp = numericDate(config.expiresAt);
  if (config.version !== iat) throw new InputError(`dynapins has no version: the issue time is the version, so version must be iat (${iat})`);
  const payload = { domain: rule.domains[0]!.pattern, pins: rule.pins.map((p) => Buffer.from(p.value, 'base64').toString('hex')), iat, exp, ttl_seconds: exp - iat };
  return `${JSON.stringify({ jws: signJws({ alg, kid: options.kid ?? jwkThumbprint(privateKey) }, JSON.stringify(payload), privateKey) })}\n`;
}

const DYNAPINS_MEMBERS = new Set(['domain', 'pins', 'iat', 'exp', 'ttl_seconds']);

/** Verify a dynapins answer (`{"jws": …}` or the bare compact JWS). */
export function verifyDynapins(text: string, trustedKeys: readonly TrustedKey[], now: Date, lastGood?: PinConfig, options: VerifyOptions = {}): ConfigVerdict {
  let jwsText = text.trim();
  if (jwsText.startsWith('{')) {
    const parsed = parseStrictJson(jwsText);
    if ('problem' in parsed) return reject('malformed', parsed.problem);
    const doc = parsed.value;
    if (!isObject(doc)) return reject('malformed', 'not a JSON object');
    if (!('jws' in doc) && 'domain' in doc && 'pins' in doc) return reject('stripped', 'a bare dynapins payload with no JWS around it: nothing is signed');
    if (typeof doc.jws !== 'string' || Object.keys(doc).length !== 1) return reject('malformed', "a dynapins answer is {\"jws\": \"<compact JWS>\"}");
    jwsText = doc.jws;
  }
  const parsed = parseJws(jwsText);
  if (!parsed.ok) return reject(parsed.code, parsed.reason);
  if (parsed.jws.serialization !== 'compact') return reject('malformed', 'dynapins sends the compact serialisation');
  const signed = verifyJwsSignature(parsed.jws, trustedKeys, { absentOr: ['JWT'] }, options);
  if (!signed.ok) return signed;
  const doc = parseStrictJson(signed.payload);
  if ('problem' in doc) return reject('malformed', `the payload: ${doc.problem}`);
  const read = readDynapinsPayload(doc.value);
  if ('problem' in read) return reject('malformed', read.problem);
  const config: PinConfig = { ...read.config, kid: signed.kid };
  return checkConfig(config, now, lastGood, options) ?? { ok: true, config };
}

function readDynapinsPayload(doc: unknown): { config: PinConfig } | { problem: string } {
  if (!isObject(doc)) return { problem: 'the payload is not a JSON object' };
  const extra = Object.keys(doc).find((k) => !DYNAPINS_MEMBERS.has(k));
  if (extra !== undefined) return { problem: `unknown payload member '${extra.slice(0, 40)}'` };
  if (typeof doc.domain !== 'string' || doc.domain === '') return { problem: "'domain' must be a host name" };
  const issuedAt = readNumericDate(doc, 'iat');
  if (typeof issuedAt === 'string') return { problem: issuedAt };
  const expiresAt = readNumericDate(doc, 'exp');
  if (typeof expiresAt === 'string') return { problem: expiresAt };
  if (expiresAt <= issuedAt) return { problem: "'exp' is not after 'iat'" };
  if (!Array.isArray(doc.pins) || doc.pins.length === 0) return { problem: "'pins' must be a non-empty list" };
  const pins: PolicyPin[] = [];
  for (const [i, value] of doc.pins.entries()) {
    // The server writes hex (hash.go); a base64 pin, as TrustKit takes, is read too.
    const pin = typeof value !== 'string' ? undefined : /^[0-9a-f]{64}$/i.test(value) ? parsePin(Buffer.from(value, 'hex').toString('base64')) : parsePin(value);
    if (!pin || pin.hash !== 'sha256') return { problem: `pins[${i}] is not a SHA-256 SPKI digest (64 hex characters)` };
    pins.push({ hash: 'sha256', value: pin.value });
  }
  return { config: { version: numericDate(issuedAt), issuedAt, expiresAt, rules: [{ domains: [{ pattern: doc.domain }], pins, enforce: true }] } };
}

/** Write a configuration in any shape (`serialization` applies to `jws` only: dynapins is compact, approov-detached its own JSON). */
export function writeConfigShape(shape: ConfigShape, config: PinConfig, privateKey: KeyObject, options: { serialization?: JwsSerialization; kid?: string } = {}): string {
  if (shape === 'approov-detached') return writeApproovDetached(config, privateKey, options);
  if (shape === 'dynapins') return writeDynapins(config, privateKey, options);
  return `${signConfig(config, privateKey, options)}\n`;
}

/** Verify a configuration in any shape: what a correct client of that service does. */
export function verifyConfigShape(shape: ConfigShape, text: string, trustedKeys: readonly TrustedKey[], now: Date, lastGood?: PinConfig, options: VerifyOptions = {}): ConfigVerdict {
  if (shape === 'approov-detached') return verifyApproovDetached(text, trustedKeys, now, lastGood, options);
  if (shape === 'dynapins') return verifyDynapins(text, trustedKeys, now, lastGood, options);
  return verifyConfig(text.trim(), trustedKeys, now, lastGood, options);
}

/**
 * The configuration a text carries, read WITHOUT checking anything (no signature, no algorithm,
 * no key, no validity): what a client that ignores signatures would use, and what the proxy's
 * record says was served. Undefined when no configuration can be read out of it. Never use this
 * to decide: {@link verifyConfigShape} does.
 */
export function readConfigUnverified(shape: ConfigShape, text: string): PinConfig | undefined {
  const trimmed = text.trim();
  const json = (t: string | Uint8Array) => {
    const parsed = parseStrictJson(t);
    return 'value' in parsed ? parsed.value : undefined;
  };
  const fromJws = (jwsText: string, read: (doc: unknown) => { config: PinConfig } | { problem: string }) => {
    const parsed = parseJws(jwsText);
    if (!parsed.ok) return undefined;
    const r = read(json(parsed.jws.payload));
    return 'config' in r ? r.config : undefined;
  };
  if (shape === 'approov-detached') {
    const doc = json(trimmed);
    if (!isObject(doc)) return undefined;
    // A bare pin map (no envelope) is read as the map itself.
    const r = typeof doc.config === 'string' ? readApproovSigned(json(doc.config)) : readApproovSigned(doc);
    return 'config' in r ? r.config : undefined;
  }
  if (shape === 'dynapins') {
    const doc = trimmed.startsWith('{') ? json(trimmed) : undefined;
    if (isObject(doc) && !('jws' in doc)) {
      const r = readDynapinsPayload(doc);
      return 'config' in r ? r.config : undefined;
    }
    return fromJws(isObject(doc) && typeof doc.jws === 'string' ? doc.jws : trimmed, readDynapinsPayload);
  }
  const bare = json(trimmed);
  if (isObject(bare) && 'hosts' in bare) {
    const r = readConfigPayload(bare);
    return 'config' in r ? r.config : undefined;
  }
  return fromJws(trimmed, readConfigPayload);
}
