/**
 * A JKS trust store: the keystore format of Java 8 and older, whose default keystore type is
 * "jks" (JDK 9 made it "pkcs12", JEP 229). Certificates only (trusted-certificate entries, tag 2),
 * never a private key. The layout is OpenJDK's sun.security.provider.JavaKeyStore (engineStore,
 * engineLoad, getPreKeyedHash): it is small, so it is written here with Node's SHA-1 rather than
 * through a library.
 *
 *   magic 0xFEEDFEED, version 2, entry count (big-endian int32 each), then per entry:
 *     tag 2, alias (DataOutput.writeUTF), creation date (int64 ms since 1970),
 *     certificate type "X.509" (writeUTF), DER length (int32), DER;
 *   then SHA-1 over (password as UTF-16BE, "Mighty Aphrodite", everything above).
 */
import { createHash } from 'node:crypto';
import { TRUST_STORE_PASSWORD, type TrustedCertificate } from './pkcs12.js';

/** JavaKeyStore.MAGIC. */
const JKS_MAGIC = 0xfeedfeed;
/** JavaKeyStore.VERSION_2: every certificate carries its type. What keytool has written since JDK 1.2. */
const JKS_VERSION = 2;
/** The tag of a trustedCertEntry (1 is a private key entry, which this file never holds). */
const TRUSTED_CERT_TAG = 2;
/** The string JavaKeyStore.getPreKeyedHash mixes into the integrity digest after the password. */
const WHITENER = 'Mighty Aphrodite';
/** DataOutput.writeUTF's length is an unsigned 16-bit count of bytes. */
const MAX_UTF_BYTES = 0xffff;

/**
 * The DER of a JKS file holding `certs` as trusted certificates, each with its alias and `date`
 * as its creation date, sealed with the keyed SHA-1 JavaKeyStore checks on load under `password`.
 */
export function jksTrustStore(certs: readonly TrustedCertificate[], date: Date, password = TRUST_STORE_PASSWORD): Buffer {
  const parts: Buffer[] = [int32(JKS_MAGIC), int32(JKS_VERSION), int32(certs.length)];
  const seen = new Set<string>();
  for (const c of certs) {
    // JavaKeyStore looks aliases up lower-cased (convertAlias) but loads them as stored: an alias
    // with a capital letter would be listed yet never found, so it is lower-cased here.
    const alias = c.alias.toLowerCase();
    if (seen.has(alias)) throw new RangeError(`duplicate JKS alias '${alias}'`);
    seen.add(alias);
    parts.push(int32(TRUSTED_CERT_TAG), modifiedUtf8(alias), int64(date.getTime()), modifiedUtf8('X.509'), int32(c.der.length), Buffer.from(c.der));
  }
  const body = Buffer.concat(parts);
  const digest = createHash('sha1').update(utf16be(password)).update(WHITENER, 'utf8').update(body).digest();
  return Buffer.concat([body, digest]);
}

/**
 * Java's DataOutput.writeUTF: a 16-bit byte count, then "modified UTF-8", which encodes U+0000 as
 * two bytes (C0 80) and each UTF-16 code unit on its own (a character outside the BMP is its two
 * surrogates, three bytes each), unlike standard UTF-8 (java.io.DataOutput, "Modified UTF-8").
 */
export function modifiedUtf8(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x01 && c <= 0x7f) bytes.push(c);
    else if (c <= 0x7ff) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  if (bytes.length > MAX_UTF_BYTES) throw new RangeError(`string too long for a JKS field: ${bytes.length} bytes (at most ${MAX_UTF_BYTES})`);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, Buffer.from(bytes)]);
}

/** The password's chars as JavaKeyStore.convertToBytes gives them: each UTF-16 code unit, high byte first. */
function utf16be(text: string): Buffer {
  const b = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) b.writeUInt16BE(text.charCodeAt(i), i * 2);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function int64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
}
