import type { CommandModule } from 'yargs';
import { PinprickError } from '../../errors.js';
import { loadBuiltinProfiles, loadProfileFile } from '../../scenario/profile.js';
import { defaultWorldSpec } from '../../world/spec.js';
import { out, table } from '../output.js';
import type { WorldArgs } from './world.js';

const list: CommandModule<WorldArgs, WorldArgs> = {
  command: 'list',
  describe: 'List the shipped pin profiles',
  handler: () => {
    const profiles = loadBuiltinProfiles(defaultWorldSpec());
    out(table(profiles.map((p) => [p.id, p.pins.join(', '), p.title ?? '']), ['id', 'pins', 'title']));
  },
};

const validate: CommandModule<WorldArgs, WorldArgs & { files: string[] }> = {
  command: 'validate <files..>',
  describe: 'Check pin profile files: schema, world key names, host patterns, dates',
  builder: (y) => y.positional('files', { type: 'string', array: true, demandOption: true }).example('$0 profiles validate my-app.yaml', ''),
  handler: (args) => {
    const spec = defaultWorldSpec();
    let bad = 0;
    for (const file of args.files) {
      try {
        const p = loadProfileFile(file, spec);
        out(`ok   ${file} (${p.id})`);
      } catch (err) {
        if (!(err instanceof PinprickError)) throw err;
        bad++;
        process.stderr.write(`${err.message}\n`);
      }
    }
    // Every file is reported before failing, so one run lists every file's problem.
    if (bad) throw new PinprickError('E_PROFILE', `${bad} of ${args.files.length} profile file${args.files.length === 1 ? '' : 's'} invalid`);
  },
};

/** `pinprick profiles list|validate`. */
export const profilesCommand: CommandModule<WorldArgs, WorldArgs> = {
  command: 'profiles <action>',
  describe: 'List the shipped pin profiles and validate profile files',
  builder: (y) => y.command(list).command(validate).demandCommand(1, 'Name an action: list or validate.'),
  handler: () => undefined,
};
