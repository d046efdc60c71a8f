/**
 * The lint rule table (rules.ts) as the README shows it, between two markers; a test keeps the
 * README equal to the module, so the rules have one definition (as the platform table does:
 * src/report/platform-table.ts).
 */
import { LINT_RULE_IDS, LINT_RULES } from './rules.js';

/** Where the README's generated rules table starts and ends. */
export const RULES_TABLE_MARKERS = ['<!-- lint-rules: generated from src/lint/rules.ts by `npm run readme:lint-rules` -->', '<!-- /lint-rules -->'] as const;

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** A source as a Markdown link when it is a web address. */
const link = (s: { about: string; where: string }) => (/^https:\/\//.test(s.where) ? `[${cell(s.about)}](${s.where})` : `${cell(s.about)} (${s.where})`);

/** The rules table as Markdown (without the markers). */
export function rulesTableMarkdown(): string {
  const rows = LINT_RULE_IDS.map((id) => {
    const r = LINT_RULES[id];
    const scope = [r.needsChain ? 'with `--against` / `--chain`' : '', r.formats ? `format ${r.formats}` : ''].filter(Boolean).join('; ');
    return `| \`${id}\` | ${r.severity} | ${cell(r.title)}${scope ? ` (${scope})` : ''}. ${cell(r.why)} Severity: ${cell(r.severityWhy)}. | ${r.sources.map(link).join('; ')} |`;
  });
  return ['| id | severity | what and why | source |', '|---|---|---|---|', ...rows].join('\n');
}

/** `readme` with the text between the markers replaced by {@link rulesTableMarkdown}; throws when a marker is missing. */
export function withRulesTable(readme: string): string {
  const start = readme.indexOf(RULES_TABLE_MARKERS[0]);
  const end = readme.indexOf(RULES_TABLE_MARKERS[1]);
  if (start < 0 || end < start) throw new Error('README.md: the lint-rules markers are missing');
  return `${readme.slice(0, start + RULES_TABLE_MARKERS[0].length)}\n${rulesTableMarkdown()}\n${readme.slice(end)}`;
}
