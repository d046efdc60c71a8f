import { writeFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { InputError } from '../../errors.js';
import { renderCsv, renderSvg, renderTable, simulateFile } from '../../simulate/index.js';
import { out, table } from '../output.js';
import { catalogFromArgs, type ScenarioArgs } from './scenario-args.js';
import { openFromArgs } from './world.js';

interface SimulateArgs extends ScenarioArgs {
  timeline: string;
  csv?: boolean;
  json?: boolean;
  svg?: string;
  step: number;
  check?: boolean;
}

/** `pinprick simulate TIMELINE`. */
export const simulateCommand: CommandModule<ScenarioArgs, SimulateArgs> = {
  command: 'simulate <timeline>',
  describe: 'Replay a timeline day by day: app releases with their pin policies and adoption, the chains the server sends from which date; prints the share of users each day whose app rejects the server (bricked) or accepts an attacker (exposed), per version, by the reference model',
  builder: (y) =>
    y
      .positional('timeline', { type: 'string', demandOption: true, describe: 'Timeline file (YAML; schema timelines/timeline.schema.json)' })
      .option('csv', { type: 'boolean', describe: 'Print every day as CSV (date, server, shares; per version share, outcome, reason code)' })
      .option('json', { type: 'boolean', describe: 'Print the whole simulation as JSON (pinprick-simulation/1)' })
      .option('svg', { type: 'string', describe: 'Also write the chart (users bricked over time, server events marked) to this SVG file' })
      .option('step', { type: 'number', default: 7, describe: 'Table: show a row every STEP days, besides every day something changes' })
      .option('check', { type: 'boolean', describe: 'Exit 1 when any user is bricked or exposed on any day (a CI gate for a planned rotation)' })
      .option('scenarios', { type: 'string', array: true, describe: 'Extra folder(s) of scenario files the timeline may name' })
      .conflicts('csv', 'json')
      .example('$0 simulate timelines/barclays-2016.yaml', 'Barclays 2016: one pinned intermediate, no backup, and the release that fixed it')
      .example('$0 simulate my-plan.yaml --svg plan.svg --check', 'Will the planned key rotation brick anyone? Chart it; exit 1 if so')
      .epilog('Exit codes: 0 simulated; 1 with --check, someone was bricked or exposed; 2 bad input (file:line).'),
  handler: async (args) => {
    if (!Number.isInteger(args.step) || args.step < 1) throw new InputError(`--step ${args.step}: expected a whole number of days, at least 1`);
    const opened = await openFromArgs(args);
    const sim = await simulateFile(args.timeline, opened, catalogFromArgs(args, opened.world.spec));
    if (args.svg !== undefined) {
      try {
        writeFileSync(args.svg, renderSvg(sim));
      } catch (err) {
        throw new InputError(`--svg ${args.svg}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    if (args.json) out(JSON.stringify(sim, null, 2));
    else if (args.csv) process.stdout.write(renderCsv(sim));
    else out(renderTable(sim, args.step, table));
    if (args.check && (sim.summary.peakBricked.share > 0 || sim.summary.peakExposed.share > 0)) process.exitCode = 1;
  },
};
