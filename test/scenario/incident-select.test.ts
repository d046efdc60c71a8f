import { describe, expect, it } from 'vitest';
import { selectScenarios } from '../../src/cli/commands/run.js';
import { incidentMatches, loadCatalog } from '../../src/scenario/scenario.js';
import { defaultWorldSpec } from '../../src/world/spec.js';

// Researchers look scenarios up by incident: --scenarios takes an incident's name (and year)
// as well as ids, globs and categories.

describe('selecting scenarios by incident', () => {
  const catalog = loadCatalog(defaultWorldSpec());
  const ids = (...selectors: string[]) => selectScenarios(catalog, selectors).map((s) => s.id);

  it.each([
    ['DigiNotar', ['attack-rogue-root', 'attack-name-constrained-intermediate']],
    ['diginotar', ['attack-rogue-root', 'attack-name-constrained-intermediate']],
    ['constrained sub-CAs', ['attack-name-constrained-intermediate']],
    ['CVE-2016-2402', ['attack-pin-stuffing', 'attack-pin-stuffing-duplicated', 'attack-pin-stuffing-first', 'attack-pin-stuffing-reversed']],
    ['Barclays 2016', ['rotation-intermediate']],
  ])('%s', (selector, expected) => {
    expect(ids(selector).sort()).toEqual([...expected].sort());
  });

  it('ids, globs and categories still select as before, and mix with incidents', () => {
    expect(ids('control-genuine', 'DigiNotar').sort()).toEqual(['attack-name-constrained-intermediate', 'attack-rogue-root', 'control-genuine']);
    expect(ids('validation')).toEqual(catalog.filter((s) => s.category === 'validation').map((s) => s.id));
  });

  it('a word not in any incident, or one too short to mean anything, selects nothing', () => {
    expect(() => ids('Heartbleed')).toThrow(/no scenario matches .*an incident id: pinprick incidents list, or an incident's name: pinprick scenarios list/);
    expect(incidentMatches('R3', { name: "Barclays app outage; Let's Encrypt R3 -> R10/R11", year: 2016 })).toBe(false);
    expect(incidentMatches('Barclays 2017', { name: 'Barclays app outage', year: 2016 })).toBe(false);
    expect(incidentMatches('barclays', undefined)).toBe(false);
  });
});
