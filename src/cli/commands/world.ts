import type { CommandModule } from 'yargs';
import { InputError } from '../../errors.js';
import { parseKeyType } from '../../world/keys.js';
import { hostProblem } from '../../world/spec.js';
import { openWorld, type OpenedWorld } from '../../world/store.js';
import { out, table, warn } from '../output.js';

/** Options every world-reading command shares (declared globally in main). */
export interface WorldArgs {
  'certs-dir'?: string;
  world: string;
}

/** Open the world the global options name; read-only commands pass mustExist=false to create on first use. */
export async function openFromArgs(args: WorldArgs, extra: Parameters<typeof openWorld>[0] = {}): Promise<OpenedWorld> {
  const opened = await openWorld({ certsDir: args['certs-dir'], name: args.world, ...extra });
  if (opened.created) warn(`generated world '${opened.world.name}' in ${opened.dir} (keys are unique to this machine${opened.world.seeded ? ', except that this one is SEEDED: never trust it on a real device' : ''})`);
  return opened;
}

interface InitArgs extends WorldArgs {
  hosts?: string[];
  'key-type'?: string;
  seed?: string;
  force?: boolean;
  json?: boolean;
}

const init: CommandModule<WorldArgs, InitArgs> = {
  command: 'init',
  describe: 'Create the world (or load it: an existing world generates nothing) and print its keys and pins',
  builder: (y) =>
    y
      .option('hosts', { type: 'string', array: true, describe: 'Hosts of the genuine and rogue leaves: DNS names (a leading *. for a wildcard) or IP addresses (default: as stored, else api.pinprick.test)', coerce: splitList })
      .option('key-type', { type: 'string', describe: 'Key type of every key: rsa-2048, rsa-3072, rsa-4096, ec-p256, ec-p384, rsa-1024 (weak: for tests of weak keys) (default: as stored, else ec-p256)' })
      .option('seed', { type: 'string', describe: 'Reproducible generation for CI: same seed, same keys and pins anywhere. NEVER trust a seeded CA on a real device.' })
      .option('force', { type: 'boolean', describe: 'Regenerate the world from scratch: every pin changes' })
      .option('json', { type: 'boolean', describe: 'Print the manifest as JSON' })
      .example('$0 world init', 'Create certs/default on first use, or load it')
      .example('$0 world init --hosts api.example.test,cdn.example.test', 'Issue the leaves for these hosts (keys, and so pins, are kept)')
      .example('$0 world init --world ci --seed ci-2026 --key-type rsa-2048', 'A reproducible RSA world for CI'),
  handler: async (args) => {
    // Checked as scenario hosts are, before anything is written (issue 15, finding 6).
    for (const host of args.hosts ?? []) {
      const problem = hostProblem(host);
      if (problem) throw new InputError(`--hosts ${problem}`);
    }
    const opened = await openFromArgs(args, {
      hosts: args.hosts,
      keyType: args['key-type'] === undefined ? undefined : parseKeyType(args['key-type']),
      seed: args.seed,
      force: args.force,
    });
    if (args.json) return out(JSON.stringify(opened.manifest, null, 2));
    printWorld(opened);
  },
};

const show: CommandModule<WorldArgs, WorldArgs & { json?: boolean }> = {
  command: 'show',
  describe: 'Print the keys and certificates of an existing world with their pins',
  builder: (y) => y.option('json', { type: 'boolean', describe: 'Print the manifest as JSON' }).example('$0 world show --world ci', ''),
  handler: async (args) => {
    const opened = await openWorld({ certsDir: args['certs-dir'], name: args.world, mustExist: true });
    if (args.json) return out(JSON.stringify(opened.manifest, null, 2));
    printWorld(opened);
  },
};

function printWorld(opened: OpenedWorld): void {
  const { world, manifest, dir } = opened;
  const made = opened.generatedKeys.length + opened.issuedCerts.length;
  out(`world '${world.name}' in ${dir}${world.seeded ? '  [SEEDED: never trust on a real device]' : ''}`);
  out(`hosts: ${world.hosts.join(', ')}   key type: ${manifest.keyType}   ${made ? `generated ${opened.generatedKeys.length} keys, issued ${opened.issuedCerts.length} certificates` : 'loaded, nothing generated'}`);
  out('');
  out(table(world.allKeys().map((k) => [k.name, `${k.def.party} ${k.def.position}`, manifest.keys[k.name]!.algorithm, k.pin.sha256]), ['key', 'role', 'algorithm', 'pin-sha256']));
  out('');
  out(
    table(
      world.allCerts().map((c) => {
        const m = manifest.certificates[c.name]!;
        return [c.name, c.def.issuer, c.def.trusted ? 'yes' : '', m.notBefore.slice(0, 10), m.notAfter.slice(0, 10), c.def.key];
      }),
      ['certificate', 'issuer', 'trusted', 'not before', 'not after', 'key'],
    ),
  );
}

function splitList(values: string[] | undefined): string[] | undefined {
  return values?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** `pinprick world init|show`. */
export const worldCommand: CommandModule<WorldArgs, WorldArgs> = {
  command: 'world <action>',
  describe: 'Create, load or show a world: the keys and certificates every scenario draws from',
  builder: (y) => y.command(init).command(show).demandCommand(1, 'Name an action: init or show.'),
  handler: () => undefined,
};
