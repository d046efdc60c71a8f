import type { CommandModule } from 'yargs';
import { byPosition, PinprickError, ScenarioError } from '../../errors.js';
import { presentScenario } from '../../scenario/materialize.js';
import { findScenario, loadCatalog, validateScenarioFile, type Scenario } from '../../scenario/scenario.js';
import { defaultWorldSpec } from '../../world/spec.js';
import { out, table } from '../output.js';
import { openFromArgs, type WorldArgs } from './world.js';
import { expectationErrors } from '../../harness/expectations.js';
import { explainCommand } from './explain.js';

// Shared with explain.ts, which scenarios.ts registers: in their own module, so the two do not import each other.
export { catalogFromArgs, chainLines, type ScenarioArgs } from './scenario-args.js';
import { catalogFromArgs, chainLines, type ScenarioArgs } from './scenario-args.js';

const list: CommandModule<ScenarioArgs, ScenarioArgs & { json?: boolean; category?: string }> = {
  command: 'list',
  describe: 'List the scenarios (built-in and --scenarios folders)',
  builder: (y) =>
    y
      .option('category', { type: 'string', describe: 'Only this category: calibration, control, attack, validation, rotation' })
      .option('json', { type: 'boolean', describe: 'JSON output' })
      .example('$0 scenarios list --category attack', ''),
  handler: (args) => {
    const catalog = catalogFromArgs(args).filter((s) => !args.category || s.category === args.category);
    if (args.json) return out(JSON.stringify(catalog.map(({ source, ...s }) => ({ ...s, file: source.file })), null, 2));
    const incident = (s: Scenario) => (s.incident ? `${s.incident.name}${s.incident.year ? ` (${s.incident.year})` : ''}` : '');
    out(table(catalog.map((s) => [s.id, s.category, s.expect ?? '', incident(s), s.title]), ['id', 'category', 'expect', 'incident', 'title']));
  },
};

const show: CommandModule<ScenarioArgs, ScenarioArgs & { id: string }> = {
  command: 'show <id>',
  describe: 'Show a scenario: its story and the exact chain it presents',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }).example('$0 scenarios show attack-pin-stuffing', ''),
  handler: async (args) => {
    const scenario = findScenario(catalogFromArgs(args), args.id);
    const opened = await openFromArgs(args);
    const presented = await presentScenario(opened, scenario);
    out(`${scenario.id}  [${scenario.category}]  ${scenario.title}`);
    if (scenario.incident) out(`incident: ${scenario.incident.name}${scenario.incident.year ? ` (${scenario.incident.year})` : ''}${scenario.incident.reference ? ` ${scenario.incident.reference}` : ''}`);
    out(`hosts: ${presented.hosts.join(', ')}${scenario.trust ? `   client trust store: ${scenario.trust.join(', ')}` : ''}${scenario.at ? `   at: ${scenario.at}` : ''}`);
    out(`file: ${scenario.source.file}\n`);
    out(scenario.description.trim());
    out('\nchain presented, in order:');
    out(table(chainLines(presented.chain), ['#', 'name', 'subject', 'issuer', 'key', 'pin-sha256', 'validity']));
  },
};

const validate: CommandModule<ScenarioArgs, ScenarioArgs & { files: string[] }> = {
  command: 'validate <files..>',
  describe: 'Check scenario files: schema, references to the world, cycles, impossible recipes',
  builder: (y) => y.positional('files', { type: 'string', array: true, demandOption: true }).example('$0 scenarios validate my-scenarios/*.yaml', ''),
  handler: async (args) => {
    const spec = defaultWorldSpec();
    // A file named twice is checked once: its problems are not news the second time.
    const files = [...new Set(args.files)];
    const checked = files.map((file) => ({ file, ...validateScenarioFile(file, spec) }));
    // Ids must be unique across the catalog, as loading requires: built-ins and the files given,
    // checked for every id the schema accepts, whatever else is wrong in its file.
    const seen = new Map<string, string>(loadCatalog(spec).map((b) => [b.id, b.source.file]));
    for (const { file, id, problems } of checked) {
      if (!id) continue;
      const other = seen.get(id.value);
      if (other && other !== file) problems.push(new ScenarioError(file, id.line, id.col, `id '${id.value}' is already used by ${other}`));
      else seen.set(id.value, file);
    }
    // `expect:` against the model, for the files that load: needs the world (its keys issue the
    // scenario's certificates).
    const loaded = checked.flatMap((c) => (c.scenario ? [c.scenario] : []));
    if (loaded.some((s) => s.expect)) {
      const problemsOf = new Map(checked.map((c) => [c.file, c.problems]));
      for (const e of await expectationErrors(await openFromArgs(args), loaded)) problemsOf.get(e.file)!.push(e);
    }
    // Every problem of every file is reported before failing, so one run lists them all.
    let bad = 0;
    let count = 0;
    for (const { file, scenario, problems } of checked) {
      if (problems.length) {
        problems.sort(byPosition);
        bad++;
        count += problems.length;
        for (const p of problems) process.stderr.write(`${p.message}\n`);
      } else out(`ok   ${file} (${scenario!.id})`);
    }
    if (bad) {
      throw new PinprickError('E_SCENARIO', `${bad} of ${files.length} scenario file${files.length === 1 ? '' : 's'} invalid (${count} problem${count === 1 ? '' : 's'})`);
    }
  },
};

/** `pinprick scenarios list|show|validate|explain`. */
export const scenariosCommand: CommandModule<WorldArgs, ScenarioArgs> = {
  command: 'scenarios <action>',
  describe: 'List, show, validate and explain scenarios',
  builder: (y) =>
    y
      .option('scenarios', { type: 'string', array: true, describe: 'Extra folder(s) of scenario files, next to the built-ins' })
      .command(list)
      .command(show)
      .command(validate)
      .command(explainCommand)
      .demandCommand(1, 'Name an action: list, show, validate or explain.'),
  handler: () => undefined,
};
