import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { InputError } from '../../errors.js';
import { runSuite, shard } from '../../harness/run.js';
import { jsonReport, junitReport, markdownReport, summary, tableRows } from '../../report/run-report.js';
import { findProfile, resolveProfile } from '../../scenario/profile.js';
import { CATEGORIES, type Scenario } from '../../scenario/scenario.js';
import { out, table } from '../output.js';
import { catalogFromArgs, type ScenarioArgs } from './scenarios.js';
import { openFromArgs } from './world.js';

interface RunArgs extends ScenarioArgs {
  client: string;
  profile: string;
  only?: string[];
  timeout: number;
  grace: number;
  report: string;
  parallel: number;
  shard?: string;
}

/** Select scenarios by id, glob (`attack-*`) or category. */
export function selectScenarios(catalog: Scenario[], selectors: string[] | undefined): Scenario[] {
  if (!selectors?.length) return catalog;
  const picked = catalog.filter((s) =>
    selectors.some((sel) => sel === s.id || sel === s.category || (sel.includes('*') && new RegExp(`^${sel.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(s.id))),
  );
  if (!picked.length) throw new InputError(`--only ${selectors.join(',')}: no scenario matches (ids, globs like attack-*, or a category: ${CATEGORIES.join(', ')})`);
  return picked;
}

/** `pinprick run`. */
export const runCommand: CommandModule<ScenarioArgs, RunArgs> = {
  command: 'run',
  describe: 'Run scenarios against a client command and classify each: PASS, VULNERABLE, BRICKED, POLICY-RISK, INCONCLUSIVE',
  builder: (y) =>
    y
      .option('scenarios', { type: 'string', array: true, describe: 'Extra folder(s) of scenario files' })
      .option('client', { type: 'string', demandOption: true, describe: 'Client command; placeholders {url} {host} {port} {proxy} {cafile} {pins} {pinsJson} are filled per scenario (shell-quoted)' })
      .option('profile', { alias: 'p', type: 'string', default: 'intermediate-backup', describe: "The client's pin profile (shipped id or file)" })
      .option('only', { type: 'string', array: true, describe: 'Scenario ids, globs (attack-*) or categories' })
      .option('timeout', { type: 'number', default: 20000, describe: 'ms per client run' })
      .option('grace', { type: 'number', default: 2000, describe: 'ms after the handshake for the client to send data or close' })
      .option('parallel', { type: 'number', default: 1, describe: 'Scenarios at once, each on its own proxy ports' })
      .option('shard', { type: 'string', describe: 'i/n: run every n-th scenario starting at i, for a CI matrix (merged reports stay valid)' })
      .option('report', { type: 'string', default: 'reports', describe: 'Folder for report.json, junit.xml and summary.md' })
      .example(
        `$0 run --profile leaf-only --client 'curl -sS --proxy {proxy} --cacert {cafile} --capath /nonexistent \${PINPRICK_PINS:+--pinnedpubkey "$PINPRICK_PINS"} {url}'`,
        'curl pins only the leaf key, and only for pinned hosts (placeholders are already shell-quoted)',
      ),
  handler: async (args) => {
    const opened = await openFromArgs(args);
    const world = opened.world;
    const profile = resolveProfile(findProfile(args.profile, world.spec), world);
    let scenarios = selectScenarios(catalogFromArgs(args, world.spec), args.only);
    if (args.shard !== undefined) {
      const m = /^(\d+)\/(\d+)$/.exec(args.shard);
      const [i, n] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
      if (!m || n < 1 || i < 1 || i > n) throw new InputError(`--shard '${args.shard}': expected i/n with 1 <= i <= n`);
      scenarios = shard(scenarios, i, n);
    }
    if (!Number.isInteger(args.parallel) || args.parallel < 1) throw new InputError(`--parallel ${args.parallel}: expected a positive integer`);
    const startedAt = new Date().toISOString();
    const results = await runSuite({
      opened,
      scenarios,
      profile,
      client: args.client,
      timeoutMs: args.timeout,
      graceMs: args.grace,
      parallel: args.parallel,
      workDir: join(tmpdir(), `pinprick-run-${process.pid}`),
      onResult: (r, i, n) => process.stderr.write(`[${i + 1}/${n}] ${r.id}: ${r.classification.outcome}\n`),
    });
    const meta = { profile: profile.id, client: args.client, world: world.name, startedAt, finishedAt: new Date().toISOString() };
    const dir = resolve(args.report);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'report.json'), jsonReport(results, meta));
    writeFileSync(join(dir, 'junit.xml'), junitReport(results, meta));
    writeFileSync(join(dir, 'summary.md'), markdownReport(results, meta));
    out(table(tableRows(results), ['scenario', 'category', 'expected', 'wire', 'exit', 'outcome']));
    const counts = summary(results);
    out(`\n${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}   reports: ${dir}/report.json, ${dir}/junit.xml, ${dir}/summary.md`);
    for (const r of results.filter((x) => x.classification.fix)) out(`POLICY-RISK ${r.id}: ${r.classification.fix}`);
    if (counts.VULNERABLE + counts.BRICKED > 0) process.exitCode = 1;
  },
};
