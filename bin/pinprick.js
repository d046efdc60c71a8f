#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by npm ci/install via `prepare`).
import { main } from '../dist/cli/main.js';
main(process.argv.slice(2));
