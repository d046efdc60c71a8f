/**
 * Rewrites the worked-timelines table in README.md by simulating every timelines/*.yaml
 * (`npm run readme:timelines`). The world is a fresh one in a temporary folder, removed after:
 * the figures do not depend on its keys, and no key is written into the repository.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadShippedIncidents, shippedTimelineFiles } from '../src/incidents/incident.js';
import { withTimelines } from '../src/report/timelines-table.js';
import { loadCatalog } from '../src/scenario/scenario.js';
import { simulateFile, type Simulation } from '../src/simulate/index.js';
import { openWorld } from '../src/world/store.js';

const path = new URL('../README.md', import.meta.url);
const certsDir = mkdtempSync(join(tmpdir(), 'pinprick-readme-timelines-'));
try {
  const opened = await openWorld({ certsDir });
  const catalog = loadCatalog(opened.world.spec);
  const sims: Simulation[] = [];
  // One after another: timelines share scenarios whose derived keys are stored on first use.
  for (const file of shippedTimelineFiles()) sims.push(await simulateFile(file, opened, catalog));
  writeFileSync(path, withTimelines(readFileSync(path, 'utf8'), sims, loadShippedIncidents(catalog)));
} finally {
  rmSync(certsDir, { recursive: true, force: true });
}
