import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { ScenarioResult } from '../harness/run.js';
import { htmlReport } from './html.js';
import { jsonReport, junitReport, markdownReport, type RunMeta, type RunReport } from './run-report.js';

/** The four report files of a run, in `dir`: report.json, junit.xml, summary.md, report.html. */
export function writeRunReports(dir: string, results: readonly ScenarioResult[], meta: RunMeta): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), jsonReport(results, meta));
  writeFileSync(join(dir, 'junit.xml'), junitReport(results, meta));
  writeFileSync(join(dir, 'summary.md'), markdownReport(results, meta));
  writeFileSync(join(dir, 'report.html'), htmlReport(results, meta));
}

/** `report.json` of a report folder, or the file itself. */
export function reportPath(path: string): string {
  try {
    return statSync(path).isDirectory() ? join(path, 'report.json') : path;
  } catch {
    throw new InputError(`${path}: no such file or folder (expected a report folder or its report.json)`);
  }
}

const require = createRequire(import.meta.url);
type Check = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
let check: Check | undefined;

/**
 * Read a `report.json` back, checked against its published schema
 * (docs/schemas/run-report.schema.json), so a truncated or foreign file is one clear line.
 */
export function readRunReport(path: string): RunReport {
  const file = reportPath(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not JSON (${(err as Error).message})`);
  }
  if ((data as { format?: unknown })?.format !== 'pinprick-run/1') throw new InputError(`${file}: not a pinprick run report (expected "format": "pinprick-run/1")`);
  if (!check) {
    const { Ajv } = require('ajv') as typeof import('ajv');
    const schema = JSON.parse(readFileSync(new URL('../../docs/schemas/run-report.schema.json', import.meta.url), 'utf8'));
    check = new Ajv({ strict: false }).compile(schema) as Check;
  }
  if (!check(data)) {
    const e = check.errors?.[0];
    throw new InputError(`${file}: not a valid run report: ${e?.instancePath || '(top)'} ${e?.message ?? ''}`.trimEnd());
  }
  return data as RunReport;
}
