/**
 * The one escaper for text a peer chooses (an SNI, a CONNECT target, a request line, a pin-failure
 * report's fields) on its way to a terminal, and, under the HTML escaping, to the HTML report.
 *
 * As nginx writes such text to its logs (`log_format ... escape=default`: "characters '"', '\',
 * and other characters with values less than 32 or above 126 will be escaped as '\xXX'",
 * https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format), except that printable text,
 * ASCII or not, stays as it is so an IDN or a report in any script reads as sent:
 * - C0 controls, DEL and C1 controls (Unicode `Cc`): a CR LF in an SNI would forge a whole verdict
 *   line; ESC and the 8-bit CSI (U+009B) start terminal sequences (OSC 0 retitles the window,
 *   CSI 2J clears it, OSC 52 writes the clipboard): `\xHH`.
 * - Unicode bidi controls (`Bidi_Control`, UAX #9: U+061C, U+200E/F, U+202A-202E, U+2066-2069),
 *   which reorder what is shown (Trojan Source, CVE-2021-42574), the line and paragraph
 *   separators U+2028/2029, and lone surrogates (no character at all): `\u{HHHH}`.
 * - A length cap, so a 64 KiB header cannot flood the console: past it, `…`.
 * Printable ASCII passes unchanged. A backslash is not escaped, so a peer could send the text
 * `\x1B` and look like an escaped ESC; nothing it sends can act on the terminal, which is the point.
 */

/** One character that must not reach a terminal as it is. */
const UNSAFE = /[\p{Cc}\p{Bidi_Control}\u2028\u2029\p{Cs}]/u;

/** Output length at which {@link printable} cuts by default: an SNI is at most 255 bytes (RFC 6066 section 3). */
export const DEFAULT_PRINTABLE_MAX = 256;

/** Options of {@link printable}. */
export interface PrintableOptions {
  /** Cut the result at this many UTF-16 units, then `…` (default {@link DEFAULT_PRINTABLE_MAX}; `Infinity` for none). */
  max?: number;
  /** Characters to pass through although they are controls (the HTML report keeps `\n` and `\t` of client output). */
  keep?: string;
}

/** Whether `text` holds a character {@link printable} escapes. */
export function hasUnsafeCharacter(text: string): boolean {
  return UNSAFE.test(text);
}

/** Peer-supplied text made safe for a terminal: controls and bidi characters as `\xHH` / `\u{HHHH}`, cut at a length. */
export function printable(text: string, options: PrintableOptions = {}): string {
  const max = options.max ?? DEFAULT_PRINTABLE_MAX;
  // The common case (a host name, a request line) costs one regular-expression test.
  if (text.length <= max && !UNSAFE.test(text)) return text;
  const keep = options.keep ?? '';
  let out = '';
  // By code point, so a cut never splits a surrogate pair.
  for (const ch of text) {
    const piece = UNSAFE.test(ch) && !keep.includes(ch) ? escapeCharacter(ch) : ch;
    if (out.length + piece.length > max) return `${out}…`;
    out += piece;
  }
  return out;
}

function escapeCharacter(ch: string): string {
  const code = ch.codePointAt(0)!;
  const hex = code.toString(16).toUpperCase();
  return code < 0x100 ? `\\x${hex.padStart(2, '0')}` : `\\u{${hex.padStart(4, '0')}}`;
}

/**
 * One JSON line that is as safe on a terminal as {@link printable} text: JSON.stringify already
 * escapes C0 controls and lone surrogates, but keeps DEL, C1 controls, bidi controls and U+2028/9
 * as they are (valid in JSON strings since ES2019): those become `\uHHHH`, which JSON readers
 * decode back to the same text.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(/[\p{Cc}\p{Bidi_Control}\u2028\u2029]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}
