import {
  checkPrimeSync,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
} from 'node:crypto';
import { InputError } from '../errors.js';

/** Key algorithms a world can hold: what public CAs and servers use today. */
export const KEY_TYPES = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384'] as const;
/** One of {@link KEY_TYPES}. */
export type KeyType = (typeof KEY_TYPES)[number];

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
export async function generateKey(type: KeyType, seed?: { seed: string; name: string }): Promise<KeyObject> {
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

/** The key type of a key object, or undefined for algorithms a world does not make (Ed25519…). */
export function keyTypeOf(key: KeyObject): KeyType | undefined {
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
    default:
      return String(key.asymmetricKeyType).toUpperCase();
  }
}

/** DER SubjectPublicKeyInfo of a private or public key: the bytes an RFC 7469 pin hashes. */
export function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}
