/**
 * The one reading of a pin as people write it: an RFC 7469 pin (base64 of the SHA-256 of a
 * SubjectPublicKeyInfo), or a legacy SHA-1 one (OkHttp's `sha1/`, HPKP drafts' `pin-sha1`), bare
 * or in one of the wrappings clients use. Profiles, `verify --pins`, `verify --batch`, the pin
 * policy readers, the model's policies and received pin reports all read pins through here.
 */

/** The digest a pin is made with. SHA-1 pins are legacy and still matched, as OkHttp 3-4 and PayPal's published pin sets do. */
export type PinHash = 'sha256' | 'sha1';

/** A checked pin: its digest and its canonical base64 value. */
export interface PinValue {
  hash: PinHash;
  value: string;
}

/**
 * The value of a SHA-256 pin: 44 characters, base64 of exactly 32 bytes. 32 bytes are 256 bits
 * and 43 characters carry 258, so the last character before `=` has its two low bits zero
 * (canonical base64, what every tool writes): a non-canonical spelling decodes to the same
 * bytes but never equals a computed pin, so it would pin nothing.
 */
const PIN_VALUE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
/** The value of a SHA-1 pin: 28 characters, base64 of exactly 20 bytes (27 characters carry 162 bits: two low bits zero). */
const SHA1_VALUE = /^[A-Za-z0-9+/]{26}[AEIMQUYcgkosw048]=$/;

/** HPKP's directive (`pin-sha256="B64"`; RFC 7469 section 2.1: names are case-insensitive, spaces may surround `=`); `pin-sha1` in its drafts. */
const HPKP_PREFIX = /^pin-(sha256|sha1)\s*=\s*/i;
/** OkHttp's `sha256/` and `sha1/` (curl's `sha256//` is that and one more slash). */
const HASH_PREFIX = /^(sha256|sha1)\//i;
/** The shape of a pin value, canonical or not: 43 base64 characters and `=`. Its first character may be `/`. */
const PIN_SHAPE = /^[A-Za-z0-9+/]{43}=$/;
/** The same for a SHA-1 pin: 27 base64 characters and `=`. */
const SHA1_SHAPE = /^[A-Za-z0-9+/]{27}=$/;

function unquote(text: string): string {
  return text.replace(/^"/, '').replace(/"$/, '');
}

/**
 * A pin without its wrapping, whether or not what is left is a valid pin: trimmed, without
 * `pin-sha256=` / `pin-sha1=` (HPKP), `sha256/` / `sha1/` (OkHttp) or `sha256//` (curl), and
 * without the quotes around the value or the whole. For places that must not refuse (a policy's
 * pin compares unequal, a received report shows what the client sent); {@link parsePin} is the
 * checked reading.
 */
export function normalisePin(text: string): string {
  return unwrap(text).value;
}

/** The digest the wrapping names (none: undefined) and the value inside it. */
function unwrap(text: string): { hash?: PinHash; value: string } {
  const hpkp = HPKP_PREFIX.exec(text.trim());
  const inner = unquote(text.trim().replace(HPKP_PREFIX, ''));
  const prefix = HASH_PREFIX.exec(inner);
  const named = (prefix?.[1] ?? hpkp?.[1])?.toLowerCase() as PinHash | undefined;
  if (!prefix) return { ...(named ? { hash: named } : {}), value: unquote(inner) };
  let rest = inner.slice(prefix[0].length);
  // A pin may itself start with '/' (1 key in 64): a second slash is curl's only when what is left
  // without it is not already a whole pin (found by mutation testing: `sha256/` + '/...' lost it).
  if (rest.startsWith('/') && !(named === 'sha1' ? SHA1_SHAPE : PIN_SHAPE).test(unquote(rest))) rest = rest.slice(1);
  return { hash: named!, value: unquote(rest) };
}

/**
 * The digest and base64 value of a pin written as `sha256/B64`, `sha256//B64`, `pin-sha256="B64"`,
 * `sha1/B64`, `pin-sha1="B64"` or a bare `B64` (44 characters: SHA-256; 28: SHA-1), or undefined
 * when it is not one (wrong length for its digest, not base64, another hash, empty).
 */
export function parsePin(text: string): PinValue | undefined {
  const { hash, value } = unwrap(text);
  if ((hash === undefined || hash === 'sha256') && PIN_VALUE.test(value)) return { hash: 'sha256', value };
  if ((hash === undefined || hash === 'sha1') && SHA1_VALUE.test(value)) return { hash: 'sha1', value };
  return undefined;
}

/** A pin as OkHttp writes it: `sha256/B64` or `sha1/B64`. */
export function pinText(pin: PinValue): string {
  return `${pin.hash}/${pin.value}`;
}

/**
 * Why a pin value is an obvious placeholder (`AAAA…A=`, `////…/8=`, `BBBB…B=`, `ABCDEFGH…`), or
 * undefined when it looks like a digest: the one placeholder check of every reader and of lint.
 * A digest's bytes look random: 32 random bytes hold ~30 distinct values, a run of 8 equal base64
 * characters comes up about once in 10^11 pins, and a run of 12 consecutive letters of the base64
 * alphabet under 2^-60; so fewer distinct bytes than half the digest, or such a run, is a value
 * someone typed in, as OkHttp's documentation does with `sha256/AAAA…A=` to find the real pins
 * from the error it provokes (CertificatePinner javadoc). Works on the text, so a non-canonical
 * placeholder (`BBBB…B=`, which parsePin refuses) is recognised too.
 */
export function placeholderPinProblem(pin: PinValue | string): string | undefined {
  const value = typeof pin === 'string' ? normalisePin(pin) : pin.value;
  const body = value.replace(/=+$/, '');
  // Only values of a pin's length (SHA-256: 43 characters before '=', SHA-1: 27): a hex digest is another mistake.
  if ((body.length !== 43 && body.length !== 27) || !/^[A-Za-z0-9+/]+$/.test(body)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  const distinct = new Set(bytes).size;
  if (distinct < bytes.length / 2) return `a placeholder, not a digest: ${distinct} distinct byte value${distinct === 1 ? '' : 's'} in ${bytes.length}`;
  const run = /(.)\1{7,}/.exec(body);
  if (run) return `a placeholder, not a digest: '${run[1]}' repeated ${run[0].length} times`;
  let ascending = 1;
  for (let i = 1; i < body.length; i++) {
    ascending = BASE64_ALPHABET.indexOf(body[i]!) === BASE64_ALPHABET.indexOf(body[i - 1]!) + 1 ? ascending + 1 : 1;
    if (ascending >= 12) return 'a placeholder, not a digest: a run of the base64 alphabet';
  }
  return undefined;
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
