/**
 * DER readers the model needs beyond src/world/der.ts (which reads TLVs, children and OIDs):
 * strict universal types, times, integers, bit strings and strings. Every reader throws
 * {@link MalformedError} so one catch turns any bad encoding into the `malformed` outcome.
 */
import { children, decodeOid, readTlv, type Tlv } from './der.js';

/** A certificate (or one of its parts) that is not valid DER of the expected shape. */
export class MalformedError extends Error {
  override name = 'MalformedError';
}

/** DER universal tags the model reads. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Read one TLV, optionally insisting on its tag. */
export function tlvAt(buf: Uint8Array, offset: number, tag?: number, what = 'element'): Tlv {
  let t: Tlv;
  try {
    t = readTlv(buf, offset);
  } catch (err) {
    throw new MalformedError(`${what}: ${(err as Error).message}`);
  }
  if (tag !== undefined && t.tag !== tag) throw new MalformedError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${t.tag.toString(16)}`);
  return t;
}

/** The children of a constructed TLV, optionally insisting on the parent's tag. */
export function childrenOf(buf: Uint8Array, parent: Tlv, what = 'element'): Tlv[] {
  try {
    return children(buf, parent);
  } catch (err) {
    throw new MalformedError(`${what}: ${(err as Error).message}`);
  }
}

/** Parse a whole buffer as exactly one TLV (no trailing bytes). */
export function wholeTlv(buf: Uint8Array, tag: number, what: string): Tlv {
  const t = tlvAt(buf, 0, tag, what);
  if (t.end !== buf.length) throw new MalformedError(`${what}: ${buf.length - t.end} trailing bytes`);
  return t;
}

/** Content bytes of a TLV. */
export function content(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.contentStart, t.end);
}

/** Full encoding (tag, length, content) of a TLV. */
export function encoding(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.start, t.end);
}

const OID_CACHE_SIZE = 1024;
const oids = new Map<string, string>();

/** Dotted OID of an OBJECT IDENTIFIER TLV (a certificate holds ~15 OIDs, nearly all well known: decoded ones are remembered). */
export function oidOf(buf: Uint8Array, t: Tlv, what = 'OID'): string {
  if (t.tag !== TAG.OID || t.end === t.contentStart) throw new MalformedError(`${what}: not an OBJECT IDENTIFIER`);
  if (t.end - t.contentStart > 32) return decodeOid(buf, t);
  let key = '';
  for (let i = t.contentStart; i < t.end; i++) key += String.fromCharCode(buf[i]!);
  let dotted = oids.get(key);
  if (dotted === undefined) {
    dotted = decodeOid(buf, t);
    if (oids.size >= OID_CACHE_SIZE) oids.clear();
    oids.set(key, dotted);
  }
  return dotted;
}

/** A DER BOOLEAN. */
export function booleanOf(buf: Uint8Array, t: Tlv, what = 'BOOLEAN'): boolean {
  if (t.tag !== TAG.BOOLEAN || t.end - t.contentStart !== 1) throw new MalformedError(`${what}: not a BOOLEAN`);
  return buf[t.contentStart] !== 0;
}

/** A non-negative INTEGER small enough for a JS number (pathLenConstraint, version). */
export function smallIntegerOf(buf: Uint8Array, t: Tlv, what = 'INTEGER'): number {
  if (t.tag !== TAG.INTEGER || t.end === t.contentStart || t.end - t.contentStart > 6) throw new MalformedError(`${what}: not a small INTEGER`);
  if (buf[t.contentStart]! & 0x80) throw new MalformedError(`${what}: negative`);
  let v = 0;
  for (let i = t.contentStart; i < t.end; i++) v = v * 256 + buf[i]!;
  return v;
}

/** An INTEGER as upper-case hex of its content octets (how OpenSSL prints serial numbers, minus a sign octet). */
export function integerHexOf(buf: Uint8Array, t: Tlv, what = 'INTEGER'): string {
  if (t.tag !== TAG.INTEGER || t.end === t.contentStart) throw new MalformedError(`${what}: not an INTEGER`);
  let start = t.contentStart;
  if (buf[start] === 0 && t.end - start > 1) start++;
  return Buffer.from(buf.subarray(start, t.end)).toString('hex').toUpperCase();
}

/** The bits of a BIT STRING as an unsigned number, bit 0 = the most significant bit of the first octet (RFC 5280 named bits). */
export function namedBitsOf(buf: Uint8Array, t: Tlv, what = 'BIT STRING'): number {
  if (t.tag !== TAG.BIT_STRING || t.end === t.contentStart) throw new MalformedError(`${what}: not a BIT STRING`);
  const unused = buf[t.contentStart]!;
  if (unused > 7) throw new MalformedError(`${what}: bad unused-bits count`);
  let bits = 0;
  let index = 0;
  for (let p = t.contentStart + 1; p < t.end && index < 31; p++) {
    for (let b = 7; b >= 0 && index < 31; b--, index++) if (buf[p]! & (1 << b)) bits |= 1 << index;
  }
  return bits;
}

/** The value of a BIT STRING with no unused bits (signatures, subjectPublicKey). */
export function bitStringBytes(buf: Uint8Array, t: Tlv, what = 'BIT STRING'): Uint8Array {
  if (t.tag !== TAG.BIT_STRING || t.end === t.contentStart) throw new MalformedError(`${what}: not a BIT STRING`);
  return buf.subarray(t.contentStart + 1, t.end);
}

const TWO_DIGITS = (buf: Uint8Array, p: number): number => {
  const a = buf[p]! - 48;
  const b = buf[p + 1]! - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return NaN;
  return a * 10 + b;
};

/** A UTCTime (YYMMDDHHMMSSZ; 50-99 = 19xx, RFC 5280 4.1.2.5.1) or GeneralizedTime (YYYYMMDDHHMMSSZ) as epoch milliseconds. */
export function timeOf(buf: Uint8Array, t: Tlv, what = 'Time'): number {
  const len = t.end - t.contentStart;
  const p = t.contentStart;
  let year: number;
  let q: number;
  if (t.tag === TAG.UTC_TIME && len === 13) {
    const yy = TWO_DIGITS(buf, p);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    q = p + 2;
  } else if (t.tag === TAG.GENERALIZED_TIME && len >= 15) {
    year = TWO_DIGITS(buf, p) * 100 + TWO_DIGITS(buf, p + 2);
    q = p + 4;
  } else {
    throw new MalformedError(`${what}: not a UTCTime or GeneralizedTime`);
  }
  const mo = TWO_DIGITS(buf, q);
  const d = TWO_DIGITS(buf, q + 2);
  const h = TWO_DIGITS(buf, q + 4);
  const mi = TWO_DIGITS(buf, q + 6);
  const s = TWO_DIGITS(buf, q + 8);
  // DER demands 'Z' right after the seconds; a fraction would be a BER leftover and is refused like OpenSSL.
  if (buf[t.end - 1] !== 0x5a || q + 11 !== t.end) throw new MalformedError(`${what}: not in the DER form ...Z`);
  const ms = Date.UTC(year, mo - 1, d, h, mi, s);
  // A non-digit made NaN, and NaN fails every comparison below.
  if (!(year >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59)) {
    throw new MalformedError(`${what}: not a valid date`);
  }
  return ms;
}

/** A directory string (UTF8, Printable, IA5, Teletex as Latin-1, BMP, Universal) as a JS string; undefined for other types. */
export function directoryStringOf(buf: Uint8Array, t: Tlv): string | undefined {
  const bytes = content(buf, t);
  switch (t.tag) {
    case TAG.UTF8_STRING:
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.VISIBLE_STRING:
    case TAG.TELETEX_STRING:
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    case TAG.BMP_STRING: {
      let s = '';
      for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
      return s;
    }
    case TAG.UNIVERSAL_STRING: {
      let s = '';
      for (let i = 0; i + 3 < bytes.length; i += 4) s += String.fromCodePoint(((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0);
      return s;
    }
    default:
      return undefined;
  }
}

/** Lower-case hex of some bytes. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
