/**
 * `pinprick simulate`'s library API: a timeline file in, a day-by-day simulation out. The
 * certificates are issued in memory with the world's keys (served.ts); the decision is the
 * reference model's (simulate.ts).
 */
import type { Scenario } from '../scenario/scenario.js';
import type { OpenedWorld } from '../world/store.js';
import { resolveTimeline } from './resolve.js';
import { servedSpans } from './served.js';
import { simulate, type Simulation } from './simulate.js';
import { loadTimelineFile, type Timeline } from './timeline.js';

export { renderCsv, renderTable, tableDays } from './render.js';
export { renderSvg } from './chart.js';
export type { Outcome, SimulatedDay, Simulation, VersionDay, VersionSummary } from './simulate.js';
export { loadTimelineFile, parseTimeline, TIMELINE_SCHEMA, type Timeline } from './timeline.js';

/** Simulate a loaded timeline against a world and a scenario catalog. */
export async function simulateTimeline(timeline: Timeline, opened: OpenedWorld, catalog: readonly Scenario[]): Promise<Simulation> {
  const resolved = resolveTimeline(timeline, opened.world, catalog);
  return simulate(resolved, await servedSpans(resolved, opened));
}

/** Read a timeline file and simulate it. */
export async function simulateFile(file: string, opened: OpenedWorld, catalog: readonly Scenario[]): Promise<Simulation> {
  return simulateTimeline(loadTimelineFile(file), opened, catalog);
}
