/**
 * The platform table (src/model/platforms.ts) as the README shows it: one row per difference
 * between correct implementations, then every row's sources. The README holds this text between
 * two markers, and a test keeps it equal to the module: the table has one definition.
 */
import { DIVERGENCE_IDS, DIVERGENCES, type DivergenceId } from '../model/platforms.js';

/** The built-in scenarios that show each difference (test/model/catalog-verdicts.test.ts checks each one answers `either` for it). */
export const SCENARIOS_OF: Readonly<Record<DivergenceId, readonly string[]>> = {
  'anchor-validity': ['rotation-old-store-root-expired'],
  'cn-fallback': ['validation-cn-only-leaf'],
  'rsa-1024': ['validation-rsa-1024-leaf'],
  'certificate-policies': ['validation-explicit-policy-missing'],
  'certificate-policy-duplicates': [],
  'name-constraints-directory': [],
  'anchor-name-constraints': [],
  'aia-fetch': ['rotation-missing-intermediate-aia'],
  backtracking: ['rotation-intermediate-dead-end-first'],
};

/** Where the README's generated table starts and ends. */
export const TABLE_MARKERS = ['<!-- platform-table: generated from src/model/platforms.ts by `npm run readme:platforms` -->', '<!-- /platform-table -->'] as const;

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The table and its sources as Markdown (without the markers). */
export function platformTableMarkdown(): string {
  const rows = DIVERGENCE_IDS.map((id) => {
    const d = DIVERGENCES[id];
    const scenarios = SCENARIOS_OF[id].map((s) => `\`${s}\``).join(', ') || 'none: model rows only';
    return `| \`${id}\`: ${cell(d.question)} | ${d.accept.platforms.join(', ')}: ${cell(d.accept.behaviour)} | ${d.reject.platforms.join(', ')}: ${cell(d.reject.behaviour)} | ${scenarios} |`;
  });
  const sources = DIVERGENCE_IDS.flatMap((id) => [`- \`${id}\``, ...DIVERGENCES[id].sources.map((s) => `  - ${s.about}: ${s.where}`)]);
  return ['| difference | accept | reject | scenario |', '|---|---|---|---|', ...rows, '', 'Sources and measurements, per row:', '', ...sources].join('\n');
}

/** `readme` with the text between the markers replaced by {@link platformTableMarkdown}; throws when a marker is missing. */
export function withPlatformTable(readme: string): string {
  const start = readme.indexOf(TABLE_MARKERS[0]);
  const end = readme.indexOf(TABLE_MARKERS[1]);
  if (start < 0 || end < start) throw new Error('README.md: the platform-table markers are missing');
  return `${readme.slice(0, start + TABLE_MARKERS[0].length)}\n${platformTableMarkdown()}\n${readme.slice(end)}`;
}
