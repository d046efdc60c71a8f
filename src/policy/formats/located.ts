/**
 * Text read out of a file through quotes and escapes, with the file offset of each character:
 * how a reader points lint at one pin inside a quoted list or header value.
 */

/** Decoded text and, for each of its characters, its offset in the file. */
export interface Located {
  text: string;
  offsets: number[];
}

/** Text written as-is from `start` (no quotes or escapes in between). */
export function locatedAt(text: string, start: number): Located {
  return { text, offsets: Array.from({ length: text.length }, (_, i) => start + i) };
}

/** Part of a located text, offsets kept. */
export function slice(l: Located, from: number, to = l.text.length): Located {
  return { text: l.text.slice(from, to), offsets: l.offsets.slice(from, to) };
}

/** The file offset of character `i` (the end of the text, or `fallback`, past it). */
export function offsetOf(l: Located, i: number, fallback = 0): number {
  return l.offsets[i] ?? (l.offsets.length ? l.offsets[l.offsets.length - 1]! + 1 : fallback);
}
