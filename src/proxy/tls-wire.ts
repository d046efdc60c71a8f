/**
 * Just enough of the TLS wire format to read the server's Certificate message off the bytes a
 * client receives, exactly as sent: Node's `getPeerCertificate(true)` rebuilds a path by issuer
 * links, so it re-orders certificates and drops duplicates and unrelated extras — the very defects
 * a pinning test must see. Pure: bytes in, records, messages and certificates out; no sockets.
 * TLS 1.2 sends the Certificate message in the clear; TLS 1.3 encrypts it under the server
 * handshake traffic secret, which the caller obtains from the client's key log (RFC 8446 7.1, 7.3).
 */
import { createDecipheriv, createHmac } from 'node:crypto';
import { ALERTS } from './alerts.js';

/** Record content types (RFC 8446 5.1). */
export const ContentType = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23, heartbeat: 24 } as const;

/** Handshake message types this module looks at (RFC 8446 4, RFC 5246 7.4). */
export const HandshakeType = {
  helloRequest: 0,
  clientHello: 1,
  serverHello: 2,
  encryptedExtensions: 8,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  finished: 20,
} as const;

/** Bytes that are not the TLS a server should send: garbage, truncation, a failed decryption. */
export class TlsWireError extends Error {}

/** One record as framed on the wire (RFC 8446 5.1). */
export interface TlsRecord {
  type: number;
  /** legacy_record_version, e.g. 0x0303. */
  version: number;
  /** The 5-byte header: TLS 1.3 authenticates it as the AEAD's additional data. */
  header: Buffer;
  fragment: Buffer;
}

/** RFC 5246 6.2.3: a TLSCiphertext fragment never exceeds 2^14 + 2048 bytes (TLS 1.3 is tighter). */
const MAX_RECORD_LENGTH = 2 ** 14 + 2048;
const RECORD_HEADER_LENGTH = 5;
/** Shared empty buffer (read-only by use): a starting value that allocates nothing. */
const EMPTY: Buffer = Buffer.alloc(0);

/** Cuts a byte stream, fed in arbitrary chunks, into TLS records. */
export class RecordReader {
  private buffer = Buffer.alloc(0);

  /** Add bytes; returns every record they complete. Throws {@link TlsWireError} on a non-TLS header. */
  push(chunk: Uint8Array): TlsRecord[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : Buffer.from(chunk);
    const records: TlsRecord[] = [];
    while (this.buffer.length >= RECORD_HEADER_LENGTH) {
      const type = this.buffer[0]!;
      const version = this.buffer.readUInt16BE(1);
      const length = this.buffer.readUInt16BE(3);
      // Checked before the whole record arrives, so an HTTP reply fails at once instead of stalling.
      if (type < ContentType.changeCipherSpec || type > ContentType.heartbeat || version >> 8 !== 3) {
        throw new TlsWireError(`not a TLS record header: ${this.buffer.subarray(0, RECORD_HEADER_LENGTH).toString('hex')}`);
      }
      if (length > MAX_RECORD_LENGTH) throw new TlsWireError(`TLS record of ${length} bytes exceeds the ${MAX_RECORD_LENGTH}-byte limit`);
      if (this.buffer.length < RECORD_HEADER_LENGTH + length) break;
      records.push({
        type,
        version,
        header: Buffer.from(this.buffer.subarray(0, RECORD_HEADER_LENGTH)),
        fragment: Buffer.from(this.buffer.subarray(RECORD_HEADER_LENGTH, RECORD_HEADER_LENGTH + length)),
      });
      this.buffer = this.buffer.subarray(RECORD_HEADER_LENGTH + length);
    }
    return records;
  }

  /** Bytes held back waiting for the rest of a record. */
  get buffered(): number {
    return this.buffer.length;
  }
}

/** One handshake message: its type and body (without the 4-byte header). */
export interface HandshakeMessage {
  type: number;
  body: Buffer;
}

/** Reassembles handshake messages from record fragments: one may span records, one record may hold several. */
export class HandshakeReader {
  private buffer = Buffer.alloc(0);

  /** Add one record's handshake bytes; returns every message they complete. */
  push(fragment: Uint8Array): HandshakeMessage[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, fragment]) : Buffer.from(fragment);
    const messages: HandshakeMessage[] = [];
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUIntBE(1, 3);
      if (this.buffer.length < 4 + length) break;
      messages.push({ type: this.buffer[0]!, body: Buffer.from(this.buffer.subarray(4, 4 + length)) });
      this.buffer = this.buffer.subarray(4 + length);
    }
    return messages;
  }

  /** True while part of a message is waiting for the next record. */
  get pending(): boolean {
    return this.buffer.length > 0;
  }

  /** The type of the message being reassembled, once its first byte arrived. */
  get pendingType(): number | undefined {
    return this.buffer.length ? this.buffer[0] : undefined;
  }

  /** The length the message being reassembled claims, once its 4-byte header arrived. */
  get pendingLength(): number | undefined {
    return this.buffer.length >= 4 ? this.buffer.readUIntBE(1, 3) : undefined;
  }
}

/** A bounds-checked cursor: every overrun becomes a {@link TlsWireError} naming what was being read. */
class Cursor {
  private offset = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}
  get remaining(): number {
    return this.buf.length - this.offset;
  }
  bytes(n: number): Buffer {
    if (n > this.remaining) throw new TlsWireError(`truncated ${this.what}`);
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  uint(n: 1 | 2 | 3): number {
    if (n > this.remaining) throw new TlsWireError(`truncated ${this.what}`);
    // Read in place: a subarray per field would allocate a Buffer for every number in a hello.
    const value = this.buf.readUIntBE(this.offset, n);
    this.offset += n;
    return value;
  }
  /** Move past n bytes without reading them. */
  skip(n: number): void {
    if (n > this.remaining) throw new TlsWireError(`truncated ${this.what}`);
    this.offset += n;
  }
  /** A vector with an n-byte length prefix. */
  vector(n: 1 | 2 | 3): Buffer {
    return this.bytes(this.uint(n));
  }
  /** Move past a vector with an n-byte length prefix. */
  skipVector(n: 1 | 2 | 3): void {
    this.skip(this.uint(n));
  }
}

/**
 * RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello whose random is SHA-256("HelloRetryRequest").
 */
const HELLO_RETRY_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
const EXT_SUPPORTED_VERSIONS = 0x002b;

/** What the client learns from a ServerHello. */
export interface ServerHello {
  /** The version in force: supported_versions when present (0x0304), else legacy_version. */
  version: number;
  random: Buffer;
  cipherSuite: number;
  /** A HelloRetryRequest: the real ServerHello follows the client's second ClientHello. */
  helloRetryRequest: boolean;
}

/** Parse a ServerHello body; TLS 1.3 is recognised by its supported_versions extension (0x002b). */
export function parseServerHello(body: Buffer): ServerHello {
  const c = new Cursor(body, 'ServerHello');
  const legacyVersion = c.uint(2);
  const random = Buffer.from(c.bytes(32));
  c.vector(1); // legacy_session_id_echo
  const cipherSuite = c.uint(2);
  c.uint(1); // legacy_compression_method
  let version = legacyVersion;
  // Extensions are optional before TLS 1.3 (RFC 5246 7.4.1.3).
  if (c.remaining > 0) {
    const extensions = new Cursor(c.vector(2), 'ServerHello extensions');
    while (extensions.remaining > 0) {
      const type = extensions.uint(2);
      const data = extensions.vector(2);
      if (type === EXT_SUPPORTED_VERSIONS) version = new Cursor(data, 'supported_versions').uint(2);
    }
  }
  return { version, random, cipherSuite, helloRetryRequest: random.equals(HELLO_RETRY_RANDOM) };
}

/**
 * The DER certificates of a Certificate message body, in the order sent. TLS 1.3 adds a 1-byte
 * request context and an extensions block after each certificate (RFC 8446 4.4.2); TLS 1.0-1.2
 * have neither (RFC 5246 7.4.2).
 */
export function parseCertificateMessage(body: Buffer, tls13: boolean): Buffer[] {
  const c = new Cursor(body, 'Certificate message');
  if (tls13) c.vector(1); // certificate_request_context: empty from a server
  const list = new Cursor(c.vector(3), 'certificate_list');
  if (c.remaining !== 0) throw new TlsWireError('Certificate message has bytes after its certificate_list');
  const certificates: Buffer[] = [];
  while (list.remaining > 0) {
    certificates.push(Buffer.from(list.vector(3)));
    if (tls13) list.vector(2); // per-entry extensions (OCSP status, SCTs)
  }
  return certificates;
}

/** Hashes of the TLS 1.3 cipher suites. */
export type Tls13Hash = 'sha256' | 'sha384';

/** RFC 5869 HKDF-Expand alone (Node's `hkdfSync` always extracts first, which TLS 1.3 traffic keys must not). */
export function hkdfExpand(hash: Tls13Hash, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  let have = 0;
  for (let i = 1; have < length; i++) {
    if (i > 255) throw new RangeError(`HKDF-Expand cannot produce ${length} bytes with ${hash}`);
    previous = createHmac(hash, prk).update(previous).update(info).update(Buffer.of(i)).digest();
    blocks.push(previous);
    have += previous.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** RFC 8446 7.1 HKDF-Expand-Label: HkdfLabel = length, "tls13 " + label, context. */
export function hkdfExpandLabel(hash: Tls13Hash, secret: Uint8Array, label: string, context: Uint8Array, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.concat([Buffer.of(length >> 8, length & 0xff, fullLabel.length), fullLabel, Buffer.of(context.length), context]);
  return hkdfExpand(hash, secret, info, length);
}

/** A TLS 1.3 cipher suite: its AEAD and the hash of its key schedule. */
export interface Tls13Suite {
  code: number;
  name: string;
  hash: Tls13Hash;
  cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  keyLength: number;
}

/** The TLS 1.3 suites clients offer by default (RFC 8446 B.4); the CCM suites are left out, as OpenSSL clients do. */
export const TLS13_SUITES: ReadonlyMap<number, Tls13Suite> = new Map(
  (
    [
      { code: 0x1301, name: 'TLS_AES_128_GCM_SHA256', hash: 'sha256', cipher: 'aes-128-gcm', keyLength: 16 },
      { code: 0x1302, name: 'TLS_AES_256_GCM_SHA384', hash: 'sha384', cipher: 'aes-256-gcm', keyLength: 32 },
      { code: 0x1303, name: 'TLS_CHACHA20_POLY1305_SHA256', hash: 'sha256', cipher: 'chacha20-poly1305', keyLength: 32 },
    ] as const
  ).map((s) => [s.code, s]),
);

/** The write key and IV of a traffic secret (RFC 8446 7.3). */
export function trafficKeys(suite: Tls13Suite, secret: Uint8Array): { key: Buffer; iv: Buffer } {
  return {
    key: hkdfExpandLabel(suite.hash, secret, 'key', Buffer.alloc(0), suite.keyLength),
    iv: hkdfExpandLabel(suite.hash, secret, 'iv', Buffer.alloc(0), 12),
  };
}

const AEAD_TAG_LENGTH = 16;

/** Opens one direction's TLS 1.3 records under one traffic secret, counting sequence numbers from 0. */
export class RecordDecryptor {
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private sequence = 0n;

  constructor(
    private readonly suite: Tls13Suite,
    secret: Uint8Array,
  ) {
    ({ key: this.key, iv: this.iv } = trafficKeys(suite, secret));
  }

  /** Decrypt the next record (RFC 8446 5.2-5.4): the inner content type and content, padding stripped. */
  decrypt(record: TlsRecord): { type: number; content: Buffer } {
    if (record.fragment.length < AEAD_TAG_LENGTH + 1) throw new TlsWireError('encrypted record shorter than its authentication tag');
    // The per-record nonce: the 64-bit sequence number, left-padded to the IV length, XOR the IV.
    const nonce = Buffer.from(this.iv);
    const seq = Buffer.alloc(8);
    seq.writeBigUInt64BE(this.sequence);
    for (let i = 0; i < 8; i++) nonce[nonce.length - 8 + i]! ^= seq[i]!;
    this.sequence++;

    const ciphertext = record.fragment.subarray(0, -AEAD_TAG_LENGTH);
    const tag = record.fragment.subarray(-AEAD_TAG_LENGTH);
    let plaintext: Buffer;
    try {
      const decipher =
        this.suite.cipher === 'chacha20-poly1305'
          ? createDecipheriv(this.suite.cipher, this.key, nonce, { authTagLength: AEAD_TAG_LENGTH })
          : createDecipheriv(this.suite.cipher, this.key, nonce, { authTagLength: AEAD_TAG_LENGTH });
      decipher.setAAD(record.header, { plaintextLength: ciphertext.length });
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch (err) {
      throw new TlsWireError(`record ${this.sequence - 1n} does not decrypt with ${this.suite.name} under the given secret`, { cause: err });
    }
    // TLSInnerPlaintext: content, then the real content type, then zero padding.
    let end = plaintext.length;
    while (end > 0 && plaintext[end - 1] === 0) end--;
    if (end === 0) throw new TlsWireError('decrypted record has no content type (all padding)');
    return { type: plaintext[end - 1]!, content: plaintext.subarray(0, end - 1) };
  }
}

/** One line of an NSS key log (what Node's `keylog` event emits). */
export interface KeylogLine {
  label: string;
  clientRandom: Buffer;
  secret: Buffer;
}

/** Parse `LABEL <client_random_hex> <secret_hex>`; undefined for comments and other shapes. */
export function parseKeylogLine(line: string): KeylogLine | undefined {
  const m = /^([A-Z0-9_]+) ([0-9a-fA-F]{64}) ([0-9a-fA-F]+)\s*$/.exec(line);
  if (!m || m[3]!.length % 2 !== 0) return undefined;
  return { label: m[1]!, clientRandom: Buffer.from(m[2]!, 'hex'), secret: Buffer.from(m[3]!, 'hex') };
}

/** Name of an alert description, e.g. `handshake_failure (40)`. */
export function alertName(description: number): string {
  const name = ALERTS[description];
  return name ? `${name} (${description})` : `alert ${description}`;
}

/** Where a {@link ServerFlightParser} is in the server's first flight. */
export type FlightState = 'awaiting-server-hello' | 'tls12' | 'tls13-encrypted' | 'done';

/**
 * Reads the server-to-client byte stream of one handshake and keeps the Certificate message's
 * certificates exactly as sent. TLS 1.3 records that arrive before the secret is known are held
 * until {@link ServerFlightParser.setServerHandshakeSecret}. Stops at the Certificate message (or
 * where one can no longer come), so later records under other keys are never touched.
 */
export class ServerFlightParser {
  private readonly records = new RecordReader();
  private readonly handshake = new HandshakeReader();
  private readonly encryptedHandshake = new HandshakeReader();
  private readonly waiting: TlsRecord[] = [];
  private decryptor: RecordDecryptor | undefined;
  private secret: Buffer | undefined;
  private current: FlightState = 'awaiting-server-hello';
  private hello: ServerHello | undefined;
  private chain: Buffer[] | undefined;
  private received = 0;
  private alertSeen: { level: number; description: number } | undefined;

  /** Feed server-to-client bytes. Throws {@link TlsWireError} when they are not a sound TLS server flight. */
  push(chunk: Uint8Array): void {
    this.received += chunk.length;
    if (this.current === 'done') return;
    for (const record of this.records.push(chunk)) {
      this.onRecord(record);
      if (this.isDone) return;
    }
  }

  /** Supply SERVER_HANDSHAKE_TRAFFIC_SECRET (TLS 1.3); held records are decrypted at once. */
  setServerHandshakeSecret(secret: Uint8Array): void {
    if (this.secret) return;
    this.secret = Buffer.from(secret);
    this.startDecrypting();
  }

  /** Where the parser is. */
  get state(): FlightState {
    return this.current;
  }
  /** True once nothing more will be learnt from the stream. */
  get isDone(): boolean {
    return this.current === 'done';
  }
  /** The (final) ServerHello, once seen. */
  get serverHello(): ServerHello | undefined {
    return this.hello;
  }
  /** The certificates of the Certificate message, in wire order, once seen. */
  get certificates(): Buffer[] | undefined {
    return this.chain;
  }
  /** The first alert the server sent, if any. */
  get alert(): { level: number; description: number } | undefined {
    return this.alertSeen;
  }
  /** Total bytes fed, TLS or not. */
  get bytesReceived(): number {
    return this.received;
  }
  /** True when TLS 1.3 records are held back for lack of the handshake secret. */
  get needsSecret(): boolean {
    return this.current === 'tls13-encrypted' && !this.decryptor;
  }

  private onRecord(record: TlsRecord): void {
    switch (record.type) {
      case ContentType.changeCipherSpec:
        // TLS 1.3 middlebox compatibility sends a dummy one; in TLS 1.2 it means encryption starts,
        // and a Certificate can no longer come (an abbreviated, resumed handshake).
        if (this.current === 'tls12') this.current = 'done';
        return;
      case ContentType.alert:
        return this.onAlert(record.fragment);
      case ContentType.handshake:
        if (this.current === 'tls13-encrypted') throw new TlsWireError('plaintext handshake record after a TLS 1.3 ServerHello');
        for (const message of this.handshake.push(record.fragment)) {
          this.onPlainMessage(message);
          if (this.isDone) return;
        }
        return;
      case ContentType.applicationData:
        if (this.current !== 'tls13-encrypted') throw new TlsWireError(`application data before the server's Certificate (${this.current})`);
        if (!this.decryptor) {
          this.waiting.push(record);
          return;
        }
        return this.onEncrypted(record);
      default:
        return; // heartbeat: nothing to learn
    }
  }

  private onAlert(fragment: Buffer): void {
    if (fragment.length < 2) throw new TlsWireError('truncated alert');
    this.alertSeen ??= { level: fragment[0]!, description: fragment[1]! };
    this.current = 'done';
  }

  private onPlainMessage(message: HandshakeMessage): void {
    if (this.current === 'awaiting-server-hello') {
      if (message.type === HandshakeType.helloRequest) return;
      if (message.type !== HandshakeType.serverHello) throw new TlsWireError(`expected ServerHello, got handshake message type ${message.type}`);
      const hello = parseServerHello(message.body);
      this.hello = hello;
      if (hello.helloRetryRequest) return; // the real ServerHello follows
      if (hello.version === 0x0304) {
        const suite = TLS13_SUITES.get(hello.cipherSuite);
        if (!suite) throw new TlsWireError(`unsupported TLS 1.3 cipher suite 0x${hello.cipherSuite.toString(16).padStart(4, '0')}`);
        if (this.handshake.pending) throw new TlsWireError('handshake bytes after the TLS 1.3 ServerHello in the same plaintext record');
        this.current = 'tls13-encrypted';
        this.startDecrypting();
      } else {
        this.current = 'tls12';
      }
      return;
    }
    // TLS 1.0-1.2: Certificate follows ServerHello; ServerHelloDone without one means an anonymous suite.
    if (message.type === HandshakeType.certificate) {
      this.chain = parseCertificateMessage(message.body, false);
      this.current = 'done';
    } else if (message.type === HandshakeType.serverHelloDone) {
      this.current = 'done';
    }
  }

  private startDecrypting(): void {
    if (this.current !== 'tls13-encrypted' || !this.secret || this.decryptor) return;
    this.decryptor = new RecordDecryptor(TLS13_SUITES.get(this.hello!.cipherSuite)!, this.secret);
    for (const record of this.waiting.splice(0)) {
      this.onEncrypted(record);
      if (this.isDone) return;
    }
  }

  private onEncrypted(record: TlsRecord): void {
    const inner = this.decryptor!.decrypt(record);
    if (inner.type === ContentType.alert) return this.onAlert(inner.content);
    if (inner.type !== ContentType.handshake) throw new TlsWireError(`encrypted record of content type ${inner.type} before the server's Certificate`);
    for (const message of this.encryptedHandshake.push(inner.content)) {
      // EncryptedExtensions and CertificateRequest come first; Finished without a Certificate is PSK.
      if (message.type === HandshakeType.certificate) {
        this.chain = parseCertificateMessage(message.body, true);
        this.current = 'done';
      } else if (message.type === HandshakeType.finished) {
        this.current = 'done';
      }
      if (this.isDone) return;
    }
  }
}

/** What the proxy needs from a ClientHello before choosing a chain. */
export interface ClientHelloInfo {
  /** server_name (RFC 6066 3), when the client sent one. */
  servername?: string;
  /** ALPN protocols offered (RFC 7301). */
  alpn: string[];
  /** TLS versions offered in supported_versions, e.g. ['TLSv1.3', 'TLSv1.2']. */
  versions: string[];
}

const VERSION_NAMES: Record<number, string> = { 0x0304: 'TLSv1.3', 0x0303: 'TLSv1.2', 0x0302: 'TLSv1.1', 0x0301: 'TLSv1' };

/**
 * The largest ClientHello the proxy reads: OpenSSL's own server limit (`CLIENT_HELLO_MAX_LENGTH`,
 * 131,396 bytes of handshake message, in ssl/statem/statem_srvr.c). Real ClientHellos are under
 * 2 KiB; post-quantum key shares bring them near 8 KiB.
 */
export const MAX_CLIENT_HELLO_BYTES = 131_396;

/** A ClientHello larger than {@link MAX_CLIENT_HELLO_BYTES}: refused before it is buffered. */
export class ClientHelloTooLargeError extends TlsWireError {}

/**
 * Reads the ClientHello at the start of a client's byte stream, fed in arbitrary chunks. Each byte
 * is framed once (no re-parse from the start per chunk), and the message's claimed length is
 * checked as soon as its 4-byte header arrives, even inside a record still arriving, so a hello
 * that claims 16 MiB is refused after 9 bytes instead of being buffered. Bytes after the
 * ClientHello (a ChangeCipherSpec, early data) are left for the TLS layer. `buffered` holds every
 * byte pushed, to hand back to it.
 */
export class ClientHelloReader {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  /** The start of a record not yet complete. */
  private pending: Buffer = EMPTY;
  /** Handshake bytes of the ClientHello so far (header included). */
  private message: Buffer = EMPTY;
  private result: ClientHelloInfo | undefined;

  /**
   * Add bytes; returns the ClientHello once complete, undefined while more are needed. Throws
   * {@link TlsWireError} when the bytes are not a ClientHello, {@link ClientHelloTooLargeError}
   * when it is too large.
   */
  push(chunk: Buffer): ClientHelloInfo | undefined {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.result) return this.result;
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const p = this.pending;
      if (p.length >= 1 && p[0] !== ContentType.handshake) {
        throw new TlsWireError(p[0]! >= ContentType.changeCipherSpec && p[0]! <= ContentType.heartbeat ? `expected a handshake record, got content type ${p[0]}` : `not a TLS record header: ${p.subarray(0, RECORD_HEADER_LENGTH).toString('hex')}`);
      }
      if (p.length >= 2 && p[1] !== 3) throw new TlsWireError(`not a TLS record header: ${p.subarray(0, RECORD_HEADER_LENGTH).toString('hex')}`);
      if (p.length < RECORD_HEADER_LENGTH) break;
      const length = p.readUInt16BE(3);
      if (length > MAX_RECORD_LENGTH) throw new TlsWireError(`TLS record of ${length} bytes exceeds the ${MAX_RECORD_LENGTH}-byte limit`);
      // The message header may sit in this record's first bytes: check it before the record is whole.
      // (Most hellos come whole in one record: then the header is read in place, nothing copied.)
      const seen = this.message.length === 0 ? p.subarray(RECORD_HEADER_LENGTH, RECORD_HEADER_LENGTH + Math.min(length, 4)) : Buffer.concat([this.message, p.subarray(RECORD_HEADER_LENGTH, RECORD_HEADER_LENGTH + Math.min(length, 4))]);
      if (seen.length >= 1 && seen[0] !== HandshakeType.clientHello) throw new TlsWireError(`expected a ClientHello, got handshake type ${seen[0]}`);
      if (seen.length >= 4 && seen.readUIntBE(1, 3) > MAX_CLIENT_HELLO_BYTES) {
        throw new ClientHelloTooLargeError(`a ClientHello of ${seen.readUIntBE(1, 3)} bytes exceeds the ${MAX_CLIENT_HELLO_BYTES}-byte limit`);
      }
      if (p.length < RECORD_HEADER_LENGTH + length) break;
      const fragment = p.subarray(RECORD_HEADER_LENGTH, RECORD_HEADER_LENGTH + length);
      this.message = this.message.length === 0 ? fragment : Buffer.concat([this.message, fragment]);
      this.pending = p.subarray(RECORD_HEADER_LENGTH + length);
      if (this.message.length >= 4 && this.message.length >= 4 + this.message.readUIntBE(1, 3)) {
        this.result = parseClientHello(this.message.subarray(4, 4 + this.message.readUIntBE(1, 3)));
        this.pending = EMPTY;
        this.message = EMPTY;
        return this.result;
      }
    }
    // Records of at most 18 KiB and a message bounded above: this only trips on a stream of
    // empty records (RFC 8446 5.1 forbids them for handshake data) that never completes a message.
    if (this.size > MAX_CLIENT_HELLO_BYTES + 1024) throw new ClientHelloTooLargeError(`${this.size} bytes without a complete ClientHello`);
    return undefined;
  }

  /** Every byte pushed so far, in order. */
  get buffered(): Buffer {
    if (this.chunks.length > 1) this.chunks.splice(0, this.chunks.length, Buffer.concat(this.chunks));
    return this.chunks[0] ?? EMPTY;
  }

  /** How many bytes were pushed. */
  get bytes(): number {
    return this.size;
  }
}

function parseClientHello(body: Buffer): ClientHelloInfo {
  const c = new Cursor(body, 'ClientHello');
  const legacyVersion = c.uint(2);
  c.skip(32); // random
  c.skipVector(1); // legacy_session_id
  c.skipVector(2); // cipher_suites
  c.skipVector(1); // legacy_compression_methods
  const info: ClientHelloInfo = { alpn: [], versions: [] };
  if (c.remaining === 0) return { ...info, versions: [VERSION_NAMES[legacyVersion] ?? `0x${legacyVersion.toString(16)}`] };
  const exts = new Cursor(c.vector(2), 'ClientHello extensions');
  while (exts.remaining > 0) {
    const type = exts.uint(2);
    // Only three extensions are read; the others (a dozen in a browser's hello) are stepped over.
    if (type !== 0x0000 && type !== 0x0010 && type !== EXT_SUPPORTED_VERSIONS) {
      exts.skipVector(2);
      continue;
    }
    const data = new Cursor(exts.vector(2), 'extension');
    if (type === 0x0000) {
      const list = new Cursor(data.vector(2), 'server_name list');
      while (list.remaining > 0) {
        const nameType = list.uint(1);
        const name = list.vector(2);
        if (nameType === 0) info.servername = name.toString('latin1');
      }
    } else if (type === 0x0010) {
      const list = new Cursor(data.vector(2), 'ALPN list');
      while (list.remaining > 0) info.alpn.push(list.vector(1).toString('latin1'));
    } else if (type === EXT_SUPPORTED_VERSIONS) {
      const list = new Cursor(data.vector(1), 'supported_versions');
      while (list.remaining > 0) {
        const v = list.uint(2);
        // GREASE values (RFC 8701) are noise by design.
        if ((v & 0x0f0f) !== 0x0a0a) info.versions.push(VERSION_NAMES[v] ?? `0x${v.toString(16)}`);
      }
    }
  }
  if (!info.versions.length) info.versions.push(VERSION_NAMES[legacyVersion] ?? `0x${legacyVersion.toString(16)}`);
  return info;
}
