/**
 * `pinprick lint --sarif`: the findings as a SARIF 2.1.0 log (OASIS Static Analysis Results
 * Interchange Format), the format code-scanning dashboards import (GitHub code scanning, Azure
 * DevOps, VS Code's SARIF viewer). One run; the driver's rules are the rule table (rules.ts), each
 * result points at file, line and column. Files that could not be read are tool execution
 * notifications, and the invocation is then not successful.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PolicyFormat } from '../policy/format.js';
import { LINT_RULE_IDS, LINT_RULES, type Finding, type LintRuleId, type Severity } from './rules.js';

/** What `lint` found in one file: the `--json` object, and what SARIF is made from. */
export interface LintFileResult {
  file: string;
  /** Undefined when the file could not be read. */
  format?: PolicyFormat;
  /** Host patterns the file pins. */
  hosts: string[];
  /** Distinct pin values applied (`sha256/B64`, `sha1/B64`, `world:NAME`). */
  pins: string[];
  findings: Finding[];
  /** Why the file could not be linted (one line), when it could not. */
  error?: string;
}

/** What the log says about the tool and where paths are relative to. */
export interface SarifOptions {
  /** package.json's version. */
  version: string;
  /** Where the tool is documented (package.json's homepage), when known. */
  informationUri?: string;
  /** Paths are written relative to this folder (the working directory). */
  cwd: string;
}

/** The JSON schema URI a SARIF 2.1.0 log names (the one GitHub's documentation uses). */
export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
/** The base id relative artifact URIs are resolved against: the folder lint ran in. */
const SRCROOT = 'SRCROOT';

/** SARIF's level for a severity: the same three words. */
const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = { error: 'error', warning: 'warning', note: 'note' };

/** `lint-rule-id` as SARIF's PascalCase rule name: `NoBackupPin`. */
function ruleName(id: LintRuleId): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase());
}

/**
 * A file's URI for SARIF: relative to `cwd` with forward slashes and each segment percent-encoded
 * (a `#` or a space in a name must not end the path), or a file: URL when it lies outside `cwd`.
 */
export function artifactUri(file: string, cwd: string): { uri: string; uriBaseId?: string } {
  const absolute = resolve(cwd, file);
  const rel = relative(cwd, absolute);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return { uri: pathToFileURL(absolute).href };
  return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

function ruleDescriptor(id: LintRuleId): Record<string, unknown> {
  const r = LINT_RULES[id];
  const web = r.sources.find((s) => /^https:\/\//.test(s.where));
  const sources = r.sources.map((s) => `- ${s.about}: ${s.where}`).join('\n');
  return {
    id,
    name: ruleName(id),
    shortDescription: { text: r.title },
    fullDescription: { text: r.why },
    help: {
      text: `${r.why}\n\nFix: ${r.fix}\n\nSeverity: ${r.severityWhy}.\n\nSources:\n${sources}`,
      markdown: `${r.why}\n\n**Fix:** ${r.fix}\n\n**Severity:** ${r.severityWhy}.${r.needsChain ? '\n\nRuns with `--against HOST` or `--chain FILE` only.' : ''}\n\n**Sources:**\n\n${sources}`,
    },
    ...(web ? { helpUri: web.where } : {}),
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: { tags: ['security', 'certificate-pinning'] },
  };
}

/** The SARIF 2.1.0 log of a lint run over some files. */
export function sarifLog(results: readonly LintFileResult[], options: SarifOptions): Record<string, unknown> {
  const rules = LINT_RULE_IDS.map(ruleDescriptor);
  const sarifResults = results.flatMap((r) => {
    const location = artifactUri(r.file, options.cwd);
    return r.findings.map((f) => ({
      ruleId: f.rule,
      ruleIndex: LINT_RULE_IDS.indexOf(f.rule),
      level: LEVEL[f.severity],
      message: { text: `${f.message}. Fix: ${f.fix}.` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: location,
            region: { startLine: f.line, ...(f.column === undefined ? {} : { startColumn: f.column }) },
          },
        },
      ],
      properties: { fix: f.fix, ...(r.format ? { format: r.format } : {}) },
    }));
  });
  const failed = results.filter((r) => r.error !== undefined);
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'pinprick',
            version: options.version,
            semanticVersion: options.version,
            ...(options.informationUri ? { informationUri: options.informationUri } : {}),
            rules,
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: `${pathToFileURL(options.cwd).href.replace(/\/?$/, '/')}` } },
        // Columns count UTF-16 code units: what the readers' offsets (JavaScript strings) are.
        columnKind: 'utf16CodeUnits',
        invocations: [
          {
            executionSuccessful: failed.length === 0,
            ...(failed.length
              ? {
                  toolExecutionNotifications: failed.map((r) => ({
                    level: 'error',
                    message: { text: r.error! },
                    locations: [{ physicalLocation: { artifactLocation: artifactUri(r.file, options.cwd) } }],
                  })),
                }
              : {}),
          },
        ],
        results: sarifResults,
      },
    ],
  };
}
