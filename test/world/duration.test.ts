import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, parseDuration } from '../../src/world/time.js';

// Durations on a command line (monitor --interval, --webhook-timeout, --webhook-backoff).
describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    [' 1s ', 1_000],
    ['1ms', 1],
    ['24d', 2_073_600_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text, '--interval')).toBe(ms);
  });

  it.each([
    ['15', "--interval '15': expected a whole number and a unit, such as 500ms, 30s, 15m, 1h or 2d"],
    ['1.5s', "--interval '1.5s': expected a whole number and a unit, such as 500ms, 30s, 15m, 1h or 2d"],
    ['-1s', "--interval '-1s': expected a whole number and a unit, such as 500ms, 30s, 15m, 1h or 2d"],
    ['15 m', "--interval '15 m': expected a whole number and a unit, such as 500ms, 30s, 15m, 1h or 2d"],
    ['1y', "--interval '1y': expected a whole number and a unit, such as 500ms, 30s, 15m, 1h or 2d"],
    ['', "--interval '': expected a whole number and a unit, such as 500ms, 30s, 15m, 1h or 2d"],
    ['0s', "--interval '0s': must be longer than 0"],
    ['25d', "--interval '25d': at most 24d (a timer cannot wait longer)"],
  ])('refuses %j in one line', (text, message) => {
    expect(() => parseDuration(text, '--interval')).toThrow(message);
  });

  it('accepts exactly the longest timer', () => {
    expect(parseDuration(`${MAX_TIMER_MS}ms`, '--interval')).toBe(MAX_TIMER_MS);
    expect(() => parseDuration(`${MAX_TIMER_MS + 1}ms`, '--interval')).toThrow('at most 24d');
  });
});
