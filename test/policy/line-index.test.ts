/**
 * LineIndex locates offsets as spotOf does (1-based line and column; a newline belongs to the line
 * it ends), for every offset of texts with empty lines, CRLF and no final newline.
 */
import { describe, expect, it } from 'vitest';
import { LineIndex, spotOf } from '../../src/policy/format.js';

describe('LineIndex', () => {
  it.each(['', 'one line', 'a\nb\n', '\n\nthird\r\nfourth', '<plist>\n\t<dict/>\n</plist>'])('agrees with spotOf at every offset of %j', (text) => {
    const index = new LineIndex(text);
    for (let offset = 0; offset <= text.length; offset++) expect(index.spot(offset), `offset ${offset}`).toEqual(spotOf(text, offset));
  });
});
