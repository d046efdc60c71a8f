import type { Outcome } from '../harness/classify.js';

/** Where progress goes: a terminal (redrawn bar) or a log (plain lines). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Progress of a run: on a terminal, one bar redrawn in place with the last result, and a line kept
 * for every result that is not a PASS (so failures stay on screen); elsewhere (CI logs, pipes) one
 * plain line per scenario, since carriage returns make logs unreadable.
 */
export function progressReporter(stream: ProgressStream, options: { tty?: boolean } = {}): { update(id: string, outcome: Outcome, done: number, total: number): void; end(): void } {
  const tty = options.tty ?? (Boolean(stream.isTTY) && !process.env.CI);
  let drawn = false;
  return {
    update(id, outcome, done, total) {
      if (!tty) {
        stream.write(`[${done}/${total}] ${id}: ${outcome}\n`);
        return;
      }
      const clear = drawn ? '\r\x1b[2K' : '';
      const kept = outcome === 'PASS' ? '' : `${outcome.padEnd(12)} ${id}\n`;
      const width = 24;
      const filled = Math.round((done / total) * width);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}  ${id}: ${outcome}`;
      const max = (stream.columns ?? 100) - 1;
      stream.write(`${clear}${kept}${bar.length > max ? bar.slice(0, max) : bar}`);
      drawn = true;
    },
    end() {
      if (tty && drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
