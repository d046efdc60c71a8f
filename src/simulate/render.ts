/**
 * A simulation as text: the console table, CSV and the SVG chart. Pure functions of the result;
 * every piece of text that came from a file (titles, labels, versions) is escaped for where it
 * goes (a terminal, a CSV cell, XML).
 */
import { printable } from '../printable.js';
import type { Outcome, SimulatedDay, Simulation } from './simulate.js';

/** A share as the table prints it: one decimal, two under 0.1% so that a few users do not read as none. */
export const percent = (x: number): string => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 2 : 1)}%`;

/** Which days the console table shows: every day something changes, every `step` days, and the last. */
export function tableDays(sim: Simulation, step: number): SimulatedDay[] {
  const releaseDates = new Set(sim.releases.map((r) => r.date));
  const eventDates = new Set(sim.events.map((e) => e.from));
  return sim.days.filter((d, i) => {
    if (i === 0 || i === sim.days.length - 1 || i % step === 0) return true;
    const prev = sim.days[i - 1]!;
    return (
      releaseDates.has(d.date) ||
      eventDates.has(d.date) ||
      d.renewal !== prev.renewal ||
      d.versions.some((v, k) => v.outcome !== prev.versions[k]!.outcome || v.code !== prev.versions[k]!.code)
    );
  });
}

const OUTCOME_WORD: Readonly<Record<Outcome, string>> = { ok: 'ok', bricked: 'BRICKED', exposed: 'EXPOSED', safe: 'safe', either: 'either' };

/** The console rendering: a header, one row per shown day, a summary per version. */
export function renderTable(sim: Simulation, step: number, table: (rows: string[][], header: string[]) => string): string {
  const p = printable;
  const lines = [`${p(sim.title)}`, `${p(sim.file)}: ${sim.from} .. ${sim.to}, host ${p(sim.host)}`, ''];
  lines.push('server:');
  for (const e of sim.events) lines.push(`  from ${e.from}  ${p(e.label)}${e.attack ? '  (attacker)' : ''}`);
  lines.push('releases:');
  for (const r of sim.releases) lines.push(`  ${p(r.version)}  ${r.date}  pins ${p(r.profile)}${r.platform ? ` on ${r.platform}` : ''}`);
  lines.push('');
  const rows = tableDays(sim, step).map((d) => [
    d.date,
    p(sim.events[d.event]!.label) + (d.renewal ? ` (renewed ${d.renewal}x)` : ''),
    percent(d.bricked),
    percent(d.exposed),
    ...d.versions.map((v) => `${percent(v.share)} ${OUTCOME_WORD[v.outcome]}${v.outcome === 'ok' || v.outcome === 'safe' ? '' : ` ${v.code}`}`),
  ]);
  lines.push(table(rows, ['date', 'server', 'bricked', 'exposed', ...sim.releases.map((r) => p(r.version))]));
  lines.push('');
  const s = sim.summary;
  lines.push(`peak bricked ${percent(s.peakBricked.share)} on ${s.peakBricked.date}; ${s.userDaysBricked.toFixed(2)} days bricked per user on average${s.peakExposed.share ? `; peak exposed ${percent(s.peakExposed.share)} on ${s.peakExposed.date}` : ''}`);
  for (const v of s.versions) {
    const parts = [
      v.daysBricked ? `bricked ${v.daysBricked} day(s) from ${v.firstBricked}` : 'never bricked',
      ...(v.daysExposed ? [`exposed ${v.daysExposed} day(s) from ${v.firstExposed}`] : []),
      ...(v.codes.length ? [v.codes.join(', ')] : []),
    ];
    lines.push(`  ${p(v.version)}: ${parts.join('; ')}`);
  }
  // The first reason each version was bricked or exposed with, in words.
  for (const [i, v] of s.versions.entries()) {
    const first = sim.days.find((d) => d.versions[i]!.outcome === 'bricked' || d.versions[i]!.outcome === 'exposed');
    if (first) lines.push(`  ${p(v.version)} on ${first.date}: ${p(first.versions[i]!.reason)}`);
  }
  return lines.join('\n');
}

/** A CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; a leading = + - @ is defused for spreadsheets. */
function cell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** CSV: one row per day; per version its share, outcome and reason code. */
export function renderCsv(sim: Simulation): string {
  const header = ['date', 'server', 'attack', 'renewal', 'bricked', 'exposed', 'either', ...sim.releases.flatMap((r) => [`${r.version} share`, `${r.version} outcome`, `${r.version} code`])];
  const rows = sim.days.map((d) => [
    d.date,
    sim.events[d.event]!.label,
    String(sim.events[d.event]!.attack),
    String(d.renewal),
    String(d.bricked),
    String(d.exposed),
    String(d.either),
    ...d.versions.flatMap((v) => [String(v.share), v.outcome, v.code]),
  ]);
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
