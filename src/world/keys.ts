import {
  checkPrimeSync,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { InputError } from '../errors.js';
import { children, decodeOid, readTlv, type Tlv } from './der.js';

/** Key algorithms a world can hold: what public CAs and servers use today. */
// rsa-1024: for the scenario of a weak leaf key, which correct platforms treat differently.
export const KEY_TYPES = ['rsa-1024', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384'] as const;
/** One of {@link KEY_TYPES}. */
export type KeyType = (typeof KEY_TYPES)[number];

/**
 * Key types a world holds only to sign things other than certificates (pin configurations, issue
 * 19): Ed25519 (RFC 8032) for JWS `EdDSA` (RFC 8037). Not a world's `--key-type`: the certificate
 * recipes and the clients under test speak RSA and ECDSA, and a world's certificates are of one type.
 */
export const SIGNING_KEY_TYPES = ['ed25519'] as const;
/** Any key a world can hold: a certificate key type or a signing-only one. */
export type AnyKeyType = KeyType | (typeof SIGNING_KEY_TYPES)[number];

/** Narrow a user-supplied string to a {@link KeyType}, or explain what is accepted. */
export function parseKeyType(value: string): KeyType {
  if ((KEY_TYPES as readonly string[]).includes(value)) return value as KeyType;
  throw new InputError(`unknown key type '${value}': expected one of ${KEY_TYPES.join(', ')}`);
}

const CURVES = {
  'ec-p256': { node: 'prime256v1', jwk: 'P-256', bytes: 32, order: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n },
  'ec-p384': {
    node: 'secp384r1',
    jwk: 'P-384',
    bytes: 48,
    order: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  },
} as const;

/**
 * Where seeded key material comes from: a deterministic byte stream per (seed, key name).
 * HMAC-SHA256 in counter mode is enough here: the goal is reproducibility across machines, and a
 * seeded world is documented as never fit for a real trust store.
 */
export class SeededBytes {
  private counter = 0;
  private readonly key: Buffer;
  constructor(seed: string, label: string) {
    this.key = createHash('sha256').update(`pinprick-seed\0${seed}\0${label}`).digest();
  }
  /** The next `n` bytes of the stream. */
  next(n: number): Buffer {
    const blocks: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const block = createHmac('sha256', this.key).update(String(this.counter++)).digest();
      blocks.push(block);
      have += block.length;
    }
    return Buffer.concat(blocks).subarray(0, n);
  }
}

/**
 * Generate a private key; with a seed, the same (seed, name) gives the same key on any machine.
 * Unseeded keys come from OpenSSL on libuv's thread pool, so a world's RSA keys generate in parallel.
 */
export async function generateKey(type: AnyKeyType, seed?: { seed: string; name: string }): Promise<KeyObject> {
  if (type === 'ed25519') {
    if (!seed) return new Promise((res, rej) => generateKeyPair('ed25519', {}, (err, _pub, priv) => (err ? rej(err) : res(priv))));
    return seededEd25519(new SeededBytes(seed.seed, `${seed.name}\0${type}`));
  }
  if (!seed) {
    const done = (resolve: (k: KeyObject) => void, reject: (e: Error) => void) => (err: Error | null, _pub: KeyObject, priv: KeyObject) =>
      err ? reject(err) : resolve(priv);
    if (type.startsWith('rsa-')) {
      return new Promise((res, rej) => generateKeyPair('rsa', { modulusLength: rsaBits(type), publicExponent: 0x10001 }, done(res, rej)));
    }
    return new Promise((res, rej) => generateKeyPair('ec', { namedCurve: CURVES[type as keyof typeof CURVES].node }, done(res, rej)));
  }
  const bytes = new SeededBytes(seed.seed, `${seed.name}\0${type}`);
  return type.startsWith('rsa-') ? seededRsa(rsaBits(type), bytes) : seededEc(type as keyof typeof CURVES, bytes);
}

/** PKCS#8 of an Ed25519 key before its 32 secret bytes (RFC 8410 section 7: version 0, id-Ed25519, OCTET STRING of an OCTET STRING). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 private key is 32 arbitrary bytes (RFC 8032 section 5.1.5), so the stream gives it directly. */
function seededEd25519(bytes: SeededBytes): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, bytes.next(32)]), format: 'der', type: 'pkcs8' });
}

function rsaBits(type: KeyType): number {
  return Number(type.slice(4));
}

function seededEc(type: keyof typeof CURVES, bytes: SeededBytes): KeyObject {
  const curve = CURVES[type];
  // Reduce 8 extra bytes mod (n-1), then +1: a uniform scalar in [1, n-1] with negligible bias.
  const wide = BigInt('0x' + bytes.next(curve.bytes + 8).toString('hex'));
  const d = (wide % (curve.order - 1n)) + 1n;
  const dBuf = Buffer.from(d.toString(16).padStart(curve.bytes * 2, '0'), 'hex');
  const ecdh = createECDH(curve.node);
  ecdh.setPrivateKey(dBuf);
  const point = ecdh.getPublicKey(); // 0x04 || X || Y
  return createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'EC',
      crv: curve.jwk,
      d: dBuf.toString('base64url'),
      x: point.subarray(1, 1 + curve.bytes).toString('base64url'),
      y: point.subarray(1 + curve.bytes).toString('base64url'),
    },
  });
}

const SMALL_PRIMES: readonly number[] = (() => {
  const primes: number[] = [];
  for (let i = 3; i < 4096; i += 2) if (primes.every((p) => i % p !== 0)) primes.push(i);
  return primes;
})();
const E = 65537n;

/**
 * Deterministic RSA: candidates come from the seeded stream, a small-prime sieve runs in JS and
 * OpenSSL's Miller-Rabin (`checkPrimeSync`) does the heavy test. node-forge can also seed RSA, but
 * it takes 2-8 s per 2048-bit key in pure JS; this takes about 0.1 s.
 */
function seededRsa(bits: number, bytes: SeededBytes): KeyObject {
  for (;;) {
    const p = seededPrime(bits / 2, bytes);
    const q = seededPrime(bits / 2, bytes);
    if (p === q) continue;
    const n = p * q;
    if (n.toString(2).length !== bits) continue;
    const lambda = lcm(p - 1n, q - 1n);
    const d = modInverse(E, lambda);
    const b64 = (v: bigint) => {
      let hex = v.toString(16);
      if (hex.length % 2) hex = '0' + hex;
      return Buffer.from(hex, 'hex').toString('base64url');
    };
    return createPrivateKey({
      format: 'jwk',
      key: {
        kty: 'RSA',
        n: b64(n),
        e: b64(E),
        d: b64(d),
        p: b64(p),
        q: b64(q),
        dp: b64(d % (p - 1n)),
        dq: b64(d % (q - 1n)),
        qi: b64(modInverse(q, p)),
      },
    });
  }
}

function seededPrime(bits: number, bytes: SeededBytes): bigint {
  for (;;) {
    const buf = bytes.next(bits / 8);
    buf[0] = buf[0]! | 0xc0; // top two bits set: p*q has exactly 2*bits bits
    buf[buf.length - 1] = buf[buf.length - 1]! | 1;
    const start = BigInt('0x' + buf.toString('hex'));
    const rems = SMALL_PRIMES.map((sp) => Number(start % BigInt(sp)));
    for (let delta = 0; delta < 1 << 16; delta += 2) {
      if (!rems.every((r, i) => (r + delta) % SMALL_PRIMES[i]! !== 0)) continue;
      const candidate = start + BigInt(delta);
      if ((candidate - 1n) % E === 0n) continue;
      if (checkPrimeSync(candidate)) return candidate;
    }
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}
function lcm(a: bigint, b: bigint): bigint {
  return (a / gcd(a, b)) * b;
}
function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

/** The key type of a key object, or undefined for algorithms a world does not make (Ed448, DSA…). */
export function keyTypeOf(key: KeyObject): AnyKeyType | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    const t = `rsa-${details?.modulusLength}`;
    return (KEY_TYPES as readonly string[]).includes(t) ? (t as KeyType) : undefined;
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details?.namedCurve === 'prime256v1') return 'ec-p256';
    if (details?.namedCurve === 'secp384r1') return 'ec-p384';
  }
  return undefined;
}

/** A short human label for any public or private key: `RSA 2048`, `ECDSA P-256`. */
export function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return `RSA ${d?.modulusLength}`;
    case 'rsa-pss':
      return `RSA-PSS ${d?.modulusLength}`;
    case 'ec':
      return `ECDSA ${d?.namedCurve === 'prime256v1' ? 'P-256' : d?.namedCurve === 'secp384r1' ? 'P-384' : d?.namedCurve === 'secp521r1' ? 'P-521' : d?.namedCurve}`;
    case 'ed25519':
      return 'Ed25519';
    default:
      return String(key.asymmetricKeyType).toUpperCase();
  }
}

/** DER SubjectPublicKeyInfo of a private or public key: the bytes an RFC 7469 pin hashes. */
export function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

// Built from its label, so that no source line looks like a committed key block to a scanner.
const PKCS8_LABEL = 'PRIVATE KEY';
const PKCS8_PEM = new RegExp(`^-----BEGIN ${PKCS8_LABEL}-----\\r?\\n([A-Za-z0-9+/=\\r\\n]+)-----END ${PKCS8_LABEL}-----\\r?\\n?$`);
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const CURVE_BY_OID: Readonly<Record<string, (typeof CURVES)[keyof typeof CURVES]>> = {
  '1.2.840.10045.3.1.7': CURVES['ec-p256'],
  '1.3.132.0.34': CURVES['ec-p384'],
};

/**
 * A private key read from PEM, as `createPrivateKey(pem)` reads it. OpenSSL 3 decodes a PKCS#8 key
 * in ~1 ms, and loading a world reads 17 of them on every start; the same key imported as JWK
 * takes 0.02-0.2 ms (ECDSA P-256, RSA). So a PKCS#8 ECDSA (P-256, P-384) or RSA key in exactly the
 * form pinprick writes is unpacked here and imported as JWK; anything else (other labels,
 * encrypted keys, attributes, any structure not exactly as expected) goes to createPrivateKey,
 * which also gives the error for a broken file.
 */
export function privateKeyFromPem(pem: string | Buffer): KeyObject {
  const jwk = pkcs8Jwk(typeof pem === 'string' ? pem : pem.toString('latin1'));
  if (jwk) {
    try {
      return createPrivateKey({ key: jwk, format: 'jwk' });
    } catch {
      // OpenSSL decides, below.
    }
  }
  return createPrivateKey(pem);
}

function pkcs8Jwk(text: string): JsonWebKey | undefined {
  const m = PKCS8_PEM.exec(text);
  if (!m) return undefined;
  const body = m[1]!.replace(/\r?\n/g, '');
  const der = Buffer.from(body, 'base64');
  // Only canonical base64: what Buffer would decode leniently, OpenSSL may refuse.
  if (der.toString('base64') !== body) return undefined;
  try {
    const top = readTlv(der, 0);
    if (top.tag !== 0x30 || top.end !== der.length) return undefined;
    const fields = children(der, top);
    const [version, algorithm, key] = fields;
    if (fields.length !== 3 || !isSmallInt(der, version, 0) || algorithm?.tag !== 0x30 || key?.tag !== 0x04) return undefined;
    const algFields = children(der, algorithm);
    const [oid, params] = algFields;
    if (algFields.length !== 2 || oid?.tag !== 0x06 || !params) return undefined;
    const inner = der.subarray(key.contentStart, key.end);
    const algOid = decodeOid(der, oid);
    if (algOid === OID_EC_PUBLIC_KEY && params.tag === 0x06) return ecJwk(inner, decodeOid(der, params));
    if (algOid === OID_RSA_ENCRYPTION && params.tag === 0x05 && params.contentStart === params.end) return rsaJwk(inner);
  } catch {
    // Malformed DER: createPrivateKey says how.
  }
  return undefined;
}

function isSmallInt(buf: Uint8Array, tlv: Tlv | undefined, value: number): boolean {
  return tlv?.tag === 0x02 && tlv.end - tlv.contentStart === 1 && buf[tlv.contentStart] === value;
}

/** RFC 5915 ECPrivateKey with its public key and without parameters (they are in the PKCS#8 algorithm). */
function ecJwk(der: Buffer, curveOid: string): JsonWebKey | undefined {
  const curve = Object.hasOwn(CURVE_BY_OID, curveOid) ? CURVE_BY_OID[curveOid] : undefined;
  if (!curve) return undefined;
  const seq = readTlv(der, 0);
  if (seq.tag !== 0x30 || seq.end !== der.length) return undefined;
  const fields = children(der, seq);
  const [version, d, publicKey] = fields;
  if (fields.length !== 3 || !isSmallInt(der, version, 1) || d?.tag !== 0x04 || d.end - d.contentStart !== curve.bytes || publicKey?.tag !== 0xa1) return undefined;
  const wrapped = children(der, publicKey);
  const bits = wrapped[0];
  // BIT STRING: no unused bits, then the uncompressed point 04 || X || Y.
  if (wrapped.length !== 1 || bits?.tag !== 0x03 || bits.end - bits.contentStart !== 2 + 2 * curve.bytes) return undefined;
  if (der[bits.contentStart] !== 0 || der[bits.contentStart + 1] !== 0x04) return undefined;
  const x = bits.contentStart + 2;
  return {
    kty: 'EC',
    crv: curve.jwk,
    d: der.subarray(d.contentStart, d.end).toString('base64url'),
    x: der.subarray(x, x + curve.bytes).toString('base64url'),
    y: der.subarray(x + curve.bytes, bits.end).toString('base64url'),
  };
}

/** RFC 8017 two-prime RSAPrivateKey: version 0 and eight positive integers. */
function rsaJwk(der: Buffer): JsonWebKey | undefined {
  const seq = readTlv(der, 0);
  if (seq.tag !== 0x30 || seq.end !== der.length) return undefined;
  const fields = children(der, seq);
  if (fields.length !== 9 || !isSmallInt(der, fields[0], 0)) return undefined;
  const ints = fields.slice(1);
  if (ints.some((t) => t.tag !== 0x02 || t.end === t.contentStart || der[t.contentStart]! >= 0x80)) return undefined;
  const [n, e, d, p, q, dp, dq, qi] = ints.map((t) => der.subarray(t.contentStart, t.end).toString('base64url'));
  return { kty: 'RSA', n, e, d, p, q, dp, dq, qi };
}
