import type { Argv, CommandModule, Options } from 'yargs';
import { PinprickError } from '../errors.js';
import { parseSimple } from './fast-args.js';
import { UsageError } from './output.js';

/** Options of every command, declared on the top-level parser. */
export const GLOBAL_OPTIONS: Readonly<Record<string, Options>> = {
  'certs-dir': { type: 'string', describe: 'Folder holding the worlds (default: certs/ of the pinprick package, or $PINPRICK_CERTS)', global: true },
  world: { type: 'string', default: 'default', describe: 'World name: a folder under the certs dir', global: true },
};

/** Any command module: their argument types differ. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Command = CommandModule<any, any>;

/** Commands whose start time matters (a proxy a test waits for): parsed without yargs when simple enough. */
const FAST_COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./commands/serve.js')).serveCommand,
};

/** Every command, in the order `pinprick --help` lists them. Loaded only when yargs parses. */
async function allCommands(): Promise<Command[]> {
  const [world, pins, ca, scenarios, profiles, incidents, serve, run, report, verify, lint, simulate, monitor] = await Promise.all([
    import('./commands/world.js'),
    import('./commands/pins.js'),
    import('./commands/ca.js'),
    import('./commands/scenarios.js'),
    import('./commands/profiles.js'),
    import('./commands/incidents.js'),
    import('./commands/serve.js'),
    import('./commands/run.js'),
    import('./commands/report.js'),
    import('./commands/verify.js'),
    import('./commands/lint.js'),
    import('./commands/simulate.js'),
    import('./commands/monitor.js'),
  ]);
  return [world.worldCommand, pins.pinsCommand, ca.caCommand, scenarios.scenariosCommand, profiles.profilesCommand, incidents.incidentsCommand, serve.serveCommand, serve.useCommand, serve.statusCommand, run.runCommand, report.reportCommand, verify.verifyCommand, lint.lintCommand, simulate.simulateCommand, monitor.monitorCommand];
}

/** The yargs parser of the CLI, with these commands. */
export async function cliParser(argv: string[], commands: readonly Command[]): Promise<Argv> {
  const { default: yargs } = await import('yargs');
  let cli = yargs(argv)
    .scriptName('pinprick')
    .usage('$0 <command> [options]\n\nPinning-aware MITM test proxy and harness: reproduce pinning attacks and key-rotation outages against real TLS clients.')
    .options(GLOBAL_OPTIONS);
  for (const command of commands) cli = cli.command(command);
  return cli
    .demandCommand(1, 'Name a command; see pinprick --help.')
    .strict()
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .help()
    .alias('h', 'help')
    .version()
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
}

/**
 * The CLI: yargs only. Every command declares its options and examples, then calls one library
 * function; this file is the one place that turns errors into exit codes (2 = bad input).
 */
export async function main(argv: string[]): Promise<void> {
  try {
    if (!(await fastCommand(argv))) await (await cliParser(argv, await allCommands())).parseAsync();
  } catch (err) {
    process.exitCode = reportError(err);
  }
}

/** Run a fast command when the argv is one that {@link parseSimple} reads exactly as yargs would; false otherwise. */
async function fastCommand(argv: string[]): Promise<boolean> {
  const load = argv[0] !== undefined && Object.hasOwn(FAST_COMMANDS, argv[0]) ? FAST_COMMANDS[argv[0]] : undefined;
  if (!load) return false;
  const command = await load();
  const args = parseSimple(command, argv, GLOBAL_OPTIONS, 'pinprick');
  if (!args || !command.handler) return false;
  await command.handler(args as Parameters<typeof command.handler>[0]);
  return true;
}

/** One line on stderr, never a stack trace for an error a user can cause. Returns the exit code. */
function reportError(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`pinprick: ${err.message}\nRun 'pinprick --help' for usage.\n`);
    return 2;
  }
  if (err instanceof PinprickError) {
    process.stderr.write(`pinprick: ${err.message}\n`);
    return 2;
  }
  // A bug, not bad input: keep the stack so it can be reported.
  process.stderr.write(`pinprick: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 70;
}
