/**
 * The one reading of a pin as people write it: an RFC 7469 pin (base64 of the SHA-256 of a
 * SubjectPublicKeyInfo) bare or in one of the wrappings clients use. Profiles, `verify --pins`,
 * `verify --batch`, the model's policies and received pin reports all read pins through here.
 */

/**
 * The value of a SHA-256 pin: 44 characters, base64 of exactly 32 bytes. 32 bytes are 256 bits
 * and 43 characters carry 258, so the last character before `=` has its two low bits zero
 * (canonical base64, what every tool writes): a non-canonical spelling decodes to the same
 * bytes but never equals a computed pin, so it would pin nothing.
 */
const PIN_VALUE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** HPKP's directive (`pin-sha256="B64"`; RFC 7469 section 2.1: names are case-insensitive, spaces may surround `=`). */
const HPKP_PREFIX = /^pin-sha256\s*=\s*/i;
/** OkHttp's `sha256/` (curl's `sha256//` is that and one more slash). */
const HASH_PREFIX = /^sha256\//i;
/** The shape of a pin value, canonical or not: 43 base64 characters and `=`. Its first character may be `/`. */
const PIN_SHAPE = /^[A-Za-z0-9+/]{43}=$/;

function unquote(text: string): string {
  return text.replace(/^"/, '').replace(/"$/, '');
}

/**
 * A pin without its wrapping, whether or not what is left is a valid pin: trimmed, without
 * `pin-sha256=` (HPKP), `sha256/` (OkHttp) or `sha256//` (curl), and without the quotes around
 * the value or the whole. For places that must not refuse (a policy's pin compares unequal, a
 * received report shows what the client sent); {@link parsePin} is the checked reading.
 */
export function normalisePin(text: string): string {
  const inner = unquote(text.trim().replace(HPKP_PREFIX, ''));
  const prefix = HASH_PREFIX.exec(inner);
  if (!prefix) return unquote(inner);
  let rest = inner.slice(prefix[0].length);
  // A pin may itself start with '/' (1 key in 64): a second slash is curl's only when what is left
  // without it is not already a whole pin (found by mutation testing: `sha256/` + '/...' lost it).
  if (rest.startsWith('/') && !PIN_SHAPE.test(unquote(rest))) rest = rest.slice(1);
  return unquote(rest);
}

/**
 * The base64 value of a pin written as `sha256/B64`, `sha256//B64`, `pin-sha256="B64"` or a bare
 * `B64`, or undefined when it is not one (wrong length, not base64, not 32 bytes, another hash
 * such as `sha1/`, empty).
 */
export function parsePin(text: string): string | undefined {
  const value = normalisePin(text);
  return PIN_VALUE.test(value) ? value : undefined;
}
