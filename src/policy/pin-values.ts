/**
 * What a pin-policy reader checks in a pin value beyond its syntax (model/pin.ts `parsePin` is
 * the one reading of a pin): a value that parses but that nobody computed (a placeholder left
 * from a template or a tutorial), and the hex fingerprint of a whole certificate pasted where the
 * base64 digest of a key belongs. Neither makes a reader fail: the reader keeps the rule's other
 * pins and adds a note (policy/format.ts `malformed-pin`, `certificate-fingerprint`) for lint.
 */
import { placeholderPinProblem } from '../model/pin.js';

/** True when a pin value (wrapped or bare) is a placeholder rather than a digest anyone computed: model/pin.ts placeholderPinProblem, the one check. */
export function isPlaceholderPin(value: string): boolean {
  return placeholderPinProblem(value) !== undefined;
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
