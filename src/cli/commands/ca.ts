import type { CommandModule } from 'yargs';
import { exportCa, installInstructions } from '../../world/ca-export.js';
import { out, table } from '../output.js';
import { openFromArgs, type WorldArgs } from './world.js';

interface CaArgs extends WorldArgs {
  out: string;
  json?: boolean;
  quiet?: boolean;
}

/** `pinprick ca`. */
export const caCommand: CommandModule<WorldArgs, CaArgs> = {
  command: 'ca',
  describe: 'Export the roots a test client must trust (PEM bundle, PKCS#12 and JKS trust stores, Apple .mobileconfig profile, DER .cer, Android <subject_hash_old>.0) and print how to install them',
  builder: (y) =>
    y
      .option('out', { alias: 'o', type: 'string', default: 'ca-export', describe: 'Folder to write to' })
      .option('json', { type: 'boolean', describe: 'Print what was written as JSON' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Do not print installation instructions' })
      .example('$0 ca', 'Write ./ca-export/ for the default world')
      .example('$0 ca --world ci --out /tmp/roots --json', ''),
  handler: async (args) => {
    const { world } = await openFromArgs(args);
    const exported = await exportCa(world, args.out);
    if (args.json) return out(JSON.stringify(exported, null, 2));
    out(`wrote ${exported.files.length} files to ${exported.dir}`);
    out(`bundle: ${exported.bundle}`);
    out(`pkcs12: ${exported.pkcs12.path} (certificates only, password: ${exported.pkcs12.password})`);
    out(`jks: ${exported.jks.path} (the same roots for Java 8, password: ${exported.jks.password})`);
    out(`mobileconfig: ${exported.mobileconfig} (iOS and macOS, unsigned)`);
    out('');
    out(table(exported.roots.map((r) => [r.name, r.subjectHashOld + '.0', r.pinSha256, r.subject]), ['root', 'android', 'pin-sha256', 'subject']));
    if (!args.quiet) out('\n' + installInstructions(exported));
  },
};
