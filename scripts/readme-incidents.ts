/** Rewrites the incident table and the `incidents show` example in README.md from incidents/*.yaml (`npm run readme:incidents`). */
import { readFileSync, writeFileSync } from 'node:fs';
import { incidentLines } from '../src/cli/commands/incidents.js';
import { loadShippedIncidents, replayCommands, shippedTimelineFiles } from '../src/incidents/incident.js';
import { withIncidents } from '../src/report/incidents-table.js';
import { loadCatalog } from '../src/scenario/scenario.js';
import { defaultWorldSpec } from '../src/world/spec.js';

const path = new URL('../README.md', import.meta.url);
const catalog = loadCatalog(defaultWorldSpec());
writeFileSync(path, withIncidents(readFileSync(path, 'utf8'), loadShippedIncidents(catalog), (i, r) => incidentLines(i, catalog, r), (i) => replayCommands(i, true, shippedTimelineFiles())));
