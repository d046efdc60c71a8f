import type { ScenarioResult } from '../harness/run.js';
import type { Outcome } from '../harness/classify.js';
import { diagnose, type Diagnosis } from '../harness/diagnosis.js';

/** What a run was, for the top of every report. */
export interface RunMeta {
  profile: string;
  /** The profile's file, absolute, when `--profile` named a file (a pinprick profile or an app's own configuration): what `--rerun-failed` loads again. */
  profileFile?: string;
  client: string;
  world: string;
  startedAt: string;
  finishedAt: string;
  /** Ids of the whole selection before sharding, calibration first: what all shards cover together. */
  selection?: string[];
  /** `i/n` for a `--shard i/n` run. */
  shard?: string;
  /** For a merged report: the shard reports joined, in shard order. */
  mergedFrom?: string[];
}

/** A `report.json` as read back (format `pinprick-run/1`). */
export interface RunReport extends RunMeta {
  format: 'pinprick-run/1';
  summary: Record<Outcome, number>;
  diagnosis?: Diagnosis[];
  results: ScenarioResult[];
}

/** Counts per outcome. */
export function summary(results: readonly ScenarioResult[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { PASS: 0, VULNERABLE: 0, BRICKED: 0, 'POLICY-RISK': 0, INCONCLUSIVE: 0 };
  for (const r of results) counts[r.classification.outcome]++;
  return counts;
}

/** The JSON report (format `pinprick-run/1`). */
export function jsonReport(results: readonly ScenarioResult[], meta: RunMeta): string {
  return JSON.stringify({ format: 'pinprick-run/1', ...meta, summary: summary(results), diagnosis: diagnose(results), results }, null, 2) + '\n';
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** JUnit XML: one testcase per scenario; VULNERABLE and BRICKED fail, INCONCLUSIVE is skipped. */
export function junitReport(results: readonly ScenarioResult[], meta: RunMeta): string {
  const counts = summary(results);
  const failures = counts.VULNERABLE + counts.BRICKED;
  const cases = results.map((r) => {
    const c = r.classification;
    const time = (r.durationMs / 1000).toFixed(3);
    // A merged report holds each shard's calibration: the shard keeps the test names apart.
    const name = r.shard && r.category === 'calibration' ? `${r.id} (shard ${r.shard})` : r.id;
    const head = `  <testcase classname="pinprick.${r.category}" name="${xml(name)}" time="${time}">`;
    const out = `    <system-out>${xml(`${c.outcome}: ${c.reason}\nwire: ${r.wire ? `${r.wire.kind}${r.wire.alert ? ` (${r.wire.alert.name})` : ''}` : 'no connection'}; exit: ${r.exitCode}\n$ ${r.command}\n${r.stdout}`)}</system-out>`;
    if (c.outcome === 'VULNERABLE' || c.outcome === 'BRICKED') return `${head}\n    <failure type="${c.outcome}" message="${xml(c.reason)}">${xml(`${c.outcome}: ${c.reason}\nexpected ${r.expected.verdict} (${r.expected.code}): ${r.expected.reason}`)}</failure>\n${out}\n  </testcase>`;
    if (c.outcome === 'INCONCLUSIVE') return `${head}\n    <skipped message="${xml(c.reason)}"/>\n${out}\n  </testcase>`;
    return `${head}\n${out}\n  </testcase>`;
  });
  // The diagnosis is about the client, not one scenario: suite properties (Jenkins, GitLab and
  // the JUnit XSD all carry <properties>) and the suite's system-out, which CI viewers show.
  const diagnosis = diagnose(results);
  const properties = diagnosis.map((d) => `    <property name="diagnosis.${d.code}" value="${xml(d.text)}"/>`).join('\n');
  const suiteOut = diagnosis.map((d) => `${d.text}${d.scenarios.length ? ` (${d.scenarios.join(', ')})` : ''}`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="pinprick ${xml(meta.profile)}" tests="${results.length}" failures="${failures}" errors="0" skipped="${counts.INCONCLUSIVE}" timestamp="${meta.startedAt}">\n  <properties>\n${properties}\n  </properties>\n${cases.join('\n')}\n  <system-out>${xml(suiteOut)}</system-out>\n</testsuite>\n`;
}

/** The console table. */
export function tableRows(results: readonly ScenarioResult[]): string[][] {
  return results.map((r) => [r.id, r.category, r.expected.verdict, r.wire ? `${r.wire.kind}${r.wire.alert ? ` (${r.wire.alert.name})` : ''}` : '-', String(r.exitCode ?? '-'), r.classification.outcome]);
}

/** Markdown summary, for a CI step summary ($GITHUB_STEP_SUMMARY and the like). */
export function markdownReport(results: readonly ScenarioResult[], meta: RunMeta): string {
  const counts = summary(results);
  const icon: Record<Outcome, string> = { PASS: '✅', VULNERABLE: '❌', BRICKED: '❌', 'POLICY-RISK': '⚠️', INCONCLUSIVE: '❔' };
  const cell = (t: string) => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `## pinprick: profile \`${meta.profile}\``,
    '',
    Object.entries(counts)
      .map(([k, v]) => `**${k}** ${v}`)
      .join(' · '),
    '',
    ...diagnose(results).flatMap((d) => [`> **Diagnosis:** ${cell(d.text)}${d.scenarios.length ? ` (${d.scenarios.map((id) => `\`${id}\``).join(', ')})` : ''}`, '']),
    '| scenario | category | expected | observed on the wire | outcome | why |',
    '|---|---|---|---|---|---|',
    ...results.map((r) => {
      const wire = r.wire ? `${r.wire.kind}${r.wire.alert ? ` (${r.wire.alert.name})` : ''}` : 'no connection';
      return `| \`${r.id}\` | ${r.category} | ${r.expected.verdict} | ${wire} | ${icon[r.classification.outcome]} ${r.classification.outcome} | ${cell(r.classification.reason)}${r.classification.fix ? ` Fix: ${cell(r.classification.fix)}` : ''} |`;
    }),
    '',
    `Client: \`${cell(meta.client)}\``,
    '',
  ];
  return lines.join('\n');
}
