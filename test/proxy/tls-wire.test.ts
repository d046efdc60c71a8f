import { createCipheriv, createHmac, hkdfSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  alertName,
  HandshakeReader,
  hkdfExpand,
  hkdfExpandLabel,
  parseCertificateMessage,
  parseKeylogLine,
  parseServerHello,
  RecordDecryptor,
  RecordReader,
  ServerFlightParser,
  TLS13_SUITES,
  TlsWireError,
  trafficKeys,
  type Tls13Suite,
  type TlsRecord,
} from '../../src/proxy/tls-wire.js';

// RFC 8448 section 3 ("Simple 1-RTT Handshake"): the protocol's own trace, so a pass here is
// agreement with the RFC rather than with this module's reading of it.
const RFC8448 = {
  serverHelloRecord: hex(
    '160303005a020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304',
  ),
  serverHandshakeTrafficSecret: hex('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38'),
  serverHandshakeKey: hex('3fce516009c21727d0f2e4e86ee403bc'),
  serverHandshakeIv: hex('5d313eb2671276ee13000b30'),
  /** EncryptedExtensions, Certificate, CertificateVerify and Finished in one protected record (679 bytes). */
  serverFlightRecord: hex(
    '17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb960b4068905123ea78' +
      'b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13bd9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9' +
      'd7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd61092' +
      '8d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b368' +
      '4596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26' +
      'f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e' +
      '1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7cca71e4599426f7d4' +
      '61e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb' +
      '992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038' +
      'ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5' +
      'd2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e750edc53370d2b',
  ),
  /** The plaintext of that record (657 bytes), without its inner content type. */
  serverFlightPlaintext: hex(
    '080000240022000a00140012001d00170018001901000101010201030104001c00024001000000000b0001b9000001b50001b0308201ac30820115a003020102' +
      '020102300d06092a864886f70d01010b0500300e310c300a06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335' +
      '395a300e310c300a0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c' +
      '0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e2' +
      '2a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304' +
      '023000300b0603551d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594' +
      '365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb' +
      '2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de100000f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f82' +
      '4cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671' +
      '459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3140000209b9b141d906337fbd2cbdce71df4de' +
      'da4ab42c309572cb7fffee5454b78f0718',
  ),
};

function hex(text: string): Buffer {
  return Buffer.from(text, 'hex');
}

/** A TLS record around `body`. */
function record(type: number, body: Buffer, version = 0x0303): Buffer {
  return Buffer.concat([Buffer.of(type, version >> 8, version & 0xff, body.length >> 8, body.length & 0xff), body]);
}

/** A 3-byte big-endian length. */
function u24(n: number): Buffer {
  return Buffer.of(n >> 16, (n >> 8) & 0xff, n & 0xff);
}

/** A handshake message: type, 3-byte length, body. */
function message(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.of(type), u24(body.length), body]);
}

/** A TLS 1.2-style ServerHello with no extensions. */
function tls12ServerHello(): Buffer {
  return message(2, Buffer.concat([Buffer.of(3, 3), Buffer.alloc(32, 7), Buffer.of(0), Buffer.of(0xc0, 0x2b), Buffer.of(0)]));
}

/** A Certificate message body; TLS 1.3 adds the request context and per-entry extensions. */
function certificateBody(certs: Buffer[], tls13: boolean): Buffer {
  const entries = Buffer.concat(certs.map((c) => Buffer.concat([u24(c.length), c, ...(tls13 ? [Buffer.of(0, 0)] : [])])));
  return Buffer.concat([...(tls13 ? [Buffer.of(0)] : []), u24(entries.length), entries]);
}

/** Protect `content` as TLS 1.3 record number `seq` (RFC 8446 5.2), the inverse of what is under test. */
function protect(suite: Tls13Suite, secret: Buffer, seq: number, innerType: number, content: Buffer, padding = 0): Buffer {
  const { key, iv } = trafficKeys(suite, secret);
  const nonce = Buffer.from(iv);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
  const inner = Buffer.concat([content, Buffer.of(innerType), Buffer.alloc(padding)]);
  const header = Buffer.of(23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff);
  const cipher =
    suite.cipher === 'chacha20-poly1305'
      ? createCipheriv(suite.cipher, key, nonce, { authTagLength: 16 })
      : createCipheriv(suite.cipher, key, nonce, { authTagLength: 16 });
  cipher.setAAD(header, { plaintextLength: inner.length });
  return Buffer.concat([header, cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
}

function readAll(reader: RecordReader, bytes: Buffer, chunk: number): TlsRecord[] {
  const out: TlsRecord[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...reader.push(bytes.subarray(i, i + chunk)));
  return out;
}

describe('RecordReader', () => {
  const stream = Buffer.concat([record(22, Buffer.from('hello')), record(20, Buffer.of(1)), record(23, Buffer.alloc(300, 9))]);

  it('cuts a stream into the same records whether it arrives byte by byte or at once', () => {
    const whole = new RecordReader().push(stream);
    expect(whole.map((r) => [r.type, r.fragment.length])).toEqual([
      [22, 5],
      [20, 1],
      [23, 300],
    ]);
    expect(readAll(new RecordReader(), stream, 1)).toEqual(whole);
    expect(readAll(new RecordReader(), stream, 7)).toEqual(whole);
  });

  it('keeps the 5-byte header, which TLS 1.3 authenticates as additional data', () => {
    const [first] = new RecordReader().push(stream);
    expect(first!.header).toEqual(Buffer.of(22, 3, 3, 0, 5));
    expect(first!.version).toBe(0x0303);
  });

  it('holds back a partial record until its last byte arrives', () => {
    const reader = new RecordReader();
    expect(reader.push(stream.subarray(0, 8))).toEqual([]);
    expect(reader.buffered).toBe(8);
    expect(reader.push(stream.subarray(8, 10))).toHaveLength(1);
  });

  it('rejects an HTTP reply as soon as its first five bytes arrive', () => {
    expect(() => new RecordReader().push(Buffer.from('HTTP/'))).toThrow(TlsWireError);
  });

  it('rejects a record longer than TLS allows', () => {
    expect(() => new RecordReader().push(Buffer.of(23, 3, 3, 0xff, 0xff))).toThrow(/exceeds/);
  });
});

describe('HandshakeReader', () => {
  it('reassembles a message that spans records', () => {
    const bytes = message(11, Buffer.alloc(1000, 1));
    const reader = new HandshakeReader();
    expect(reader.push(bytes.subarray(0, 3))).toEqual([]);
    expect(reader.push(bytes.subarray(3, 600))).toEqual([]);
    expect(reader.pending).toBe(true);
    const [m] = reader.push(bytes.subarray(600));
    expect(m).toEqual({ type: 11, body: Buffer.alloc(1000, 1) });
    expect(reader.pending).toBe(false);
  });

  it('splits several messages carried by one record', () => {
    const bytes = Buffer.concat([message(8, Buffer.of(0, 0)), message(11, Buffer.from('c')), message(15, Buffer.alloc(0))]);
    expect(new HandshakeReader().push(bytes).map((m) => m.type)).toEqual([8, 11, 15]);
  });
});

describe('parseServerHello', () => {
  it('recognises TLS 1.3 by the supported_versions extension and reads the suite (RFC 8448)', () => {
    const hello = parseServerHello(RFC8448.serverHelloRecord.subarray(9));
    expect(hello.version).toBe(0x0304);
    expect(hello.cipherSuite).toBe(0x1301);
    expect(hello.helloRetryRequest).toBe(false);
  });

  it('takes legacy_version when there are no extensions (TLS 1.2)', () => {
    const hello = parseServerHello(tls12ServerHello().subarray(4));
    expect(hello).toMatchObject({ version: 0x0303, cipherSuite: 0xc02b });
  });

  it('spots a HelloRetryRequest by its special random', () => {
    const body = Buffer.from(RFC8448.serverHelloRecord.subarray(9));
    hex('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c').copy(body, 2);
    expect(parseServerHello(body).helloRetryRequest).toBe(true);
  });

  it('rejects a truncated ServerHello', () => {
    expect(() => parseServerHello(Buffer.of(3, 3, 1, 2))).toThrow(/truncated ServerHello/);
  });
});

describe('parseCertificateMessage', () => {
  const certs = [Buffer.from('leaf'), Buffer.from('extra'), Buffer.from('intermediate'), Buffer.from('intermediate')];

  it('returns every certificate in wire order, duplicates included (TLS 1.2 layout)', () => {
    expect(parseCertificateMessage(certificateBody(certs, false), false)).toEqual(certs);
  });

  it('skips the request context and per-entry extensions (TLS 1.3 layout)', () => {
    expect(parseCertificateMessage(certificateBody(certs, true), true)).toEqual(certs);
  });

  it('returns an empty list for an empty Certificate message', () => {
    expect(parseCertificateMessage(certificateBody([], true), true)).toEqual([]);
  });

  it('rejects a certificate whose length runs past the message', () => {
    const body = certificateBody(certs, false);
    body.writeUIntBE(0xffff, 3, 3);
    expect(() => parseCertificateMessage(body, false)).toThrow(TlsWireError);
  });
});

describe('HKDF', () => {
  it('HKDF-Expand matches Node hkdfSync (extract then expand) given the extracted PRK', () => {
    const ikm = Buffer.alloc(22, 0x0b);
    const salt = hex('000102030405060708090a0b0c');
    const info = hex('f0f1f2f3f4f5f6f7f8f9');
    const prk = createHmac('sha256', salt).update(ikm).digest();
    const expected = Buffer.from(hkdfSync('sha256', ikm, salt, info, 42));
    expect(hkdfExpand('sha256', prk, info, 42)).toEqual(expected);
    // RFC 5869 A.1 publishes the same OKM.
    expect(expected.toString('hex')).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  it('HKDF-Expand-Label derives the RFC 8448 server handshake key and IV', () => {
    const secret = RFC8448.serverHandshakeTrafficSecret;
    expect(hkdfExpandLabel('sha256', secret, 'key', Buffer.alloc(0), 16)).toEqual(RFC8448.serverHandshakeKey);
    expect(trafficKeys(TLS13_SUITES.get(0x1301)!, secret)).toEqual({ key: RFC8448.serverHandshakeKey, iv: RFC8448.serverHandshakeIv });
  });

  it('sizes keys per suite: 16 bytes for AES-128, 32 for AES-256 and ChaCha20, a 12-byte IV always', () => {
    const secret = Buffer.alloc(48, 1);
    expect([...TLS13_SUITES.values()].map((s) => [s.name, trafficKeys(s, secret).key.length, trafficKeys(s, secret).iv.length])).toEqual([
      ['TLS_AES_128_GCM_SHA256', 16, 12],
      ['TLS_AES_256_GCM_SHA384', 32, 12],
      ['TLS_CHACHA20_POLY1305_SHA256', 32, 12],
    ]);
  });
});

describe('RecordDecryptor', () => {
  it('opens the RFC 8448 server flight record to the published plaintext', () => {
    const [rec] = new RecordReader().push(RFC8448.serverFlightRecord);
    const opened = new RecordDecryptor(TLS13_SUITES.get(0x1301)!, RFC8448.serverHandshakeTrafficSecret).decrypt(rec!);
    expect(opened.type).toBe(22);
    expect(opened.content).toEqual(RFC8448.serverFlightPlaintext);
  });

  it('fails loudly, not silently, under the wrong secret', () => {
    const [rec] = new RecordReader().push(RFC8448.serverFlightRecord);
    expect(() => new RecordDecryptor(TLS13_SUITES.get(0x1301)!, Buffer.alloc(32)).decrypt(rec!)).toThrow(/does not decrypt/);
  });

  it.each([...TLS13_SUITES.values()].map((s) => [s.name, s] as const))(
    'opens %s records in sequence, stripping zero padding and the inner content type',
    (_name, suite) => {
      const secret = Buffer.alloc(suite.hash === 'sha384' ? 48 : 32, 0x5a);
      const stream = Buffer.concat([protect(suite, secret, 0, 22, Buffer.from('first')), protect(suite, secret, 1, 22, Buffer.from('second'), 40)]);
      const decryptor = new RecordDecryptor(suite, secret);
      const opened = new RecordReader().push(stream).map((r) => decryptor.decrypt(r));
      expect(opened).toEqual([
        { type: 22, content: Buffer.from('first') },
        { type: 22, content: Buffer.from('second') },
      ]);
    },
  );

  it('uses the sequence number in the nonce: records cannot be opened out of order', () => {
    const suite = TLS13_SUITES.get(0x1303)!;
    const secret = Buffer.alloc(32, 1);
    const [second] = new RecordReader().push(protect(suite, secret, 1, 22, Buffer.from('x')));
    expect(() => new RecordDecryptor(suite, secret).decrypt(second!)).toThrow(TlsWireError);
  });
});

describe('ServerFlightParser', () => {
  it('recovers the RFC 8448 certificate (CN=rsa) when the secret arrives after the encrypted record', () => {
    const parser = new ServerFlightParser();
    const bytes = Buffer.concat([RFC8448.serverHelloRecord, record(20, Buffer.of(1)), RFC8448.serverFlightRecord]);
    for (const b of bytes) parser.push(Buffer.of(b));
    expect(parser.state).toBe('tls13-encrypted');
    expect(parser.needsSecret).toBe(true);
    parser.setServerHandshakeSecret(RFC8448.serverHandshakeTrafficSecret);
    expect(parser.isDone).toBe(true);
    expect(parser.certificates).toHaveLength(1);
    expect(new X509Certificate(parser.certificates![0]!).subject).toBe('CN=rsa');
  });

  it('recovers it too when the secret is known before the encrypted record arrives', () => {
    const parser = new ServerFlightParser();
    parser.push(RFC8448.serverHelloRecord);
    parser.setServerHandshakeSecret(RFC8448.serverHandshakeTrafficSecret);
    parser.push(RFC8448.serverFlightRecord);
    expect(parser.certificates).toHaveLength(1);
  });

  it('reads a TLS 1.3 flight spread over records: EncryptedExtensions, CertificateRequest, then a Certificate split in two', () => {
    const suite = TLS13_SUITES.get(0x1302)!;
    const secret = Buffer.alloc(48, 3);
    const certs = [Buffer.from('leaf'), Buffer.from('root'), Buffer.from('leaf')];
    const certMessage = message(11, certificateBody(certs, true));
    const hello = Buffer.from(RFC8448.serverHelloRecord);
    hello.writeUInt16BE(0x1302, 5 + 4 + 2 + 32 + 1);
    const parser = new ServerFlightParser();
    parser.setServerHandshakeSecret(secret);
    parser.push(hello);
    parser.push(protect(suite, secret, 0, 22, Buffer.concat([message(8, Buffer.of(0, 0)), message(13, Buffer.of(0, 0, 0)), certMessage.subarray(0, 6)])));
    expect(parser.certificates).toBeUndefined();
    parser.push(protect(suite, secret, 1, 22, certMessage.subarray(6), 10));
    expect(parser.certificates).toEqual(certs);
  });

  it('reads a plaintext TLS 1.2 flight whose Certificate spans records, and ignores what follows', () => {
    const certs = [Buffer.alloc(20_000, 1), Buffer.alloc(5, 2)];
    const handshake = Buffer.concat([tls12ServerHello(), message(11, certificateBody(certs, false)), message(14, Buffer.alloc(0))]);
    const parser = new ServerFlightParser();
    for (let i = 0; i < handshake.length; i += 16_384) parser.push(record(22, handshake.subarray(i, i + 16_384)));
    parser.push(Buffer.from('anything at all after the Certificate'));
    expect(parser.serverHello?.version).toBe(0x0303);
    expect(parser.certificates).toEqual(certs);
  });

  it('records a fatal alert sent instead of a ServerHello', () => {
    const parser = new ServerFlightParser();
    parser.push(record(21, Buffer.of(2, 40)));
    expect(parser.alert).toEqual({ level: 2, description: 40 });
    expect(parser.isDone).toBe(true);
    expect(parser.serverHello).toBeUndefined();
  });

  it('rejects bytes that are not TLS, such as an HTTP response', () => {
    expect(() => new ServerFlightParser().push(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'))).toThrow(TlsWireError);
  });

  it('rejects a TLS 1.3 suite it cannot decrypt', () => {
    const hello = Buffer.from(RFC8448.serverHelloRecord);
    hello.writeUInt16BE(0x1304, 5 + 4 + 2 + 32 + 1);
    expect(() => new ServerFlightParser().push(hello)).toThrow(/unsupported TLS 1.3 cipher suite 0x1304/);
  });
});

describe('key log lines and alerts', () => {
  it('parses an NSS key log line as Node emits it', () => {
    const line = `SERVER_HANDSHAKE_TRAFFIC_SECRET ${'ab'.repeat(32)} ${'cd'.repeat(48)}\n`;
    expect(parseKeylogLine(line)).toEqual({ label: 'SERVER_HANDSHAKE_TRAFFIC_SECRET', clientRandom: Buffer.alloc(32, 0xab), secret: Buffer.alloc(48, 0xcd) });
    expect(parseKeylogLine('# a comment')).toBeUndefined();
  });

  it('names alerts for error messages', () => {
    expect(alertName(40)).toBe('handshake_failure (40)');
    expect(alertName(250)).toBe('alert 250');
  });
});
