import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { InputError } from '../../errors.js';
import { diffRuns, type ScenarioChange } from '../../report/diff.js';
import { readRunReport, reportPath, writeRunReports } from '../../report/files.js';
import { mergeShards } from '../../report/merge.js';
import { out, table } from '../output.js';
import type { WorldArgs } from './world.js';
import { conclude } from './run.js';

interface MergeArgs extends WorldArgs {
  reports: string[];
  report: string;
}

const merge: CommandModule<WorldArgs, MergeArgs> = {
  command: 'merge <reports..>',
  describe: 'Join the reports of `pinprick run --shard i/n` runs into one report.json, junit.xml, summary.md and report.html',
  builder: (y) =>
    y
      .positional('reports', { type: 'string', array: true, demandOption: true, describe: 'Report folders (or their report.json), one per shard' })
      .option('report', { type: 'string', default: 'reports', describe: 'Folder for the merged reports (not one of the shard folders)' })
      .epilog('Fails (exit 2) when a shard is missing or given twice, shards overlap, a selected scenario is in none, or the reports are of different runs. Otherwise exits as `pinprick run` would for the whole run: 0, 1 (VULNERABLE or BRICKED), 3 (nothing was tested: a shard was not calibrated).')
      .example('$0 report merge shard-1 shard-2 shard-3 shard-4 --report reports', ''),
  handler: (args) => {
    const out_ = resolve(args.report);
    const inputs = args.reports.map((source) => {
      if (resolve(reportPath(source)) === resolve(out_, 'report.json')) throw new InputError(`--report ${args.report}: that is the shard report ${source}; merge into another folder`);
      return { source, report: readRunReport(source) };
    });
    const merged = mergeShards(inputs);
    if (!merged.ok) {
      for (const p of merged.problems.slice(0, -1)) process.stderr.write(`pinprick: ${p}\n`);
      throw new InputError(`${merged.problems.at(-1)!} (cannot merge: nothing written)`);
    }
    writeRunReports(out_, merged.results, merged.meta);
    out(`merged ${inputs.length} shard report(s): ${merged.results.length} results`);
    process.exitCode = conclude(merged.results, out_);
  },
};

interface DiffArgs extends WorldArgs {
  before: string;
  after: string;
  json?: boolean;
}

const SIGN: Record<ScenarioChange['kind'], string> = { worse: '!', better: '+', changed: '~', added: '>', removed: '<' };

const diff: CommandModule<WorldArgs, DiffArgs> = {
  command: 'diff <before> <after>',
  describe: 'What changed between two runs of the same client: outcomes and wire, per scenario',
  builder: (y) =>
    y
      .positional('before', { type: 'string', demandOption: true, describe: 'Report folder or report.json of the earlier run' })
      .positional('after', { type: 'string', demandOption: true, describe: 'Report folder or report.json of the later run' })
      .option('json', { type: 'boolean', describe: 'Print the comparison as JSON' })
      .epilog('Exit codes: 0 nothing got worse; 1 a scenario became VULNERABLE or BRICKED; 2 bad input.')
      .example('$0 report diff reports-v1.4 reports', ''),
  handler: (args) => {
    const d = diffRuns(readRunReport(args.before), readRunReport(args.after));
    if (args.json) out(JSON.stringify(d, null, 2));
    else {
      for (const n of d.notes) out(`note: ${n}`);
      if (d.changes.length) {
        const rows = d.changes.map((c) => [SIGN[c.kind], c.id, c.kind, c.before ? `${c.before.outcome}  ${c.before.wire}` : '-', c.after ? `${c.after.outcome}  ${c.after.wire}` : '-']);
        out(table(rows, ['', 'scenario', 'change', 'before', 'after']));
      }
      if (d.diagnosis.gained.length || d.diagnosis.lost.length) out(`diagnosis: ${[...d.diagnosis.gained.map((c) => `+${c}`), ...d.diagnosis.lost.map((c) => `-${c}`)].join(' ')}`);
      const worse = d.changes.filter((c) => c.kind === 'worse').length;
      out(`${d.changes.length} changed (${worse} worse), ${d.unchanged} unchanged`);
    }
    if (d.changes.some((c) => c.kind === 'worse')) process.exitCode = 1;
  },
};

/** `pinprick report merge|diff`. */
export const reportCommand: CommandModule<WorldArgs, WorldArgs> = {
  command: 'report <action>',
  describe: 'Merge the reports of sharded runs, or compare two runs',
  builder: (y) => y.command(merge).command(diff).demandCommand(1, 'Name an action: merge or diff.'),
  handler: () => undefined,
};
