import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.js';
import { parseTimeline } from '../../src/simulate/timeline.js';

const GOOD = {
  head: 'title: t\nfrom: 2026-01-01\nto: 2026-01-10\n',
  releases: 'releases:\n  - { version: "1", date: 2025-01-01, pins: [genuine-intermediate] }\n',
  server: 'server:\n  - { from: 2026-01-01, scenario: control-genuine }\n',
};
const text = (parts: Partial<typeof GOOD> & { extra?: string }) => `${parts.head ?? GOOD.head}${parts.releases ?? GOOD.releases}${parts.server ?? GOOD.server}${parts.extra ?? ''}`;

function problem(source: string): string {
  try {
    parseTimeline('plan.yaml', source);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error('parsed without a problem');
}

describe('a timeline file', () => {
  it('reads releases oldest first, server events in date order, with the default adoption', () => {
    const t = parseTimeline('plan.yaml', text({}));
    expect(t.releases).toEqual([{ version: '1', day: 20089, policy: { pins: ['genuine-intermediate'] }, adoption: { halfLife: 7, max: 1 } }]);
    expect(t.server).toEqual([{ from: 20454, label: 'control-genuine', source: { scenario: 'control-genuine' } }]);
  });

  // Each bad file is one line: file:line:col, where, and what was expected.
  it.each([
    ['a date that is not in the calendar', text({ head: 'title: t\nfrom: 2026-02-30\nto: 2026-03-10\n' }), 'plan.yaml:2:7: from: \'2026-02-30\' is not a calendar date'],
    ['to before from', text({ head: 'title: t\nfrom: 2026-02-10\nto: 2026-02-01\n' }), 'plan.yaml:3:5: to: 2026-02-01 is before from (2026-02-10)'],
    ['more than ten years', text({ head: 'title: t\nfrom: 2016-01-01\nto: 2116-01-01\n' }), 'plan.yaml:3:5: to: 36525 days from 2016-01-01: a timeline covers at most 3660 days (ten years)'],
    ['a release with no policy', text({ releases: 'releases:\n  - { version: "1", date: 2025-01-01 }\n' }), 'plan.yaml:5:5: releases[0]: give a release its pin policy with either profile: (an id or a file) or pins: (a list), not neither'],
    [
      'a release with both',
      text({ releases: 'releases:\n  - { version: "1", date: 2025-01-01, pins: [], profile: leaf-only }\n' }),
      'plan.yaml:5:5: releases[0]: give a release its pin policy with either profile: (an id or a file) or pins: (a list), not both',
    ],
    [
      'releases out of order',
      text({ releases: 'releases:\n  - { version: "2", date: 2025-02-01, pins: [] }\n  - { version: "1", date: 2025-01-01, pins: [] }\n' }),
      'plan.yaml:6:27: releases[1].date: releases are listed oldest first: 2025-01-01 is before 2025-02-01',
    ],
    ['a version twice', text({ releases: 'releases:\n  - { version: "1", date: 2025-01-01, pins: [] }\n  - { version: "1", date: 2025-02-01, pins: [] }\n' }), "plan.yaml:6:16: releases[1].version: version '1' is already release 1"],
    ['a server that starts late', text({ server: 'server:\n  - { from: 2026-01-02, scenario: control-genuine }\n' }), "plan.yaml:7:13: server[0].from: the first server event starts 2026-01-02, after the timeline's from (2026-01-01): say what the server sends on the first day"],
    [
      'server events out of order',
      text({ server: 'server:\n  - { from: 2026-01-01, scenario: control-genuine }\n  - { from: 2026-01-01, scenario: rotation-intermediate }\n' }),
      'plan.yaml:8:13: server[1].from: server events go strictly up in date: 2026-01-01 is not after 2026-01-01',
    ],
    ['an event with no chain', text({ server: 'server:\n  - { from: 2026-01-01 }\n' }), 'plan.yaml:7:5: server[0]: give a server event either scenario: (an id) or chain: (certificate names), not neither'],
    ['shares that do not add up', text({ extra: 'installedBase:\n  - { date: 2026-01-01, shares: { "1": 0.9 } }\n' }), 'plan.yaml:9:33: installedBase[0].shares: the shares of 2026-01-01 add up to 0.9, not 1'],
    ['a share of an unknown version', text({ extra: 'installedBase:\n  - { date: 2026-01-01, shares: { "7": 1 } }\n' }), "plan.yaml:9:35: installedBase[0].shares.7: no release has version '7' (releases: 1)"],
    ['an unknown field (schema)', text({ extra: 'colour: red\n' }), "plan.yaml:8:1: colour: unknown key 'colour' (expected one of: title, description, incident, host, from, to, certificates, releases, installedBase, server)"],
  ])('%s', (_, source, message) => {
    expect(problem(source)).toBe(message);
  });
});
