/**
 * The README's lint rules table is src/lint/rules.ts rendered: one definition. After changing a
 * rule, `npm run readme:lint-rules` rewrites the README.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LINT_RULE_IDS, LINT_RULES } from '../../src/lint/rules.js';
import { rulesTableMarkdown, withRulesTable } from '../../src/lint/rules-table.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the lint rules table in the README', () => {
  it('is the module rendered (run npm run readme:lint-rules after changing src/lint/rules.ts)', () => {
    expect(README).toBe(withRulesTable(README));
  });

  it('has one row per rule with its id, severity, why and every source', () => {
    const table = rulesTableMarkdown();
    for (const id of LINT_RULE_IDS) {
      const r = LINT_RULES[id];
      const row = table.split('\n').find((l) => l.startsWith(`| \`${id}\` |`));
      expect(row, id).toContain(`| ${r.severity} |`);
      expect(row, id).toContain(r.why.replace(/\|/g, '\\|'));
      for (const s of r.sources) expect(row, `${id}: ${s.where}`).toContain(s.where);
      expect(r.sources.length, id).toBeGreaterThan(0);
    }
  });

  it('the README section sits before ## Errors, with its exit codes', () => {
    const section = README.indexOf('## Linting pin configurations: `pinprick lint`');
    expect(section).toBeGreaterThan(0);
    expect(section).toBeLessThan(README.indexOf('## Errors'));
    expect(README.indexOf('<!-- lint-rules')).toBeGreaterThan(section);
  });

  it('refuses a README without its markers', () => {
    expect(() => withRulesTable('# no table here\n')).toThrow(/markers are missing/);
  });
});
