import { describe, expect, it } from 'vitest';
import { progressReporter } from '../../src/cli/progress.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 80, write: (t: string) => chunks.push(t) } };
}

describe('run progress', () => {
  it('in a log (no TTY, or CI): one plain line per scenario, no carriage returns', () => {
    const { chunks, stream } = sink(false);
    const p = progressReporter(stream);
    p.update('control-genuine', 'PASS', 1, 2);
    p.update('attack-pin-stuffing', 'VULNERABLE', 2, 2);
    p.end();
    expect(chunks.join('')).toBe('[1/2] control-genuine: PASS\n[2/2] attack-pin-stuffing: VULNERABLE\n');
  });

  it('on a terminal: one bar redrawn in place, and a kept line for every result that is not a PASS', () => {
    const { chunks, stream } = sink(true);
    const p = progressReporter(stream, { tty: true });
    p.update('control-genuine', 'PASS', 1, 4);
    p.update('attack-pin-stuffing', 'VULNERABLE', 2, 4);
    p.end();
    expect(chunks[0]).toBe('[######------------------] 1/4  control-genuine: PASS');
    expect(chunks[1]).toBe('\r\x1b[2KVULNERABLE   attack-pin-stuffing\n[############------------] 2/4  attack-pin-stuffing: VULNERABLE');
    expect(chunks.at(-1)).toBe('\r\x1b[2K');
    expect(chunks.every((c) => c.replace(/\x1b\[2K|\r/g, '').split('\n').every((l) => l.length < 80))).toBe(true);
  });
});
