/**
 * Generated parts of the README: a Markdown table cell, and the text between two markers
 * replaced. The incident catalog and the worked timelines both use them (a test keeps each equal
 * to its source).
 */

/** A table cell: a | would end it, and * or _ could start emphasis (\*.google.com). */
export const markdownCell = (text: string): string => text.replace(/[|*_]/g, (c) => `\\${c}`);

/** The text between the markers of `markers` replaced by `content`; throws when a marker is missing. */
export function replaceBetween(readme: string, markers: readonly [string, string], content: string): string {
  const start = readme.indexOf(markers[0]);
  const end = readme.indexOf(markers[1]);
  if (start < 0 || end < start) throw new Error(`README.md: the markers ${markers[0]} ... ${markers[1]} are missing`);
  return `${readme.slice(0, start + markers[0].length)}\n${content}\n${readme.slice(end)}`;
}
