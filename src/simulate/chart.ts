/**
 * The simulation as an SVG chart: the share of users bricked (or exposed to an attacker) per day,
 * stacked by app version, with the server's events as dashed lines and the releases marked on
 * the time axis. A pure function of the result; plain SVG 1.1 with no script or external resource,
 * so it renders the same in a browser, on GitHub and in an image viewer.
 */
import type { Outcome, Simulation } from './simulate.js';

const W = 960;
const H = 440;
const PLOT = { left: 64, right: W - 200, top: 78, bottom: H - 70 };
/** Distinguishable on white and for the common colour-vision deficiencies (Okabe & Ito, 2008). */
const PALETTE = ['#D55E00', '#0072B2', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Text for XML character data and attribute values. */
function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const fixed = (x: number): string => (Math.round(x * 10) / 10).toString();

/** The layers stacked per version, bottom first: what the version's users suffer on a day. */
const LAYERS: readonly { kind: Outcome; words: string }[] = [
  { kind: 'bricked', words: 'bricked' },
  { kind: 'exposed', words: 'exposed to the attacker' },
  { kind: 'either', words: 'platform-dependent' },
];

/** Render a simulation as an SVG document. */
export function renderSvg(sim: Simulation): string {
  const n = sim.days.length;
  // Day i covers [x(i), x(i + 1)): a day's share is a step, so nothing seems to start the day before it does.
  const x = (i: number): number => PLOT.left + (i / n) * (PLOT.right - PLOT.left);
  const steps = (values: readonly number[]): string[] => values.flatMap((s, i) => [`${fixed(x(i))},${fixed(y(s))}`, `${fixed(x(i + 1))},${fixed(y(s))}`]);
  const y = (share: number): number => PLOT.bottom - share * (PLOT.bottom - PLOT.top);
  const dayIndex = new Map(sim.days.map((d, i) => [d.date, i]));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<title>${xml(sim.title)}</title>`);
  out.push(`<desc>${xml(`Share of the installed base whose app rejects the server (bricked) or accepts an attacker (exposed), ${sim.from} to ${sim.to}, host ${sim.host}. Peak bricked ${(sim.summary.peakBricked.share * 100).toFixed(1)}% on ${sim.summary.peakBricked.date}.`)}</desc>`);
  out.push('<defs>');
  sim.releases.forEach((_, v) => {
    const colour = PALETTE[v % PALETTE.length]!;
    out.push(`<pattern id="hatch${v}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${colour}" fill-opacity="0.25"/><line x1="0" y1="0" x2="0" y2="6" stroke="${colour}" stroke-width="3"/></pattern>`);
  });
  out.push('</defs>');
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${PLOT.left}" y="22" font-size="16" font-weight="bold">${xml(sim.title)}</text>`);
  out.push(`<text x="${PLOT.left}" y="40" fill="#444444">${xml(`${sim.host}, ${sim.from} to ${sim.to}: share of users bricked, by app version`)}</text>`);

  // Grid and y axis.
  for (const share of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${PLOT.left}" y1="${fixed(y(share))}" x2="${PLOT.right}" y2="${fixed(y(share))}" stroke="#dddddd"/>`);
    out.push(`<text x="${PLOT.left - 6}" y="${fixed(y(share) + 4)}" text-anchor="end" fill="#444444">${share * 100}%</text>`);
  }
  // x axis ticks.
  for (const tick of timeTicks(sim.days.map((d) => d.date))) {
    const tx = fixed(x(tick.index));
    out.push(`<line x1="${tx}" y1="${PLOT.bottom}" x2="${tx}" y2="${PLOT.bottom + 5}" stroke="#444444"/>`);
    out.push(`<text x="${tx}" y="${PLOT.bottom + 18}" text-anchor="middle" fill="#444444">${xml(tick.label)}</text>`);
  }

  // Stacked areas: per version, bricked, then exposed, then platform-dependent.
  const base = new Array<number>(n).fill(0);
  const legend: { fill: string; opacity: string; words: string }[] = [];
  sim.releases.forEach((release, v) => {
    const colour = PALETTE[v % PALETTE.length]!;
    for (const layer of LAYERS) {
      const values = sim.days.map((d) => (d.versions[v]!.outcome === layer.kind ? d.versions[v]!.share : 0));
      if (!values.some((s) => s > 0)) continue;
      const upper = values.map((s, i) => base[i]! + s);
      const points = [...steps(upper), ...steps(base).reverse()];
      const fill = layer.kind === 'exposed' ? `url(#hatch${v})` : colour;
      const opacity = layer.kind === 'either' ? '0.35' : '0.85';
      out.push(`<polygon points="${points.join(' ')}" fill="${fill}" fill-opacity="${opacity}"><title>${xml(`${release.version}: ${layer.words}`)}</title></polygon>`);
      upper.forEach((s, i) => (base[i] = s));
      legend.push({ fill, opacity, words: `${release.version} ${layer.words}` });
    }
  });
  // The total, as a line over the stack.
  out.push(`<polyline points="${steps(base).join(' ')}" fill="none" stroke="#222222" stroke-width="1.5"/>`);
  out.push(`<line x1="${PLOT.left}" y1="${PLOT.bottom}" x2="${PLOT.right}" y2="${PLOT.bottom}" stroke="#444444"/>`);
  out.push(`<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.bottom}" stroke="#444444"/>`);

  // Server events: a dashed line from the day each starts, labels on two alternating rows.
  sim.events.forEach((event, k) => {
    // The event already in force on the first day is labelled at the left edge, without a line.
    const i = dayIndex.get(event.from) ?? (event.from < sim.from && (sim.events[k + 1]?.from ?? '9999') > sim.from ? 0 : undefined);
    if (i === undefined) return;
    const ex = fixed(x(i));
    const row = PLOT.top - 8 - (k % 2) * 14;
    if (event.from >= sim.from) out.push(`<line x1="${ex}" y1="${row + 3}" x2="${ex}" y2="${PLOT.bottom}" stroke="${event.attack ? '#b00020' : '#555555'}" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${fixed(x(i) + 3)}" y="${row}" fill="${event.attack ? '#b00020' : '#222222'}">${xml(event.label)}</text>`);
  });
  // Releases: a triangle on the axis, the version under it.
  sim.releases.forEach((release, v) => {
    const i = dayIndex.get(release.date);
    if (i === undefined) return;
    const rx = x(i);
    out.push(`<polygon points="${fixed(rx)},${PLOT.bottom - 1} ${fixed(rx - 5)},${PLOT.bottom + 8} ${fixed(rx + 5)},${PLOT.bottom + 8}" fill="${PALETTE[v % PALETTE.length]}"/>`);
    out.push(`<text x="${fixed(rx)}" y="${PLOT.bottom + 34}" text-anchor="middle" font-weight="bold">${xml(release.version)}</text>`);
  });

  // Legend.
  let ly = PLOT.top;
  out.push(`<text x="${PLOT.right + 16}" y="${ly}" font-weight="bold">Users</text>`);
  if (!legend.length) legend.push({ fill: '#ffffff', opacity: '1', words: 'none bricked' });
  for (const item of legend) {
    ly += 20;
    out.push(`<rect x="${PLOT.right + 16}" y="${ly - 10}" width="14" height="12" fill="${item.fill}" fill-opacity="${item.opacity}" stroke="#888888" stroke-width="0.5"/>`);
    out.push(`<text x="${PLOT.right + 36}" y="${ly}">${xml(item.words)}</text>`);
  }
  ly += 24;
  out.push(`<text x="${PLOT.right + 16}" y="${ly}" fill="#444444">peak ${(sim.summary.peakBricked.share * 100).toFixed(1)}% bricked</text>`);
  out.push(`<text x="${PLOT.right + 16}" y="${ly + 16}" fill="#444444">on ${sim.summary.peakBricked.date}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Ticks for the time axis: weeks for up to two months, months up to three years, else years; at most ~12 labels. */
export function timeTicks(dates: readonly string[]): { index: number; label: string }[] {
  const n = dates.length;
  let ticks: { index: number; label: string }[];
  if (n <= 62) ticks = dates.flatMap((d, i) => (i % 7 === 0 ? [{ index: i, label: d.slice(5) }] : []));
  else if (n <= 3 * 366) ticks = dates.flatMap((d, i) => (d.endsWith('-01') ? [{ index: i, label: `${MONTHS[Number(d.slice(5, 7)) - 1]} ${d.slice(0, 4)}` }] : []));
  else ticks = dates.flatMap((d, i) => (d.endsWith('-01-01') ? [{ index: i, label: d.slice(0, 4) }] : []));
  const every = Math.ceil(ticks.length / 12);
  return ticks.filter((_, k) => k % every === 0);
}
