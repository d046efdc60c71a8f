import yargs from 'yargs';
import { PinprickError } from '../errors.js';
import { caCommand } from './commands/ca.js';
import { pinsCommand } from './commands/pins.js';
import { scenariosCommand } from './commands/scenarios.js';
import { serveCommand, useCommand } from './commands/serve.js';
import { runCommand } from './commands/run.js';
import { verifyCommand } from './commands/verify.js';
import { worldCommand } from './commands/world.js';
import { UsageError } from './output.js';

/**
 * The CLI: yargs only. Every command declares its options and examples, then calls one library
 * function; this file is the one place that turns errors into exit codes (2 = bad input).
 */
export async function main(argv: string[]): Promise<void> {
  const cli = yargs(argv)
    .scriptName('pinprick')
    .usage('$0 <command> [options]\n\nPinning-aware MITM test proxy and harness: reproduce pinning attacks and key-rotation outages against real TLS clients.')
    .option('certs-dir', { type: 'string', describe: 'Folder holding the worlds (default: certs/ of the pinprick package, or $PINPRICK_CERTS)', global: true })
    .option('world', { type: 'string', default: 'default', describe: 'World name: a folder under the certs dir', global: true })
    .command(worldCommand)
    .command(pinsCommand)
    .command(caCommand)
    .command(scenariosCommand)
    .command(serveCommand)
    .command(useCommand)
    .command(runCommand)
    .command(verifyCommand)
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
  try {
    await cli.parseAsync();
  } catch (err) {
    process.exitCode = reportError(err);
  }
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
