/**
 * Attacker-side fixtures: what someone on the configuration channel (plain HTTP, or TLS a naive
 * client does not pin) does to a genuine signed pin configuration. Test material of the tool, for
 * the scenarios of issue 19; each is named `attack…` and each is refused by {@link verifyConfig}
 * with one rejection code (test/dynamic/attacks.test.ts holds the table).
 */
import { createHmac, createPublicKey, type KeyObject } from 'node:crypto';
import { configPayloadBytes, type PinConfig } from './config.js';
import { b64url, parseJws, serializeJws, signingInput, type JwsSerialization, type ParsedJws } from './jws.js';
import { signConfig } from './verify.js';

function parsedOrThrow(serialised: string): ParsedJws {
  const parsed = parseJws(serialised);
  if (!parsed.ok) throw new Error(`not a JWS to attack: ${parsed.reason}`);
  return parsed.jws;
}

/** The payload replaced (pins changed, version bumped…), the genuine header and signature kept: `bad-signature`. */
export function attackTamper(serialised: string, edit: (payload: Record<string, unknown>) => Record<string, unknown>): string {
  const jws = parsedOrThrow(serialised);
  const payload = edit(JSON.parse(jws.payload.toString('utf8')) as Record<string, unknown>);
  return serializeJws({ protectedB64: jws.protectedB64, payloadB64: b64url(JSON.stringify(payload)), signatureB64: b64url(jws.signature) }, jws.serialization);
}

/** Every host's pins replaced by `pins` (the attacker's key), signature kept: {@link attackTamper} for the usual case. */
export function attackTamperPins(serialised: string, pins: readonly string[]): string {
  return attackTamper(serialised, (p) => ({
    ...p,
    hosts: Object.fromEntries(Object.entries((p.hosts ?? {}) as Record<string, object>).map(([h, e]) => [h, { ...e, pins: pins.map((v) => `sha256/${v}`) }])),
  }));
}

/** The signature removed (compact: `h.p.`, JSON: no `signature` member): `stripped`. */
export function attackStripSignature(serialised: string): string {
  const jws = parsedOrThrow(serialised);
  return serializeJws({ protectedB64: jws.protectedB64, payloadB64: jws.payloadB64, ...(jws.serialization === 'compact' ? { signatureB64: '' } : {}) }, jws.serialization);
}

/** The payload sent as is, with no JWS around it (an unsigned configuration): `stripped`. */
export function attackUnsigned(config: PinConfig): string {
  return configPayloadBytes(config).toString('utf8');
}

/** The header rewritten to `alg: none` (RFC 7515 Appendix A.5) and the signature emptied; `spelling` tries `None`, `NONE`: `alg-none`. */
export function attackAlgNone(serialised: string, edit?: (payload: Record<string, unknown>) => Record<string, unknown>, spelling = 'none'): string {
  const jws = parsedOrThrow(serialised);
  const { kid: _kid, ...header } = jws.header;
  const payloadB64 = edit ? b64url(JSON.stringify(edit(JSON.parse(jws.payload.toString('utf8')) as Record<string, unknown>))) : jws.payloadB64;
  return serializeJws({ protectedB64: b64url(JSON.stringify({ ...header, alg: spelling })), payloadB64, signatureB64: '' }, jws.serialization);
}

/**
 * Algorithm confusion (CVE-2015-9235 and its kin): `alg: HS256` and an HMAC-SHA256 keyed with the
 * bytes of the trusted public key, which the attacker has (it ships in the app). A verifier that
 * takes `alg` from the header and feeds "the key" to HMAC accepts it. `keyBytes` chooses which
 * bytes stand for the key: its PEM text (what such libraries were given) or its DER SPKI.
 * A correct verifier answers `alg-not-allowed`.
 */
export function attackHmacWithPublicKey(
  serialised: string,
  publicKey: KeyObject,
  edit?: (payload: Record<string, unknown>) => Record<string, unknown>,
  keyBytes: 'pem' | 'der' = 'pem',
): string {
  const jws = parsedOrThrow(serialised);
  const pub = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  const secret = keyBytes === 'pem' ? Buffer.from(pub.export({ type: 'spki', format: 'pem' }) as string) : pub.export({ type: 'spki', format: 'der' });
  const protectedB64 = b64url(JSON.stringify({ ...jws.header, alg: 'HS256' }));
  const payloadB64 = edit ? b64url(JSON.stringify(edit(JSON.parse(jws.payload.toString('utf8')) as Record<string, unknown>))) : jws.payloadB64;
  const mac = createHmac('sha256', secret).update(signingInput(protectedB64, payloadB64)).digest();
  return serializeJws({ protectedB64, payloadB64, signatureB64: b64url(mac) }, jws.serialization);
}

/**
 * The attacker's own configuration signed with the attacker's key. Under the attacker key's own
 * kid (default): `unknown-key`; claiming a trusted kid (`claimKid`): `bad-signature`.
 */
export function attackSignWithOtherKey(config: PinConfig, attackerKey: KeyObject, options: { claimKid?: string; serialization?: JwsSerialization } = {}): string {
  return signConfig(config, attackerKey, { ...(options.claimKid ? { kid: options.claimKid } : {}), ...(options.serialization ? { serialization: options.serialization } : {}) });
}

/**
 * An older configuration, genuinely signed, to replay after a newer one was accepted (rollback to
 * the pins of a key since compromised): `version` lowered by `by` and `pins` (when given) in place
 * of every host's. Sign it with the genuine key; a client that remembers the last good version
 * answers `rollback`.
 */
export function olderConfig(config: PinConfig, by = 1, pins?: PinConfig['rules'][number]['pins']): PinConfig {
  return {
    ...config,
    version: Math.max(0, config.version - by),
    rules: pins ? config.rules.map((r) => (r.exempt ? r : { ...r, pins: [...pins] })) : config.rules,
  };
}
