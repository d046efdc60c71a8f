/**
 * JSON Web Signature (RFC 7515) as pin configurations use it: the compact and the flattened JSON
 * serialisations, signed with ES256 (ECDSA P-256 and SHA-256, RFC 7518 section 3.4) or EdDSA
 * (Ed25519, RFC 8037). Built on node:crypto, which does both natively: ES256 wants the signature
 * as the raw 64 bytes r||s (`dsaEncoding: 'ieee-p1363'`), not the DER that OpenSSL, Java and
 * Apple's X9.62 APIs produce. No JOSE library: the verifier must say which rule a configuration
 * breaks (a library answers "invalid" or throws its own classes), and the attacker-side fixtures
 * (attacks.ts) must produce what a library refuses to make: `alg: none`, HS256 keyed with a public
 * key, a stripped signature.
 *
 * Parsing is strict: canonical base64url without padding (RFC 7515 section 2), UTF-8 JSON
 * objects, no duplicate member names (section 4: a parser MUST reject them or keep the last; two
 * parsers keeping different ones is how a signed value is read two ways).
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { getNodeValue, parseTree, type Node, type ParseError } from 'jsonc-parser';

/** The signature algorithms a pin configuration may use (RFC 7518 section 3.1 names). */
export const JWS_ALGS = ['ES256', 'EdDSA'] as const;
/** One of {@link JWS_ALGS}. */
export type JwsAlg = (typeof JWS_ALGS)[number];

/** The two JWS serialisations pinprick reads and writes (the general JSON one, with several signatures, is not used). */
export type JwsSerialization = 'compact' | 'json';

/** A JOSE header: `alg` always, `kid` and `typ` as the format wants, anything else the fixtures put in. */
export type JoseHeader = { alg: string; kid?: string; typ?: string } & Record<string, unknown>;

/** A JWS taken apart, nothing checked but its syntax. */
export interface ParsedJws {
  serialization: JwsSerialization;
  /** The protected header as sent (base64url): the signing input is built from it, never from a re-encoding. */
  protectedB64: string;
  header: Record<string, unknown>;
  payloadB64: string;
  payload: Buffer;
  /** Empty when the signature is missing or empty. */
  signature: Buffer;
  /** The flattened serialisation's unprotected `header` member, when present. */
  unprotected?: Record<string, unknown>;
}

/** Why a text is not a JWS. */
export type JwsProblem = { code: 'malformed'; reason: string };

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** base64url without padding (RFC 7515 section 2). */
export function b64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/** The bytes of canonical unpadded base64url, or undefined (padding, other characters, non-zero trailing bits). */
export function fromB64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/**
 * A JSON value from bytes, or why not: valid UTF-8, strict JSON (no comments, no trailing commas),
 * no duplicate member names at any depth.
 */
export function parseStrictJson(bytes: Uint8Array | string): { value: unknown } | { problem: string } {
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { problem: 'not valid UTF-8' };
  }
  const errors: ParseError[] = [];
  let root: Node | undefined;
  try {
    root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch {
    // jsonc-parser recurses once per nesting level.
    return { problem: 'JSON nested too deeply' };
  }
  if (errors.length || !root) return { problem: `not valid JSON (at character ${errors[0]?.offset ?? 0})` };
  const duplicate = firstDuplicate(root);
  if (duplicate !== undefined) return { problem: `the member '${duplicate.slice(0, 60)}' appears twice` };
  return { value: getNodeValue(root) };
}

function firstDuplicate(node: Node): string | undefined {
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const property of node.children ?? []) {
      const name = String(property.children?.[0]?.value);
      if (seen.has(name)) return name;
      seen.add(name);
    }
  }
  for (const child of node.children ?? []) {
    const found = firstDuplicate(child);
    if (found !== undefined) return found;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A decoded JSON object from base64url, or why not. */
function jsonObjectFromB64(text: string, what: string): { value: Record<string, unknown> } | { problem: string } {
  const bytes = fromB64url(text);
  if (!bytes) return { problem: `the ${what} is not canonical base64url` };
  const parsed = parseStrictJson(bytes);
  if ('problem' in parsed) return { problem: `the ${what}: ${parsed.problem}` };
  if (!isObject(parsed.value)) return { problem: `the ${what} is not a JSON object` };
  return { value: parsed.value };
}

/**
 * A JWS in the compact (`h.p.s`) or flattened JSON (`{"protected","payload","signature"}`)
 * serialisation, taken apart. Without a signature (a compact JWS of two parts or with an empty
 * third, a JSON one without `signature`) it parses with an empty `signature`: whether that is
 * `alg: none` or a stripped signature is the verifier's to say, from the header.
 */
export function parseJws(text: string): { ok: true; jws: ParsedJws } | ({ ok: false } & JwsProblem) {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return parseFlattened(trimmed);
  const parts = trimmed.split('.');
  if (parts.length < 2 || parts.length > 3) return { ok: false, code: 'malformed', reason: `a compact JWS has three base64url parts separated by '.', this has ${parts.length}` };
  const [protectedB64, payloadB64, signatureB64 = ''] = parts as [string, string, string?];
  return assemble('compact', protectedB64, payloadB64, signatureB64, undefined);
}

function parseFlattened(text: string): { ok: true; jws: ParsedJws } | ({ ok: false } & JwsProblem) {
  const parsed = parseStrictJson(text);
  if ('problem' in parsed) return { ok: false, code: 'malformed', reason: parsed.problem };
  const doc = parsed.value;
  if (!isObject(doc)) return { ok: false, code: 'malformed', reason: 'not a JSON object' };
  if ('signatures' in doc) return { ok: false, code: 'malformed', reason: "the general JWS JSON serialisation ('signatures') is not accepted: one signature, flattened" };
  if (typeof doc.payload !== 'string' || typeof doc.protected !== 'string') {
    return { ok: false, code: 'malformed', reason: "a flattened JWS has string members 'protected' and 'payload'" };
  }
  if (doc.signature !== undefined && typeof doc.signature !== 'string') return { ok: false, code: 'malformed', reason: "'signature' is not a string" };
  if (doc.header !== undefined && !isObject(doc.header)) return { ok: false, code: 'malformed', reason: "the unprotected 'header' is not an object" };
  const unknown = Object.keys(doc).filter((k) => !['protected', 'payload', 'signature', 'header'].includes(k));
  if (unknown.length) return { ok: false, code: 'malformed', reason: `unknown member '${unknown[0]!.slice(0, 40)}' in a flattened JWS` };
  return assemble('json', doc.protected, doc.payload, doc.signature ?? '', doc.header as Record<string, unknown> | undefined);
}

function assemble(
  serialization: JwsSerialization,
  protectedB64: string,
  payloadB64: string,
  signatureB64: string,
  unprotected: Record<string, unknown> | undefined,
): { ok: true; jws: ParsedJws } | ({ ok: false } & JwsProblem) {
  const header = jsonObjectFromB64(protectedB64, 'protected header');
  if ('problem' in header) return { ok: false, code: 'malformed', reason: header.problem };
  const payload = fromB64url(payloadB64);
  if (!payload) return { ok: false, code: 'malformed', reason: 'the payload is not canonical base64url' };
  const signature = fromB64url(signatureB64);
  if (!signature) return { ok: false, code: 'malformed', reason: 'the signature is not canonical base64url' };
  return { ok: true, jws: { serialization, protectedB64, header: header.value, payloadB64, payload, signature, ...(unprotected ? { unprotected } : {}) } };
}

/** The bytes a JWS signature covers: ASCII(BASE64URL(protected) '.' BASE64URL(payload)) (RFC 7515 section 5.1). */
export function signingInput(protectedB64: string, payloadB64: string): Buffer {
  return Buffer.from(`${protectedB64}.${payloadB64}`, 'ascii');
}

/** Write a JWS from its encoded parts. */
export function serializeJws(parts: { protectedB64: string; payloadB64: string; signatureB64?: string; unprotected?: Record<string, unknown> }, serialization: JwsSerialization): string {
  if (serialization === 'compact') return `${parts.protectedB64}.${parts.payloadB64}.${parts.signatureB64 ?? ''}`;
  return JSON.stringify({
    protected: parts.protectedB64,
    ...(parts.unprotected ? { header: parts.unprotected } : {}),
    payload: parts.payloadB64,
    ...(parts.signatureB64 !== undefined ? { signature: parts.signatureB64 } : {}),
  });
}

/** The JWS algorithm a key signs with, or undefined (an RSA key, another curve). */
export function jwsAlgOf(key: KeyObject): JwsAlg | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}

/** The raw signature of `data`: ES256 as r||s (32 + 32 bytes, RFC 7518 section 3.4), Ed25519 as its 64 bytes. */
export function rawSign(alg: JwsAlg, data: Uint8Array, privateKey: KeyObject): Buffer {
  return alg === 'ES256' ? sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }) : sign(null, data, privateKey);
}

/**
 * Does `signature` verify over `data` with `publicKey`? ES256 takes exactly 64 bytes: a DER
 * signature (what a careless signer sends) does not verify, as RFC 7518 section 3.4 requires.
 */
export function rawVerify(alg: JwsAlg, data: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  if (signature.length !== 64) return false;
  try {
    return alg === 'ES256' ? verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature) : verify(null, data, publicKey, signature);
  } catch {
    return false;
  }
}

/** Sign `payload` under `header` (its `alg` must be the key's) and serialise. */
export function signJws(header: JoseHeader, payload: Uint8Array | string, privateKey: KeyObject, serialization: JwsSerialization = 'compact'): string {
  const alg = jwsAlgOf(privateKey);
  if (!alg || header.alg !== alg) throw new Error(`signJws: header alg '${header.alg}' does not fit a ${privateKey.asymmetricKeyType} key`);
  const protectedB64 = b64url(JSON.stringify(header));
  const payloadB64 = b64url(payload);
  const signature = rawSign(alg, signingInput(protectedB64, payloadB64), privateKey);
  return serializeJws({ protectedB64, payloadB64, signatureB64: b64url(signature) }, serialization);
}

/**
 * The RFC 7638 JWK thumbprint of a public key (base64url SHA-256 of its required JWK members in
 * lexicographic order): pinprick's `kid`, computable by any JOSE library from the key alone.
 */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** A public key an app trusts to sign its pin configurations, under the `kid` configurations name it by. */
export interface TrustedKey {
  kid: string;
  key: KeyObject;
}

/** A trusted key from a public or private key, its kid the RFC 7638 thumbprint unless given. */
export function trustedKey(key: KeyObject, kid?: string): TrustedKey {
  return { kid: kid ?? jwkThumbprint(key), key: key.type === 'private' ? createPublicKey(key) : key };
}
