/**
 * Signing and verifying pin configurations: what a correct dynamic-pinning client does with the
 * configuration it fetched, as a pure function that says why it refuses (one vocabulary of
 * rejection codes, used by the adapters, the scenarios and the harness alike).
 *
 * The order of the checks is the order a careful client runs them, and decides which code an
 * input that breaks several rules gets: syntax, then the algorithm (before any key is touched:
 * `none` and HMAC are refused by name, never "verified"), the signature's presence, the key, the
 * signature, and only then the signed content: payload, device, validity window, rollback.
 */
import type { KeyObject } from 'node:crypto';
import { configPayloadBytes, PIN_CONFIG_TYP, readConfigPayload, sameConfigContent, type PinConfig } from './config.js';
import { JWS_ALGS, jwkThumbprint, jwsAlgOf, parseJws, parseStrictJson, rawVerify, signJws, signingInput, type JoseHeader, type JwsAlg, type JwsSerialization, type ParsedJws, type TrustedKey } from './jws.js';

/** Why a configuration is refused. */
export const REJECTION_CODES = [
  /** Not a JWS (or envelope) that parses, a header or payload that breaks the format, a wrong `typ`, an unknown `crit`. */
  'malformed',
  /** Signed by a trusted key's id, but the signature does not verify: content changed after signing, or another key signed it under a trusted kid. */
  'bad-signature',
  /** The `kid` names no trusted key (signed with another key under its own id), or no trusted key fits the algorithm. */
  'unknown-key',
  /** `alg: none` (RFC 7515 Appendix A.5's unsecured JWS; RFC 8725 section 3.1: never accept it). */
  'alg-none',
  /** Another algorithm: HS256 and friends (the algorithm-confusion attack, HMAC keyed with the public key), RS256, or one that does not fit the key. */
  'alg-not-allowed',
  /** A JWS without its signature, or the bare configuration with no JWS around it. */
  'stripped',
  /** `exp` is now or past. */
  'expired',
  /** `iat` is in the future. */
  'not-yet-valid',
  /** Older than the last good configuration, or the same version with other content. */
  'rollback',
  /** Restricted to a device that is not this one. */
  'wrong-device',
] as const;
/** One of {@link REJECTION_CODES}. */
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** A verification outcome: the configuration, or the one rule it breaks and a sentence. */
export type ConfigVerdict = { ok: true; config: PinConfig } | { ok: false; code: RejectionCode; reason: string };

/** What the verifier knows besides the keys and the clock. */
export interface VerifyOptions {
  /** This device's id: a configuration restricted to another device (or to any device, when this is unset) is refused. */
  device?: string;
  /** Algorithms accepted (default both of {@link JWS_ALGS}): a client that only ever gets ES256 may refuse EdDSA. */
  algorithms?: readonly JwsAlg[];
}

const reject = (code: RejectionCode, reason: string): { ok: false; code: RejectionCode; reason: string } => ({ ok: false, code, reason });

/** Header parameters whose meaning pinprick knows; any other listed in `crit` must be refused (RFC 7515 section 4.1.11). */
const UNDERSTOOD = new Set(['alg', 'kid', 'typ']);

/** What `typ` a JWS must carry: exactly one media type (`application/` may be omitted, RFC 7515 4.1.9), or none / plain `JWT` (dynapins sends none). */
export type TypRule = { required: string } | { absentOr: readonly string[] };

/**
 * The checks on a parsed JWS up to and including the signature: algorithm, signature present,
 * key, signature. Returns the verified payload bytes and the kid of the key that verified.
 * Shared by the default format and the JWS-based adapters.
 */
export function verifyJwsSignature(jws: ParsedJws, trustedKeys: readonly TrustedKey[], typ: TypRule, options: VerifyOptions = {}): { ok: true; payload: Buffer; kid: string } | { ok: false; code: RejectionCode; reason: string } {
  const { header } = jws;
  if (jws.unprotected && Object.keys(jws.unprotected).length) return reject('malformed', "parameters in the unprotected 'header' are not accepted: everything the verifier reads must be signed");
  const checked = checkAlg(header.alg, options);
  if (!checked.ok) return checked;
  const { alg } = checked;
  const typProblem = checkTyp(header.typ, typ);
  if (typProblem) return reject('malformed', typProblem);
  if (header.crit !== undefined) {
    if (!Array.isArray(header.crit) || header.crit.length === 0) return reject('malformed', "'crit' must be a non-empty list");
    const unknown = header.crit.find((c) => typeof c !== 'string' || !UNDERSTOOD.has(c));
    if (unknown !== undefined) return reject('malformed', `'crit' lists '${String(unknown).slice(0, 40)}', which pinprick does not understand (RFC 7515 4.1.11: refuse)`);
  }
  if (jws.signature.length === 0) return reject('stripped', `alg '${alg}' but no signature`);
  const keys = keysFor(alg, header.kid, trustedKeys);
  if (!keys.ok) return keys;
  const candidates = keys.keys;
  const data = signingInput(jws.protectedB64, jws.payloadB64);
  for (const k of candidates) if (rawVerify(alg, data, jws.signature, k.key)) return { ok: true, payload: jws.payload, kid: k.kid };
  const der = alg === 'ES256' && jws.signature.length !== 64 && jws.signature[0] === 0x30 ? ' (a DER signature: ES256 is the raw 64 bytes r||s, RFC 7518 section 3.4)' : '';
  return reject('bad-signature', `the ${alg} signature does not verify with ${typeof header.kid === 'string' ? `the key '${header.kid.slice(0, 60)}'` : 'any trusted key'}${der}`);
}

/**
 * The trusted keys that may have signed with `alg` under `kid`: the one the kid names (refused
 * when it names none: `unknown-key`, or one of another type: `alg-not-allowed`), or without a kid
 * every trusted key of the algorithm.
 */
export function keysFor(alg: JwsAlg, kid: unknown, trustedKeys: readonly TrustedKey[]): { ok: true; keys: TrustedKey[] } | { ok: false; code: RejectionCode; reason: string } {
  if (kid !== undefined && typeof kid !== 'string') return reject('malformed', "'kid' is not a string");
  if (kid === undefined) {
    const fitting = trustedKeys.filter((k) => jwsAlgOf(k.key) === alg);
    return fitting.length ? { ok: true, keys: fitting } : reject('unknown-key', `no kid, and no trusted key signs ${alg}`);
  }
  const named = trustedKeys.filter((k) => k.kid === kid);
  if (!named.length) return reject('unknown-key', `kid '${kid.slice(0, 60)}' is not a trusted key`);
  const fitting = named.filter((k) => jwsAlgOf(k.key) === alg);
  if (!fitting.length) return reject('alg-not-allowed', `alg '${alg}' does not fit the key '${kid.slice(0, 60)}' names (${named.map((k) => jwsAlgOf(k.key) ?? k.key.asymmetricKeyType).join(', ')})`);
  return { ok: true, keys: fitting };
}

/** The algorithm checks before any key is used: `none` and anything not allowed are refused by name. */
export function checkAlg(alg: unknown, options: VerifyOptions = {}): { ok: true; alg: JwsAlg } | { ok: false; code: RejectionCode; reason: string } {
  if (typeof alg !== 'string') return reject('malformed', "no 'alg'");
  if (alg.toLowerCase() === 'none') return reject('alg-none', `alg '${alg}': an unsecured JWS, with no signature to check`);
  const allowed = options.algorithms ?? JWS_ALGS;
  if (!(allowed as readonly string[]).includes(alg)) {
    const hmac = /^HS\d+$/i.test(alg) ? ': HMAC with a key the attacker knows (the public key) is the algorithm-confusion attack' : '';
    return reject('alg-not-allowed', `alg '${alg.slice(0, 20)}' is not accepted (${allowed.join(', ')})${hmac}`);
  }
  return { ok: true, alg: alg as JwsAlg };
}

function checkTyp(typ: unknown, rule: TypRule): string | undefined {
  const bare = typeof typ === 'string' ? typ.replace(/^application\//i, '').toLowerCase() : typ;
  if ('required' in rule) return bare === rule.required.toLowerCase() ? undefined : `typ ${typ === undefined ? 'missing' : `'${String(typ).slice(0, 40)}'`}: a pin configuration is typed '${rule.required}' (RFC 8725 3.11)`;
  if (typ === undefined || (typeof bare === 'string' && rule.absentOr.some((t) => t.toLowerCase() === bare))) return undefined;
  return `typ '${String(typ).slice(0, 40)}' is not ${rule.absentOr.join(' or ')}`;
}

/**
 * The checks on a configuration whose signature verified: device, validity window, rollback
 * against the last good configuration. Undefined when it passes.
 */
export function checkConfig(config: PinConfig, now: Date, lastGood: PinConfig | undefined, options: VerifyOptions = {}): { ok: false; code: RejectionCode; reason: string } | undefined {
  if (config.device !== undefined && config.device !== options.device) {
    return reject('wrong-device', `restricted to device '${config.device.slice(0, 60)}'; this is ${options.device === undefined ? 'no named device' : `'${options.device.slice(0, 60)}'`}`);
  }
  if (now >= config.expiresAt) return reject('expired', `expired at ${config.expiresAt.toISOString()}`);
  if (now < config.issuedAt) return reject('not-yet-valid', `issued at ${config.issuedAt.toISOString()}, in the future`);
  if (lastGood) {
    if (config.version < lastGood.version) return reject('rollback', `version ${config.version} is older than the last good configuration's ${lastGood.version}`);
    if (config.version === lastGood.version && !sameConfigContent(config, lastGood)) return reject('rollback', `version ${config.version} again, with other content than the last good configuration`);
  }
  return undefined;
}

/** Does this text look like a bare configuration payload (no JWS around it)? */
function looksLikeBareConfig(text: string): boolean {
  const parsed = parseStrictJson(text.trim());
  return 'value' in parsed && typeof parsed.value === 'object' && parsed.value !== null && 'hosts' in parsed.value && !('payload' in parsed.value);
}

/**
 * Verify a pin configuration in the default format (a JWS, compact or flattened JSON, typed
 * {@link PIN_CONFIG_TYP}) as a correct client does: with the public keys it holds, its clock and
 * the last configuration it accepted. Pure.
 */
export function verifyConfig(serialised: string, trustedKeys: readonly TrustedKey[], now: Date, lastGood?: PinConfig, options: VerifyOptions = {}): ConfigVerdict {
  if (looksLikeBareConfig(serialised)) return reject('stripped', 'a bare configuration with no JWS around it: nothing is signed');
  const parsed = parseJws(serialised);
  if (!parsed.ok) return reject(parsed.code, parsed.reason);
  const signed = verifyJwsSignature(parsed.jws, trustedKeys, { required: PIN_CONFIG_TYP }, options);
  if (!signed.ok) return signed;
  const doc = parseStrictJson(signed.payload);
  if ('problem' in doc) return reject('malformed', `the payload: ${doc.problem}`);
  const read = readConfigPayload(doc.value);
  if ('problem' in read) return reject('malformed', read.problem);
  const config: PinConfig = { ...read.config, kid: signed.kid };
  return checkConfig(config, now, lastGood, options) ?? { ok: true, config };
}

/** Options for {@link signConfig}. */
export interface SignOptions {
  serialization?: JwsSerialization;
  /** The header's kid (default: the RFC 7638 thumbprint of the signing key). */
  kid?: string;
  /** The header's typ (default {@link PIN_CONFIG_TYP}); the fixtures change it. */
  typ?: string;
}

/** Sign a configuration in the default format with a P-256 (ES256) or Ed25519 (EdDSA) private key. */
export function signConfig(config: PinConfig, privateKey: KeyObject, options: SignOptions = {}): string {
  const alg = jwsAlgOf(privateKey);
  if (!alg) throw new Error(`a pin configuration is signed with an ECDSA P-256 or Ed25519 key, not ${privateKey.asymmetricKeyType}`);
  const header: JoseHeader = { alg, kid: options.kid ?? jwkThumbprint(privateKey), typ: options.typ ?? PIN_CONFIG_TYP };
  return signJws(header, configPayloadBytes(config), privateKey, options.serialization ?? 'compact');
}
