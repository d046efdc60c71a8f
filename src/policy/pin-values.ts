/**
 * What a pin-policy reader checks in a pin value beyond its syntax (model/pin.ts `parsePin` is
 * the one reading of a pin): a value that parses but that nobody computed (a placeholder left
 * from a template or a tutorial), and the hex fingerprint of a whole certificate pasted where the
 * base64 digest of a key belongs. Neither makes a reader fail: the reader keeps the rule's other
 * pins and adds a note (policy/format.ts `malformed-pin`, `certificate-fingerprint`) for lint.
 */

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Fewer distinct characters than this in a 43-character value is a placeholder (`AAAA…=`,
 * `ABAB…=`): a SHA-256 digest written in base64 has about 31 distinct characters, and the chance
 * that it has 7 or fewer is about 2^-108 (C(64,7)·(7/64)^43).
 */
const MIN_DISTINCT = 8;
/**
 * A run of this many consecutive characters of the base64 alphabet is a placeholder
 * (`ABCDEFGHIJKL…`): in 43 random characters the chance of one is under 2^-60 (32 places, 64^-11 each).
 */
const ALPHABET_RUN = 12;

/**
 * True when a well-formed pin value (model/pin.ts `parsePin` accepts it) is a placeholder rather
 * than a digest anyone computed: too few distinct characters, or a long run of the alphabet.
 */
export function isPlaceholderPin(value: string): boolean {
  const body = value.replace(/=+$/, '');
  if (new Set(body).size < MIN_DISTINCT) return true;
  let run = 1;
  for (let i = 1; i < body.length; i++) {
    run = BASE64_ALPHABET.indexOf(body[i]!) === BASE64_ALPHABET.indexOf(body[i - 1]!) + 1 ? run + 1 : 1;
    if (run >= ALPHABET_RUN) return true;
  }
  return false;
}

/**
 * A certificate fingerprint as `keytool -list -v`, `openssl x509 -fingerprint` and browsers show
 * it: the SHA-256 (32 bytes) or SHA-1 (20 bytes) of the whole certificate in hex, with or without
 * colons, optionally after `SHA256 Fingerprint=`. It hashes the certificate, not its key, so it
 * never equals a pin; and it changes at every renewal even when the key stays.
 */
const HEX_FINGERPRINT = /^(?:sha-?(?:1|256)\s+fingerprint\s*[=:]\s*)?(?:(?:[0-9a-f]{2}:){31}[0-9a-f]{2}|(?:[0-9a-f]{2}:){19}[0-9a-f]{2}|[0-9a-f]{64}|[0-9a-f]{40})$/i;

/** True when `text` is a certificate's hex fingerprint (SHA-256 or SHA-1) rather than a base64 pin. */
export function looksLikeCertificateFingerprint(text: string): boolean {
  return HEX_FINGERPRINT.test(text.trim());
}
