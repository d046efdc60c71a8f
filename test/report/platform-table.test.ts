/**
 * The README's platform table is src/model/platforms.ts rendered: one definition. After changing a
 * row, `npm run readme:platforms` rewrites the README.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIVERGENCE_IDS, DIVERGENCES } from '../../src/model/platforms.js';
import { platformTableMarkdown, withPlatformTable } from '../../src/report/platform-table.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the platform table in the README', () => {
  it('is the module rendered (run npm run readme:platforms after changing src/model/platforms.ts)', () => {
    expect(README).toBe(withPlatformTable(README));
  });

  it('has one row per difference, naming its platforms on both sides, and lists every source', () => {
    const table = platformTableMarkdown();
    for (const id of DIVERGENCE_IDS) {
      const d = DIVERGENCES[id];
      const row = table.split('\n').find((l) => l.startsWith(`| \`${id}\``));
      expect(row, id).toContain(`| ${d.accept.platforms.join(', ')}: `);
      expect(row, id).toContain(`| ${d.reject.platforms.join(', ')}: `);
      for (const s of d.sources) expect(table).toContain(`  - ${s.about}: ${s.where}`);
    }
  });

  it('refuses a README without its markers', () => {
    expect(() => withPlatformTable('# no table here\n')).toThrow(/markers are missing/);
  });
});
