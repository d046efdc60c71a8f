import { describe, expect, it } from 'vitest';
import { curveShares, DEFAULT_ADOPTION, tableShares, uptake } from '../../src/simulate/adoption.js';
import { dayNumber, dayText, noonOf } from '../../src/simulate/days.js';

describe('days are whole UTC days, numbered from 1970-01-01', () => {
  it.each([
    ['1970-01-01', 0],
    ['2016-11-08', 17113],
    ['2024-02-29', 19782],
  ])('%s is day %i and back', (text, day) => {
    expect(dayNumber(text)).toBe(day);
    expect(dayText(day)).toBe(text);
  });
  it.each(['2027-02-30', '2023-02-29', '2016-13-01', '16-11-08', '2016-11-08T00:00:00Z', ''])('%j is not a calendar date', (text) => {
    expect(dayNumber(text)).toBeUndefined();
  });
  it('a day is judged at its noon, UTC', () => {
    expect(noonOf(dayNumber('2016-11-08')!).toISOString()).toBe('2016-11-08T12:00:00.000Z');
  });
});

describe('uptake: share of users on a release or later, d days after it', () => {
  it.each([
    // [halfLife, max, days after release, uptake]
    [7, 1, -1, 0],
    [7, 1, 0, 0],
    [7, 1, 7, 0.5],
    [7, 1, 14, 0.75],
    [7, 1, 21, 0.875],
    [7, 0.8, 7, 0.4],
    [1, 1, 10, 1 - 2 ** -10],
  ])('half-life %d, max %d, day %d: %d', (halfLife, max, d, expected) => {
    expect(uptake({ halfLife, max }, 100, 100 + d)).toBeCloseTo(expected, 12);
  });
  it('defaults to a week\'s half-life, everyone eventually', () => {
    expect(DEFAULT_ADOPTION).toEqual({ halfLife: 7, max: 1 });
  });
});

describe('curveShares: each version\'s share of the installed base', () => {
  const a = { halfLife: 7, max: 1 };
  it.each([
    // one release: everyone from its date, no one before
    [[{ day: 10, adoption: a }], 9, [0]],
    [[{ day: 10, adoption: a }], 10, [1]],
    // two releases, a week after the second: half each
    [[{ day: 0, adoption: a }, { day: 10, adoption: a }], 17, [0.5, 0.5]],
    // three: the third cannot have more uptake than the second (clamped), so the second has none
    [[{ day: 0, adoption: a }, { day: 10, adoption: { halfLife: 7, max: 0.5 } }, { day: 10, adoption: a }], 17, [0.75, 0, 0.25]],
    // a third release a week old: half of everyone (from 1.0 or 2.0) is on it; 2.0, two weeks old, has 3/4 on it or later
    [[{ day: 0, adoption: a }, { day: 10, adoption: a }, { day: 17, adoption: a }], 24, [0.25, 0.25, 0.5]],
  ])('%j on day %i: %j', (releases, day, expected) => {
    const shares = curveShares(releases, day);
    expect(shares).toHaveLength(expected.length);
    shares.forEach((s, i) => expect(s).toBeCloseTo(expected[i]!, 12));
    if (day >= releases[0]!.day) expect(shares.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
  });
});

describe('tableShares: explicit shares, linear between dates, held outside them', () => {
  const points = [
    { day: 10, shares: [1, 0] },
    { day: 20, shares: [0.2, 0.8] },
  ];
  it.each([
    [0, [1, 0]],
    [10, [1, 0]],
    [15, [0.6, 0.4]],
    [20, [0.2, 0.8]],
    [99, [0.2, 0.8]],
  ])('day %i: %j', (day, expected) => {
    tableShares(points, day).forEach((s, i) => expect(s).toBeCloseTo(expected[i]!, 12));
  });
});
