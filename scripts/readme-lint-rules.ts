/** Rewrites the lint rules table in README.md from src/lint/rules.ts (`npm run readme:lint-rules`). */
import { readFileSync, writeFileSync } from 'node:fs';
import { withRulesTable } from '../src/lint/rules-table.js';

const path = new URL('../README.md', import.meta.url);
writeFileSync(path, withRulesTable(readFileSync(path, 'utf8')));
