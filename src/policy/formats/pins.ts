/**
 * A pin as a configuration file writes it, for the readers under src/policy/formats: the one pin
 * parser (model/pin.ts) decides what the value is; this says, in one line lint can show, why a
 * value it refuses is not a usable pin.
 */
import { parsePin, placeholderPinProblem, type PinHash, type PinValue } from '../../model/pin.js';
import type { PolicyPin } from '../../model/policy.js';

/** A pin the reader accepts, or why it does not. */
export type PinReading = { pin: PinValue } | { problem: string };

/**
 * Read a pin written as the format writes it (`sha256/B64`, `sha256//B64`, a bare `B64`), accepting
 * only the digests the format knows. Never throws: a value that is not a usable pin comes back as
 * a problem sentence, and the reader keeps the rule's other pins (issue 17).
 */
export function readPin(text: string, accept: readonly PinHash[] = ['sha256']): PinReading {
  // Before the parse: README placeholders such as BBBB…B= are not even canonical base64.
  const placeholder = placeholderPinProblem(text);
  if (placeholder) return { problem: `'${shorten(text)}' is ${placeholder}` };
  const pin = parsePin(text);
  if (pin && accept.includes(pin.hash)) return { pin };
  if (pin) return { problem: `'${shorten(text)}' is a ${pin.hash === 'sha1' ? 'SHA-1' : 'SHA-256'} pin; this format takes ${accept.map((h) => (h === 'sha1' ? 'SHA-1' : 'SHA-256')).join(' and ')} pins only` };
  return { problem: pinProblem(text) };
}

/** Why a value parsePin refused is not a pin, for the one-line note. */
function pinProblem(text: string): string {
  const value = text.trim().replace(/^(?:sha256|sha1)\/\/?/i, '').replace(/^pin-(?:sha256|sha1)\s*=\s*/i, '').replace(/^"|"$/g, '');
  const shown = `'${shorten(text)}'`;
  if (value === '') return 'an empty pin';
  if (/^[0-9a-f]{64}$/i.test(value)) return `${shown} is a hex SHA-256 digest; pins are base64 (44 characters ending in '=')`;
  if (/^(?:[0-9a-f]{2}:){31}[0-9a-f]{2}$/i.test(value)) return `${shown} is a colon-separated hex digest (a certificate fingerprint?); pins are the base64 SHA-256 of the public key`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return `${shown} is not base64`;
  const bytes = Buffer.from(value, 'base64').length;
  if (bytes === 32 || bytes === 20) return `${shown} is not canonical base64: it decodes to ${bytes} bytes but never equals a computed pin`;
  return `${shown} decodes to ${bytes} bytes; a SHA-256 pin is the base64 of 32 bytes`;
}

/** Long values cut for messages. */
function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A policy pin from a checked value, with its label when the file gives one. */
export function policyPin(pin: PinValue, label?: string, on?: PolicyPin['on']): PolicyPin {
  return { hash: pin.hash, value: pin.value, ...(label ? { label } : {}), ...(on ? { on } : {}) };
}
