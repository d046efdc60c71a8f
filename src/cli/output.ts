/** A command line that yargs or a command rejected (exit 2 with a usage hint). */
export class UsageError extends Error {}

/** Write text to stdout, adding the final newline. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** Write a warning to stderr. */
export function warn(text: string): void {
  process.stderr.write(`pinprick: warning: ${text}\n`);
}

/** Render rows as an aligned plain-text table. */
export function table(rows: string[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths = all[0]?.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const lines = all.map(line);
  if (header) lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}
