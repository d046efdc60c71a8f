/**
 * The shipped worked timelines (timelines/*.yaml) as the README's table: each file, its incident,
 * what it shows, and what its simulation says (per version the first day it was locked out or
 * exposed, and the peaks). The figures are the simulator's, not written by hand: the README holds
 * the table between two markers and a test keeps it equal to the simulations
 * (`npm run readme:timelines` rewrites it).
 */
import { basename } from 'node:path';
import { incidentDate, type Incident } from '../incidents/incident.js';
import { percent } from '../simulate/render.js';
import type { Simulation, VersionSummary } from '../simulate/simulate.js';
import { markdownCell as cell, replaceBetween } from './readme-markers.js';

/** Where the README's generated timeline table starts and ends. */
export const TIMELINES_TABLE_MARKERS = ['<!-- timelines: generated from timelines/*.yaml by `npm run readme:timelines` -->', '<!-- /timelines -->'] as const;

/** One version over a whole timeline, in a few words: when it was first locked out or exposed, and why. */
export function versionOutcome(v: VersionSummary): string {
  const parts = [...(v.firstBricked ? [`bricked ${v.firstBricked}`] : []), ...(v.firstExposed ? [`exposed ${v.firstExposed}`] : [])];
  return parts.length ? `${parts.join(', ')} (${v.codes.join(', ')})` : 'never';
}

const peak = (p: { date: string; share: number }): string => (p.share > 0 ? `${percent(p.share)} on ${p.date}` : percent(0));

/**
 * The table (without the markers): one row per simulation, in the catalog's order of incidents
 * (oldest first), an incident's own file before the contrasts beside it; timelines that name no
 * catalog incident last.
 */
export function timelinesTableMarkdown(sims: readonly Simulation[], incidents: readonly Incident[]): string {
  const order = (s: Simulation) => {
    const i = incidents.findIndex((x) => x.id === s.incident);
    return i < 0 ? incidents.length : i;
  };
  const stem = (s: Simulation) => basename(s.file).replace(/\.ya?ml$/, '');
  const sorted = [...sims].sort((a, b) => order(a) - order(b) || stem(a).localeCompare(stem(b)));
  const rows = sorted.map((s) => {
    const file = `timelines/${basename(s.file)}`;
    const incident = incidents.find((x) => x.id === s.incident);
    const versions = s.summary.versions.map((v) => `${cell(v.version)}: ${versionOutcome(v)}`).join('; ');
    return `| [\`${basename(s.file)}\`](${file}) | ${incident ? `\`${incident.id}\` (${incidentDate(incident)})` : (s.incident ?? '')} | ${cell(s.title)} | ${versions} | ${peak(s.summary.peakBricked)} | ${peak(s.summary.peakExposed)} |`;
  });
  return ['| timeline | incident | what it shows | per version: first day bricked or exposed | peak bricked | peak exposed |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

/** `readme` with the timeline table regenerated from `sims`; throws when a marker is missing. */
export function withTimelines(readme: string, sims: readonly Simulation[], incidents: readonly Incident[]): string {
  return replaceBetween(readme, TIMELINES_TABLE_MARKERS, timelinesTableMarkdown(sims, incidents));
}
