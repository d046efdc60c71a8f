/** Rewrites the platform table in README.md from src/model/platforms.ts (`npm run readme:platforms`). */
import { readFileSync, writeFileSync } from 'node:fs';
import { withPlatformTable } from '../src/report/platform-table.js';

const path = new URL('../README.md', import.meta.url);
writeFileSync(path, withPlatformTable(readFileSync(path, 'utf8')));
