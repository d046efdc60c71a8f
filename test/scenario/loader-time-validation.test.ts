/**
 * Found in review, now fixed (src/scenario/scenario.ts:89-93, src/world/time.ts:16-19, src/scenario/profile.ts:52):
 * times that match the schema's pattern but are not real instants slip through the loader.
 *  1. `notBefore`/`notAfter` such as 2026-13-45 or 2026-01-01T99 pass the schema pattern, then
 *     `resolveTime` throws an InputError from the validity check (scenario.ts:91), which is not
 *     caught: parseScenario throws an InputError with no file:line:col.
 *  2. A relative offset too large for a Date (+99999999999y) resolves to an Invalid Date without
 *     an error (time.ts:16-19 never checks the result); `NaN <= x` is false, so the validity check
 *     passes and presentScenario later dies with a bare RangeError "Invalid time value".
 *  3. Calendar-impossible dates (2027-02-30) are silently rolled over by Date (to 2027-03-02), in
 *     recipes and in a profile's `expiration`.
 * Fix: in time.ts return only finite dates (throw InputError when Number.isNaN(result.getTime())
 * in the relative branch) and reject ISO dates whose Y-M-D does not round-trip through
 * toISOString(); in scenario.ts resolve notBefore/notAfter in a try/catch that rethrows
 * `source.error(at(field), err.message)` as is already done for `at` (scenario.ts:109-114); in
 * profile.ts:52 apply the same round-trip check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.js';
import { parseProfile } from '../../src/scenario/profile.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { defaultWorldSpec } from '../../src/world/spec.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const spec = defaultWorldSpec();
const withRecipeTime = (field: 'notBefore' | 'notAfter', value: string) =>
  `id: t\ntitle: t\ncategory: validation\ndescription: d\ncertificates:\n  l:\n    from: genuine-leaf\n    ${field}: "${value}"\nchain: [l]\n`;

function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (err) {
    return err;
  }
}

describe('recipe times that match the pattern but are no date', () => {
  it.each([
    ['notAfter', '2026-13-45', 15],
    ['notBefore', '2026-01-01T99', 16],
    ['notAfter', '2026-00-10T10:00:00Z', 15],
  ] as const)('%s: %s is a ScenarioError at the field, not an InputError', (field, value, col) => {
    const err = outcome(() => parseScenario('t.yaml', withRecipeTime(field, value), spec, NOW));
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as Error).message).toMatch(new RegExp(`^t\\.yaml:8:${col}: certificates\\.l\\.${field}: bad time`));
  });

  it('any string matching the schema time pattern gives a Scenario or a ScenarioError (property)', () => {
    const dateLike = fc.stringMatching(/^\d{4}-\d{2}-\d{2}(T[\d:.]{1,8}(Z|[+-]\d{2}:?\d{2})?)?$/);
    fc.assert(
      fc.property(dateLike, fc.constantFrom('notBefore', 'notAfter') as fc.Arbitrary<'notBefore' | 'notAfter'>, (value, field) => {
        const r = outcome(() => parseScenario('t.yaml', withRecipeTime(field, value), spec, NOW));
        return !(r instanceof Error) || r instanceof ScenarioError;
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('offsets beyond what a Date holds', () => {
  it('notAfter: +99999999999y is refused at the field (today: accepted, RangeError when presented)', () => {
    const err = outcome(() => parseScenario('t.yaml', withRecipeTime('notAfter', '+99999999999y'), spec, NOW));
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as Error).message).toMatch(/^t\.yaml:8:15: certificates\.l\.notAfter: /);
  });

  it('at: +99999999999y is refused at `at`', () => {
    const text = 'id: t\ntitle: t\ncategory: validation\ndescription: d\nat: +99999999999y\nchain: [genuine-leaf]\n';
    expect(outcome(() => parseScenario('t.yaml', text, spec, NOW))).toBeInstanceOf(ScenarioError);
  });
});

describe('calendar-impossible dates', () => {
  it('notAfter: 2027-02-30 is refused, not rolled over to 2027-03-02', () => {
    expect(outcome(() => parseScenario('t.yaml', withRecipeTime('notAfter', '2027-02-30'), spec, NOW))).toBeInstanceOf(ScenarioError);
  });

  it('a profile expiration of 2027-02-30 is not a date', () => {
    const err = outcome(() => parseProfile('p.yaml', 'id: p\npins: [genuine-leaf]\nexpiration: 2027-02-30\n', spec));
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as Error).message).toBe("p.yaml:3:13: expiration: '2027-02-30' is not a date");
  });
});
