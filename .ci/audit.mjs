// CI step: fail on a known-vulnerable runtime dependency (npm audit, moderate and above; dev tools
// are not shipped, so not audited). moderate, not only high: the runtime dependencies are few, and
// pinprick parses untrusted input (YAML, PEM, pin reports) and serves connections.
//
// Where the audit endpoint cannot be reached (a registry mirror that allows only GET answers the
// bulk-advisory POST with 405, measured on our CI machines), the check cannot be made: this says
// so in one line and does not fail the run, since nothing could ever land otherwise. A report of
// vulnerabilities always fails it.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', timeout: 120_000 });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = undefined;
}
const counts = report?.metadata?.vulnerabilities;
if (counts) {
  const bad = (counts.moderate ?? 0) + (counts.high ?? 0) + (counts.critical ?? 0);
  if (bad > 0) {
    process.stderr.write(`npm audit: ${bad} moderate or worse vulnerabilit${bad === 1 ? 'y' : 'ies'} in runtime dependencies:\n`);
    spawnSync('npm', ['audit', '--omit=dev', '--audit-level=moderate'], { stdio: 'inherit' });
    process.exit(1);
  }
  process.stdout.write(`npm audit: no moderate or worse vulnerability in ${report.metadata.dependencies?.prod ?? '?'} runtime dependencies\n`);
  process.exit(0);
}
const why = report?.message ?? report?.error?.summary ?? (run.stderr || run.error?.message || 'no answer').trim().split('\n')[0];
process.stdout.write(`npm audit: the advisory endpoint cannot be reached here (${why}): known-vulnerability check skipped\n`);
