import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { b64url, fromB64url, jwkThumbprint, parseJws, parseStrictJson, rawVerify, signJws, signingInput, trustedKey } from '../../src/dynamic/jws.js';
import { tempDir } from '../helpers/tmp.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const ed = generateKeyPairSync('ed25519').privateKey;

/** RFC 7515 Appendix A.3: the ES256 example (key and JWS as printed there, line breaks removed). */
const RFC7515_A3 = {
  jwk: { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' },
  jws: 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q',
};
/** RFC 8037 Appendix A.1-A.4: the Ed25519 key, its thumbprint (A.3) and the JWS (A.4). */
const RFC8037 = {
  jwk: { kty: 'OKP', crv: 'Ed25519', d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
  thumbprint: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
  jws: 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg',
};

/** r||s as the DER ECDSA-Sig-Value OpenSSL verifies (RFC 3279 section 2.2.3), written here independently of src/. */
function rawToDer(raw: Buffer): Buffer {
  const int = (b: Buffer) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.subarray(i);
    if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

describe('RFC test vectors', () => {
  it('verifies RFC 7515 A.3 (ES256) with its public key, and not with the last signature byte changed', () => {
    const parsed = parseJws(RFC7515_A3.jws);
    if (!parsed.ok) throw new Error(parsed.reason);
    const key = createPublicKey({ key: RFC7515_A3.jwk, format: 'jwk' });
    expect(parsed.jws.header).toEqual({ alg: 'ES256' });
    expect(parsed.jws.signature.length).toBe(64);
    expect(rawVerify('ES256', signingInput(parsed.jws.protectedB64, parsed.jws.payloadB64), parsed.jws.signature, key)).toBe(true);
    const bad = Buffer.from(parsed.jws.signature);
    bad[63] = bad[63]! ^ 1;
    expect(rawVerify('ES256', signingInput(parsed.jws.protectedB64, parsed.jws.payloadB64), bad, key)).toBe(false);
  });

  it('reproduces RFC 8037 A.4 (Ed25519 is deterministic) and its A.3 thumbprint', () => {
    const key = createPrivateKey({ key: RFC8037.jwk, format: 'jwk' });
    expect(signJws({ alg: 'EdDSA' }, 'Example of Ed25519 signing', key)).toBe(RFC8037.jws);
    expect(jwkThumbprint(key)).toBe(RFC8037.thumbprint);
    expect(trustedKey(key).key.type).toBe('public');
  });
});

describe('ES256 signatures are raw r||s, not DER (RFC 7518 section 3.4)', () => {
  const jws = signJws({ alg: 'ES256', kid: 'k' }, '{"a":1}', ec);
  const [h, p, s] = jws.split('.') as [string, string, string];
  const raw = fromB64url(s)!;

  it('is 64 bytes and verifies; the same signature in DER does not', () => {
    expect(raw.length).toBe(64);
    expect(rawVerify('ES256', signingInput(h, p), raw, createPublicKey(ec))).toBe(true);
    expect(rawVerify('ES256', signingInput(h, p), rawToDer(raw), createPublicKey(ec))).toBe(false);
    // node's own DER signature over the same input does not verify as a JWS signature either.
    expect(rawVerify('ES256', signingInput(h, p), sign('sha256', signingInput(h, p), ec), createPublicKey(ec))).toBe(false);
  });

  const dir = tempDir('pinprick-jws-');
  afterAll(() => dir.cleanup());
  it('verifies with openssl dgst once converted to DER (an independent implementation)', () => {
    const pub = join(dir.path, 'pub.pem');
    writeFileSync(pub, createPublicKey(ec).export({ type: 'spki', format: 'pem' }) as string, { flag: 'wx' });
    writeFileSync(join(dir.path, 'input'), signingInput(h, p), { flag: 'wx' });
    writeFileSync(join(dir.path, 'sig.der'), rawToDer(raw), { flag: 'wx' });
    const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', pub, '-signature', join(dir.path, 'sig.der'), join(dir.path, 'input')], { encoding: 'utf8' });
    expect(out.trim()).toBe('Verified OK');
    writeFileSync(join(dir.path, 'other'), signingInput(h, `${p}x`), { flag: 'wx' });
    expect(() => execFileSync('openssl', ['dgst', '-sha256', '-verify', pub, '-signature', join(dir.path, 'sig.der'), join(dir.path, 'other')], { stdio: 'pipe' })).toThrow();
  });
});

describe('Python cryptography verifies our ES256 and EdDSA JWS', () => {
  let hasPython = true;
  try {
    execFileSync('python3', ['-c', 'import cryptography'], { stdio: 'pipe' });
  } catch {
    hasPython = false;
  }
  const script = `
import sys, json, base64
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
def d(s): return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))
args = json.load(sys.stdin)
h, p, s = args['jws'].split('.')
key = load_pem_public_key(args['pem'].encode())
sig = d(s)
data = (h + '.' + p).encode()
if args['alg'] == 'ES256':
    r, ss = int.from_bytes(sig[:32], 'big'), int.from_bytes(sig[32:], 'big')
    key.verify(utils.encode_dss_signature(r, ss), data, ec.ECDSA(hashes.SHA256()))
else:
    key.verify(sig, data)
print('ok')
`;
  it.skipIf(!hasPython).each([
    ['ES256', ec],
    ['EdDSA', ed],
  ] as const)('%s', (alg, key) => {
    const jws = signJws({ alg, kid: jwkThumbprint(key) }, '{"version":1}', key);
    const pem = createPublicKey(key).export({ type: 'spki', format: 'pem' });
    expect(execFileSync('python3', ['-c', script], { input: JSON.stringify({ jws, pem, alg }), encoding: 'utf8' }).trim()).toBe('ok');
    const tampered = `${jws.split('.')[0]}.${b64url('{"version":2}')}.${jws.split('.')[2]}`;
    expect(() => execFileSync('python3', ['-c', script], { input: JSON.stringify({ jws: tampered, pem, alg }), stdio: 'pipe' })).toThrow();
  });
});

describe('parseJws', () => {
  const good = signJws({ alg: 'ES256' }, '{}', ec);
  const [h, p, s] = good.split('.') as [string, string, string];
  it.each<[string, string, 'ok' | 'malformed']>([
    ['a compact JWS', good, 'ok'],
    ['the flattened JSON form', JSON.stringify({ protected: h, payload: p, signature: s }), 'ok'],
    ['two parts (signature removed)', `${h}.${p}`, 'ok'],
    ['an empty third part', `${h}.${p}.`, 'ok'],
    ['four parts', `${good}.x`, 'malformed'],
    ['one part', h, 'malformed'],
    ['padding in the signature', `${h}.${p}.${s}=`, 'malformed'],
    ['standard base64 characters', `${h}.${p}.${s.replace(/-|_/g, '+')}+`, 'malformed'],
    ['a header that is not JSON', `${b64url('alg')}.${p}.${s}`, 'malformed'],
    ['a header that is a JSON array', `${b64url('[]')}.${p}.${s}`, 'malformed'],
    ['a header with a duplicate member', `${b64url('{"alg":"ES256","alg":"none"}')}.${p}.${s}`, 'malformed'],
    ['a header that is not UTF-8', `${b64url(Buffer.from([0x7b, 0xff, 0x7d]))}.${p}.${s}`, 'malformed'],
    ['JSON without signature', JSON.stringify({ protected: h, payload: p }), 'ok'],
    ['the general JSON form', JSON.stringify({ payload: p, signatures: [{ protected: h, signature: s }] }), 'malformed'],
    ['JSON with an unknown member', JSON.stringify({ protected: h, payload: p, signature: s, extra: 1 }), 'malformed'],
    ['JSON with a duplicate member', `{"protected":"${h}","payload":"${p}","signature":"${s}","signature":"${s}"}`, 'malformed'],
    ['not JSON at all', '{nope', 'malformed'],
  ])('%s', (_what, text, expected) => {
    const parsed = parseJws(text);
    expect(parsed.ok ? 'ok' : parsed.code).toBe(expected);
  });

  it('reads two parts, an empty third part, and a JSON one without signature, as no signature', () => {
    for (const text of [`${h}.${p}`, `${h}.${p}.`, JSON.stringify({ protected: h, payload: p })]) {
      const parsed = parseJws(text);
      expect(parsed.ok && parsed.jws.signature.length).toBe(0);
    }
  });
});

describe('parseStrictJson', () => {
  it.each<[string, string, boolean]>([
    ['an object', '{"a":[1,{"b":2}]}', true],
    ['a comment', '{"a":1 /* x */}', false],
    ['a trailing comma', '{"a":1,}', false],
    ['a nested duplicate', '{"a":{"b":1,"b":2}}', false],
    ['the same name at two depths', '{"a":{"a":1}}', true],
  ])('%s', (_what, text, ok) => {
    expect('value' in parseStrictJson(text)).toBe(ok);
  });
});
