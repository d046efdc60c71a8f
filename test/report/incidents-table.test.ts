/**
 * The README's incident table and its `pinprick incidents show` example are incidents/*.yaml
 * rendered, by the CLI's own function: one definition. After changing an incident file,
 * `npm run readme:incidents` rewrites the README.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { incidentLines } from '../../src/cli/commands/incidents.js';
import { CHANGE_IDS, loadShippedIncidents, replayCommands, shippedTimelineFiles } from '../../src/incidents/incident.js';
import { incidentsTableMarkdown, withIncidents } from '../../src/report/incidents-table.js';
import { loadCatalog } from '../../src/scenario/scenario.js';
import { defaultWorldSpec } from '../../src/world/spec.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const catalog = loadCatalog(defaultWorldSpec());
const incidents = loadShippedIncidents(catalog);
const regenerate = (readme: string) => withIncidents(readme, incidents, (i, r) => incidentLines(i, catalog, r), (i) => replayCommands(i, true, shippedTimelineFiles()));

describe('the incident catalog in the README', () => {
  it('is the files rendered (run npm run readme:incidents after changing incidents/*.yaml)', () => {
    expect(README).toBe(regenerate(README));
  });

  it('has one row per incident, oldest first, and every change of the vocabulary', () => {
    const table = incidentsTableMarkdown(incidents);
    const rows = table.split('\n').filter((l) => /^\| `[a-z0-9-]+` \|/.test(l));
    expect(rows.map((r) => r.split('`')[1])).toEqual(incidents.map((i) => i.id));
    for (const c of CHANGE_IDS) expect(table).toContain(`- \`${c}\`: `);
  });

  it('the worked example is `incidents show barclays-2016`, with its replay command', () => {
    expect(README).toContain('$ pinprick incidents show barclays-2016\nbarclays-2016  ');
    expect(README).toContain("  pinprick run --scenarios barclays-2016 --profile intermediate-only --report reports/barclays-2016 --client 'node examples/clients/correct-client.mjs");
  });

  it('refuses a README without its markers', () => {
    expect(() => regenerate('# no catalog here\n')).toThrow(/markers .* are missing/);
  });
});
