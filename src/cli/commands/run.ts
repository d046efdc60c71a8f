import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { InputError } from '../../errors.js';
import { NOT_RUN, runManual } from '../../harness/manual.js';
import { makeWorkDir, planRun, profileCovers, runSuite, type ScenarioResult } from '../../harness/run.js';
import { takesConfiguration, templateProblem } from '../../harness/template.js';
import { testedNothing } from '../../harness/classify.js';
import { diagnose } from '../../harness/diagnosis.js';
import { expectationErrors } from '../../harness/expectations.js';
import { printable } from '../../printable.js';
import { pemOf } from '../../world/pem.js';
import { readRunReport, reportPath, writeRunReports } from '../../report/files.js';
import { summary, tableRows, type RunMeta } from '../../report/run-report.js';
import { loadShippedIncidents, type Incident } from '../../incidents/incident.js';
import { isProfileFile, loadAnyProfile } from '../../policy/load-profile.js';
import type { resolveProfile } from '../../scenario/profile.js';
import { CATEGORIES, findScenario, incidentMatches, type Scenario } from '../../scenario/scenario.js';
import { out, table, UsageError } from '../output.js';
import { progressReporter } from '../progress.js';
import { catalogFromArgs, type ScenarioArgs } from './scenarios.js';
import { openFromArgs } from './world.js';

interface RunArgs extends ScenarioArgs {
  client?: string;
  manual?: boolean;
  listen: string;
  'proxy-port': number;
  'tls-port': number;
  profile?: string;
  only?: string[];
  timeout?: number;
  grace: number;
  report?: string;
  'rerun-failed'?: string;
  parallel: number;
  shard?: string;
  'keep-work'?: boolean;
}

/** `pinprick run`'s exit code when the run tested nothing (calibration not passed, or all INCONCLUSIVE). */
export const EXIT_TESTED_NOTHING = 3;
/** `pinprick run --manual`'s exit code when the person stopped it (q) before every scenario ran. */
export const EXIT_INCOMPLETE = 4;

/**
 * The end of a run (or of a merge of shard runs): diagnosis, table, counts and POLICY-RISK fixes
 * on stdout; returns the exit code CI gates on (see the epilog of `pinprick run`).
 */
export function conclude(results: readonly ScenarioResult[], dir: string): number {
  for (const d of diagnose(results)) out(`diagnosis: ${d.text}${d.scenarios.length ? ` (${d.scenarios.join(', ')})` : ''}`);
  out('');
  out(table(tableRows(results), ['scenario', 'category', 'expected', 'wire', 'exit', 'outcome']));
  const counts = summary(results);
  out(`\n${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}   reports: ${dir}/report.json, junit.xml, summary.md, report.html`);
  for (const r of results.filter((x) => x.classification.fix)) out(`POLICY-RISK ${r.id}: ${r.classification.fix}`);
  const nothing = testedNothing(results);
  const notRun = results.filter((r) => r.command === NOT_RUN).length;
  if (nothing) out(`\n${nothing}. Exit ${EXIT_TESTED_NOTHING}.`);
  else if (notRun) out(`\nincomplete: ${notRun} scenario(s) not run (stopped with q). Exit ${EXIT_INCOMPLETE}.`);
  // A finding (VULNERABLE, BRICKED) is real even in a run that could not test the rest.
  if (counts.VULNERABLE + counts.BRICKED > 0) return 1;
  if (nothing) return EXIT_TESTED_NOTHING;
  if (notRun) return EXIT_INCOMPLETE;
  return 0;
}

/**
 * Select scenarios by id, glob (`attack-*`), category, incident id of the catalog (`barclays-2016`:
 * the scenarios it lists) or incident name (`DigiNotar`, `CVE-2016-2402`: the scenarios whose
 * `incident:` names it).
 */
export function selectScenarios(catalog: Scenario[], selectors: string[] | undefined, incidents: readonly Incident[] = []): Scenario[] {
  if (!selectors?.length) return catalog;
  const listedBy = (sel: string, s: Scenario) => incidents.some((i) => i.id === sel && i.scenarios.includes(s.id));
  const picked = catalog.filter((s) =>
    selectors.some(
      (sel) =>
        sel === s.id ||
        sel === s.category ||
        (sel.includes('*') && new RegExp(`^${sel.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(s.id)) ||
        (!sel.includes('*') && (listedBy(sel, s) || incidentMatches(sel, s.incident))),
    ),
  );
  if (!picked.length) {
    throw new InputError(`--scenarios ${selectors.join(',')}: no scenario matches (ids, globs like attack-*, a category: ${CATEGORIES.join(', ')}, an incident id: pinprick incidents list, or an incident's name: pinprick scenarios list)`);
  }
  return picked;
}

/** `pinprick run`. */
export const runCommand: CommandModule<ScenarioArgs, RunArgs> = {
  command: 'run',
  describe: 'Run scenarios against a client command and classify each: PASS, VULNERABLE, BRICKED, POLICY-RISK, INCONCLUSIVE',
  builder: (y) =>
    y
      .option('scenarios', { type: 'string', array: true, describe: 'Which scenarios: ids, globs (attack-*), categories, incident ids (barclays-2016: pinprick incidents list) or incident names (DigiNotar, CVE-2016-2402); a folder adds its scenario files to the catalog. The calibration scenario always runs first' })
      .option('client', { type: 'string', describe: 'Client command; placeholders {url} {host} {port} {proxy} {cafile} {pins} {pinsJson} (the pins for the URL host, empty when unpinned) {profile} (the policy as JSON) {reportUri}, and for dynamic scenarios {configUrl} (where the app fetches its pin configuration, through {proxy}: http://, or https:// by CONNECT trusting {cafile}) {configKey} (the PEM public key the app embeds) {configState} (its last good configuration, seeded per scenario) {configDevice} (its device id), are filled per scenario, shell-quoted: write them bare, never inside quotes (refused). A dynamic client prints CONFIG version=N source=served|last-good|none (README: Dynamic pinning)' })
      .option('manual', { type: 'boolean', describe: 'Interactive: for a phone or an app you start yourself; switches scenario, says what to do, waits for its connection (Enter: skip)' })
      .option('listen', { type: 'string', default: '127.0.0.1', describe: 'Address the proxy listens on (--manual; a phone needs this machine\'s LAN address)' })
      .option('proxy-port', { type: 'number', default: 8080, describe: 'Proxy port in --manual mode (0 = any); command runs always use free ports' })
      .option('tls-port', { type: 'number', default: 8443, describe: 'Direct TLS port in --manual mode (0 = any)' })
      .option('profile', { alias: 'p', type: 'string', defaultDescription: 'intermediate-backup; with --rerun-failed, the report\'s', describe: "The client's pin profile (shipped id or file)" })
      .option('only', { type: 'string', array: true, describe: 'Same as --scenarios selectors: ids, globs (attack-*), categories or incidents' })
      .option('timeout', { type: 'number', describe: 'ms per client run (default 20000); with --manual, ms to wait for each connection (default: until it comes or Enter)' })
      .option('grace', { type: 'number', default: 2000, describe: 'ms after the handshake for the client to send data or close' })
      .option('parallel', { type: 'number', default: 1, describe: 'Scenarios at once, each on its own proxy ports' })
      .option('shard', { type: 'string', describe: 'i/n: run every n-th scenario starting at i, for a CI matrix (merged reports stay valid)' })
      .option('report', { type: 'string', defaultDescription: 'reports; with --rerun-failed, rerun/ in the report\'s folder', describe: 'Folder for report.json, junit.xml, summary.md and report.html' })
      .option('rerun-failed', { type: 'string', describe: 'Run again every scenario that did not PASS in this report.json (or report folder), with its client and profile unless given' })
      .option('keep-work', { type: 'boolean', describe: 'Keep the run\'s work folder (a private $TMPDIR/pinprick-run-XXXXXX holding each scenario\'s {cafile}) and print where it is; by default it is removed at the end' })
      .check((a) => {
        if (a.client && a.manual) throw new UsageError('give one of --client COMMAND or --manual, not both');
        if (!a.client && !a.manual && !a['rerun-failed']) throw new UsageError('give exactly one of --client COMMAND or --manual');
        return true;
      })
      .epilog('Exit codes: 0 nothing VULNERABLE or BRICKED; 1 something is; 2 bad usage; 3 nothing was tested (the client did not accept the calibration chain, or every result is INCONCLUSIVE); 4 a --manual run stopped with q before every scenario ran.')
      .example(
        `$0 run --profile leaf-only --client 'curl -sS --proxy {proxy} --cacert {cafile} --capath /nonexistent \${PINPRICK_PINS:+--pinnedpubkey "$PINPRICK_PINS"} {url}'`,
        'curl pins only the leaf key, and only for pinned hosts (placeholders are already shell-quoted)',
      )
      .example(
        `$0 run --scenarios 'dynamic-*' --client 'node examples/clients/dynamic-client.mjs --url {url} --proxy {proxy} --cafile {cafile} --config-url {configUrl} --config-key {configKey} --config-state {configState} --device {configDevice}'`,
        'Dynamic pinning: the client fetches its signed pin configuration through the proxy; judged on both channels',
      ),
  handler: async (args) => {
    // --rerun-failed: the scenarios that did not PASS, with the report's client and profile unless given.
    const previous = args['rerun-failed'] === undefined ? undefined : { path: reportPath(args['rerun-failed']), report: readRunReport(args['rerun-failed']) };
    if (previous && (args.only?.length || (args.scenarios ?? []).some((v) => !(existsSync(v) && statSync(v).isDirectory())))) {
      throw new InputError('--rerun-failed selects the scenarios itself: give scenario folders with --scenarios, but no ids or categories');
    }
    // A placeholder quoted again breaks the command silently: refused before anything runs (issue 15, finding 7).
    if (args.client !== undefined) {
      const problem = templateProblem(args.client);
      if (problem) throw new InputError(`--client: ${problem}`);
    }
    if (previous && !args.client && !args.manual) {
      if (previous.report.client === '(manual)') args.manual = true;
      else {
        const problem = templateProblem(previous.report.client);
        if (problem) throw new InputError(`${previous.path}: client: ${problem} (give --client to run another)`);
        args.client = previous.report.client;
      }
    }
    const opened = await openFromArgs(args);
    const world = opened.world;
    const profileArg = args.profile ?? previous?.report.profileFile ?? previous?.report.profile ?? 'intermediate-backup';
    const profile = loadAnyProfile(profileArg, world);
    const profileFile = isProfileFile(profileArg) ? resolve(profileArg) : undefined;
    // --scenarios takes selectors and folders alike: an existing folder adds scenario files, anything else selects.
    const isDir = (v: string) => existsSync(v) && statSync(v).isDirectory();
    const dirs = (args.scenarios ?? []).filter(isDir);
    const selectors = [...(args.scenarios ?? []).filter((v) => !isDir(v)), ...(args.only ?? [])];
    const catalog = catalogFromArgs({ ...args, scenarios: dirs }, world.spec);
    if (previous) {
      const failed = [...new Set(previous.report.results.filter((r) => r.category !== 'calibration' && r.classification.outcome !== 'PASS').map((r) => r.id))];
      if (!failed.length) {
        out(`nothing to re-run: every scenario of ${previous.path} passed`);
        return;
      }
      // Each must still exist: an id from an older catalog (or a folder not given) is said, with the nearest ids.
      for (const id of failed) {
        try {
          findScenario(catalog, id);
        } catch (err) {
          throw new InputError(`${previous.path}: ${(err as Error).message}${dirs.length ? '' : ' (scenarios from a folder need --scenarios FOLDER)'}`);
        }
      }
      selectors.push(...failed);
      out(`re-running ${failed.length} scenario(s) that did not PASS in ${previous.path}: ${failed.join(', ')}`);
    }
    let shardOf: { i: number; n: number } | undefined;
    if (args.shard !== undefined) {
      const m = /^(\d+)\/(\d+)$/.exec(args.shard);
      const [i, n] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
      if (!m || n < 1 || i < 1 || i > n) throw new InputError(`--shard '${args.shard}': expected i/n with 1 <= i <= n`);
      shardOf = { i, n };
    }
    // Calibration runs first in every selection and every shard. An incident id selects the scenarios its catalog entry lists.
    const incidents = loadShippedIncidents(catalog);
    let selected = selectScenarios(catalog, selectors, incidents);
    // The whole catalog for a client that takes no pin configuration: the dynamic-pinning
    // scenarios would judge a channel it never uses (INCONCLUSIVE, or BRICKED where the
    // configuration unpins). They run when selected, or for a client that takes {configUrl}.
    if (!selectors.length && !(args.client && takesConfiguration(args.client))) {
      const dynamic = selected.filter((s) => s.category === 'dynamic');
      if (dynamic.length) {
        selected = selected.filter((s) => s.category !== 'dynamic');
        out(`leaving out the ${dynamic.length} dynamic-pinning scenarios: the client takes no pin configuration ({configUrl}); select them with --scenarios dynamic`);
      }
    }
    const scenarios = planRun(catalog, selected, shardOf);
    // A scenario whose `expect:` the model contradicts is a broken test, not a result: refuse it.
    const contradicted = await expectationErrors(opened, scenarios);
    if (contradicted.length) throw contradicted[0]!;
    // A profile that pins none of a scenario's hosts (a typo in hosts:) is said before anything runs.
    const hostsOf = (s: Scenario) => s.hosts ?? [...world.hosts];
    const uncovered = scenarios.filter((s) => s.category !== 'calibration' && !profileCovers(profile, hostsOf(s)));
    if (uncovered.length) {
      process.stderr.write(
        `pinprick: warning: profile ${profile.id} pins none of the hosts of ${uncovered.map((s) => `${s.id} (${hostsOf(s).join(', ')})`).join(', ')}; attacks on them are INCONCLUSIVE\n`,
      );
    }
    if (!Number.isInteger(args.parallel) || args.parallel < 1) throw new InputError(`--parallel ${args.parallel}: expected a positive integer`);
    const dir = resolve(args.report ?? (previous ? join(dirname(previous.path), 'rerun') : 'reports'));
    mkdirSync(dir, { recursive: true });
    if (args.manual && args.timeout !== undefined && (!Number.isFinite(args.timeout) || args.timeout < 0)) throw new InputError(`--timeout ${args.timeout}: expected milliseconds >= 0`);
    if (!args.manual && args.timeout !== undefined && (!Number.isFinite(args.timeout) || args.timeout <= 0)) throw new InputError(`--timeout ${args.timeout}: expected milliseconds > 0`);
    const startedAt = new Date().toISOString();
    // A fresh private folder (mkdtemp, 0700) for the trust files, removed at the end, on an error,
    // and on Ctrl-C or SIGTERM, unless --keep-work (issue 15, finding 2).
    const workDir = makeWorkDir();
    const removeWork = () => rmSync(workDir, { recursive: true, force: true });
    const stopRemoving = args['keep-work'] ? () => undefined : removeOnSignal(removeWork);
    try {
      process.exitCode = await runAndReport(args, { opened, scenarios, profile, profileFile, catalog, selectors, incidents, dir, startedAt, workDir });
    } finally {
      stopRemoving();
      if (args['keep-work']) out(`work folder kept (--keep-work): ${workDir}`);
      else removeWork();
    }
  },
};

/**
 * Until the returned function is called, SIGINT and SIGTERM first run `cleanup`, then end the
 * process with the same signal, as it would have ended without this handler.
 */
function removeOnSignal(cleanup: () => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    stop();
    cleanup();
    process.kill(process.pid, signal);
  };
  const stop = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return stop;
}

/** What the handler worked out before the run: the run itself needs all of it. */
interface RunPlan {
  opened: Awaited<ReturnType<typeof openFromArgs>>;
  scenarios: Scenario[];
  profile: ReturnType<typeof resolveProfile>;
  /** The profile's file, absolute, when --profile named one (kept in the report for --rerun-failed). */
  profileFile: string | undefined;
  catalog: Scenario[];
  selectors: string[];
  /** The incident catalog, for selectors that name an incident id. */
  incidents: readonly Incident[];
  dir: string;
  startedAt: string;
  workDir: string;
}

/** Run the scenarios (by command, or by hand with --manual), write the reports, and return the exit code. */
async function runAndReport(args: RunArgs, plan: RunPlan): Promise<number> {
  const { opened, scenarios, profile, profileFile, catalog, selectors, incidents, dir, startedAt, workDir } = plan;
  const world = opened.world;
  let results: ScenarioResult[];
  if (args.manual) {
    // The device must trust the world's roots: written next to the reports, to install once.
    const caPath = join(dir, 'pinprick-ca.pem');
    writeFileSync(caPath, world.trustedRoots().map((r) => pemOf(r.der, 'CERTIFICATE')).join(''));
    results = await runManual({
      opened,
      scenarios,
      profile,
      listen: args.listen,
      proxyPort: args['proxy-port'],
      tlsPort: args['tls-port'],
      graceMs: args.grace,
      waitMs: args.timeout ?? 0,
      workDir,
      input: process.stdin,
      say: out,
      onStart: (proxy) => {
        out(`pinprick run --manual: ${scenarios.length} scenario(s), profile ${profile.id}`);
        out(`  Set the device's HTTP proxy to ${proxy.host}:${proxy.proxyPort} (direct TLS: ${proxy.host}:${proxy.tlsPort}).`);
        out(`  The device must trust the test CA: ${caPath} (install it once; the calibration scenario checks it).`);
        out(`  Pin-failure reports (HPKP report-uri, TrustKit reportUris): ${proxy.reportUri}`);
      },
      // The reason can quote the wire (a request line, bytes that are not TLS): escaped as peer text.
      onResult: (r) => out(`  => ${r.classification.outcome}: ${printable(r.classification.reason, { max: 1_024 })}`),
    });
  } else {
    const progress = progressReporter(process.stderr);
    results = await runSuite({
      opened,
      scenarios,
      profile,
      client: args.client!,
      timeoutMs: args.timeout ?? 20_000,
      graceMs: args.grace,
      parallel: args.parallel,
      workDir,
      onResult: (r, i, n) => progress.update(r.id, r.classification.outcome, i + 1, n),
    });
    progress.end();
  }
  const meta: RunMeta = {
    profile: profile.id,
    ...(profileFile ? { profileFile } : {}),
    client: args.manual ? '(manual)' : args.client!,
    world: world.name,
    startedAt,
    finishedAt: new Date().toISOString(),
    selection: planRun(catalog, selectScenarios(catalog, selectors, incidents)).map((s) => s.id),
    ...(args.shard ? { shard: args.shard } : {}),
  };
  writeRunReports(dir, results, meta);
  return conclude(results, dir);
}
