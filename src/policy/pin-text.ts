/**
 * A pin value as a configuration file writes it, checked the way the format's client reads it.
 * Formats that take the bare base64 of a SHA-256 SPKI digest (TrustKit kTSKPublicKeyHashes, ATS
 * SPKI-SHA256-BASE64) decode exactly the text written: a wrapping that model/pin.ts accepts
 * elsewhere (`sha256/`, `pin-sha256="…"`) or a space is an invalid pin there. What is left is read
 * by model/pin.ts's parsePin, the one pin parser.
 */
import { parsePin, type PinValue } from '../model/pin.js';
import { isPlaceholderPin } from './pin-values.js';

/**
 * The SHA-256 pin a format that takes bare base64 reads from `text`, or why it is not one (one
 * clause, for a `malformed-pin` note). `client` names who decodes it (`TrustKit`, `ATS`).
 */
export function bareSha256Pin(text: string, client: string): { pin: PinValue } | { problem: string } {
  const parsed = parsePin(text);
  if (!parsed) {
    if (!text.trim()) return { problem: 'an empty pin' };
    return { problem: `not the base64 of a 32-byte SHA-256 digest (44 characters ending in '=')` };
  }
  if (text !== parsed.value) {
    const wrapping = text.trim() === parsed.value ? 'spaces around the value' : `'${text.slice(0, text.indexOf(parsed.value)).trim() || text}'`;
    return { problem: `${client} decodes the text as written and takes the bare base64 value, without ${wrapping}` };
  }
  if (parsed.hash === 'sha1') return { problem: `a SHA-1 digest (28 characters); ${client} takes SHA-256 digests only` };
  if (isPlaceholderPin(parsed.value)) return { problem: 'a placeholder (too few distinct characters, or a run of the base64 alphabet), not the digest of a key' };
  return { pin: parsed };
}
